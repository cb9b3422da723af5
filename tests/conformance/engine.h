// SPDX-License-Identifier: LGPL-2.1-only
// The differential engine: one scenario run by domain R on its own ring directly against
// C xenstored (the C profile), and by domain R through xsproxy (seeing itself as domid 1)
// with each backend and daemon, each on its own simulated host; the guest's transcript
// (replies and watch events, in order) and what third parties saw (a dom0 watcher, real
// domain 1, dom0's own results, the final state of the touched subtrees) are compared
// step by step after the domid map.
//
// Criteria: the ring row must be identical to the C profile. Privileged rows: replies
// identical, every event of the C profile delivered in order, extra events counted; third
// parties see what they see on C xenstored, or what they see on that daemon directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scenario.h"

namespace conf {

// What one step (an op, or a group of pipelined guest ops) produced on one host.
struct Step {
    std::string op;                  // description (templates unexpanded)
    std::vector<std::string> guest;  // the guest's replies then its events ("ev …"), domid-mapped
    std::vector<std::string> others; // dom0 results, third parties' events, final state
    bool operator==(const Step &) const = default;
};
using Transcript = std::vector<Step>;

// Where a scenario runs. The references are direct ring guests; the rows are xsproxy's
// backends, each compared with the C profile (a direct guest on C xenstored).
enum class Target : std::uint8_t {
    c_direct,     // the C profile: R on its own ring, C xenstored
    ocaml_direct, // R on its own ring, oxenstored (what that daemon itself does)
    c_ring,       // xsproxy, ring upstream, C xenstored: transcripts identical
    c_priv,       // xsproxy, privileged upstream, C xenstored
    ocaml_priv,   // xsproxy, privileged upstream, oxenstored
};
constexpr Target all_rows[] = {Target::c_ring, Target::c_priv, Target::ocaml_priv};
const char *target_name(Target t);  // "privileged / oxenstored"
const char *target_key(Target t);   // "ocaml-priv" (CONFORMANCE_ROWS spelling)
bool privileged_row(Target t);
// Rows this run compares: CONFORMANCE_ROWS=ring,c-priv,ocaml-priv (default all).
const std::vector<Target> &selected_rows();

struct Divergence {
    std::string scenario;
    Target row = Target::c_ring;
    std::size_t step = 0;
    std::string op;
    std::string direct, proxied; // the differing lines of that step, joined
    std::string allowed;         // allow-list entry that explains it, or "" (a failure)
};

// One row's verdict on one scenario.
struct RowOutcome {
    Target row = Target::c_ring;
    std::vector<Divergence> diffs;
    // Privileged rows: events the guest got beyond the C profile's (allowed, counted),
    // and steps whose third-party view followed the daemon's own difference from C.
    unsigned extra_events = 0, max_extra_step = 0, daemon_steps = 0;
    // Not 0: from this step on the daemon's own handling of a third party's action made
    // the store differ from C's, and the rest of the scenario was not compared.
    std::size_t void_from = 0;
    bool identical() const { return diffs.empty(); }
    bool unexplained() const;
};

struct Outcome {
    std::string scenario;
    std::size_t steps = 0;
    std::vector<RowOutcome> rows;
    // C xenstored vs oxenstored for the same direct guest (not a failure: the report
    // shows where the daemons themselves differ). Empty unless oxenstored ran.
    std::vector<Divergence> daemon_diffs;
    bool daemons_compared = false;
    bool identical() const;
    bool unexplained() const;
    const RowOutcome *row(Target t) const;
};

class Side;

// One host per target (the C profile, oxenstored direct when an oxenstored row runs, one
// per selected row), each with real domain 1 on its ring, reused by many scenarios: each
// run takes a fresh guest domid R and a fresh tag for its dom0 areas, so runs do not see
// each other's nodes; the guest's domain is destroyed afterwards.
class HostSet {
  public:
    explicit HostSet(const std::vector<Target> &rows = selected_rows());
    ~HostSet();
    HostSet(const HostSet &) = delete;
    HostSet &operator=(const HostSet &) = delete;

    // Runs on every host, compares, records in the report. Transcripts by target if asked.
    Outcome run(const Scenario &s, const std::string &kind,
                std::vector<std::pair<Target, Transcript>> *out = nullptr, bool record = true);
    // xsproxy exited, or a reply through it never came: the set is retired.
    bool proxy_dead() const { return proxy_dead_; }

  private:
    std::vector<std::pair<Target, std::unique_ptr<Side>>> sides_;
    std::vector<Target> rows_;
    std::uint32_t next_domid_ = 20;
    unsigned next_tag_ = 0;
    bool proxy_dead_ = false;
};

// Letters-only spelling of n (transcripts treat digit runs as potential domids).
std::string letters(unsigned n);

// Print a comparison for humans (CONFORMANCE_SHOW=1 prints every run).
std::string format(const Outcome &o);

} // namespace conf
