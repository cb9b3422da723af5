// SPDX-License-Identifier: LGPL-2.1-only
// A guest-side xenstore ring client that drives the ring the way Linux xenbus does.
//
// It is the "guest kernel" of integration tests, conformance runs and benchmarks, so it
// must exercise a ring server (xenstored, oxenstored, xsproxy) exactly as a real guest
// would, and must never hide a server bug by being more forgiving than Linux:
//  * many requests in flight, each with the next value of one incrementing req_id
//    counter (Linux starts at 0); replies are matched only by req_id, in any order;
//    a reply for an unknown req_id is dropped and counted (Linux: -ENOENT, discarded);
//  * lazy event-channel notification as in LNX xenbus_comms.c: signal after producing
//    only if the server had consumed everything before our data; signal after consuming
//    only if the response ring had been full. No periodic polling: a server that
//    forgets to notify makes a wait time out instead of succeeding by luck;
//  * after any wake-up both rings are re-scanned: one notification may cover many
//    messages and a notification may carry nothing;
//  * WATCH_EVENTs may arrive between any two replies; they are queued separately;
//  * index hygiene: prod - cons > 1024 zeroes that ring's indexes and breaks the
//    session with EIO; a reply header with len > 4096 breaks it with EINVAL.
//
// Transport-generic: the core needs only a mapped xenstore_domain_interface and a
// xenevtchn handle plus the local port bound to the server (see xensim_guest.h for the
// simulated-hypervisor factory). Single-threaded: one Client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// xenevtchn.h (4.17) has no extern "C" guard of its own.
extern "C" {
#include <xenevtchn.h>
}
#include <xsxlate/wire.h>

#include "xsguest/result.h"

namespace xsguest {

using std::chrono::milliseconds;

struct Transport {
    xenstore_domain_interface *intf = nullptr;
    xenevtchn_handle *xce = nullptr;
    evtchn_port_t port = 0;        // local port whose peer is the ring server
    std::function<void()> release; // runs when the Client is destroyed (unmap, close)
};

struct Options {
    milliseconds timeout{5000};   // default bound for every wait
    std::uint32_t first_req_id = 0; // Linux's counter starts at 0; tests may start near wrap
};

struct Stats {
    std::uint64_t msgs_sent = 0;
    std::uint64_t notifies = 0;   // event-channel signals we sent
    std::uint64_t wakeups = 0;    // notifications we received
    std::uint64_t replies = 0;
    std::uint64_t events = 0;
    std::uint64_t unmatched = 0;  // replies with no request in flight (dropped)
    std::uint64_t bad_echo = 0;   // reply tx_id or type not echoing the request
};

class Client {
  public:
    explicit Client(Transport t, Options o = {});
    ~Client();
    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    // ---- boot and ring resets -------------------------------------------------------
    // Linux xs_init for an HVM guest: wait for a server still in reconnect, then send
    // RESET_WATCHES if control/platform-feature-xs_reset_watches reads nonzero. EEXIST is
    // ignored like Linux; other errors are returned (Linux only warns).
    Status connect();
    bool sent_reset_watches() const { return sent_reset_watches_; }
    // xenstore-ring.txt reconnect: only if the server advertised RECONNECTION
    // (EOPNOTSUPP otherwise). Afterwards the session is fresh; requests that were in
    // flight complete with ECONNRESET, queued events are dropped.
    Status reconnect();
    bool server_can_reconnect() const;
    // What hvmloader/OVMF do when the server cannot reconnect: fill both rings with 0xff
    // (XS_INVALID) and zero all four indexes, without notifying. Only safe while the
    // server is idle; the server keeps the connection's watches and transactions.
    void firmware_reset();
    // Non-cooperative migration: the guest never learns it moved, but its store page and
    // port now live on another host. Switch to `t` (releasing the old transport) and keep
    // everything else: req_id counter, requests in flight, unsent bytes, half-decoded
    // input, queued events. No notification is sent: a guest that does not know it moved
    // would not send one.
    void rebind(Transport t);
    // Cooperative resume after a migration (Linux xs_resume/xb_init_comms): the new
    // ring and event channel, a response ring made quiescent, partial input from the old
    // ring discarded. Watches are the caller's to re-register, as Linux does.
    void resume(Transport t);

