// SPDX-License-Identifier: LGPL-2.1-only
// Watches: the upstream token codec and the per-session watch table.
//
// Ring upstream: the guest's tokens go to xenstored unchanged (xenstored scopes them to
// the guest's own connection). Privileged upstream and xsproxy's internal watches: the
// upstream token is xsproxy's own, so an event identifies its session, the watch
// generation (bumped by RESET_WATCHES / resume, so stale events are dropped) and the
// watch; the guest's token is kept in the table and returned byte-exact.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xsx {

struct UpstreamToken {
    bool internal = false;      // xsproxy's own watch: never reaches a guest
    std::uint32_t session = 0;  // daemon-assigned session id
    std::uint32_t generation = 0;
    std::uint32_t watch_id = 0;
    bool operator==(const UpstreamToken &) const = default;
};

// "xsp:g:<session>:<generation>:<id>" (internal: "xsp:i:…"), fixed-width lowercase hex,
// 32 bytes. decode_token rejects everything else, including upper-case hex.
constexpr std::size_t token_len = 32;
std::string encode_token(const UpstreamToken &t);
void encode_token_to(const UpstreamToken &t, std::string &out);
std::optional<UpstreamToken> decode_token(std::string_view s);

struct WatchEntry {
    std::uint32_t id = 0;
    std::string guest_path;    // as the guest wrote it (relative, absolute or '@')
    std::string guest_token;   // byte-exact
    std::string upstream_path; // as sent upstream
    bool relative = false;     // guest path was relative
    bool confirmed = false;    // upstream acknowledged it (OK reply seen)
};

class WatchTable {
  public:
    explicit WatchTable(std::uint32_t session = 0) : session_(session) {}

    std::uint32_t session() const { return session_; }
    std::uint32_t generation() const { return generation_; }

    // Registers (guest key = canonical guest path + token). Returns nullptr if the key
    // exists (xenstored's EEXIST: relative and absolute spellings of one node collide).
    WatchEntry *add(std::string canonical_guest_path, std::string guest_path,
                    std::string guest_token, std::string upstream_path, bool relative);
    WatchEntry *find(std::string_view canonical_guest_path, std::string_view guest_token);
    WatchEntry *find_id(std::uint32_t id);
    bool erase(std::string_view canonical_guest_path, std::string_view guest_token);

    // RESET_WATCHES / resume: forget everything; events of the old generation are stale.
    void reset();
    // A guest's RESET_WATCHES, request to reply: watches registered from the request on
    // get the new generation at once (a WATCH pipelined behind the reset keeps its
    // events), the old ones keep theirs until the reply, so events queued before the
    // reset still arrive, as on C; then they go.
    void begin_reset();
    void finish_reset();
    // Migration / upstream reconnect: keep the watches, make every outstanding upstream
    // token stale (the daemon re-registers them with fresh tokens).
    void new_generation() { ++generation_; }

    UpstreamToken token_for(const WatchEntry &e) const { return {false, session_, generation_, e.id}; }
    // Is this decoded token a live guest watch of this table?
    WatchEntry *lookup(const UpstreamToken &t);

    std::size_t size() const { return by_key_.size(); }
    std::vector<const WatchEntry *> entries() const; // registration order

  private:
    std::uint32_t session_;
    std::uint32_t generation_ = 0;
    std::uint32_t next_id_ = 1;
    bool reset_pending_ = false;
    std::vector<std::uint32_t> resetting_; // ids of the watches a pending reset removes
    std::map<std::uint32_t, WatchEntry> by_id_;
    std::map<std::pair<std::string, std::string>, std::uint32_t, std::less<>> by_key_;
};

} // namespace xsx
