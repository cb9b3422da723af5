// SPDX-License-Identifier: LGPL-2.1-only
#include "ring_upstream.h"

#include "log.h"
#include "xsxlate/ring.h"

#include <event2/event.h>
#include <fmt/format.h>

namespace xsp {

using xsx::ring::Dir;

namespace {
// Probe: this many kick pairs without the fence reply means the daemon does not serve
// rings on socket activity.
constexpr unsigned probe_max_passes = 8;
// While xenstored holds requests back (outstanding quota, write-rate limit), kicking
// every pass would spin: back off from 1 ms to this.
constexpr int backoff_max_ms = 64;
} // namespace

RingUpstream::RingUpstream(event_base *base, Xen &xen, XsSocket &sock, Kicker &kicker,
                           Mirrors &mirrors, ShadowSpec spec, UpstreamSink &sink)
    : base_(base), xen_(xen), sock_(sock), kicker_(kicker), mirrors_(mirrors), spec_(spec),
      sink_(sink) {
    backoff_ = evtimer_new(base_, backoff_cb, this);
}

RingUpstream::~RingUpstream() {
    kicker_.forget(this);
    mirror_clear();
    if (backoff_) event_free(backoff_);
    xen_.unmap_ring(intf_);
}

void RingUpstream::start(std::function<void(const std::string &)> done) {
    std::string err;
    intf_ = xen_.map_ring(spec_.domid, spec_.gfn, err);
    if (!intf_) {
        done("shadow ring: " + err);
        return;
    }
    start_done_ = std::move(done);
    std::string body = fmt::format("{}{}{}{}{}{}", spec_.domid, '\0', spec_.gfn, '\0',
                                   spec_.port, '\0');
    sock_.request(XS_INTRODUCE, std::move(body), [this](const xsx::Msg &r) {
        if (xsx::is_error(r)) {
            auto done = std::move(start_done_);
            done(fmt::format("xenstored refused INTRODUCE of domain {} (shadow gfn {:#x}, "
                             "port {}): {}",
                             spec_.domid, spec_.gfn, spec_.port, xsx::error_name(r)));
            return;
        }
        // INTRODUCE reset the shadow connection (indexes zeroed, state dropped).
        dec_.reset();
        last_req_cons_ = xsx::ring::load(intf_->req_cons);
        written_ = taken_ = 0;
        ends_.clear();
        send_internal(Kind::probe, XS_GET_DOMAIN_PATH, fmt::format("{}{}", spec_.domid, '\0'));
    });
}

bool RingUpstream::can_send() const {
    // Keep at most about one message queued beyond the ring: back-pressure then reaches
    // the guest's own ring, as it would with xenstored directly.
    return ready_ && out_.size() - out_off_ < XENSTORE_RING_SIZE;
}

std::string RingUpstream::absolute(std::string_view path) const {
    if (!path.empty() && (path[0] == '/' || path[0] == '@')) return std::string(path);
    return fmt::format("/local/domain/{}/{}", spec_.domid, path);
}

void RingUpstream::send(const xsx::Msg &m, std::uint64_t tag) {
    Pending p{Kind::guest, tag, m.req_id, m.type, {}};
    if (m.type == XS_WATCH || m.type == XS_UNWATCH) {
        auto parts = xsx::split_nul(m.body);
        if (!parts.empty()) p.watch_path = absolute(parts[0]);
        // Mirror before xenstored can fire: its first event may precede the reply.
        if (m.type == XS_WATCH) mirror_add(p.watch_path);
    }
    ++stats_.requests;
    write_request(m, std::move(p));
}

void RingUpstream::send_internal(Kind kind, std::uint32_t type, std::string body) {
    xsx::Msg m;
    m.type = type;
    m.body = std::move(body);
    write_request(m, Pending{kind, 0, 0, type, {}});
}

void RingUpstream::write_request(const xsx::Msg &m, Pending p) {
    xsx::Msg up = m;
    up.req_id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    std::uint64_t tag = p.kind == Kind::guest ? p.tag : 0;
    pending_.emplace(up.req_id, std::move(p));
    written_ += xsx::header_size + up.body.size();
    if (tag) ends_.emplace_back(written_, tag);
    xsx::encode_to(up, out_);
    flush_requests();
    need_pass();
}

std::uint64_t RingUpstream::out_pending() const { return out_.size() - out_off_; }

bool RingUpstream::flush_requests() {
    if (out_off_ == out_.size()) return false;
    note_taken(); // every consumption is seen before the ring is refilled
    xsx::ring::Xfer x =
        xsx::ring::produce(intf_, Dir::req, out_.data() + out_off_, out_.size() - out_off_);
    if (x.bad_index) {
        sink_.upstream_failed("shadow ring request indexes inconsistent");
        return false;
    }
    out_off_ += x.n;
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    }
    return x.n > 0;
}

