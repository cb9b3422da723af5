// SPDX-License-Identifier: LGPL-2.1-only
// Which daemon serves the xenstored socket, for `xsproxy-ctl status`: the peer process of
// a fresh connection (SO_PEERCRED) and the name of its executable. Asked each time, so a
// restarted or replaced daemon shows as it is now.
#pragma once

#include <string>

namespace xsp {

struct XenstoredIdentity {
    std::string daemon;  // "C xenstored", "oxenstored", another program's name, "" unknown
    std::string program; // the executable's path ("" unknown)
    int pid = 0;         // 0 unknown
    std::string err;     // why it is unknown
};

XenstoredIdentity identify_xenstored(const std::string &socket_path);

} // namespace xsp
