// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/domid.h"

namespace xsx {

std::optional<domid_t> parse_domid(std::string_view s) {
    // At most 5 digits: 65535 is the largest domid_t; a longer spelling is either
    // non-canonical (leading zero) or out of range.
    if (s.empty() || s.size() > 5) return std::nullopt;
    if (s[0] == '0') return s.size() == 1 ? std::optional<domid_t>(0) : std::nullopt;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > 0xFFFF) return std::nullopt;
    return static_cast<domid_t>(v);
}

void append_domid(std::string &out, unsigned d) {
    char buf[12];
    char *p = buf + sizeof buf;
    do {
        *--p = static_cast<char>('0' + d % 10);
        d /= 10;
    } while (d != 0);
    out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

std::string domid_str(unsigned d) {
    std::string s;
    append_domid(s, d);
    return s;
}

} // namespace xsx
