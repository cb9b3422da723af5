// SPDX-License-Identifier: LGPL-2.1-only
// C xenstored 4.17's access model for an unprivileged connection, as pure functions.
//
// The `privileged` upstream talks to the daemon on a privileged socket, where the daemon
// checks nothing: xsproxy decides, from the ACLs it fetched, what C xenstored would have
// decided for a ring connection of the real domid R (xenstore-facts §3, §4). Everything
// here works in upstream domids (R, not the guest's V) and absolute upstream paths.
// No I/O: the backend fetches ACLs, these functions decide.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace xsx::access {

// Perm bits (xenstore_lib.h): READ 1, WRITE 2, OWNER 8 (internal, never on the wire).
constexpr unsigned perm_none = 0, perm_read = 1, perm_write = 2, perm_owner = 8;

struct Perm {
    unsigned bits = 0; // perm_read | perm_write
    std::uint32_t id = 0;
    bool operator==(const Perm &) const = default;
};
// p[0] is the owner and its bits the default for everyone else.
using Acl = std::vector<Perm>;

// GET_PERMS reply body ("n0\0r5\0") or SET_PERMS perm strings; nullopt on bad syntax.
// Domids are decimal as the daemons print them (the translator already refused other
// spellings from the guest).
std::optional<Acl> parse_acl(std::string_view nul_separated);
std::string format_acl(const Acl &acl); // "n5\0r0\0"

// Who is asking: R and, for a stub domain, its SET_TARGET target.
struct Identity {
    std::uint32_t domid = 0;
    std::optional<std::uint32_t> target;
};

// perm_for_conn: the owner (or the target's owner) gets READ|WRITE|OWNER; otherwise the
// first entry i >= 1 naming the domid or the target, else the default p[0].bits.
unsigned perm_for(const Identity &who, const Acl &acl);

enum class Err : std::uint8_t { none, eacces, enoent, eperm, enospc, einval, e2big };
std::string_view errname(Err e); // "EACCES", … ("" for none)

// A node and its ancestors as fetched: chain[0] is the node, chain[1] its parent, …, the
// last is "/". nullopt: the node does not exist.
using Chain = std::vector<std::optional<Acl>>;

// "/a/b/c" -> {"/a/b/c", "/a/b", "/a", "/"}; "/" -> {"/"}.
std::vector<std::string> ancestors(std::string_view abs_path);
std::string parent_of(std::string_view abs_path);

// get_node + errno_from_parents: the node exists: `perm` granted or EACCES; it does not:
// ENOENT if the nearest existing ancestor grants any bit of `perm`, else EACCES.
Err check(const Identity &who, const Chain &chain, unsigned perm);

// WRITE and MKDIR (get_node(WRITE), then create_node for a missing node).
struct Create {
    Err err = Err::none;
    bool exists = false;    // the node exists (MKDIR: nothing to do)
    std::size_t levels = 0; // missing levels to create: chain[0 .. levels-1]
    Acl acl;                // every created level's ACL (construct_node)
};
Create check_create(const Identity &who, const Chain &chain);

// construct_node: a copy of the nearest existing ancestor's ACL with the owner replaced
// by the unprivileged creator (its domid, not its target's).
Acl created_acl(const Identity &who, const Acl &parent);

// RM: WRITE on the node; a missing node whose parent exists is OK with nothing to do.
struct Remove {
    Err err = Err::none;
    bool noop = false;
};
Remove check_rm(const Identity &who, const Chain &chain, bool is_root);

// SET_PERMS, in do_set_perms's order: > max_perms entries ENOSPC; bad syntax EINVAL;
// an owner domid that does not exist ENOENT; '@' nodes EACCES (their owner is 0);
// WRITE|OWNER on the node (errno_from_parents otherwise); a changed owner EPERM.
struct SetPermsArgs {
    std::vector<std::string_view> perm_strings; // after the path
    bool special = false;                       // '@' path
};
Err check_set_perms(const Identity &who, const Chain &chain, const SetPermsArgs &args,
                    const std::function<bool(std::uint32_t)> &domain_exists,
                    std::size_t max_perms = 5);

// Node record size as C accounts it (xs_tdb_record_hdr + perms + value + children;
// measured: the header counts 24 bytes, its sizeof with the u64 generation's padding);
// a write by an unprivileged connection fails ENOSPC when it is >= the limit.
constexpr std::size_t record_header = 24; // sizeof(xs_tdb_record_hdr), padded to 8
std::size_t node_size(std::size_t nperms, std::size_t value_len, std::size_t children_len);

// Quota limits (C xenstored 4.17 defaults, xenstore-facts §4.2).
struct Quotas {
    std::size_t nodes = 1000;       // nodes owned by R (ENOSPC at >= on create)
    std::size_t node_size = 2048;   // ENOSPC at >=
    std::size_t watches = 128;      // E2BIG when the count is already > (129 possible)
    std::size_t transactions = 10;  // ENOSPC when the count is already > (11 possible)
    std::size_t outstanding = 20;   // requests in flight: back-pressure, no error
    std::size_t perms = 5;          // entries per SET_PERMS
    double write_rate = 200.0;      // writes/s credit (C WRL_RATE)
    double write_burst = 10.0;      // per-domain burst (C WRL_DBURST)
};

// The write-rate limiter of C (a credit bucket per domain). Pure: the caller passes
// the time. take() false means "hold the guest's ring until ready_in_ms()".
class WriteRate {
  public:
    explicit WriteRate(double rate = 200.0, double burst = 10.0)
        : rate_(rate), burst_(burst), credit_(burst) {}
    bool take(std::uint64_t now_ms);
    std::uint64_t ready_in_ms(std::uint64_t now_ms);
    void refill(std::uint64_t now_ms);

  private:
    double rate_, burst_, credit_;
    std::uint64_t last_ms_ = 0;
    bool started_ = false;
};

// Guest transaction ids the C way: per connection, start at 1, skip 0 and ids in use.
class TxIds {
  public:
    std::uint32_t next(const std::set<std::uint32_t> &in_use);

  private:
    std::uint32_t last_ = 0;
};

// The watch-event delivery policy of the privileged backend (docs/design.md): the
// daemon sends a privileged socket every event; xsproxy decides what R's ring would get.
struct EventFacts {
    bool special = false;          // '@' event path
    bool initial = false;          // the event WATCH itself queues
    bool special_granted = false;  // configuration grants '@' events to this guest
    bool in_own_area = false;      // under R's home or a path R has read successfully
    std::optional<Acl> node;       // ACL of the event path (cached, or looked up)
    std::optional<Acl> parent;     // ACL of its parent (cached, or looked up)
    // After a lookup at event time: node/parent are the daemon's current ACLs (absent:
    // the node is gone) and old_node what the cache held before (C's "old perms").
    bool looked_up = false;
    std::optional<Acl> old_node;
    std::optional<Acl> special_acl; // the '@' node's ACL, where the daemon tells it
};
struct Delivery {
    bool deliver = false;
    bool uncertain = false; // decided by the area rule, not by a known ACL
};
Delivery watch_policy(const Identity &who, const EventFacts &f);

// DIRECTORY_PART emulated from DIRECTORY where the daemon lacks it (oxenstored): a
// stable generation for a child list, so a client reading in parts sees a change.
std::string children_generation(std::string_view children);

} // namespace xsx::access
