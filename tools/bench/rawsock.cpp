// SPDX-License-Identifier: LGPL-2.1-only
#include "rawsock.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bench {

RawSock::RawSock(const std::string &path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof a.sun_path)
        throw std::runtime_error("socket: " + path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        int e = errno;
        close(fd_);
        throw std::runtime_error("connect " + path + ": " + std::strerror(e));
    }
}

RawSock::~RawSock() {
    if (fd_ >= 0) close(fd_);
}

void RawSock::send(std::uint32_t type, std::string_view body) {
    xsx::Msg m;
    m.type = type;
    m.req_id = next_id_++;
    m.body = std::string(body);
    std::string out = xsx::encode(m);
    for (std::size_t off = 0; off < out.size();) {
        ssize_t n = ::write(fd_, out.data() + off, out.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("xenstored socket write failed");
        off += std::size_t(n);
    }
}

xsx::Msg RawSock::recv() {
    char buf[4096 + 16];
    while (!dec_.has_msg()) {
        ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error("xenstored socket closed");
        dec_.feed(buf, std::size_t(n));
    }
    return dec_.pop();
}

} // namespace bench
