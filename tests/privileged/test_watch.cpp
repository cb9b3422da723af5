// SPDX-License-Identifier: LGPL-2.1-only
// Watches through the privileged upstream: the delivery policy against the C profile,
// '@' events, RESET_WATCHES emulation, and isolation between guests.
#include "penv.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

using namespace privtest;

namespace {

void areas(Env &env, std::uint32_t real) {
    env.dom0_write("/local/domain/0/secret/k", "s");
    env.dom0_set_perms("/local/domain/0/secret", {"n0"});
    env.dom0_set_perms("/local/domain/0/secret/k", {"n0"});
    env.dom0_write("/shared/ro/k", "v");
    env.dom0_set_perms("/shared", {"r0"});
    env.dom0_set_perms("/shared/ro", {"r0"});
    env.dom0_set_perms("/shared/ro/k", {"r0"});
    (void)real;
}

} // namespace

TEST_CASE("privileged: watches in the guest's own areas and elsewhere", "[privileged][watch]") {
    differential([](Run &r) {
        auto &g = r.g;
        std::string h = home(r.real);
        r.log("watch data", g.watch("data", "own"));
        r.events(1);
        r.env.dom0_write(h + "/data/w", "v");
        r.events(1);
        r.log("guest write data/g", g.write("data/g", "v"));
        r.events(1);
        r.env.dom0_rm(h + "/data/w");
        r.events(1);
        r.log("watch secret", g.watch("/local/domain/0/secret", "sec"));
        r.events(1);
        r.env.dom0_write("/local/domain/0/secret/k2", "v");
        r.env.dom0_write("/local/domain/0/secret/k", "v2");
        r.events(0);
        r.log("watch shared/ro", g.watch("/shared/ro", "ro"));
        r.events(1);
        r.env.dom0_write("/shared/ro/k", "v2");
        r.events(1);
        r.env.dom0_write("/shared/ro/new", "v");
        r.events(1);
        r.env.dom0_set_perms("/shared/ro/new", {"n0"});
        r.events(1); // the old perms granted read
        r.log("watch absolute home", g.watch(r.p("device"), "abs"));
        r.events(1);
        r.log("watch duplicate", g.watch(r.p("device"), "abs"));
        r.log("watch relative spelling of it", g.watch("device", "abs"));
        r.log("unwatch", g.unwatch("device", "abs"));
        r.log("unwatch again", g.unwatch("device", "abs"));
        r.env.dom0_write(h + "/device/x", "v");
        r.events(0);
        r.log("watch missing node", g.watch("data/not/yet", "later"));
        r.events(1);
        r.log("guest mkdir data/not/yet", g.mkdir("data/not/yet"));
        r.events(1);
    }, areas);
}

TEST_CASE("privileged: special watches get their initial event only", "[privileged][watch]") {
    differential([](Run &r) {
        auto &g = r.g;
        r.log("watch @releaseDomain", g.watch("@releaseDomain", "rel"));
        r.log("watch @introduceDomain", g.watch("@introduceDomain", "intro"));
        r.events(2);
        REQUIRE(r.env.host.create_domain(9) == 9);
        r.env.host.introduce(9);
        r.env.host.destroy(9);
        r.events(0, 500ms);
        r.log("still served", g.read("domid"));
    });
}

TEST_CASE("privileged: RESET_WATCHES drops the guest's watches and transactions", "[privileged][watch]") {
    differential([](Run &r) {
        auto &g = r.g;
        std::string h = home(r.real);
        r.log("watch data", g.watch("data", "a"));
        r.log("watch /shared/ro", g.watch("/shared/ro", "b"));
        r.events(2);
        auto t = g.transaction_start();
        r.log("tx", t.ok());
        r.log("reset", g.reset_watches());
        r.env.dom0_write(h + "/data/after", "v");
        r.env.dom0_write("/shared/ro/k", "v3");
        r.events(0);
        r.log("tx gone", g.transaction_end(t.val, true));
        r.log("watch data again", g.watch("data", "a"));
        r.events(1);
        r.env.dom0_write(h + "/data/after", "v2");
        r.events(1);
    }, areas);
}

TEST_CASE("privileged: one guest's RESET_WATCHES leaves another guest's watches intact", "[privileged][isolation]") {
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        Env env(d, Mode::privileged);
        auto a = env.guest(7);
        auto b = env.guest(8);
        REQUIRE(a->watch("data", "a").ok());
        REQUIRE(b->watch("data", "b").ok());
        REQUIRE(a->next_event());
        REQUIRE(b->next_event());
        REQUIRE(b->reset_watches().ok());
        env.dom0_write("/local/domain/7/data/x", "1");
        env.dom0_write("/local/domain/8/data/x", "1");
        auto e = a->next_event();
        REQUIRE(e);
        CHECK(e->path == "data/x");
        CHECK(e->token == "a");
        CHECK_FALSE(b->next_event(300ms));
        // Neither sees the other's home.
        CHECK(a->read("/local/domain/8/data/x").err == "EACCES");
    }
}

TEST_CASE("privileged: a guest flooding writes does not starve another guest", "[privileged][isolation]") {
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        Env env(d, Mode::privileged);
        auto quiet = env.guest(7);
        auto noisy = env.guest(8);
        std::atomic<bool> stop{false};
        std::atomic<unsigned> done{0};
        std::thread flood([&] {
            // The flooder's own thread: a Client is single-threaded.
            unsigned i = 0;
            while (!stop) {
                std::vector<std::uint32_t> ids;
                for (int k = 0; k < 32; ++k)
                    ids.push_back(noisy->send(XS_WRITE, "data/f" + std::to_string(i++ % 50) + std::string(1, '\0') + "x"));
                for (auto id : ids) (void)noisy->wait_reply(id);
                done += 32;
            }
        });
        while (done.load() < 64) std::this_thread::sleep_for(1ms); // the flood is on
        auto t0 = std::chrono::steady_clock::now();
        std::chrono::milliseconds worst{0};
        for (int i = 0; i < 50; ++i) {
            auto s = std::chrono::steady_clock::now();
            REQUIRE(quiet->write("data/q", std::to_string(i)).ok());
            REQUIRE(quiet->read("data/q").val == std::to_string(i));
            worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - s));
        }
        auto total = std::chrono::steady_clock::now() - t0;
        stop = true;
        flood.join();
        if (std::getenv("PRIVTEST_SHOW"))
            std::fprintf(stderr, "%s: flooder %u writes; quiet guest worst op %lld ms, 100 ops in %lld ms\n",
                         d == xensim::Daemon::c ? "C xenstored" : "oxenstored", done.load(),
                         static_cast<long long>(worst.count()),
                         static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(total).count()));
        INFO("flooder completed " << done.load() << " writes; worst quiet op " << worst.count() << " ms");
        CHECK(done.load() > 64);
        CHECK(worst < 1000ms);
        CHECK(total < 20s);
    }
}
