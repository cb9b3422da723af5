// SPDX-License-Identifier: LGPL-2.1-only
// The `ring` upstream: exact identity for C xenstored through a shadow ring.
//
// Attach INTRODUCEs the guest's real domid R to xenstored with a second page of R (the
// shadow ring, seeded in R's grant entry 1) and a second unbound port of R. xenstored
// then holds a genuine unprivileged connection for R and itself decides every
// permission, ownership, quota, back-pressure and watch delivery. xsproxy writes the
// guest's (rewritten) requests into the shadow ring as if it were R's kernel, and reads
// replies and events back — driven by kicks (kicker.h) and, for watch events that
// arrive on their own, by doorbells from mirror watches (mirrors.h) followed by a fence
// request in the shadow ring: per-connection output is FIFO, so once the fence's reply
// is read, every event xenstored decided to deliver to R before it has been read too.
//
// This relies on C xenstored's main loop (every domain ring is scanned on every pass),
// not on a documented interface, so start() probes it and refuses the backend otherwise
// (oxenstored reads a ring only after that domain's event channel fires).
#pragma once

#include "kicker.h"
#include "mirrors.h"
#include "upstream.h"
#include "xen.h"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>

struct event;

namespace xsp {

struct ShadowSpec {
    std::uint32_t domid = 0; // R
    std::uint64_t gfn = 0;   // shadow page (grant entry 1 must name it for C xenstored)
    std::uint32_t port = 0;  // unbound port of R, remote 0
};

class RingUpstream : public Upstream, public Kickable {
  public:
    RingUpstream(event_base *base, Xen &xen, XsSocket &sock, Kicker &kicker,
                 Mirrors &mirrors, ShadowSpec spec, UpstreamSink &sink);
    ~RingUpstream() override;

    const char *kind() const override { return "ring"; }
    void start(std::function<void(const std::string &)> done) override;
    bool can_send() const override;
    bool reports_consumption() const override { return true; }
    void send(const xsx::Msg &m, std::uint64_t tag) override;
    void set_output_blocked(bool blocked) override;
    void describe(std::string &text, std::string &json) const override;
    void kicked(bool final_of_pair) override;

    void doorbell();

  private:
    enum class Kind : std::uint8_t { guest, fence, probe };
    struct Pending {
        Kind kind;
        std::uint64_t tag;
        std::uint32_t guest_req_id;
        std::uint32_t type;
        std::string watch_path; // absolute, for WATCH/UNWATCH mirrors
    };

    void send_internal(Kind kind, std::uint32_t type, std::string body);
    void write_request(const xsx::Msg &m, Pending p);
    bool flush_requests();
    bool drain_replies();
    void handle(xsx::Msg m);
    void need_pass();
    bool busy() const;
    std::string absolute(std::string_view path) const;
    void mirror_add(const std::string &path);
    void mirror_drop(const std::string &path);
    void mirror_clear();
    static void backoff_cb(int, short, void *arg);

    event_base *base_;
    Xen &xen_;
    XsSocket &sock_;
    Kicker &kicker_;
    Mirrors &mirrors_;
    ShadowSpec spec_;
    UpstreamSink &sink_;
    xenstore_domain_interface *intf_ = nullptr;
    event *backoff_ = nullptr;

    std::string out_; // request bytes not yet in the shadow ring
    std::size_t out_off_ = 0;
    xsx::Decoder dec_;
    std::uint32_t next_id_ = 1;
    std::unordered_map<std::uint32_t, Pending> pending_;
    struct Mirror {
        unsigned refs;
        std::uint64_t id;
    };
    std::map<std::string, Mirror> mirrors_by_path_;

    std::function<void(const std::string &)> start_done_;
    unsigned probe_passes_ = 0;
    unsigned probes_answered_ = 0;
    bool ready_ = false;
    bool output_blocked_ = false;
    bool fence_in_flight_ = false, fence_again_ = false;
    unsigned idle_passes_ = 0;
    bool pair_progress_ = false; // something moved during the current kick pair
    int backoff_ms_ = 0;
    std::uint32_t last_req_cons_ = 0;
    // Request bytes written / taken by xenstored since INTRODUCE, and where each guest
    // request ends in that stream, to report consumption in order.
    std::uint64_t written_ = 0, taken_ = 0;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> ends_; // (end offset, tag)
    bool note_taken();
    std::uint64_t out_pending() const;

    struct Stats {
        std::uint64_t requests = 0, replies = 0, events = 0, fences = 0, doorbells = 0;
        std::uint64_t passes = 0, idle_passes = 0, backoffs = 0;
    } stats_;
};

} // namespace xsp
