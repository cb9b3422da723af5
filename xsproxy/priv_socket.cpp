// SPDX-License-Identifier: LGPL-2.1-only
#include "priv_socket.h"
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

namespace {
// Far above anything a daemon sends; beyond it the stream is not xenstore.
constexpr std::size_t sane_max = 16 * 1024 * 1024;
} // namespace

PrivSocket::PrivSocket(event_base *base, std::string path) : base_(base), path_(std::move(path)) {}

PrivSocket::~PrivSocket() {
    *alive_ = false;
    if (bev_) bufferevent_free(bev_);
}

bool PrivSocket::connect(std::string &err) {
    int fd = connect_unix(path_, err);
    if (fd < 0) return false;
    evutil_make_socket_nonblocking(fd);
    bev_ = bufferevent_socket_new(base_, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    return true;
}

void PrivSocket::request(std::uint32_t type, std::string body, ReplyFn on_reply, std::uint32_t tx_id,
                         bool allow_big) {
    xsx::Msg m;
    m.type = type;
    m.req_id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    m.tx_id = tx_id;
    m.body = std::move(body);
    pending_.emplace(m.req_id, Pending{std::move(on_reply), allow_big});
    std::string bytes = xsx::encode(m);
    bufferevent_write(bev_, bytes.data(), bytes.size());
}

void PrivSocket::read_cb(bufferevent *bev, void *arg) {
    auto *self = static_cast<PrivSocket *>(arg);
    evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in) > 0) {
        char buf[16384];
        int n = evbuffer_remove(in, buf, sizeof buf);
        if (n <= 0) break;
        self->in_.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t off = 0;
    while (!self->failed_ && self->in_.size() - off >= xsx::header_size) {
        xsd_sockmsg h;
        std::memcpy(&h, self->in_.data() + off, sizeof h);
        if (h.len > sane_max) return self->fail("xenstored sent an absurd message length");
        if (self->in_.size() - off - xsx::header_size < h.len) break;
        xsx::Msg m;
        m.type = h.type;
        m.req_id = h.req_id;
        m.tx_id = h.tx_id;
        m.body.assign(self->in_, off + xsx::header_size, h.len);
        off += xsx::header_size + h.len;
        std::shared_ptr<bool> alive = self->alive_;
        self->dispatch(std::move(m));
        if (!*alive) return; // the handler closed the session: `self` is gone
    }
    self->in_.erase(0, off);
}

void PrivSocket::dispatch(xsx::Msg m) {
    bool big = m.body.size() > xsx::payload_max;
    if (big) ++oversized_;
    if (m.type == XS_WATCH_EVENT) {
        if (!big && on_event_) on_event_(m);
        return;
    }
    auto it = pending_.find(m.req_id);
    if (it == pending_.end()) {
        log::warn("xenstored reply with unknown req_id {} ignored", m.req_id);
        return;
    }
    ReplyFn fn = std::move(it->second.fn);
    bool allow_big = it->second.allow_big;
    pending_.erase(it);
    if (big && !allow_big) {
        m.type = XS_ERROR;
        m.body.assign("E2BIG", 6);
    }
    if (fn) fn(m);
}

void PrivSocket::event_cb(bufferevent *, short what, void *arg) {
    auto *self = static_cast<PrivSocket *>(arg);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) self->fail("connection to xenstored lost");
}

void PrivSocket::fail(const std::string &why) {
    if (failed_) return;
    failed_ = true;
    log::error("{} ({})", why, path_);
    if (bev_) bufferevent_disable(bev_, EV_READ | EV_WRITE);
    if (on_fail_) on_fail_(why);
}

} // namespace xsp
