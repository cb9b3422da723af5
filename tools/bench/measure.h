// SPDX-License-Identifier: LGPL-2.1-only
// One benchmark configuration (daemon × xsproxy backend × placement × attached guests): a
// fresh simulated host with the real C xenstored or oxenstored, one directly introduced
// guest and N guests attached to xsproxy with that backend, each op class timed on the
// direct ring and through xsproxy in the same run.
#pragma once

#include <string>
#include <vector>

#include "daemon.h"

namespace bench {

struct Pct {
    double p50 = 0, p90 = 0, p99 = 0;
};
Pct percentiles(std::vector<double> v);

struct ClassResult {
    std::string name;
    Pct direct, proxied;       // µs per op, as the guest sees it
    double xs_cpu_direct = -1; // daemon CPU µs per op, direct phase
    double xs_cpu_proxied = -1;
    double proxy_cpu = -1;     // xsproxy CPU µs per op, proxied phase
    int n_direct = 0, n_proxied = 0; // timed ops actually run (the time budget may cut)
    // Per timed proxied op, from the session's counters (proxy.h Traffic); -1 unknown.
    double up_requests = -1, up_rt = -1, up_msgs = -1, up_events_in = -1,
           up_events_delivered = -1;
};

struct RunConfig {
    bool pinned = false;
    int guests = 1;
    int ops = 2000;
    // A phase stops early after this many seconds, so slow classes (the write-rate limit
    // while transactions are open, hundreds of rings to scan) do not stretch a run.
    double phase_budget_s = 1.0;
    xensim::Daemon daemon = xensim::Daemon::c;
    std::string backend = "ring"; // xsproxy's upstream: ring | privileged
};

struct RunResult {
    RunConfig cfg;
    int cpu = -1;           // CPU everything was pinned to, -1 if unpinned
    // Not measured: why (xsproxy refused to attach with this backend on this daemon).
    std::string skipped;
    Pct socket;             // bare dom0 socket round trip (GET_DOMAIN_PATH) in this run
    std::vector<ClassResult> classes;
    long rss_before_kib = 0, rss_after_kib = 0;
    double rss_per_session_kib = 0;
    double attach_s = 0;    // wall time to prepare + attach all guests
};

// Highest guest count the simulator can hold (see measure.cpp).
int max_guests();
// Throws std::runtime_error; a refused first attach gives a result with `skipped` set.
RunResult run_one(const RunConfig &cfg);

} // namespace bench
