// SPDX-License-Identifier: LGPL-2.1-only
// The control socket: root only (SO_PEERCRED), one request line per connection. Every
// refused request (a non-root peer's, or one the daemon answers with an error) is logged
// with the peer's uid and pid and what was asked.
// Answers may be asynchronous (attach waits for xenstored); a client that leaves early
// must not leave a dangling reply behind, so connections are shared-owned.
#pragma once

#include "control_proto.h"

#include <functional>
#include <memory>
#include <set>
#include <string>

struct event_base;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

namespace xsp {

class ControlServer {
  public:
    using Reply = std::function<void(bool ok, const std::string &body)>;
    using Handler = std::function<void(const ControlRequest &, Reply)>;

    ControlServer(event_base *base, Handler handler);
    ~ControlServer();
    bool listen(const std::string &path, std::string &err);

  private:
    struct Conn;
    static void accept_cb(evconnlistener *l, int fd, sockaddr *sa, int len, void *arg);
    static void read_cb(bufferevent *bev, void *arg);
    static void write_cb(bufferevent *bev, void *arg);
    static void event_cb(bufferevent *bev, short what, void *arg);
    void close(Conn *c);

    event_base *base_;
    Handler handler_;
    evconnlistener *listener_ = nullptr;
    std::string path_;
    std::set<std::shared_ptr<Conn>> conns_;
};

} // namespace xsp