// Reports, in order, the guest requests xenstored has read from the shadow ring.
bool RingUpstream::note_taken() {
    std::uint32_t rc = xsx::ring::load(intf_->req_cons);
    std::uint32_t delta = rc - last_req_cons_;
    if (delta == 0) return false;
    // Between two looks xenstored may take more than a ring's worth (we refill the ring as
    // it drains); never more than was written.
    if (delta > written_ - out_pending() - taken_) {
        sink_.upstream_failed("shadow ring request consumer index moved past what was written");
        return false;
    }
    last_req_cons_ = rc;
    taken_ += delta;
    while (!ends_.empty() && ends_.front().first <= taken_) {
        std::uint64_t tag = ends_.front().second;
        ends_.pop_front();
        sink_.upstream_consumed(tag);
    }
    return true;
}

bool RingUpstream::drain_replies() {
    bool moved = note_taken();
    while (!output_blocked_) {
        char buf[XENSTORE_RING_SIZE];
        xsx::ring::Xfer x = xsx::ring::consume(intf_, Dir::rsp, buf, sizeof buf);
        if (x.bad_index) {
            sink_.upstream_failed("shadow ring response indexes inconsistent");
            return moved;
        }
        if (x.n == 0) break;
        moved = true;
        dec_.feed(buf, x.n);
        if (dec_.state() != xsx::Decoder::State::ok) {
            sink_.upstream_failed("xenstored wrote an oversized message to the shadow ring");
            return moved;
        }
        while (dec_.has_msg() && !output_blocked_) handle(dec_.pop());
    }
    while (dec_.has_msg() && !output_blocked_) handle(dec_.pop());
    return moved;
}

void RingUpstream::handle(xsx::Msg m) {
    if (m.type == XS_WATCH_EVENT) {
        ++stats_.events;
        sink_.upstream_event(std::move(m));
        return;
    }
    auto it = pending_.find(m.req_id);
    if (it == pending_.end()) {
        log::warn("domain {}: shadow ring reply with unknown req_id {}", spec_.domid, m.req_id);
        return;
    }
    Pending p = std::move(it->second);
    pending_.erase(it);
    switch (p.kind) {
    case Kind::probe: {
        // Binding the shadow port may leave it pending once (as on Xen), and a daemon that
        // reads rings only on events could answer the first probe because of that: only
        // a second answer, driven by kicks alone, proves the main-loop behaviour.
        if (++probes_answered_ < 2) {
            send_internal(Kind::probe, XS_GET_DOMAIN_PATH, fmt::format("{}{}", spec_.domid, '\0'));
            return;
        }
        ready_ = true;
        log::debug("domain {}: shadow ring served after {} kick passes", spec_.domid,
                   probe_passes_);
        auto done = std::move(start_done_);
        if (done) done("");
        return;
    }
    case Kind::fence:
        fence_in_flight_ = false;
        if (fence_again_) {
            fence_again_ = false;
            doorbell();
        }
        return;
    case Kind::guest:
        break;
    }
    ++stats_.replies;
    bool ok = !xsx::is_error(m);
    if (p.type == XS_WATCH && !ok) mirror_drop(p.watch_path);
    if (p.type == XS_UNWATCH && ok) mirror_drop(p.watch_path);
    if (p.type == XS_RESET_WATCHES && ok) mirror_clear();
    m.req_id = p.guest_req_id;
    sink_.upstream_reply(p.tag, std::move(m));
}

void RingUpstream::doorbell() {
    ++stats_.doorbells;
    if (!ready_) return;
    // xenstored usually wrote R's event in the same pass that sent the mirror's: take it
    // now. The fence below still guarantees nothing queued before it is left behind.
    drain_replies();
    if (fence_in_flight_) {
        // The event that rang may have been queued after the fence was read.
        fence_again_ = true;
        return;
    }
    fence_in_flight_ = true;
    ++stats_.fences;
    send_internal(Kind::fence, XS_GET_DOMAIN_PATH, fmt::format("{}{}", spec_.domid, '\0'));
}

bool RingUpstream::busy() const {
    return out_off_ != out_.size() || !pending_.empty() ||
           xsx::ring::readable(intf_, Dir::req) > 0;
}

void RingUpstream::need_pass() { kicker_.want(this); }

