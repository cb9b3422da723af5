// The differential engine: one scenario run by domain R on its own ring directly against
// C xenstored, and by domain R through xsproxy (seeing itself as domid 1), each on its own
// simulated host; the guest's transcript (replies and watch events, in order) and what
// third parties saw (a dom0 watcher, real domain 1, dom0's own results, the final state
// of the touched subtrees) are compared step by step after the domid map.
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
    std::vector<std::string> guest;  // the guest's replies then its events, domid-mapped
    std::vector<std::string> others; // dom0 results, third parties' events, final state
    bool operator==(const Step &) const = default;
};
using Transcript = std::vector<Step>;

struct Divergence {
    std::string scenario;
    std::size_t step = 0;
    std::string op;
    std::string direct, proxied; // the differing lines of that step, joined
    std::string allowed;         // allow-list entry that explains it, or "" (a failure)
};

struct Outcome {
    std::string scenario;
    std::size_t steps = 0;
    std::vector<Divergence> diffs;
    bool identical() const { return diffs.empty(); }
    bool unexplained() const;
};

class Side;

// A direct host and a proxied host (each with real domain 1 on its ring), reused by many
// scenarios: each run takes a fresh guest domid R and a fresh tag for its dom0 areas, so
// runs do not see each other's nodes; the guest's domain is destroyed afterwards.
class HostPair {
  public:
    HostPair();
    ~HostPair();
    HostPair(const HostPair &) = delete;
    HostPair &operator=(const HostPair &) = delete;

    // Runs both ways, compares, records in the report. Transcripts returned if asked.
    Outcome run(const Scenario &s, const std::string &kind, Transcript *direct = nullptr,
                Transcript *proxied = nullptr, bool record = true);
    // Domids left before the simulator's limit would bite (shrinking uses many).
    std::uint32_t domids_used() const { return next_domid_; }
    // xsproxy exited, or a reply through it never came: the pair is retired.
    bool proxy_dead() const { return proxy_dead_; }

  private:
    std::unique_ptr<Side> side_[2];
    std::uint32_t next_domid_ = 20;
    unsigned next_tag_ = 0;
    bool proxy_dead_ = false;
};

// Letters-only spelling of n (transcripts treat digit runs as potential domids).
std::string letters(unsigned n);

// Print a comparison for humans (CONFORMANCE_SHOW=1 prints every run).
std::string format(const Outcome &o);

} // namespace conf
