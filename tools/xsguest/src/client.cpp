// SPDX-License-Identifier: LGPL-2.1-only
// Ring I/O, request matching and waiting: the part of xsguest that must behave like
// LNX xenbus_comms.c (xb_write/xb_read) and xenbus_xs.c (req_id matching).
#include "xsguest/client.h"

#include <cerrno>
#include <poll.h>

#include <xsxlate/ring.h>

namespace xsguest {

namespace ring = xsx::ring;
using Clock = std::chrono::steady_clock;

Client::Client(Transport t, Options o)
    : t_(std::move(t)), opt_(o), next_req_id_(o.first_req_id) {}

Client::~Client() {
    if (t_.release) t_.release();
}

void Client::rebind(Transport t) {
    if (t_.release) t_.release();
    t_ = std::move(t);
}

void Client::resume(Transport t) {
    rebind(std::move(t));
    dec_.reset();
    auto *intf = t_.intf;
    std::uint32_t prod = ring::load(intf->rsp_prod);
    if (ring::load(intf->rsp_cons) != prod) ring::store(intf->rsp_cons, prod);
}

void Client::notify() {
    xenevtchn_notify(t_.xce, t_.port);
    ++stats_.notifies;
}

void Client::fail(std::string reason) {
    if (broken_.empty()) broken_ = std::move(reason);
}

std::uint32_t Client::send(std::uint32_t type, std::string_view body, std::uint32_t tx_id) {
    std::uint32_t id = next_req_id_++;
    xsx::Msg m{type, id, tx_id, std::string(body)};
    xsx::encode_to(m, out_);
    pending_[id] = Pending{type, tx_id, std::nullopt};
    ++stats_.msgs_sent;
    pump();
    return id;
}

void Client::pump() {
    if (broken()) return;
    flush_requests();
    drain_responses();
}

void Client::flush_requests() {
    auto *intf = t_.intf;
    while (!out_.empty() && !broken()) {
        std::uint32_t old_prod = ring::load(intf->req_prod);
        ring::Xfer x = ring::produce(intf, ring::Dir::req, out_.data(), out_.size());
        if (x.bad_index) {
            // Linux xb_write: zero the indexes and fail with -EIO.
            ring::store(intf->req_cons, 0);
            ring::store(intf->req_prod, 0);
            fail("EIO");
            return;
        }
        if (x.n == 0) return; // full: the server notifies when it makes room
        out_.erase(0, x.n);
        // Signal only if the server had caught up with everything before our bytes.
        // req_cons is re-read after publishing req_prod (as Linux does): a server that
        // drained the ring meanwhile may already have gone idle without seeing our data.
        std::uint32_t cons = ring::load(intf->req_cons);
        if (x.was_empty || static_cast<std::uint32_t>(cons - old_prod) <= x.n) notify();
    }
}

void Client::drain_responses() {
    auto *intf = t_.intf;
    char buf[XENSTORE_RING_SIZE];
    while (!broken()) {
        std::uint32_t old_cons = ring::load(intf->rsp_cons);
        ring::Xfer x = ring::consume(intf, ring::Dir::rsp, buf, sizeof buf);
        if (x.bad_index) {
            // Linux xb_read: zero the indexes and fail with -EIO.
            ring::store(intf->rsp_cons, 0);
            ring::store(intf->rsp_prod, 0);
            fail("EIO");
            return;
        }
        if (x.n == 0) return;
        // Signal only if the ring had been full: only then may the server be waiting
        // for room. rsp_prod is re-read after freeing space, as in Linux.
        std::uint32_t prod = ring::load(intf->rsp_prod);
        if (x.was_full || static_cast<std::uint32_t>(prod - old_cons) >= XENSTORE_RING_SIZE)
            notify();
        dec_.feed(buf, x.n);
        if (dec_.state() != xsx::Decoder::State::ok) {
            fail("EINVAL"); // header len > 4096: Linux process_msg returns -EINVAL
            return;
        }
        while (dec_.has_msg()) dispatch(dec_.pop());
    }
}

void Client::dispatch(xsx::Msg m) {
    if (m.type == XS_WATCH_EVENT) {
        auto parts = xsx::split_nul(m.body);
        ++stats_.events;
        events_.push_back(Event{parts.size() > 0 ? std::string(parts[0]) : std::string(),
                                parts.size() > 1 ? std::string(parts[1]) : std::string()});
        return;
    }
    auto it = pending_.find(m.req_id);
    if (it == pending_.end() || it->second.reply || it->second.lost) {
        ++stats_.unmatched;
        return;
    }
    if (m.tx_id != it->second.tx_id || (m.type != it->second.type && m.type != XS_ERROR))
        ++stats_.bad_echo;
    ++stats_.replies;
    it->second.reply = std::move(m);
}

void Client::wait_evtchn(Clock::time_point deadline) {
    auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return;
    pollfd pfd{xenevtchn_fd(t_.xce), POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r <= 0) return; // timeout or EINTR: the caller re-scans and re-checks the deadline
    xenevtchn_port_or_error_t p = xenevtchn_pending(t_.xce);
    if (p >= 0) {
        xenevtchn_unmask(t_.xce, static_cast<evtchn_port_t>(p));
        ++stats_.wakeups;
    }
}

bool Client::wait_until(const std::function<bool()> &pred, Clock::time_point deadline) {
    for (;;) {
        // Re-scan before every sleep: a notification may cover many messages, and data
        // may have arrived without one (the server's lazy rules differ from ours).
        pump();
        if (pred()) return true;
        if (broken() || Clock::now() >= deadline) return false;
        wait_evtchn(deadline);
    }
}

bool Client::reply_ready(std::uint32_t req_id) {
    pump();
    auto it = pending_.find(req_id);
    return it != pending_.end() && (it->second.reply || it->second.lost);
}

Result<xsx::Msg> Client::wait_reply(std::uint32_t req_id) { return wait_reply(req_id, opt_.timeout); }

Result<xsx::Msg> Client::wait_reply(std::uint32_t req_id, milliseconds timeout) {
    if (!pending_.count(req_id)) return Status{"ENOENT"}; // not in flight
    bool done = wait_until(
        [&] {
            auto &p = pending_.at(req_id);
            return p.reply.has_value() || p.lost;
        },
        Clock::now() + timeout);
    if (!done) return Status{broken() ? broken_ : "ETIMEDOUT"};
    auto node = pending_.extract(req_id);
    if (node.mapped().lost) return Status{"ECONNRESET"};
    Result<xsx::Msg> r(std::move(*node.mapped().reply));
    if (xsx::is_error(r.val)) r.err = std::string(xsx::error_name(r.val));
    return r;
}

Result<xsx::Msg> Client::request(std::uint32_t type, std::string_view body, std::uint32_t tx_id) {
    return wait_reply(send(type, body, tx_id));
}

std::optional<Event> Client::next_event() { return next_event(opt_.timeout); }

std::optional<Event> Client::next_event(milliseconds timeout) {
    return wait_event_if([](const Event &) { return true; }, timeout);
}

std::optional<Event> Client::wait_event(std::string_view path, std::string_view token) {
    return wait_event(path, token, opt_.timeout);
}

std::optional<Event> Client::wait_event(std::string_view path, std::string_view token,
                                        milliseconds timeout) {
    return wait_event_if([&](const Event &e) { return e.path == path && e.token == token; },
                         timeout);
}

std::optional<Event> Client::wait_event_if(const std::function<bool(const Event &)> &pred,
                                           milliseconds timeout) {
    std::optional<Event> found;
    auto take = [&] {
        for (auto it = events_.begin(); it != events_.end(); ++it) {
            if (pred(*it)) {
                found = std::move(*it);
                events_.erase(it);
                return true;
            }
        }
        return false;
    };
    wait_until(take, Clock::now() + timeout);
    return found;
}

} // namespace xsguest
