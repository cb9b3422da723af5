// SPDX-License-Identifier: LGPL-2.1-only
#include "guest_socket.h"

#include "log.h"
#include "session.h"
#include "unix_listener.h"

#include <cerrno>
#include <cstring>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace xsp {

GuestSocketClient::GuestSocketClient(GuestSink &sink, bufferevent *bev)
    : sink_(sink), bev_(bev) {
    bufferevent_setcb(bev_, read_cb, write_cb, event_cb, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

GuestSocketClient::~GuestSocketClient() { bufferevent_free(bev_); }

void GuestSocketClient::send(const xsx::Msg &m) {
    if (closed_) return;
    std::string bytes = xsx::encode(m);
    bufferevent_write(bev_, bytes.data(), bytes.size());
}

std::size_t GuestSocketClient::backlog() const {
    return evbuffer_get_length(bufferevent_get_output(bev_));
}

void GuestSocketClient::pump() {
    if (closed_) return;
    // Deliver what is decoded while the session has room; the rest waits in the socket.
    while (dec_.has_msg() && sink_.guest_can_accept(ch_)) sink_.guest_request(ch_, dec_.pop());
    if (dec_.has_msg()) {
        bufferevent_disable(bev_, EV_READ);
        return;
    }
    bufferevent_enable(bev_, EV_READ);
    evbuffer *in = bufferevent_get_input(bev_);
    while (evbuffer_get_length(in) > 0 && !dec_.has_msg()) {
        char buf[4096];
        int n = evbuffer_remove(in, buf, sizeof buf);
        if (n <= 0) break;
        dec_.feed(buf, static_cast<std::size_t>(n));
        if (dec_.state() != xsx::Decoder::State::ok) {
            // xenstored closes a socket connection that sends an oversized message.
            closed_ = true;
            bufferevent_disable(bev_, EV_READ | EV_WRITE);
            sink_.guest_reset(ch_, true);
            return;
        }
        while (dec_.has_msg() && sink_.guest_can_accept(ch_))
            sink_.guest_request(ch_, dec_.pop());
    }
    if (dec_.has_msg()) bufferevent_disable(bev_, EV_READ);
}

void GuestSocketClient::read_cb(bufferevent *, void *arg) {
    static_cast<GuestSocketClient *>(arg)->pump();
}

void GuestSocketClient::write_cb(bufferevent *, void *arg) {
    auto *self = static_cast<GuestSocketClient *>(arg);
    if (!self->closed_) self->sink_.guest_drained(self->ch_);
}

void GuestSocketClient::event_cb(bufferevent *, short what, void *arg) {
    auto *self = static_cast<GuestSocketClient *>(arg);
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) || self->closed_) return;
    self->closed_ = true;
    bufferevent_disable(self->bev_, EV_READ | EV_WRITE);
    // The session deletes this object once upstream state is cleaned.
    self->sink_.guest_reset(self->ch_, true);
}

GuestSocketServer::GuestSocketServer(event_base *base, Session &session)
    : base_(base), session_(session) {}

GuestSocketServer::~GuestSocketServer() {
    if (listener_) evconnlistener_free(listener_);
    if (!path_.empty()) ::unlink(path_.c_str());
}

bool GuestSocketServer::listen(const std::string &path, std::string &err) {
    listener_ = listen_unix(base_, path, accept_cb, this, err);
    if (!listener_) return false;
    path_ = path;
    return true;
}

void GuestSocketServer::accept_cb(evconnlistener *, int fd, sockaddr *, int, void *arg) {
    auto *self = static_cast<GuestSocketServer *>(arg);
    bufferevent *bev = bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE);
    auto client = std::make_unique<GuestSocketClient>(self->session_, bev);
    GuestSocketClient *c = client.get();
    int ch = self->session_.add_channel(std::move(client));
    c->set_channel(ch);
}

} // namespace xsp