    // ---- asynchronous core -------------------------------------------------------------
    // Queue a request; bytes go to the ring as space allows (also during later waits).
    std::uint32_t send(std::uint32_t type, std::string_view body, std::uint32_t tx_id = 0);
    // Non-blocking: move ring data, then report whether the reply is in.
    bool reply_ready(std::uint32_t req_id);
    // The reply (err = its error name if XS_ERROR), or ETIMEDOUT / the broken reason.
    Result<xsx::Msg> wait_reply(std::uint32_t req_id);
    Result<xsx::Msg> wait_reply(std::uint32_t req_id, milliseconds timeout);
    std::size_t in_flight() const { return pending_.size(); }
    std::uint32_t next_req_id() const { return next_req_id_; }
    // Move whatever can move without blocking.
    void pump();

    // ---- synchronous calls (tx = header tx_id) -------------------------------------
    Result<xsx::Msg> request(std::uint32_t type, std::string_view body, std::uint32_t tx_id = 0);
    Result<std::string> read(std::string_view path, std::uint32_t tx = 0);
    Status write(std::string_view path, std::string_view value, std::uint32_t tx = 0);
    Status mkdir(std::string_view path, std::uint32_t tx = 0);
    Status rm(std::string_view path, std::uint32_t tx = 0);
    Result<std::vector<std::string>> directory(std::string_view path, std::uint32_t tx = 0);
    Result<DirPart> directory_part(std::string_view path, std::uint64_t offset,
                                   std::uint32_t tx = 0);
    // libxenstore's loop over DIRECTORY_PART, restarting when the generation changes.
    Result<std::vector<std::string>> directory_by_parts(std::string_view path,
                                                        std::uint32_t tx = 0);
    Result<std::vector<std::string>> get_perms(std::string_view path, std::uint32_t tx = 0);
    Status set_perms(std::string_view path, const std::vector<std::string> &perms,
                     std::uint32_t tx = 0);
    Status watch(std::string_view path, std::string_view token);
    Status unwatch(std::string_view path, std::string_view token);
    Result<std::uint32_t> transaction_start();
    Status transaction_end(std::uint32_t tx, bool commit);
    Result<std::string> get_domain_path(std::uint32_t domid);
    Status reset_watches();

    // ---- watch events ------------------------------------------------------------------
    // The oldest queued event, waiting up to the timeout for one.
    std::optional<Event> next_event();
    std::optional<Event> next_event(milliseconds timeout);
    // The first event (queued or arriving) equal to (path, token); other events stay queued.
    std::optional<Event> wait_event(std::string_view path, std::string_view token);
    std::optional<Event> wait_event(std::string_view path, std::string_view token,
                                    milliseconds timeout);
    std::optional<Event> wait_event_if(const std::function<bool(const Event &)> &pred,
                                       milliseconds timeout);
    const std::deque<Event> &events() const { return events_; }
    void clear_events() { events_.clear(); }

    // ---- diagnostics ---------------------------------------------------------------------
    const Stats &stats() const { return stats_; }
    bool broken() const { return !broken_.empty(); }
    const std::string &broken_reason() const { return broken_; }
    xenstore_domain_interface *intf() const { return t_.intf; }
    milliseconds timeout() const { return opt_.timeout; }

  private:
    struct Pending {
        std::uint32_t type;
        std::uint32_t tx_id;
        std::optional<xsx::Msg> reply;
        bool lost = false; // discarded by a ring reset
    };

    void flush_requests();
    void drain_responses();
    void dispatch(xsx::Msg m);
    void notify();
    void fail(std::string reason);
    void reset_session();
    // Pump until pred() holds; false on deadline or broken ring.
    bool wait_until(const std::function<bool()> &pred,
                    std::chrono::steady_clock::time_point deadline);
    void wait_evtchn(std::chrono::steady_clock::time_point deadline);

    Transport t_;
    Options opt_;
    std::uint32_t next_req_id_;
    std::string out_; // encoded requests not yet in the ring
    xsx::Decoder dec_;
    std::unordered_map<std::uint32_t, Pending> pending_;
    std::deque<Event> events_;
    std::string broken_;
    bool sent_reset_watches_ = false;
    Stats stats_;
};

} // namespace xsguest
