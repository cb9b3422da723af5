// SPDX-License-Identifier: LGPL-2.1-only
// A guest-facing connection: the guest's ring, or one client of its per-guest socket.
// Both deliver whole requests to the session and take replies/events back.
#pragma once

#include "xsxlate/wire.h"

#include <cstddef>
#include <string>

namespace xsp {

class GuestSink {
  public:
    virtual ~GuestSink() = default;
    // May the session take another request from channel `ch` now? (back-pressure)
    virtual bool guest_can_accept(int ch) = 0;
    virtual void guest_request(int ch, xsx::Msg m) = 0;
    // The guest asked for a fresh connection (ring reconnect, firmware ring reset,
    // socket client gone): forget its in-flight requests, watches and transactions.
    virtual void guest_reset(int ch, bool closed) = 0;
    // The guest violated the protocol; the channel stops being served.
    virtual void guest_failed(int ch, const std::string &why) = 0;
    // The guest took queued output: the session may pull more from upstream.
    virtual void guest_drained(int ch) = 0;
};

class GuestConn {
  public:
    virtual ~GuestConn() = default;
    virtual void send(const xsx::Msg &m) = 0;
    // Bytes queued toward the guest but not yet accepted by it.
    virtual std::size_t backlog() const = 0;
    // Move bytes both ways as far as possible now (after back-pressure eases).
    virtual void pump() = 0;
    virtual const char *kind() const = 0;
    // The oldest request handed to the session has really been taken (by xenstored, or
    // answered here): a ring advances its consumer index only now, so back-pressure
    // reaches the guest exactly as xenstored applies it.
    virtual void commit() {}
    // Export: nothing may touch the guest's memory after the session was captured (its
    // queued output travels in the stream instead).
    virtual void freeze(bool) {}
};

} // namespace xsp
