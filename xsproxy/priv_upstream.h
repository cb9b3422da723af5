// SPDX-License-Identifier: LGPL-2.1-only
// The `privileged` upstream: any daemon (oxenstored first), one privileged socket per
// guest, with xsproxy enforcing what C xenstored 4.17 enforces for an unprivileged ring
// connection of the real domid R (libxsxlate access.h) — one semantic profile on every
// host.
//
// On a privileged socket the daemon checks nothing, so every guest request becomes a
// small exchange on the guest's own socket:
//  - reads: [GET_PERMS P, op P] in one round trip (a second only for a missing node, to
//    find the nearest existing ancestor for EACCES vs ENOENT);
//  - mutations: inside an upstream transaction (the guest's own, or a wrapper opened for
//    this one request and never left idle): [GET_PERMS of P and its ancestors, sizes],
//    decide, then [op, ownership fix-ups (SET_PERMS of created levels), END T]. The
//    transaction makes the check and the act atomic: a concurrent change of anything
//    checked makes the commit fail with EAGAIN; retries are bounded, then the request
//    runs unwrapped (counted, docs/design.md).
// A guest's requests run one at a time; at most `outstanding` wait, beyond that the
// guest's ring is not read (back-pressure, as C's outstanding-request quota).
//
// The daemon sends a privileged socket every event of the watched paths; xsproxy
// filters them with the documented policy (access.h watch_policy).
#pragma once

#include "ring_upstream.h"
#include "upstream.h"
#include "xen.h"
#include "priv_socket.h"
#include "xs_socket.h"
#include "xsxlate/access.h"
#include "xsxlate/node_count.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

struct event;
struct event_base;

namespace xsp {

struct PrivOptions {
    std::string xenstored_socket;
    xsx::access::Quotas quotas;
    bool special_events = false; // deliver '@' events beyond the initial one
    unsigned eagain_retries = 8; // wrapped attempts before the unwrapped fallback
    std::size_t event_backlog = 1024; // events held while the guest does not read
};

class PrivUpstream : public Upstream {
  public:
    PrivUpstream(event_base *base, Xen &xen, XsSocket &shared, ShadowSpec shadow,
                 PrivOptions opt, UpstreamSink &sink);
    ~PrivUpstream() override;

    const char *kind() const override { return "privileged"; }
    void start(std::function<void(const std::string &)> done) override;
    bool can_send() const override;
    void send(const xsx::Msg &m, std::uint64_t tag) override;
    void set_output_blocked(bool blocked) override;
    void describe(std::string &text, std::string &json) const override;

    struct Stats {
        std::uint64_t requests = 0, round_trips = 0, upstream_msgs = 0;
        std::uint64_t wrapped = 0, eagain_retries = 0, unwrapped_fallbacks = 0;
        std::uint64_t denied = 0, quota_refusals = 0, rate_waits = 0;
        std::uint64_t events_in = 0, events_delivered = 0, events_denied = 0;
        std::uint64_t uncertain_delivered = 0, uncertain_denied = 0, events_dropped = 0;
        std::uint64_t dirpart_emulated = 0, fixup_events_suppressed = 0;
        std::uint64_t event_lookups = 0, lookups_skipped = 0;
        std::uint64_t tx_doomed = 0; // guest commits refused: a checked node changed since tx start
    };
    const Stats &stats() const { return stats_; }

  private:
    struct Up {
        std::uint32_t type;
        std::string body;
        std::uint32_t tx = 0;
        bool big = false; // the reply may exceed 4096 (see PrivSocket)
    };
    using Replies = std::vector<xsx::Msg>;
    struct Op {
        xsx::Msg m; // as the session sent it (upstream paths, session tx ids)
        std::uint64_t tag;
        std::uint32_t tx = 0;      // upstream transaction the op runs in (0: none)
        bool wrapper = false;      // tx is ours, opened for this op
        unsigned attempts = 0;
        bool unwrapped = false;    // the EAGAIN fallback
        bool recounted = false;    // the node count was refreshed for this request
        // Inside a guest transaction: the nodes an act rests on with their live answers,
        // read again inside the transaction with the act (see differ()).
        std::vector<std::pair<std::string, xsx::Msg>> held;
    };

    void pump();
    void finish(xsx::Msg reply);
    void batch(std::vector<Up> reqs, std::function<void(Replies &)> k);
    bool is_mutation(std::uint32_t type) const;
    bool rate_limited(const xsx::Msg &m);
    static void rate_cb(int, short, void *arg);

