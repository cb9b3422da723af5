// SPDX-License-Identifier: LGPL-2.1-only
// Mirror watches: xsproxy's privileged watches that ring a guest's doorbell.
//
// xenstored queues a guest's watch events into its shadow ring and signals the shadow
// port, which nobody in dom0 can receive. A privileged connection receives a superset of
// every connection's events, so for each path a guest watches xsproxy keeps the same
// watch on its own socket; its events say "look at that shadow ring now".
#pragma once

#include "xs_socket.h"

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

namespace xsp {

class Mirrors {
  public:
    using Doorbell = std::function<void()>;
    explicit Mirrors(XsSocket &sock) : sock_(sock) {}

    // Returns an id for remove(). Events for `abs_path` ring `bell`.
    std::uint64_t add(const std::string &abs_path, Doorbell bell);
    void remove(std::uint64_t id);
    // Called with every WATCH_EVENT on the privileged socket; false if not a mirror.
    bool dispatch(const xsx::Msg &event);
    std::size_t size() const { return by_id_.size(); }
    std::uint64_t rung() const { return rung_; }

  private:
    struct Entry {
        std::string path;
        Doorbell bell;
    };
    XsSocket &sock_;
    std::uint64_t next_ = 1;
    std::uint64_t rung_ = 0;
    std::unordered_map<std::uint64_t, Entry> by_id_;
};

std::string mirror_token(std::uint64_t id);

} // namespace xsp
