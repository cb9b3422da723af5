// SPDX-License-Identifier: LGPL-2.1-only
// The op classes xsproxy-bench times: one per distinct path through xsproxy's backends
// (docs/design.md, "Cost model"), each run the same way on the direct ring and through
// xsproxy.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "rawsock.h"
#include "xsguest/client.h"

namespace bench {

// What an op acts with: the guest, its domid as xenstored knows it (`real`) and as the
// guest itself spells it (`self`: 1 behind xsproxy), and a dom0 socket.
struct Ctx {
    xsguest::Client &g;
    std::uint32_t real, self;
    RawSock &dom0;
};

struct Class {
    const char *name;
    std::function<void(Ctx &)> setup, teardown; // untimed, once per phase
    // Ops that consume or leave behind nodes: before ops [first, first + chunk) the phase
    // stops every measurement and calls refill (C xenstored's and oxenstored's 1000-node
    // quotas would otherwise end the phase, and an RM needs something to remove).
    int chunk = 0;
    std::function<void(Ctx &, int first)> refill;
    std::function<double(Ctx &, int i)> op; // one op; returns its latency in µs
};

// Nodes every class expects, created by the guest itself so it owns them.
void seed(Ctx &c);
std::vector<Class> classes();

} // namespace bench