void RingUpstream::kicked(bool final_of_pair) {
    if (!intf_) return;
    ++stats_.passes;
    bool progress = drain_replies();
    if (note_taken()) progress = true;
    if (flush_requests()) progress = true;
    if (progress && can_send()) sink_.upstream_writable();
    // Whatever moved at the pair's first reply counts for the pair: judging the final
    // reply alone calls a pass idle when the first one already took all xenstored gave.
    pair_progress_ = pair_progress_ || progress;
    if (!final_of_pair) return;
    progress = pair_progress_;
    pair_progress_ = false;
    if (!ready_ && ++probe_passes_ >= probe_max_passes && start_done_) {
        auto done = std::move(start_done_);
        done(fmt::format(
            "xenstored at {} did not serve domain {}'s shadow ring after {} kick passes: the "
            "ring upstream needs C xenstored (oxenstored reads a ring only after its event "
            "channel fires); use the privileged upstream",
            sock_.path(), spec_.domid, probe_passes_));
        return;
    }
    // A stall is over once a pass moves anything, or nothing is left to wait for: the
    // next one starts again at 1 ms (a stale backoff would make every later stall, e.g.
    // each write-rate-limit delay, wait the full 64 ms).
    if (progress || !busy()) backoff_ms_ = 0;
    if (!busy() || output_blocked_) {
        idle_passes_ = 0;
        return;
    }
    if (progress) {
        idle_passes_ = 0;
        kicker_.want(this);
        return;
    }
    // Nothing moved in a whole pass: xenstored is holding R back on purpose.
    ++stats_.idle_passes;
    if (++idle_passes_ < 2) {
        kicker_.want(this);
        return;
    }
    backoff_ms_ = backoff_ms_ ? std::min(backoff_ms_ * 2, backoff_max_ms) : 1;
    ++stats_.backoffs;
    timeval tv{0, backoff_ms_ * 1000};
    evtimer_add(backoff_, &tv);
}

void RingUpstream::backoff_cb(int, short, void *arg) {
    // backoff_ms_ keeps growing until a pass makes progress.
    auto *self = static_cast<RingUpstream *>(arg);
    self->kicker_.want(self);
}

void RingUpstream::set_output_blocked(bool blocked) {
    if (output_blocked_ == blocked) return;
    output_blocked_ = blocked;
    if (!blocked) {
        drain_replies();
        kicker_.want(this);
    }
}

void RingUpstream::mirror_add(const std::string &path) {
    auto it = mirrors_by_path_.find(path);
    if (it != mirrors_by_path_.end()) {
        ++it->second.refs;
        return;
    }
    std::uint64_t id = mirrors_.add(path, [this] { doorbell(); });
    mirrors_by_path_.emplace(path, Mirror{1, id});
}

void RingUpstream::mirror_drop(const std::string &path) {
    auto it = mirrors_by_path_.find(path);
    if (it == mirrors_by_path_.end()) return;
    if (--it->second.refs == 0) {
        mirrors_.remove(it->second.id);
        mirrors_by_path_.erase(it);
    }
}

void RingUpstream::mirror_clear() {
    for (auto &[path, m] : mirrors_by_path_) mirrors_.remove(m.id);
    mirrors_by_path_.clear();
}

void RingUpstream::describe(std::string &text, std::string &json) const {
    long req = intf_ ? xsx::ring::readable(intf_, Dir::req) : 0;
    long rsp = intf_ ? xsx::ring::readable(intf_, Dir::rsp) : 0;
    text += fmt::format("  upstream           ring (shadow gfn {:#x}, port {}, {})\n", spec_.gfn,
                        spec_.port, ready_ ? "ready" : "starting");
    text += fmt::format("  shadow ring        req {} bytes unread, rsp {} bytes unread, "
                        "{} queued, {} in flight\n",
                        req, rsp, out_.size() - out_off_, pending_.size());
    text += fmt::format("  shadow traffic     {} requests, {} replies, {} events, {} doorbells, "
                        "{} fences, {} passes ({} idle, {} backoffs)\n",
                        stats_.requests, stats_.replies, stats_.events, stats_.doorbells,
                        stats_.fences, stats_.passes, stats_.idle_passes, stats_.backoffs);
    text += fmt::format("  mirror watches     {}\n", mirrors_by_path_.size());
    json += fmt::format(
        "\"upstream\":{{\"kind\":\"ring\",\"shadow_gfn\":{},\"shadow_port\":{},\"ready\":{},"
        "\"req_unread\":{},\"rsp_unread\":{},\"queued_bytes\":{},\"in_flight\":{},"
        "\"requests\":{},\"replies\":{},\"events\":{},\"doorbells\":{},\"fences\":{},"
        "\"passes\":{},\"idle_passes\":{},\"backoffs\":{},\"mirror_watches\":{}}}",
        spec_.gfn, spec_.port, ready_ ? "true" : "false", req, rsp, out_.size() - out_off_,
        pending_.size(), stats_.requests, stats_.replies, stats_.events, stats_.doorbells,
        stats_.fences, stats_.passes, stats_.idle_passes, stats_.backoffs,
        mirrors_by_path_.size());
}

} // namespace xsp
