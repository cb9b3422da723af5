// SPDX-License-Identifier: LGPL-2.1-only
// The privileged backend's own connection to the daemon's socket.
//
// Like XsSocket, with one difference that matters on oxenstored: a socket connection
// there may receive replies and events longer than XENSTORE_PAYLOAD_MAX (a DIRECTORY of
// a big directory), which XsSocket treats as a protocol error. Here an oversized reply
// becomes the E2BIG a ring connection of C xenstored gets, and an oversized event is
// dropped as C's send_event does.
#pragma once

#include <memory>

#include "xsxlate/wire.h"

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

struct event_base;
struct bufferevent;

namespace xsp {

class PrivSocket {
  public:
    using ReplyFn = std::function<void(const xsx::Msg &)>;

    PrivSocket(event_base *base, std::string path);
    ~PrivSocket();
    PrivSocket(const PrivSocket &) = delete;
    PrivSocket &operator=(const PrivSocket &) = delete;

    bool connect(std::string &err);
    // allow_big: hand this request's reply over whatever its length (DIRECTORY_PART
    // emulated from an oxenstored DIRECTORY, which only a socket may receive whole).
    void request(std::uint32_t type, std::string body, ReplyFn on_reply, std::uint32_t tx_id = 0,
                 bool allow_big = false);
    void on_event(ReplyFn f) { on_event_ = std::move(f); }
    void on_failure(std::function<void(const std::string &)> f) { on_fail_ = std::move(f); }
    std::uint64_t oversized() const { return oversized_; }

  private:
    static void read_cb(bufferevent *bev, void *arg);
    static void event_cb(bufferevent *bev, short what, void *arg);
    void dispatch(xsx::Msg m);
    void fail(const std::string &why);

    event_base *base_;
    std::string path_;
    bufferevent *bev_ = nullptr;
    std::string in_;
    std::uint32_t next_id_ = 1;
    struct Pending {
        ReplyFn fn;
        bool allow_big;
    };
    std::unordered_map<std::uint32_t, Pending> pending_;
    ReplyFn on_event_;
    std::function<void(const std::string &)> on_fail_;
    std::uint64_t oversized_ = 0;
    bool failed_ = false;
    // A reply or event handler may end the session and with it this socket; the read
    // loop checks this before touching its members again.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace xsp
