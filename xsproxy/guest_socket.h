// SPDX-License-Identifier: LGPL-2.1-only
// The opt-in per-guest unix socket: unmodified clients (xenstore-read with
// XENSTORED_PATH, libxenstore, pyxs) speak the wire protocol on it and act as the
// guest — same translation, same upstream identity. Mode 0600: only root may act as a
// guest.
#pragma once

#include "guest_conn.h"

#include <string>

struct event_base;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

namespace xsp {

class Session;

class GuestSocketClient : public GuestConn {
  public:
    GuestSocketClient(GuestSink &sink, bufferevent *bev);
    ~GuestSocketClient() override;
    void set_channel(int ch) { ch_ = ch; }
    void send(const xsx::Msg &m) override;
    std::size_t backlog() const override;
    void pump() override;
    const char *kind() const override { return "socket"; }

  private:
    static void read_cb(bufferevent *bev, void *arg);
    static void write_cb(bufferevent *bev, void *arg);
    static void event_cb(bufferevent *bev, short what, void *arg);

    GuestSink &sink_;
    bufferevent *bev_;
    int ch_ = -1;
    xsx::Decoder dec_;
    bool closed_ = false;
};

class GuestSocketServer {
  public:
    GuestSocketServer(event_base *base, Session &session);
    ~GuestSocketServer();
    bool listen(const std::string &path, std::string &err);

  private:
    static void accept_cb(evconnlistener *l, int fd, sockaddr *sa, int len, void *arg);

    event_base *base_;
    Session &session_;
    evconnlistener *listener_ = nullptr;
    std::string path_;
};

} // namespace xsp
