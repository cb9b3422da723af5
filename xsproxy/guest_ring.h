// SPDX-License-Identifier: LGPL-2.1-only
// The server side of a guest's xenstore ring, in place of xenstored.
//
// The guest is untrusted: indexes are validated on every pass, a payload over 4096
// bytes or inconsistent indexes set the ring's `error` field and stop service for this
// guest only. Guests notify lazily (Linux signals only when the server had caught up),
// so every pass re-scans both rings. Reconnection (XENSTORE_SERVER_FEATURE_RECONNECTION)
// is advertised and honoured; firmware without it (hvmloader, OVMF) zeroes all indexes
// under a running server, which is detected and treated as a reset on a packet boundary.
#pragma once

#include "guest_conn.h"
#include "xen.h"

#include <cstdint>
#include <deque>
#include <string>

namespace xsp {

class GuestRing : public GuestConn {
  public:
    GuestRing(Xen &xen, GuestSink &sink, int ch, std::uint32_t domid, std::uint64_t gfn,
              std::uint32_t port);
    ~GuestRing() override;

    // Before start(): the ring as it was on the source host (non-cooperative migration).
    // The restore path cleared the page, as libxc does; it is written back whole, the
    // indexes included, and the undelivered bytes are queued again.
    void restore(const std::string &page, const std::string &partial_input,
                 const std::string &pending_output);
    bool start(std::string &err);
    // The ring server's state for export (see migration.h RingImage).
    struct Snapshot {
        std::string page, partial_input, pending_output;
        std::uint32_t req_cons = 0, rsp_prod = 0, server_features = 0;
    };
    Snapshot snapshot() const;
    void send(const xsx::Msg &m) override;
    std::size_t backlog() const override { return out_.size() - out_off_; }
    void pump() override;
    const char *kind() const override { return "ring"; }
    void commit() override;
    void freeze(bool frozen) override;

    bool failed() const { return failed_; }
    std::uint32_t port() const { return port_; }
    int local_port() const { return local_port_; }
    std::uint64_t gfn() const { return gfn_; }
    const xenstore_domain_interface *intf() const { return intf_; }
    const std::string &partial_input() const { return dec_.partial(); }

    struct Stats {
        std::uint64_t requests = 0, replies = 0, notifies_in = 0, notifies_out = 0;
        std::uint64_t reconnects = 0, firmware_resets = 0;
    };
    const Stats &stats() const { return stats_; }

  private:
    void fail(std::uint32_t error, const std::string &why);
    bool check_reset();
    void reset_local();
    bool read_requests();
    bool write_output();

    Xen &xen_;
    GuestSink &sink_;
    int ch_;
    std::uint32_t domid_;
    std::uint64_t gfn_;
    std::uint32_t port_;
    int local_port_ = -1;
    xenstore_domain_interface *intf_ = nullptr;
    xsx::Decoder dec_;
    std::string out_;
    std::size_t out_off_ = 0;
    // What we last wrote to the indexes we own: a guest that zeroes them is resetting.
    std::uint32_t my_req_cons_ = 0, my_rsp_prod_ = 0;
    bool failed_ = false;
    bool in_pump_ = false;
    bool frozen_ = false;
    unsigned deferred_commits_ = 0;
    bool wrote_ = false; // output moved into the ring during this pump
    // Requests are read ahead (peeked) and the consumer index advances per request as
    // the session commits it.
    std::uint32_t peeked_ = 0;
    std::uint32_t early_ = 0; // bytes of the request being read that were committed early
    std::deque<std::uint32_t> uncommitted_;
    const std::string *restore_page_ = nullptr;
    std::string restore_page_copy_;
    Stats stats_;
};

} // namespace xsp
