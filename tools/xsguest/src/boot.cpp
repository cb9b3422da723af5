// SPDX-License-Identifier: LGPL-2.1-only
// Connection life cycle: Linux boot (xs_init, xs_reset_watches), the ring reconnect
// handshake (docs/misc/xenstore-ring.txt) and the firmware fallback (OVMF
// XenStoreDeinit, hvmloader) for servers that cannot reconnect.
#include <cstdlib>
#include <cstring>

#include <xsxlate/ring.h>

#include "xsguest/client.h"

namespace xsguest {

namespace ring = xsx::ring;
using Clock = std::chrono::steady_clock;

Status Client::connect() {
    // Linux HVM late init: a ring still in RECONNECT is not served yet; wait for the
    // server to flip it (dom0less, or a firmware that left a reconnect pending).
    if (ring::load(t_.intf->connection) != XENSTORE_CONNECTED) {
        bool up = wait_until(
            [&] { return ring::load(t_.intf->connection) == XENSTORE_CONNECTED; },
            Clock::now() + opt_.timeout);
        if (!up) return Status{"ETIMEDOUT"};
    }
    // xenbus_read_unsigned(..., 0): any failure to read counts as 0.
    auto f = read("control/platform-feature-xs_reset_watches");
    if (!f.ok() && (broken() || f.err == "ETIMEDOUT")) return Status{f.err};
    if (!f.ok() || std::strtoul(f.val.c_str(), nullptr, 10) == 0) return {};
    auto s = reset_watches();
    sent_reset_watches_ = true;
    if (!s.ok() && s.err != "EEXIST") return s;
    return {};
}

bool Client::server_can_reconnect() const {
    return ring::load(t_.intf->server_features) & XENSTORE_SERVER_FEATURE_RECONNECTION;
}

void Client::reset_session() {
    out_.clear();
    dec_.reset();
    events_.clear();
    for (auto &[id, p] : pending_)
        if (!p.reply) p.lost = true;
    broken_.clear();
}

Status Client::reconnect() {
    // The feature bit must have been advertised before any data moved; reading it now
    // is what OVMF and Mini-OS do too.
    if (!server_can_reconnect()) return Status{"EOPNOTSUPP"};
    ring::store(t_.intf->connection, XENSTORE_RECONNECT);
    notify();
    // Until the server writes CONNECTED, nothing but `connection` may be looked at:
    // the server is emptying the queues under us.
    auto deadline = Clock::now() + opt_.timeout;
    while (ring::load(t_.intf->connection) != XENSTORE_CONNECTED) {
        if (Clock::now() >= deadline) return Status{"ETIMEDOUT"};
        wait_evtchn(deadline);
    }
    reset_session();
    return {};
}

void Client::firmware_reset() {
    auto *intf = t_.intf;
    std::memset(intf->req, 0xff, sizeof intf->req);
    std::memset(intf->rsp, 0xff, sizeof intf->rsp);
    ring::store(intf->req_cons, 0);
    ring::store(intf->req_prod, 0);
    ring::store(intf->rsp_cons, 0);
    ring::store(intf->rsp_prod, 0);
    reset_session();
}

} // namespace xsguest
