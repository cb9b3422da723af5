// SPDX-License-Identifier: LGPL-2.1-only
#include "rawxs.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <xen/io/xs_wire.h>

namespace conf {

namespace {
bool full(int fd, char *p, std::size_t n, bool writing) {
    while (n) {
        ssize_t k = writing ? ::write(fd, p, n) : ::read(fd, p, n);
        if (k <= 0) return false;
        p += k;
        n -= static_cast<std::size_t>(k);
    }
    return true;
}
} // namespace

RawXs::RawXs(const std::string &path) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) return;
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

RawXs::~RawXs() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawXs::call(std::uint32_t type, const std::string &body, std::string &reply, std::string &err) {
    xsd_sockmsg h{type, next_id_++, 0, static_cast<std::uint32_t>(body.size())};
    std::string out(reinterpret_cast<const char *>(&h), sizeof h);
    out += body;
    if (fd_ < 0 || !full(fd_, out.data(), out.size(), true)) {
        err = "EBADF";
        return false;
    }
    for (;;) { // skip watch events (this connection sets none, but be safe)
        xsd_sockmsg r{};
        if (!full(fd_, reinterpret_cast<char *>(&r), sizeof r, false) || r.len > (1u << 20)) {
            err = "EBADF";
            return false;
        }
        std::string b(r.len, '\0');
        if (r.len && !full(fd_, b.data(), r.len, false)) {
            err = "EBADF";
            return false;
        }
        if (r.type == XS_WATCH_EVENT) continue;
        if (r.type == XS_ERROR) {
            err = b.substr(0, b.find('\0'));
            return false;
        }
        reply = std::move(b);
        return true;
    }
}

} // namespace conf
