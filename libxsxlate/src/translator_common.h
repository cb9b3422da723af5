// SPDX-License-Identifier: LGPL-2.1-only
// Internal: helpers shared by the translator's request, reply and event halves.
#pragma once

#include <string>
#include <string_view>

#include "xsxlate/translator.h"

namespace xsx {

struct Translator::Impl {
    static bool is_relative(std::string_view p) { return p.empty() || (p[0] != '/' && p[0] != '@'); }

    // The guest path as an absolute path in the guest's view (relative paths resolved
    // against the virtual home), for rule lookups and the watch table key.
    static std::string_view guest_view(Translator &t, std::string_view guest_path) {
        if (!is_relative(guest_path)) return guest_path;
        t.view_.assign(t.home_virt_);
        t.view_.push_back('/');
        t.view_.append(guest_path);
        return t.view_;
    }

    // Appends the upstream spelling of a guest path.
    static void path_up(const Translator &t, std::string_view guest_path, std::string &out) {
        if (is_relative(guest_path)) {
            if (t.opt_.absolute_upstream) {
                out.append(t.home_real_);
                out.push_back('/');
            }
            out.append(guest_path);
            return;
        }
        rewrite_path(*t.rules_, t.map_, Dir::to_upstream, guest_path, out);
    }

    // xenstored's node-name length rule, on the path as xenstored will canonicalize it.
    static bool too_long_upstream(const Translator &t, std::string_view guest_path,
                                  std::string_view upstream_path) {
        // Relative paths live below /local/domain/<R>/, whose prefix is exempt.
        if (is_relative(guest_path) && !t.opt_.absolute_upstream)
            return guest_path.size() > t.opt_.path_max;
        return path_too_long(upstream_path, t.opt_.path_max);
    }

    static void rewrite_children(const Translator &t, std::string_view list, std::string &out);
    static void rewrite_perms_to_guest(const Translator &t, std::string_view perms, std::string &out);
};

// First NUL-terminated string of a payload and the rest after its NUL.
inline std::string_view first_arg(std::string_view b, std::string_view *rest = nullptr) {
    std::size_t nul = b.find('\0');
    if (nul == b.npos) {
        if (rest) *rest = {};
        return b;
    }
    if (rest) *rest = b.substr(nul + 1);
    return b.substr(0, nul);
}

} // namespace xsx
