// SPDX-License-Identifier: LGPL-2.1-only
// An in-process ring server for the xsguest self-test: a thread serving a heap page and
// a pair of pipes standing in for the event channel (xenevtchn_* below are the test's
// own definitions, so no simulator is needed). It notifies lazily, like a careful
// server, so the client's own lazy rules are exercised against a minimal peer.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

extern "C" {
#include <xenevtchn.h>
}
#include <xsxlate/wire.h>

namespace fake {

struct Server {
    // Returns the reply messages (and events) for one request.
    using Handler = std::function<std::vector<xsx::Msg>(const xsx::Msg &)>;

    Server(Handler h, std::uint32_t features = 0);
    ~Server();

    xenstore_domain_interface *page() { return page_; }
    xenevtchn_handle *guest_handle();
    std::atomic<std::uint64_t> notified_guest{0};
    std::atomic<std::uint64_t> guest_kicks{0};
    std::atomic<bool> paused{false}; // stop serving (for "no reply" timeouts)

  private:
    void run();
    xenstore_domain_interface *page_;
    Handler handler_;
    int to_server_[2];
    int to_guest_[2];
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

} // namespace fake
