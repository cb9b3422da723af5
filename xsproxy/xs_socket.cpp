// SPDX-License-Identifier: LGPL-2.1-only
#include "xs_socket.h"

#include "log.h"

#include <cerrno>
#include <cstring>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace xsp {

int connect_unix(const std::string &path, std::string &err) {
    sockaddr_un sa{};
    if (path.size() >= sizeof sa.sun_path) {
        err = "socket path too long: " + path;
        return -1;
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0) {
        err = "connect " + path + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}


XsSocket::XsSocket(event_base *base, std::string path) : base_(base), path_(std::move(path)) {}

XsSocket::~XsSocket() {
    if (bev_) bufferevent_free(bev_);
}

bool XsSocket::connect(std::string &err) {
    int fd = connect_unix(path_, err);
    if (fd < 0) return false;
    evutil_make_socket_nonblocking(fd);
    bev_ = bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    return true;
}

void XsSocket::request(std::uint32_t type, std::string body, ReplyFn on_reply,
                       std::uint32_t tx_id) {
    xsx::Msg m;
    m.type = type;
    m.req_id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    m.tx_id = tx_id;
    m.body = std::move(body);
    pending_.emplace(m.req_id, std::move(on_reply));
    std::string bytes = xsx::encode(m);
    bufferevent_write(bev_, bytes.data(), bytes.size());
}

void XsSocket::read_cb(bufferevent *bev, void *arg) {
    auto *self = static_cast<XsSocket *>(arg);
    evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in) > 0) {
        char buf[8192];
        int n = evbuffer_remove(in, buf, sizeof buf);
        if (n <= 0) break;
        self->dec_.feed(buf, static_cast<std::size_t>(n));
    }
    if (self->dec_.state() != xsx::Decoder::State::ok) {
        self->fail("xenstored sent an oversized message");
        return;
    }
    while (self->dec_.has_msg()) {
        xsx::Msg m = self->dec_.pop();
        if (m.type == XS_WATCH_EVENT) {
            if (self->on_event_) self->on_event_(m);
            continue;
        }
        auto it = self->pending_.find(m.req_id);
        if (it == self->pending_.end()) {
            log::warn("xenstored reply with unknown req_id {} ignored", m.req_id);
            continue;
        }
        ReplyFn fn = std::move(it->second);
        self->pending_.erase(it);
        if (fn) fn(m);
    }
}

void XsSocket::event_cb(bufferevent *, short what, void *arg) {
    auto *self = static_cast<XsSocket *>(arg);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) self->fail("connection to xenstored lost");
}

void XsSocket::fail(const std::string &why) {
    log::error("{} ({})", why, path_);
    if (bev_) bufferevent_disable(bev_, EV_READ | EV_WRITE);
    if (on_fail_) on_fail_(why);
}

bool XsSocket::call(const std::string &path, std::uint32_t type, const std::string &body,
                    xsx::Msg &reply, std::string &err) {
    int fd = connect_unix(path, err);
    if (fd < 0) return false;
    xsx::Msg m;
    m.type = type;
    m.req_id = 1;
    m.body = body;
    std::string bytes = xsx::encode(m);
    bool ok = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
              static_cast<ssize_t>(bytes.size());
    xsx::Decoder dec;
    while (ok && !dec.has_msg()) {
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            ok = false;
            break;
        }
        dec.feed(buf, static_cast<std::size_t>(n));
        if (dec.state() != xsx::Decoder::State::ok) ok = false;
        while (ok && dec.has_msg()) {
            xsx::Msg r = dec.pop();
            if (r.type == XS_WATCH_EVENT) continue;
            reply = std::move(r);
            ::close(fd);
            return true;
        }
    }
    ::close(fd);
    err = "no reply from xenstored at " + path;
    return false;
}

} // namespace xsp
