// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-bench: guest-visible xenstore latency on the direct ring vs. through xsproxy,
// measured in the same run on a simulated host with the real C xenstored or oxenstored,
// per xsproxy backend. See docs/benchmarks.md for what each number means.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daemon.h"
#include "measure.h"
#include "report.h"

namespace {

void usage(std::FILE *f) {
    std::fputs("usage: xsproxy-bench [--ops N] [--budget S] [--guests N[,N...]] [--pin | --unpinned]"
               " [--daemon c|ocaml|both] [--upstream ring|privileged|all] [--json]\n"
               "  --ops N        timed ops per class and path (default 2000)\n"
               "  --budget S     stop a class's phase after S seconds (default 1)\n"
               "  --guests LIST  attached guests per run (default 1,100; e.g. 1,100,1000,\n"
               "                 capped at the simulator's limit of 2000)\n"
               "  --pin          only the pinned placement (daemon, xsproxy, client on one CPU)\n"
               "  --unpinned     only the default placement (default: both)\n"
               "  --daemon D     c (default), ocaml (oxenstored) or both\n"
               "  --upstream U   xsproxy's backend: ring (default), privileged or all; ring\n"
               "                 needs C xenstored (skipped with a note elsewhere)\n"
               "  --json         JSON on stdout instead of the table\n",
               f);
}

std::vector<int> parse_list(const std::string &s) {
    std::vector<int> v;
    std::size_t pos = 0;
    while (pos <= s.size()) {
        std::size_t comma = s.find(',', pos);
        std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        int n = std::atoi(item.c_str());
        if (n <= 0) throw std::invalid_argument("bad guest count '" + item + "'");
        v.push_back(n);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return v;
}

std::vector<xensim::Daemon> parse_daemons(const std::string &s) {
    if (s == "both") return {xensim::Daemon::c, xensim::Daemon::ocaml};
    auto d = xensim::parse_daemon(s);
    if (!d) throw std::invalid_argument("bad daemon '" + s + "' (c, ocaml or both)");
    return {*d};
}

std::vector<std::string> parse_backends(const std::string &s) {
    if (s == "all") return {"ring", "privileged"};
    if (s == "ring" || s == "privileged") return {s};
    throw std::invalid_argument("bad upstream '" + s + "' (ring, privileged or all)");
}

} // namespace

int main(int argc, char **argv) {
    int ops = 2000;
    std::vector<int> guests{1, 100};
    double budget = 1.0;
    bool want_pinned = true, want_unpinned = true, json = false;
    std::vector<xensim::Daemon> daemons{xensim::Daemon::c};
    std::vector<std::string> backends{"ring"};
    try {
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            if (a == "--ops") ops = std::atoi(value().c_str());
            else if (a == "--budget") budget = std::atof(value().c_str());
            else if (a == "--guests") guests = parse_list(value());
            else if (a == "--pin") want_unpinned = false;
            else if (a == "--unpinned") want_pinned = false;
            else if (a == "--json") json = true;
            else if (a == "--daemon") daemons = parse_daemons(value());
            else if (a == "--upstream") backends = parse_backends(value());
            else if (a == "-h" || a == "--help") {
                usage(stdout);
                return 0;
            } else throw std::invalid_argument("unknown option " + a);
        }
        if (budget <= 0) throw std::invalid_argument("--budget must be positive");
        if (ops < 10) throw std::invalid_argument("--ops must be at least 10");
        if (!want_pinned && !want_unpinned) throw std::invalid_argument("--pin and --unpinned exclude each other");
    } catch (const std::exception &e) {
        fmt::print(stderr, "xsproxy-bench: {}\n", e.what());
        usage(stderr);
        return 2;
    }
    for (int &g : guests)
        if (g > bench::max_guests()) {
            fmt::print(stderr, "xsproxy-bench: {} guests capped to {} (simulator limit: 2048 domids,"
                               " 4095 dom0 event channels)\n", g, bench::max_guests());
            g = bench::max_guests();
        }

    std::vector<bench::RunResult> runs;
    std::vector<bool> placements;
    if (want_unpinned) placements.push_back(false);
    if (want_pinned) placements.push_back(true);
    try {
        for (xensim::Daemon d : daemons)
            for (const std::string &b : backends) {
                // A backend the daemon refuses is tried once, not once per configuration.
                std::string refused;
                for (bool pinned : placements)
                    for (int n : guests) {
                        bench::RunConfig cfg{pinned, n, ops, budget, d, b};
                        if (refused.empty()) {
                            runs.push_back(bench::run_one(cfg));
                            refused = runs.back().skipped;
                        } else {
                            runs.emplace_back().cfg = cfg;
                            runs.back().skipped = refused;
                        }
                        if (!json) bench::print_table(stdout, runs.back());
                        std::fflush(stdout);
                    }
            }
    } catch (const std::exception &e) {
        fmt::print(stderr, "xsproxy-bench: {}\n", e.what());
        return 1;
    }
    if (json) bench::print_json(stdout, runs);
    else bench::print_flatness(stdout, runs);
    return 0;
}
