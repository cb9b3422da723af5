// SPDX-License-Identifier: LGPL-2.1-only
// An asynchronous privileged connection to xenstored's unix socket.
//
// xsproxy's own channel to the daemon: INTRODUCE of shadow rings, kicks that make C
// xenstored run a main-loop pass, mirror watches that ring the doorbell of a guest's
// shadow ring, and @releaseDomain. Replies are matched by req_id (xsproxy's own ids).
#pragma once

#include "xsxlate/wire.h"

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

struct event_base;
struct bufferevent;

namespace xsp {

// A blocking connect to a unix stream socket (CLOEXEC); -1 with `err` set on failure.
int connect_unix(const std::string &path, std::string &err);

class XsSocket {
  public:
    using ReplyFn = std::function<void(const xsx::Msg &)>;
    using EventFn = std::function<void(const xsx::Msg &)>;
    using FailFn = std::function<void(const std::string &)>;

    XsSocket(event_base *base, std::string path);
    ~XsSocket();
    XsSocket(const XsSocket &) = delete;
    XsSocket &operator=(const XsSocket &) = delete;

    bool connect(std::string &err);
    void request(std::uint32_t type, std::string body, ReplyFn on_reply,
                 std::uint32_t tx_id = 0);
    void on_event(EventFn f) { on_event_ = std::move(f); }
    void on_failure(FailFn f) { on_fail_ = std::move(f); }
    std::size_t in_flight() const { return pending_.size(); }
    const std::string &path() const { return path_; }

    // Blocking request for start-up and the control path before the loop runs.
    static bool call(const std::string &path, std::uint32_t type, const std::string &body,
                     xsx::Msg &reply, std::string &err);

  private:
    static void read_cb(bufferevent *bev, void *arg);
    static void event_cb(bufferevent *bev, short what, void *arg);
    void fail(const std::string &why);

    event_base *base_;
    std::string path_;
    bufferevent *bev_ = nullptr;
    xsx::Decoder dec_;
    std::uint32_t next_id_ = 1;
    std::unordered_map<std::uint32_t, ReplyFn> pending_;
    EventFn on_event_;
    FailFn on_fail_;
};

} // namespace xsp
