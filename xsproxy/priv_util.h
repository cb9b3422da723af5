// SPDX-License-Identifier: LGPL-2.1-only
// Small payload helpers shared by the privileged backend's files.
#pragma once

#include "xsxlate/access.h"
#include "xsxlate/paths.h"
#include "xsxlate/wire.h"

#include <optional>
#include <string>
#include <string_view>

namespace xsp::priv {

inline std::string_view first_arg(std::string_view body, std::string_view *rest = nullptr) {
    std::size_t nul = body.find('\0');
    if (nul == body.npos) {
        if (rest) *rest = {};
        return body;
    }
    if (rest) *rest = body.substr(nul + 1);
    return body.substr(0, nul);
}

// "s\0"
inline std::string z(std::string_view s) {
    std::string out(s);
    out.push_back('\0');
    return out;
}

inline std::optional<xsx::access::Acl> acl_of(const xsx::Msg &r) {
    if (xsx::is_error(r)) return std::nullopt;
    return xsx::access::parse_acl(r.body);
}

// A node name 4.17 C xenstored accepts (is_valid_nodename): absolute, its characters,
// no empty component, no trailing '/', within the length rule.
inline bool c_valid_path(std::string_view p) {
    if (p.empty() || p[0] != '/' || (p.size() > 1 && p.back() == '/') || p.find("//") != p.npos)
        return false;
    for (char c : p)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '/' || c == '_' || c == '@'))
            return false;
    return !xsx::path_too_long(p);
}

// The node is not in the daemon: ENOENT, or EINVAL for a path C accepts but the daemon's
// own limits do not (oxenstored's quota-path-max, 1024 in Debian's oxenstored.conf):
// such a node cannot exist there.
inline bool missing(const xsx::Msg &r, std::string_view path) {
    auto e = xsx::error_name(r);
    return e == "ENOENT" || (e == "EINVAL" && c_valid_path(path));
}

inline std::string_view basename(std::string_view path) {
    return path.substr(path.rfind('/') + 1);
}

} // namespace xsp::priv
