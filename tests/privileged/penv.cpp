// SPDX-License-Identifier: LGPL-2.1-only
#include "penv.h"

#include <cstdio>
#include <cstdlib>

namespace privtest {

const char *mode_name(Mode m) {
    switch (m) {
    case Mode::direct: return "direct";
    case Mode::privileged: return "privileged";
    case Mode::ring: return "ring";
    }
    return "?";
}

// The mode's name is xsproxy's --upstream value for every guest attached here.
Env::Env(xensim::Daemon d, Mode m)
    : proxytest::Env(m != Mode::direct, d, m == Mode::direct ? "" : mode_name(m)), mode(m) {}

Env::~Env() {
    // PRIVTEST_LOG=1 prints xsproxy's whole log: stop it first so the log is complete.
    if (!proxied() || !std::getenv("PRIVTEST_LOG")) return;
    proxy_process().stop();
    std::fprintf(stderr, "%s\n", proxy_log().c_str());
}

std::unique_ptr<xsguest::Client> Env::guest(std::uint32_t domid,
                                            const std::vector<std::string> &extra) {
    return proxytest::Env::guest(domid, {}, true, extra);
}

std::string Env::dump(std::uint32_t domid) { return ctl({"dump", std::to_string(domid)}).out; }

namespace {
std::vector<std::string> one(xensim::Daemon d, Mode m, const Scenario &s, const Setup &setup) {
    Env env(d, m);
    auto g = env.guest(R);
    if (setup) setup(env, R);
    // This suite's transcripts were written waiting 300 ms (not the proxy suite's 200)
    // for an unexpected extra event.
    Run r{env, *g, env.self(R), R, {}, 300ms};
    s(r);
    std::vector<std::string> out;
    for (auto &l : r.lines) out.push_back(map_domid(l, r.me));
    if (std::getenv("PRIVTEST_SHOW")) {
        const char *name = d == xensim::Daemon::c ? (m == Mode::direct ? "C-direct" : "C-priv  ") : "ox-priv ";
        for (auto &l : out) std::fprintf(stderr, "%s| %s\n", name, l.c_str());
        if (m != Mode::direct) std::fprintf(stderr, "%s\n", env.dump(R).c_str());
    }
    return out;
}
} // namespace

void differential(const Scenario &s, const Setup &setup) {
    auto c = one(xensim::Daemon::c, Mode::direct, s, setup);
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        auto p = one(d, Mode::privileged, s, setup);
        const char *dn = d == xensim::Daemon::c ? "C xenstored" : "oxenstored";
        for (std::size_t i = 0; i < std::max(c.size(), p.size()); ++i) {
            std::string want = i < c.size() ? c[i] : "<missing>";
            std::string got = i < p.size() ? p[i] : "<missing>";
            INFO("privileged upstream on " << dn << ", transcript line " << i);
            CHECK(got == want);
        }
    }
}

} // namespace privtest
