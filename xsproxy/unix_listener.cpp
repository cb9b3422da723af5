// SPDX-License-Identifier: LGPL-2.1-only
#include "unix_listener.h"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace xsp {

evconnlistener *listen_unix(event_base *base, const std::string &path, evconnlistener_cb cb,
                            void *arg, std::string &err) {
    sockaddr_un sa{};
    if (path.size() >= sizeof sa.sun_path) {
        err = "socket path longer than " + std::to_string(sizeof sa.sun_path - 1) + " bytes: " +
              path;
        return nullptr;
    }
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());
    mode_t old = ::umask(0177);
    evconnlistener *l = evconnlistener_new_bind(base, cb, arg,
                                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
                                                reinterpret_cast<sockaddr *>(&sa), sizeof sa);
    ::umask(old);
    if (!l) err = "cannot listen on " + path + ": " + std::strerror(errno);
    return l;
}

} // namespace xsp
