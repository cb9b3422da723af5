// SPDX-License-Identifier: LGPL-2.1-only
// Watches through xsproxy vs direct: relative/absolute paths, initial events, filtering
// of unreadable nodes, special watches, byte-exact tokens.
#include "fixture.h"

using namespace proxytest;
using xsguest::Event;

TEST_CASE("watches: relative, absolute, initial events like direct", "[proxy][diff][watch]") {
    differential([](Run &r) {
        r.log("watch rel", r.g.watch("data", "rel"));
        r.events(1);
        r.log("watch abs", r.g.watch(r.p("data"), "abs"));
        r.events(1);
        r.log("write data/k", r.g.write("data/k", "a"));
        r.events(2);
        r.env.dom0_write(home(r.real) + "/data/k", "b");
        r.events(2);
        r.log("watch abs as rel dup", r.g.watch(r.p("data"), "rel"));
        r.log("unwatch rel", r.g.unwatch("data", "rel"));
        r.log("unwatch rel again", r.g.unwatch("data", "rel"));
        r.log("rm data/k", r.g.rm("data/k"));
        r.events(1);
        r.log("watch missing node", r.g.watch("data/nothere/deep", "miss"));
        r.events(1);
        r.log("mkdir data/nothere/deep", r.g.mkdir("data/nothere/deep"));
        r.events(2);
        r.log("watch /local/domain/0/xyz", r.g.watch("/local/domain/0/xyz", "dz"));
        r.events(1);
        r.log("watch bad path", r.g.watch("/a.b", "bad"));
        r.log("unwatch abs", r.g.unwatch(r.p("data"), "abs"));
    });
}

TEST_CASE("watch events for unreadable nodes are filtered like direct", "[proxy][diff][watch]") {
    differential(
        [](Run &r) {
            r.log("watch secret", r.g.watch("/local/domain/0/secret", "t"));
            r.events(1);
            r.env.dom0_write("/local/domain/0/secret/open", "o");
            r.env.dom0_set_perms("/local/domain/0/secret/open",
                                 {"n0", "r" + std::to_string(r.real)});
            r.events(1);
            r.env.dom0_write("/local/domain/0/secret/a", "changed");
            r.env.dom0_rm("/local/domain/0/secret/a");
            r.events(0, 400ms);
            r.env.dom0_write("/local/domain/0/secret/open", "again");
            r.events(1);
        },
        [](Env &env, std::uint32_t) { env.dom0_write("/local/domain/0/secret/a", "s"); });
}

namespace {
void special_watch_scenario(Run &r, bool grant) {
    r.log("watch @introduceDomain", r.g.watch("@introduceDomain", "intro"));
    r.log("watch @releaseDomain", r.g.watch("@releaseDomain", "rel"));
    r.events(2);
    if (grant) {
        r.env.dom0_set_perms("@introduceDomain", {"n0", "r" + std::to_string(r.real)});
        r.env.dom0_set_perms("@releaseDomain", {"n0", "r" + std::to_string(r.real)});
    }
    REQUIRE(r.env.host.create_domain(5) == 5);
    r.env.host.introduce(5);
    r.events(grant ? 1 : 0, 400ms);
    r.env.host.destroy(5);
    r.events(grant ? 1 : 0, 600ms);
    r.log("unwatch @releaseDomain", r.g.unwatch("@releaseDomain", "rel"));
}
} // namespace

TEST_CASE("@releaseDomain without dom0 granting it: silent like direct",
          "[proxy][diff][watch]") {
    auto t = differential([](Run &r) { special_watch_scenario(r, false); });
    CHECK(std::count_if(t.begin(), t.end(), [](auto &l) { return l.find("event") == 0; }) == 2);
}

TEST_CASE("@releaseDomain granted by dom0 fires like direct", "[proxy][diff][watch]") {
    auto t = differential([](Run &r) { special_watch_scenario(r, true); });
    CHECK(std::count_if(t.begin(), t.end(), [](auto &l) { return l.find("event") == 0; }) == 4);
}

TEST_CASE("watch tokens are byte-exact, odd bytes included", "[proxy][diff][watch]") {
    // Every byte but NUL is allowed in a token; xsproxy must neither translate nor trim.
    std::string odd;
    for (int c = 1; c < 256; ++c)
        if (!(c >= '0' && c <= '9')) odd.push_back(static_cast<char>(c));
    differential([&](Run &r) {
        r.log("watch odd", r.g.watch("data", odd));
        auto e = r.g.next_event();
        r.log("initial token exact", e && e->token == odd && e->path == "data");
        // Wait for each initial event: it may trail the WATCH reply.
        for (const std::string tok : {" spaced  token ", "/local/domain/0/x", ""}) {
            r.log("watch '" + tok + "'", r.g.watch("data", tok));
            r.log("initial '" + tok + "'", r.g.wait_event("data", tok).has_value());
        }
        r.g.clear_events();
        r.log("write", r.g.write("data/x", "v"));
        std::vector<std::string> toks;
        while (auto ev = r.g.next_event(300ms)) toks.push_back(ev->token);
        std::sort(toks.begin(), toks.end());
        for (auto &t : toks) r.lines.push_back("token " + std::to_string(t.size()) + " bytes" +
                                               (t == odd ? " (odd)" : " '" + t + "'"));
        r.log("unwatch odd", r.g.unwatch("data", odd));
    });
}

TEST_CASE("tokens that look like domain paths are not translated", "[proxy][watch]") {
    Env env(true);
    auto g = env.guest(R);
    const std::string tok = "/local/domain/1/x 1 r1 /local/domain/" + std::to_string(R);
    REQUIRE(g->watch("data", tok).ok());
    auto e = g->next_event();
    REQUIRE(e);
    CHECK(e->token == tok);
    CHECK(e->path == "data");
    // Same path as "data" once absolute: a different token, or it would be EEXIST.
    const std::string tok2 = tok + "/local/domain/1";
    REQUIRE(g->watch("/local/domain/1/data", tok2).ok());
    auto e2 = g->next_event();
    REQUIRE(e2);
    CHECK(e2->path == "/local/domain/1/data");
    CHECK(e2->token == tok2);
    env.dom0_write(home(R) + "/data/z", "v");
    CHECK(g->wait_event("data/z", tok));
    CHECK(g->wait_event("/local/domain/1/data/z", tok2));
}

TEST_CASE("RESET_WATCHES drops watches and transactions like direct", "[proxy][diff][watch]") {
    differential([](Run &r) {
        r.log("watch", r.g.watch("data", "w"));
        r.events(1);
        auto tx = r.g.transaction_start();
        r.log("tx start ok", tx.ok());
        r.log("reset", r.g.reset_watches());
        r.log("write", r.g.write("data/after", "x"));
        r.events(0, 300ms);
        r.log("old tx read", r.g.read("data/after", tx.val).err);
        r.log("watch again", r.g.watch("data", "w"));
        r.events(1);
    });
}
