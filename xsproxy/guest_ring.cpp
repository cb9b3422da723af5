// SPDX-License-Identifier: LGPL-2.1-only
#include "guest_ring.h"

#include "log.h"
#include "xsxlate/ring.h"

#include <cstring>

namespace xsp {

using xsx::ring::Dir;
constexpr std::size_t XC_PAGE_SIZE_BYTES = 4096;

GuestRing::GuestRing(Xen &xen, GuestSink &sink, int ch, std::uint32_t domid,
                     std::uint64_t gfn, std::uint32_t port)
    : xen_(xen), sink_(sink), ch_(ch), domid_(domid), gfn_(gfn), port_(port) {}

GuestRing::~GuestRing() {
    xen_.unbind(local_port_);
    xen_.unmap_ring(intf_);
}

void GuestRing::restore(const std::string &page, const std::string &partial_input,
                        const std::string &pending_output) {
    restore_page_copy_ = page;
    restore_page_ = &restore_page_copy_;
    // The committed head of an incomplete request (see snapshot()): the rest is still in
    // the ring.
    dec_.feed(partial_input);
    early_ = static_cast<std::uint32_t>(partial_input.size());
    out_ = pending_output;
    out_off_ = 0;
}

GuestRing::Snapshot GuestRing::snapshot() const {
    Snapshot s;
    if (intf_) s.page.assign(reinterpret_cast<const char *>(intf_), XC_PAGE_SIZE_BYTES);
    // Requests not yet committed are still in the page (its consumer index has not moved
    // past them), so the destination reads them again from there. Only the head of an
    // incomplete request, taken early (see read_requests), exists nowhere else.
    std::string undelivered;
    xsx::Decoder copy = dec_;
    while (copy.has_msg()) xsx::encode_to(copy.pop(), undelivered);
    undelivered += dec_.partial();
    s.partial_input = undelivered.substr(0, early_);
    s.pending_output = out_.substr(out_off_);
    s.req_cons = my_req_cons_;
    s.rsp_prod = my_rsp_prod_;
    s.server_features = intf_ ? intf_->server_features : 0;
    return s;
}

bool GuestRing::start(std::string &err) {
    intf_ = xen_.map_ring(domid_, gfn_, err);
    if (!intf_) return false;
    bool restored = false;
    if (restore_page_ && restore_page_->size() == XC_PAGE_SIZE_BYTES) {
        std::memcpy(static_cast<void *>(intf_), restore_page_->data(), XC_PAGE_SIZE_BYTES);
        restore_page_copy_.clear();
        restore_page_ = nullptr;
        restored = true;
    }
    local_port_ = xen_.bind(domid_, port_, [this] {
        ++stats_.notifies_in;
        pump();
    }, err);
    if (local_port_ < 0) return false;
    // Attaching must not disturb a guest that is mid-conversation: take the indexes as
    // they are. Advertise reconnection before any data moves, as the protocol requires.
    my_req_cons_ = xsx::ring::load(intf_->req_cons);
    my_rsp_prod_ = xsx::ring::load(intf_->rsp_prod);
    intf_->server_features |= XENSTORE_SERVER_FEATURE_RECONNECTION;
    pump();
    // A notification sent on the source may not have reached the guest before it moved:
    // signal once (a spurious event is harmless), or a guest waiting on its full
    // response ring and a server waiting on the guest would wait for each other.
    if (restored) {
        xen_.notify(local_port_);
        ++stats_.notifies_out;
    }
    return true;
}

void GuestRing::send(const xsx::Msg &m) {
    if (failed_) return;
    xsx::encode_to(m, out_);
    ++stats_.replies;
    pump();
}

void GuestRing::fail(std::uint32_t error, const std::string &why) {
    failed_ = true;
    intf_->error = error;
    out_.clear();
    out_off_ = 0;
    dec_.reset();
    log::warn("domain {}: {}; no longer serving its ring", domid_, why);
    xen_.notify(local_port_);
    sink_.guest_failed(ch_, why);
}

void GuestRing::reset_local() {
    dec_.reset();
    out_.clear();
    out_off_ = 0;
    peeked_ = 0;
    early_ = 0;
    uncommitted_.clear();
}

// Returns true if the guest asked for (or forced) a reset that was handled now.
bool GuestRing::check_reset() {
    if (xsx::ring::load(intf_->connection) == XENSTORE_RECONNECT) {
        ++stats_.reconnects;
        reset_local();
        sink_.guest_reset(ch_, false);
        // Unread requests belong to the old connection.
        std::uint32_t prod = xsx::ring::load(intf_->req_prod);
        xsx::ring::store(intf_->req_cons, prod);
        my_req_cons_ = prod;
        my_rsp_prod_ = xsx::ring::load(intf_->rsp_prod);
        xsx::ring::store(intf_->connection, XENSTORE_CONNECTED);
        xen_.notify(local_port_);
        ++stats_.notifies_out;
        return true;
    }
    std::uint32_t rc = xsx::ring::load(intf_->req_cons);
    std::uint32_t rp = xsx::ring::load(intf_->rsp_prod);
    if (rc != my_req_cons_ || rp != my_rsp_prod_) {
        // Only the server writes these: the guest rewrote them, which is what firmware
        // without reconnect support does (0xff-filled rings, all indexes zero).
        ++stats_.firmware_resets;
        log::info("domain {}: ring indexes reset by the guest; resynchronising", domid_);
        reset_local();
        sink_.guest_reset(ch_, false);
        my_req_cons_ = rc;
        my_rsp_prod_ = rp;
        return true;
    }
    return false;
}

bool GuestRing::read_requests() {
    bool moved = false;
    while (!failed_ && sink_.guest_can_accept(ch_)) {
        if (dec_.has_msg()) {
            xsx::Msg m = dec_.pop();
            auto len = static_cast<std::uint32_t>(xsx::header_size + m.body.size());
            // Its head may already be committed (a request larger than the ring).
            uncommitted_.push_back(len - early_);
            early_ = 0;
            ++stats_.requests;
            sink_.guest_request(ch_, std::move(m));
            continue;
        }
        char buf[XENSTORE_RING_SIZE];
        xsx::ring::Xfer x = xsx::ring::peek(intf_, Dir::req, peeked_, buf, sizeof buf);
        if (x.bad_index) {
            fail(XENSTORE_ERROR_RINGIDX, "inconsistent request ring indexes");
            return moved;
        }
        if (x.n == 0) {
            // The head of an incomplete request is taken at once when nothing older waits,
            // as xenstored reads partial input: a guest notifies only when the server has
            // consumed everything before its new bytes (and a request longer than the ring
            // could not be completed otherwise).
            if (uncommitted_.empty() && peeked_ > 0 && !dec_.has_msg()) {
                xsx::ring::Xfer a = xsx::ring::advance(intf_, Dir::req, peeked_);
                if (a.bad_index) {
                    fail(XENSTORE_ERROR_RINGIDX, "inconsistent request ring indexes");
                    return moved;
                }
                my_req_cons_ += peeked_;
                early_ += peeked_;
                peeked_ = 0;
                xen_.notify(local_port_); // the guest waits for room
                ++stats_.notifies_out;
                moved = true;
                continue;
            }
            break;
        }
        peeked_ += static_cast<std::uint32_t>(x.n);
        moved = true;
        dec_.feed(buf, x.n);
        if (dec_.state() != xsx::Decoder::State::ok) {
            fail(XENSTORE_ERROR_PROTO, "request payload longer than 4096 bytes");
            return moved;
        }
    }
    return moved;
}

void GuestRing::commit() {
    if (frozen_) {
        ++deferred_commits_;
        return;
    }
    if (failed_ || !intf_ || uncommitted_.empty()) return;
    std::uint32_t n = uncommitted_.front();
    uncommitted_.pop_front();
    xsx::ring::Xfer x = xsx::ring::advance(intf_, Dir::req, n);
    if (x.bad_index) {
        fail(XENSTORE_ERROR_RINGIDX, "inconsistent request ring indexes");
        return;
    }
    my_req_cons_ += n;
    peeked_ -= n;
    // Signal every consumption, as xenstored does: a guest whose next request does not
    // fit waits for room, however little was full. One that wrote more while we lagged
    // did not signal (it saw us behind), so look again too.
    xen_.notify(local_port_);
    ++stats_.notifies_out;
    pump();
}

bool GuestRing::write_output() {
    if (out_off_ == out_.size()) return false;
    xsx::ring::Xfer x =
        xsx::ring::produce(intf_, Dir::rsp, out_.data() + out_off_, out_.size() - out_off_);
    if (x.bad_index) {
        fail(XENSTORE_ERROR_RINGIDX, "inconsistent response ring indexes");
        return false;
    }
    my_rsp_prod_ += static_cast<std::uint32_t>(x.n);
    out_off_ += x.n;
    if (x.n) wrote_ = true;
    if (out_off_ == out_.size()) {
        out_.clear();
        out_off_ = 0;
    } else if (out_off_ > 65536) {
        out_.erase(0, out_off_);
        out_off_ = 0;
    }
    return x.n > 0;
}

void GuestRing::freeze(bool frozen) {
    frozen_ = frozen;
    if (frozen_) return;
    for (; deferred_commits_ > 0; --deferred_commits_) commit();
    pump();
}

void GuestRing::pump() {
    if (failed_ || !intf_ || in_pump_ || frozen_) return;
    in_pump_ = true;
    bool notify = false;
    for (int round = 0; round < 64 && !failed_; ++round) {
        if (check_reset()) continue;
        bool progress = false;
        if (write_output()) progress = notify = true;
        if (read_requests()) progress = true;
        if (write_output()) progress = notify = true;
        if (!progress) break;
    }
    if (notify && !failed_) {
        xen_.notify(local_port_);
        ++stats_.notifies_out;
    }
    in_pump_ = false;
    if (wrote_ && !failed_) {
        wrote_ = false;
        sink_.guest_drained(ch_);
    }
}

} // namespace xsp
