// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/validate.h"

#include <algorithm>

namespace xsx {

namespace {

std::size_t count_nul(std::string_view b) {
    return static_cast<std::size_t>(std::count(b.begin(), b.end(), '\0'));
}

// xenstored's onearg(): exactly one NUL, as the last byte.
bool one_arg(std::string_view b) { return !b.empty() && b.find('\0') == b.size() - 1; }

} // namespace

bool is_known_request_type(std::uint32_t type) {
    switch (type) {
    case XS_CONTROL:
    case XS_DIRECTORY:
    case XS_READ:
    case XS_GET_PERMS:
    case XS_WATCH:
    case XS_UNWATCH:
    case XS_TRANSACTION_START:
    case XS_TRANSACTION_END:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_GET_DOMAIN_PATH:
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_SET_PERMS:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RESUME:
    case XS_SET_TARGET:
    case XS_RESET_WATCHES:
    case XS_DIRECTORY_PART: return true;
    default: return false;
    }
}

bool is_privileged_type(std::uint32_t type) {
    switch (type) {
    case XS_CONTROL:
    case XS_INTRODUCE:
    case XS_RELEASE:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RESUME:
    case XS_SET_TARGET: return true;
    default: return false;
    }
}

bool is_single_arg_node_type(std::uint32_t type) {
    return type == XS_DIRECTORY || type == XS_READ || type == XS_GET_PERMS || type == XS_MKDIR ||
           type == XS_RM;
}

std::string_view validate_request(const Msg &m) {
    if (!is_known_request_type(m.type)) return "ENOSYS";
    std::string_view b = m.body;
    bool ok = true;
    switch (m.type) {
    case XS_DIRECTORY:
    case XS_READ:
    case XS_GET_PERMS:
    case XS_MKDIR:
    case XS_RM:
    case XS_GET_DOMAIN_PATH:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_RELEASE:
    case XS_RESUME: ok = one_arg(b); break;
    case XS_TRANSACTION_END:
        ok = one_arg(b) && (b[0] == 'T' || b[0] == 'F') && b.size() == 2;
        break;
    // get_strings() ignores bytes after the last NUL, so counting NULs is exact.
    case XS_WRITE: ok = count_nul(b) >= 1; break;
    case XS_WATCH: // 4.17: a third (depth) argument is EINVAL
    case XS_UNWATCH:
    case XS_DIRECTORY_PART: ok = count_nul(b) == 2; break;
    case XS_SET_PERMS: ok = count_nul(b) >= 2; break;
    case XS_INTRODUCE: ok = count_nul(b) >= 3; break;
    case XS_SET_TARGET: ok = count_nul(b) >= 2; break;
    default: break; // CONTROL, TRANSACTION_START, RESET_WATCHES: no argument check
    }
    return ok ? std::string_view{} : std::string_view{"EINVAL"};
}

} // namespace xsx
