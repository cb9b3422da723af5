// SPDX-License-Identifier: LGPL-2.1-only
// A conformance scenario as data: dom0 set-up, guest operations and third-party actions
// in one ordered list. Data (not code) so that the same scenario can be replayed on two
// hosts, printed, generated at random and shrunk by dropping operations.
//
// Strings are templates, expanded per run:
//   {me}  the guest's own domid as it sees itself (R directly, 1 through xsproxy)
//   {one} real domain 1 as the guest sees it (1 directly, R through xsproxy)
//   {R}   the guest's real domid (what dom0 and domain 1 use)
//   {t}   the scenario's tag (letters only: keeps digit runs in transcripts domids)
//   {x}   an extra domain of this scenario (same real id on both hosts, neither 1 nor R)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace conf {

enum class Who : std::uint8_t {
    guest, // domain R: on its own ring directly, or through xsproxy
    dom0,  // the toolstack over the privileged socket (libxenstore)
    one,   // real domain 1 on its own ring, directly on both hosts (a third party)
    host,  // the hypervisor / toolstack: domain creation and death
};

// Host operations (Op::type when who == host).
enum HostOp : std::uint32_t {
    introduce_x = 1, // create and introduce domain {x}
    destroy_x,       // destroy domain {x}; waits until xenstored has released it
    fill,            // dom0 writes args[1] nodes under args[0] (quota set-up)
};

struct Op {
    Who who = Who::guest;
    std::uint32_t type = 0;        // XS_* (or HostOp)
    std::vector<std::string> args; // WRITE: {path, value}; others: NUL-terminated strings
    int tx = 0;                    // guest: header tx_id from slot tx; -1: an id never issued
    int save = 0;                  // guest TRANSACTION_START: keep the id in slot save
    bool pipe = false;             // guest: send now, reply collected with the next guest op
    std::string raw;               // guest: if set, the exact payload (args ignored)
    bool use_raw = false;

    std::string describe() const;
};

// Bytes as transcripts show them: printable ASCII as is, the rest as \xNN.
std::string printable(std::string_view s);

struct Scenario {
    std::string name;
    std::vector<Op> ops;
};

// ---- builders, so curated scenarios read like the protocol ----------------------------
Op g(std::uint32_t type, std::vector<std::string> args = {}, int tx = 0);
Op gp(std::uint32_t type, std::vector<std::string> args = {}, int tx = 0); // pipelined
Op g_raw(std::uint32_t type, std::string payload, int tx = 0);
Op tx_start(int slot);
Op tx_end(int slot, bool commit);
Op d0(std::uint32_t type, std::vector<std::string> args);
Op one(std::uint32_t type, std::vector<std::string> args);
Op host(HostOp op, std::vector<std::string> args = {});

} // namespace conf
