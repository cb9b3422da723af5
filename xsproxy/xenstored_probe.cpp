// SPDX-License-Identifier: LGPL-2.1-only
#include "xenstored_probe.h"

#include "xs_socket.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sys/socket.h>
#include <unistd.h>

namespace xsp {

XenstoredIdentity identify_xenstored(const std::string &socket_path) {
    XenstoredIdentity id;
    int fd = connect_unix(socket_path, id.err);
    if (fd < 0) return id;
    ucred cred{};
    socklen_t len = sizeof cred;
    int rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    int e = errno;
    ::close(fd);
    if (rc < 0 || cred.pid <= 0) {
        id.err = std::string("SO_PEERCRED: ") + (rc < 0 ? std::strerror(e) : "no peer process");
        return id;
    }
    id.pid = cred.pid;
    std::string proc = "/proc/" + std::to_string(cred.pid);
    char buf[PATH_MAX];
    ssize_t n = ::readlink((proc + "/exe").c_str(), buf, sizeof buf - 1);
    std::string name;
    if (n > 0) {
        id.program.assign(buf, static_cast<std::size_t>(n));
        name = id.program.substr(id.program.rfind('/') + 1);
    } else {
        // Another user's process (no ptrace access) still shows its comm.
        std::ifstream comm(proc + "/comm");
        std::getline(comm, name);
    }
    if (name == "xenstored")
        id.daemon = "C xenstored";
    else if (name == "oxenstored")
        id.daemon = "oxenstored";
    else
        id.daemon = name;
    if (id.daemon.empty()) id.err = "cannot read " + proc;
    return id;
}

} // namespace xsp
