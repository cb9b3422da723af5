// SPDX-License-Identifier: LGPL-2.1-only
// Migration stream codec for one guest's xenstore session (sans-I/O).
//
// The framing is Xen's (docs/designs/xenstore-migration.md: "xenstore" header, typed
// records padded to 8 bytes, END last) so existing tooling can at least walk it; the
// record types are xsproxy's own, in a private range, because Xen's records describe a
// whole xenstored and carry real domids while this describes one guest in its own view.
// See docs/migration.md for the byte layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xsx::migration {

enum class Mode : std::uint8_t { cooperative = 1, noncooperative = 2 };

// One node the guest wrote (journal): current value and/or ACL the guest set, or a
// tombstone for a node the guest deleted. Paths and perm strings in the GUEST's view
// (absolute, e.g. /local/domain/1/data/x; perms like "n1","r0"), so import can map them
// with the destination's real domid.
struct NodeImage {
    enum class Kind : std::uint8_t { node = 1, tombstone = 2 };
    Kind kind = Kind::node;
    std::string path;
    bool has_value = false;
    std::string value;              // raw bytes, may contain NULs
    std::vector<std::string> perms; // empty = guest never set an ACL here
    bool operator==(const NodeImage &) const = default;
};

// Byte-exact guest view.
struct WatchImage {
    std::uint32_t channel = 0;
    std::string path;
    std::string token;
    bool operator==(const WatchImage &) const = default;
};

struct TransactionImage {
    std::uint32_t channel = 0;
    std::uint32_t guest_tx_id = 0;
    bool operator==(const TransactionImage &) const = default;
};

struct RingImage {
    bool present = false;
    std::string page;               // exactly 4096 bytes when present
    std::uint32_t req_cons = 0;     // the server-owned indexes as xsproxy last wrote them
    std::uint32_t rsp_prod = 0;
    std::uint32_t server_features = 0;
    bool operator==(const RingImage &) const = default;
};

struct SessionImage {
    Mode mode = Mode::cooperative;
    std::uint16_t virt = 1;          // the domid the guest sees
    std::uint16_t source_domid = 0;  // real domid on the source host (information)
    std::string rules_text;          // RuleSet::dump() of the rules in force
    std::vector<NodeImage> journal;
    std::vector<WatchImage> watches;
    std::vector<TransactionImage> transactions;
    std::string partial_input;       // bytes of an incomplete guest request
    std::string pending_output;      // bytes queued toward the guest, not yet in its ring
    RingImage ring;
    bool operator==(const SessionImage &) const = default;
};

std::string encode(const SessionImage &img);

// Validates the WHOLE stream before returning true: magic, version, endianness flag,
// record framing and padding, record order, every length, field ranges (paths valid
// xenstore paths <= 3072, values <= 4096, perms <= 5 well-formed canonical perm strings,
// tokens <= 4096, page exactly 4096, mode known, virt valid), checksum, END present and
// last, nothing after END. On failure `err` says what and where (record index/offset).
// `out` is only assigned on success.
bool decode(std::string_view stream, SessionImage &out, std::string &err);

struct Limits {
    std::size_t nodes = 1000, node_size = 2048, watches = 128, transactions = 10,
                path_max = 2048;
};

// Pre-flight against the destination's limits: a list of human-readable problems
// (empty = ok).
std::vector<std::string> preflight(const SessionImage &img, const Limits &lim);

} // namespace xsx::migration
