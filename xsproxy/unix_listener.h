// SPDX-License-Identifier: LGPL-2.1-only
// A unix-socket listener created mode 0600 from the start (no window in which another
// user could connect): the control socket and the per-guest sockets both need this.
#pragma once

#include <event2/listener.h>
#include <string>

namespace xsp {

// Replaces a stale socket at `path`. Returns nullptr with `err` set on failure.
evconnlistener *listen_unix(event_base *base, const std::string &path, evconnlistener_cb cb,
                            void *arg, std::string &err);

} // namespace xsp
