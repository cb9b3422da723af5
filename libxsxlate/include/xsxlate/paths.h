// SPDX-License-Identifier: LGPL-2.1-only
// Path splitting, rewriting and the length limit, without allocation on the common path.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "xsxlate/domid.h"
#include "xsxlate/rules.h"

namespace xsx {

// A path's components as views into the caller's string. Absolute "/a/b" -> {a, b};
// special "@releaseDomain/5" -> {@releaseDomain, 5} with special = true. Components past
// max_pattern_depth are not stored (rules never reach them) but are counted.
struct PathComps {
    std::array<std::string_view, max_pattern_depth> comp{};
    std::size_t stored = 0; // min(count, max_pattern_depth)
    std::size_t count = 0;
    bool special = false;
    std::string_view last; // final component, even past max_pattern_depth
};

// Splits an absolute or '@' path. Returns false for a relative path (no leading '/' or '@').
bool split_path(std::string_view path, PathComps &out);

enum class Dir : std::uint8_t { to_upstream, to_guest };

// Rewrites the {d} components of an absolute or special path; relative paths are copied
// unchanged (they carry no domid). Appends to `out`.
void rewrite_path(const RuleSet &rules, const DomidMap &map, Dir dir, std::string_view path,
                  std::string &out);
std::string rewrite_path(const RuleSet &rules, const DomidMap &map, Dir dir,
                         std::string_view path);

// `p` is `root` or a node below it ("/a/bc" is not under "/a/b"; everything is under "/").
inline bool is_under(std::string_view p, std::string_view root) {
    if (root == "/") return !p.empty() && p[0] == '/';
    return p.size() >= root.size() && p.compare(0, root.size(), root) == 0 &&
           (p.size() == root.size() || p[root.size()] == '/');
}

// "/local/domain/<d>" home of a domain.
std::string domain_path(unsigned domid);

// The node-name length rule of 4.17 C xenstored (is_valid_nodename): below
// "/local/domain/<up to 5 digits>/" the rest may be `max` long, elsewhere the whole
// path; '@' paths the whole path. Exceeding gives EINVAL.
constexpr std::size_t default_path_max = 2048; // XENSTORE_REL_PATH_MAX, quota_max_path_len
bool path_too_long(std::string_view abs_path, std::size_t max = default_path_max);

} // namespace xsx
