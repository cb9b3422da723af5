// SPDX-License-Identifier: LGPL-2.1-only
// One attached guest: its channels (the ring, and clients of its optional per-guest
// socket), its translator, and its upstream connection as the real domid.
//
// Replies leave in request order per channel, as xenstored sends them, even when some
// are answered locally (e.g. EINVAL for a non-canonical domid) or take several upstream
// round trips (DIRECTORY_PART on a domid-indexed directory). Socket clients share the
// guest's one upstream connection; their watch tokens are tagged so events find their
// channel, and their reset/close is emulated (unwatch + abort their own transactions)
// so one client never disturbs another or the guest's ring.
#pragma once

#include "guest_conn.h"
#include "priv_upstream.h"
#include "ring_upstream.h"
#include "upstream.h"
#include "xsxlate/journal.h"
#include "xsxlate/migration.h"
#include "xsxlate/translator.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>

namespace xsp {

// Upstream tags: (channel << 40) | slot seq for guest requests, 0 for xsproxy's own,
// and with this bit set, a replacement TRANSACTION_START: (channel << 32) | guest tx id.
constexpr std::uint64_t restart_tag_bit = std::uint64_t{1} << 63;

class GuestRing;
class GuestSocketServer;
using Json = nlohmann::ordered_json; // json.h

struct Services {
    event_base *base;
    Xen &xen;
    XsSocket &sock;
    Kicker &kicker;
    Mirrors &mirrors;
};

struct SessionSpec {
    std::uint32_t domid = 0;    // R, the real domid
    std::uint16_t virt = 1;     // V, what the guest sees
    bool ring = true;           // serve the guest's ring (else only the socket)
    std::uint64_t ring_gfn = 0; // the guest's store page
    std::uint32_t ring_port = 0;
    ShadowSpec shadow;
    std::string socket_path; // per-guest socket ("" = none)
    std::string rules_file;  // "" = defaults
    std::string upstream = "ring"; // ring | privileged | auto (ring, else privileged)
    PrivOptions priv;              // the privileged backend's quotas and policy
};

// What `list` and `dump` report a session as doing (xsproxy-ctl(8) explains each).
enum class SessionState {
    attaching,  // the upstream is starting (INTRODUCE, probe); the guest is not served yet
    ok,         // serving
    exporting,  // quiescing for an export: paused, waiting for requests in flight
    paused,     // exported: no longer reading the guest; waits for resume or detach
    dead,       // the guest broke the ring protocol: its ring is no longer served
    failed,     // the upstream failed (xenstored gone or misbehaving): nothing is served
    recovering, // reserved for reconnecting a failed upstream; no code enters it yet
};
const char *state_name(SessionState s);

struct SessionStatus {
    SessionState state;
    std::string reason; // why (empty for ok)
};

class Session : public GuestSink, public UpstreamSink {
  public:
    Session(Services &svc, SessionSpec spec, xsx::RuleSet rules);
    ~Session() override;

    // Upstream first (INTRODUCE + probe), then the guest's ring and socket.
    void start(std::function<void(const std::string &err)> done);
    const SessionSpec &spec() const { return spec_; }
    bool failed() const { return failed_; }
    const std::string &failure() const { return failure_; }
    SessionStatus status() const;
    const char *upstream_kind() const { return upstream_->kind(); }

    int add_channel(std::unique_ptr<GuestConn> conn);
    // `dump` and one row of `list` (session_dump.cpp), as text and as a JSON object.
    void describe(std::string &text, Json &json) const;
    void summary(std::string &text, Json &row) const;

    // Migration (session_migrate.cpp). Export is non-destructive: the session pauses
    // (stops reading the guest's ring) and resume() continues it on the source.
    // pause(true) stops taking requests; pause(false) also undoes freeze().
    void pause(bool paused);
    // Why it is paused, for `list` and `dump` (set once an export is written).
    void set_pause_reason(std::string why) { pause_reason_ = std::move(why); }
    // At capture: from now on nothing touches the guest's memory (see GuestConn::freeze).
    void freeze();
    bool paused() const { return paused_; }
    // Pause, then wait (bounded) until no request is in flight upstream.
    void quiesce(std::function<void(const std::string &err)> done);
    xsx::migration::SessionImage export_image(xsx::migration::Mode mode) const;
    // Before start(): recreate what the image carries once the upstream is ready.
    void set_import(xsx::migration::SessionImage img);
    const xsx::Journal &journal() const { return journal_; }