    void run(Op &op);
    void run_read(Op &op);
    void run_read_missing(Op &op, const std::string &path);
    void run_dirpart_emulated(Op &op, const std::string &path, std::uint32_t offset);
    // Mutations (priv_mutation.cpp): checks, decision (with at most one more round trip
    // for a size or an RM's accounting), then the act with fix-ups and commit.
    struct Plan {
        std::vector<Up> acts;
        std::vector<std::pair<std::string, xsx::access::Acl>> created; // levels to own
        std::size_t removed = 0;  // nodes of R an RM deletes
        bool fixups = false;      // SET_PERMS of created levels (parent not R's)
        bool set_acl = false;     // SET_PERMS: `created` holds the node's new ACL
    };
    void run_mutation(Op &op);
    void mutation_checked(Op &op, const std::string &path, Replies &r);
    void refuse(Op &op, std::string_view err, bool quota);
    void succeed_unchanged(Op &op);
    // What C's transaction reads for a request (get_node: the node; when that fails, the
    // walk up to the nearest existing ancestor): op.held, from the live chain `r`.
    void hold(Op &op, const std::vector<std::string> &anc, const Replies &r, bool walked);
    // op.held read inside the guest's transaction (in front of `acts`); their live
    // answers returned for differ().
    std::vector<xsx::Msg> held_reads(Op &op, std::vector<Up> &acts);
    void finish_holding(Op &op, xsx::Msg reply);
    void recount_and_retry(Op &op);
    void act(Op &op, const std::string &path, Plan plan);
    struct Count {
        std::vector<std::string> level;
        std::uint32_t tx = 0;
        std::size_t owned = 0, seen = 0;
        std::function<void(std::size_t)> done;
    };
    void count_owned(const std::string &root, std::uint32_t tx, std::function<void(std::size_t)> done);
    void count_level(std::shared_ptr<Count> c);
    void run_watch(Op &op);
    void run_tx_start(Op &op);
    void run_tx_end(Op &op);
    void run_reset(Op &op);
    void run_forward(Op &op);

    void on_event(const xsx::Msg &ev);
    // What the guest gets, in the order the daemon sent it: replies, and events some of
    // which wait for a lookup of their ACLs at event time.
    struct Out {
        xsx::Msg msg;
        std::uint64_t tag = 0;
        bool event = false, ready = true, deliver = true;
    };
    void emit(std::shared_ptr<Out> o);
    void flush();
    void look_up(std::shared_ptr<Out> o, std::string path, xsx::access::EventFacts f);
    void decided(Out &o, const xsx::access::Delivery &d);
    void deliver(xsx::Msg ev);
    bool in_own_area(const std::string &path) const;
    void remember_acl(const std::string &path, const xsx::access::Acl &acl);
    std::optional<xsx::access::Acl> cached_acl(const std::string &path) const;
    void note_read(const std::string &path);

    xsx::Msg error(const xsx::Msg &m, std::string_view name) const;

    event_base *base_;
    Xen &xen_;
    XsSocket &shared_;
    ShadowSpec shadow_;
    PrivOptions opt_;
    UpstreamSink &sink_;
    std::unique_ptr<PrivSocket> sock_;
    xsx::access::Identity who_;
    std::string home_;
    event *rate_timer_ = nullptr;
    bool rate_armed_ = false;
    xsx::access::WriteRate rate_;

    std::deque<Op> queue_; // queue_.front() runs when busy_
    bool busy_ = false;
    bool ready_ = false;
    bool failed_ = false;
    bool output_blocked_ = false;
    std::deque<xsx::Msg> held_events_;
    std::deque<std::shared_ptr<Out>> out_;
    bool flushing_ = false;
    std::size_t lookups_inflight_ = 0;
    bool no_special_perms_ = false; // the daemon refuses GET_PERMS of '@' names (C 4.17)

    // Guest transactions: the C-like ids the guest sees <-> the daemon's ids.
    xsx::access::TxIds tx_ids_;
    std::map<std::uint32_t, std::uint32_t> tx_g2u_;
    std::set<std::uint32_t> tx_in_use_;
    // Watches as sent upstream: (path, token); tokens awaiting their initial event.
    std::set<std::pair<std::string, std::string>> watches_;
    std::set<std::string> initial_pending_;
    // Events of xsproxy's own ownership fix-ups: a ring connection's create fires once for
    // the node it names, but oxenstored fires again for each SET_PERMS of a created level.
    // Open from sending [op, fix-ups, END, fence] until the fence's reply (the daemon
    // queues a commit's events before it reads the next request).
    struct FixupWindow {
        std::set<std::string> targets;      // the ops' nodes: the first event per token passes
        std::set<std::string> parents;      // implicit parents: their events never pass
        std::set<std::pair<std::string, std::string>> seen; // (target, token)
    };
    std::optional<FixupWindow> fixups_;
    std::map<std::uint32_t, FixupWindow> tx_fixups_; // per upstream guest transaction
    // Nodes a guest transaction wrote, created or removed (upstream tx id -> roots):
    // checks read these inside the transaction (its view differs), all others outside it,
    // so that xsproxy's checks add no conflict the guest's own requests would not.
    std::map<std::uint32_t, std::set<std::string>> tx_touched_;
    // Nodes a guest transaction has read (exactly these): C keeps its first copy.
    std::map<std::uint32_t, std::set<std::string>> tx_accessed_;
    bool touched(std::uint32_t tx, const std::string &path) const;
    // A node a guest transaction's act rests on, read both live (C's answer, decided on)
    // and inside the transaction (so oxenstored's commit-time replay, which runs as dom0
    // on this socket, compares it). Whether the two differ.
    static bool differ(const xsx::Msg &live, const xsx::Msg &inside);
    std::set<std::uint32_t> tx_doomed_;
    // ACLs of nodes a guest transaction created or set: cached at its commit only.
    std::map<std::uint32_t, std::vector<std::pair<std::string, xsx::access::Acl>>> tx_acls_;
    void tx_ended(std::uint32_t tx, bool committed);
    void recount(std::function<void()> done);
    bool no_dirpart_ = false;

    std::unordered_map<std::string, xsx::access::Acl> acl_cache_;
    std::set<std::string> read_paths_;
    xsx::access::NodeCount nodes_;

    Stats stats_;
    // Handing the session a reply or an event may end the session and this upstream.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    static std::size_t open_transactions_; // over every privileged session (C's WRL switch)
};

} // namespace xsp
