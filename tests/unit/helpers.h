// SPDX-License-Identifier: LGPL-2.1-only
// Test helpers: build messages from readable pieces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "xsxlate/xsxlate.h"

namespace xt {

// "a|b|" -> "a\0b\0": '|' stands for NUL so payloads read like the protocol docs.
inline std::string z(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c == '|') c = '\0';
    return out;
}

inline xsx::Msg msg(std::uint32_t type, std::string_view body_with_bars, std::uint32_t req = 7,
                    std::uint32_t tx = 0) {
    xsx::Msg m;
    m.type = type;
    m.req_id = req;
    m.tx_id = tx;
    m.body = z(body_with_bars);
    return m;
}

// Body with NULs shown as '|', for readable failure messages.
inline std::string bars(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c == '\0') c = '|';
    return out;
}

} // namespace xt