    // GuestSink
    bool guest_can_accept(int ch) override;
    void guest_request(int ch, xsx::Msg m) override;
    void guest_reset(int ch, bool closed) override;
    void guest_failed(int ch, const std::string &why) override;
    void guest_drained(int ch) override;
    // UpstreamSink
    void upstream_reply(std::uint64_t tag, xsx::Msg reply) override;
    void upstream_event(xsx::Msg event) override;
    void upstream_writable() override;
    void upstream_consumed(std::uint64_t tag) override;
    void upstream_failed(const std::string &why) override;

  private:
    struct Slot {
        std::uint64_t seq;
        xsx::Msg guest_req;
        bool ready = false;
        bool orphan = false;      // its channel was reset: track, don't deliver
        bool ok_on_reply = false; // emulated RESET_WATCHES: any reply means done
        xsx::Msg reply;
        std::pair<std::string, std::string> up_watch; // WATCH/UNWATCH as sent upstream
        std::unique_ptr<xsx::DirPartExchange> exchange;
        bool held = false;              // waits for a replacement transaction (import)
        xsx::Msg held_msg;              // its upstream request, sent once the id is known
        std::uint32_t restart_for = 0;  // this slot's START replaces guest tx `restart_for`
    };
    struct Channel {
        int id = 0;
        std::unique_ptr<GuestConn> conn;
        std::deque<Slot> slots;
        std::uint64_t next_seq = 1;
        std::set<std::pair<std::string, std::string>> watches; // upstream (path, token)
        std::set<std::uint32_t> txs;
        bool resetting = false; // waiting for orphaned replies before cleaning upstream
        bool closing = false;   // remove once cleaned
        bool dead = false;      // protocol violation: never served again
        std::string dead_reason;
        // Sending a reply can reach the upstream (output unblocked -> its queue runs ->
        // a reply it makes at once comes back here): that nested flush only asks the
        // running one to go on, so replies keep their order and each slot goes once.
        bool flushing = false;
        std::uint64_t requests = 0, local_replies = 0, events = 0;
        // After a non-cooperative import: the guest's transactions from the source are
        // stale (END gets EAGAIN; operations in them run in a replacement transaction),
        // and guest-visible ids are mapped so new ids never collide with stale ones.
        // Requests in arrival order, and whether each has been taken (committed to the
        // guest's ring only in this order).
        std::deque<std::pair<std::uint64_t, bool>> commits;
        bool tx_mapped = false;
        std::set<std::uint32_t> stale_txs;
        std::map<std::uint32_t, std::uint32_t> tx_g2u, tx_u2g;
    };

    Channel *chan(int ch);
    Slot *slot(Channel &c, std::uint64_t seq);
    void flush(Channel &c);
    void track(Channel &c, const Slot &s, const xsx::Msg &up_reply);
    bool others_have_state(int ch) const;
    void clean_upstream(Channel &c);
    void maybe_finish_reset(Channel &c);
    void send_internal(std::uint32_t type, std::string body, std::uint32_t tx_id = 0);
    void update_output_block();
    std::string up_token(int ch, std::string_view token) const;
    void pump_all();
    void use_privileged();
    void forget_watches(Channel &c);
    static void fallback_cb(int, short, void *arg);
    void forward(Channel &c, Slot &s, xsx::Msg up);
    void send_up(Channel &c, std::uint64_t seq, const xsx::Msg &up);
    void mark_taken(Channel &c, std::uint64_t seq);
    bool map_tx(Channel &c, Slot &s, xsx::Msg &up);
    void on_start_reply(Channel &c, Slot &s, xsx::Msg &guest_reply);
    void release_held(Channel &c, std::uint32_t guest_tx);
    void on_restart_reply(std::uint64_t tag, const xsx::Msg &reply);
    bool is_toolstack_key(const std::string &guest_path) const;
    void replay_import();
    void quiesce_check();
    static void quiesce_timeout(int, short, void *arg);
    std::size_t in_flight() const;

    Services &svc_;
    SessionSpec spec_;
    xsx::RuleSet rules_;
    xsx::Translator translator_;
    std::unique_ptr<Upstream> upstream_;
    std::function<void(const std::string &)> fallback_done_; // auto: ring refused
    std::map<int, Channel> chans_;
    int next_ch_ = 1; // 0 is the ring
    std::unique_ptr<GuestSocketServer> socket_;
    bool failed_ = false;
    std::string failure_;
    std::uint64_t stale_replies_ = 0, dropped_events_ = 0;
    xsx::Journal journal_;
    bool paused_ = false;
    std::string pause_reason_;
    bool started_ = false; // start() has succeeded
    std::unique_ptr<xsx::migration::SessionImage> import_;
    std::function<void(const std::string &)> quiesce_done_;
    struct event *quiesce_timer_ = nullptr;
};

} // namespace xsp
