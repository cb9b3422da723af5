// Small payload helpers shared by the privileged backend's files.
#pragma once

#include "xsxlate/access.h"
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

inline std::string_view basename(std::string_view path) {
    return path.substr(path.rfind('/') + 1);
}

} // namespace xsp::priv
