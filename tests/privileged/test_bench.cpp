// SPDX-License-Identifier: LGPL-2.1-only
// The privileged upstream's cost model, measured (hidden: run with "[.bench]"):
// per op class, wall time per request as the guest sees it, daemon CPU per request
// (/proc/<daemon>/schedstat), and — through xsproxy — upstream round trips and messages
// per request (from xsproxy-ctl dump). Printed as a table for docs/design.md.
#include "penv.h"

#include <cstdio>
#include <fstream>
#include <regex>

using namespace privtest;

namespace {

std::uint64_t cpu_ns(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/schedstat");
    std::uint64_t ns = 0;
    f >> ns;
    return ns;
}

std::pair<std::uint64_t, std::uint64_t> traffic(Env &env) {
    if (env.mode == Mode::direct) return {0, 0};
    std::string d = env.dump(R);
    std::smatch m;
    if (!std::regex_search(d, m, std::regex("round-trips (\\d+) upstream-msgs (\\d+)"))) return {0, 0};
    return {std::stoull(m[1]), std::stoull(m[2])};
}

struct OpClass {
    const char *name;
    std::function<void(xsguest::Client &, unsigned)> op;
};

} // namespace

TEST_CASE("privileged: cost model per op class", "[.bench][privileged]") {
    const unsigned n = 200;
    std::vector<OpClass> classes{
        {"read", [](auto &g, unsigned) { REQUIRE(g.read("domid").ok()); }},
        {"read missing", [](auto &g, unsigned) { REQUIRE(g.read("data/nope").err == "ENOENT"); }},
        {"directory", [](auto &g, unsigned) { REQUIRE(g.directory("data").ok()); }},
        {"write existing", [](auto &g, unsigned) { REQUIRE(g.write("data/b", "v").ok()); }},
        {"write create", [](auto &g, unsigned i) { REQUIRE(g.write("data/c" + std::to_string(i), "v").ok()); }},
        {"rm", [](auto &g, unsigned i) { REQUIRE(g.rm("data/c" + std::to_string(i)).ok()); }},
        {"set_perms", nullptr}, // the owner is the guest's own domid: 7 direct, 1 proxied
        {"tx start+write+end", [](auto &g, unsigned) {
             auto t = g.transaction_start();
             REQUIRE(t.ok());
             REQUIRE(g.write("data/t", "v", t.val).ok());
             REQUIRE(g.transaction_end(t.val, true).ok());
         }},
    };
    struct Cfg {
        const char *name;
        xensim::Daemon d;
        Mode m;
    };
    std::printf("| op class | setup | µs/op | daemon CPU µs/op | upstream RTs/op | upstream msgs/op |\n");
    std::printf("|---|---|---:|---:|---:|---:|\n");
    for (const auto &cl : classes) {
        for (Cfg cfg : {Cfg{"C direct (profile)", xensim::Daemon::c, Mode::direct},
                        Cfg{"oxenstored direct", xensim::Daemon::ocaml, Mode::direct},
                        Cfg{"ring on C", xensim::Daemon::c, Mode::ring},
                        Cfg{"privileged on C", xensim::Daemon::c, Mode::privileged},
                        Cfg{"privileged on oxenstored", xensim::Daemon::ocaml, Mode::privileged}}) {
            Env env(cfg.d, cfg.m);
            auto g = env.guest(R);
            REQUIRE(g->write("data/b", "v").ok());
            if (std::string(cl.name) == "rm")
                for (unsigned i = 0; i < n; ++i) REQUIRE(g->write("data/c" + std::to_string(i), "v").ok());
            auto run = [&](unsigned i) {
                if (std::string(cl.name) == "set_perms")
                    REQUIRE(g->set_perms("data/b", {"n" + std::to_string(env.self(R)), "r0"}).ok());
                else
                    cl.op(*g, i);
            };
            auto [rt0, msg0] = traffic(env);
            std::uint64_t c0 = cpu_ns(env.host.daemon_pid());
            auto t0 = std::chrono::steady_clock::now();
            for (unsigned i = 0; i < n; ++i) run(i);
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
            std::uint64_t c1 = cpu_ns(env.host.daemon_pid());
            auto [rt1, msg1] = traffic(env);
            // dump itself is one request-free control call: no upstream traffic.
            std::printf("| %s | %s | %.0f | %.1f | %s | %s |\n", cl.name, cfg.name,
                        static_cast<double>(us) / n, static_cast<double>(c1 - c0) / 1000.0 / n,
                        cfg.m == Mode::privileged ? std::to_string(static_cast<double>(rt1 - rt0) / n).substr(0, 4).c_str() : "—",
                        cfg.m == Mode::privileged ? std::to_string(static_cast<double>(msg1 - msg0) / n).substr(0, 4).c_str() : "—");
            std::fflush(stdout);
        }
    }
}
