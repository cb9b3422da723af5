// SPDX-License-Identifier: LGPL-2.1-only
// Backend selection: upstream=auto takes the exact ring backend where the daemon serves
// it (C xenstored) and falls back to the privileged one elsewhere (oxenstored).
#include "penv.h"

using namespace privtest;

namespace {
std::string kind_of(Env &env, std::uint32_t d) {
    auto r = env.ctl({"list", "--json"});
    REQUIRE(r.rc == 0);
    INFO(r.out);
    auto at = r.out.find("\"domid\":" + std::to_string(d));
    REQUIRE(at != std::string::npos);
    auto k = r.out.find("\"upstream\":\"", at);
    REQUIRE(k != std::string::npos);
    k += 12;
    return r.out.substr(k, r.out.find('"', k) - k);
}
} // namespace

TEST_CASE("privileged: upstream=auto picks ring on C xenstored, privileged on oxenstored", "[privileged][select]") {
    for (auto d : {xensim::Daemon::c, xensim::Daemon::ocaml}) {
        Env env(d, Mode::ring); // attach explicitly below
        REQUIRE(env.host.create_domain(static_cast<int>(R)) == static_cast<int>(R));
        auto p = env.host.prepare(R);
        auto r = env.ctl({"attach", std::to_string(R), "--ring-gfn", std::to_string(p.ring_gfn),
                          "--ring-port", std::to_string(p.store_port), "--shadow-gfn",
                          std::to_string(p.shadow_gfn), "--shadow-port", std::to_string(p.shadow_port),
                          "--upstream", "auto"});
        INFO(r.out << r.err);
        REQUIRE(r.rc == 0);
        CHECK(kind_of(env, R) == (d == xensim::Daemon::c ? "ring" : "privileged"));
        auto g = xsguest::attach_xensim(env.host.sim(), R, p.ring_gfn, p.store_port);
        REQUIRE(g->connect().ok());
        CHECK(g->read("domid").val == "1");
        CHECK(g->write("data/x", "v").ok());
        auto perms = g->get_perms("data/x");
        REQUIRE(perms.ok());
        CHECK(perms.val.front() == "n1");
        // R stays known to the daemon either way (INTRODUCE on the shadow ring).
        CHECK(env.dom0_read(home(R) + "/data/x") == "v");
        bool introduced = xs_is_domain_introduced(env.host.xs(), R);
        CHECK(introduced);
    }
}

TEST_CASE("privileged: upstream=ring is refused on oxenstored; bad values are usage errors", "[privileged][select]") {
    Env env(xensim::Daemon::ocaml, Mode::ring);
    REQUIRE(env.host.create_domain(static_cast<int>(R)) == static_cast<int>(R));
    auto p = env.host.prepare(R);
    std::vector<std::string> base{"attach", std::to_string(R), "--ring-gfn", std::to_string(p.ring_gfn),
                                  "--ring-port", std::to_string(p.store_port), "--shadow-gfn",
                                  std::to_string(p.shadow_gfn), "--shadow-port", std::to_string(p.shadow_port)};
    auto bad = base;
    bad.insert(bad.end(), {"--upstream", "sideways"});
    auto r = env.ctl(bad);
    CHECK(r.rc == 1);
    CHECK(r.err.find("upstream") != std::string::npos);
    auto ring = base;
    ring.insert(ring.end(), {"--upstream", "ring"});
    r = env.ctl(ring);
    CHECK(r.rc == 1);
    auto priv = base;
    priv.insert(priv.end(), {"--upstream", "privileged"});
    r = env.ctl(priv);
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
}
