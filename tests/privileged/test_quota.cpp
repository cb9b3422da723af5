// SPDX-License-Identifier: LGPL-2.1-only
// Quotas xsproxy enforces because the daemon does not apply them to a privileged writer,
// compared with C xenstored's own enforcement on a ring connection.
#include "penv.h"

using namespace privtest;

namespace {

// "accepted N, then ERR": where a loop of requests first failed.
template <class F> std::string until_failure(unsigned max, F f) {
    for (unsigned i = 0; i < max; ++i) {
        xsguest::Status s = f(i);
        if (!s.ok()) return "accepted " + std::to_string(i) + ", then " + s.err;
    }
    return "accepted all " + std::to_string(max);
}

} // namespace

TEST_CASE("privileged: watch and transaction quotas", "[privileged][quota]") {
    differential([](Run &r) {
        auto &g = r.g;
        r.log("watches", until_failure(140, [&](unsigned i) {
                  return g.watch("data", "w" + std::string(i / 26 + 1, static_cast<char>('a' + i % 26)));
              }));
        std::vector<std::uint32_t> txs;
        r.log("transactions", until_failure(15, [&](unsigned) {
                  auto t = g.transaction_start();
                  if (t.ok()) txs.push_back(t.val);
                  return xsguest::Status(t);
              }));
        for (auto t : txs) g.transaction_end(t, false);
        r.log("after ending them", g.transaction_start().ok());
        r.log("reset", g.reset_watches());
    });
}

TEST_CASE("privileged: node size quota", "[privileged][quota]") {
    differential([](Run &r) {
        auto &g = r.g;
        for (std::size_t n : {2000u, 2015u, 2016u, 2030u, 4000u})
            r.log("write value of " + std::to_string(n), g.write("data/big", std::string(n, 'x')));
        r.log("mkdir data/dir", g.mkdir("data/dir"));
        r.log("write data/dir 2015", g.write("data/dir", std::string(2015, 'x')));
        r.log("child of a full node", g.write("data/dir/c", "v"));
        r.log("rewrite full node", g.write("data/dir", std::string(2012, 'x')));
        r.log("set_perms on a full node", g.set_perms("data/dir", {"n" + std::to_string(r.me), "r0"}));
    });
}

TEST_CASE("privileged: node count quota", "[privileged][quota]") {
    differential([](Run &r) {
        auto &g = r.g;
        // 40 children per directory keeps every parent below the node-size limit.
        auto node = [](unsigned i) {
            return "data/d" + std::string(1, static_cast<char>('a' + i / 40 % 26)) +
                   std::string(i / 1040 + 1, 'x') + "/n" + std::string(1, static_cast<char>('a' + i % 26)) +
                   std::string(i % 40 / 26 + 1, 'y');
        };
        r.log("nodes", until_failure(1100, [&](unsigned i) { return g.write(node(i), "v"); }));
        r.log("parent full", until_failure(400, [&](unsigned i) {
                  return g.write("data/p/c" + std::string(1, static_cast<char>('a' + i % 26)) + std::string(i / 26 + 1, 'z'), "v");
              }));
        r.log("rm one", g.rm(node(0)));
        r.log("rm a directory", g.rm("data/dax"));
        r.log("write again", g.write("data/again", "v"));
        r.log("write next", g.write("data/again2", "v"));
    });
}

TEST_CASE("privileged: write-rate limit while a transaction is open", "[privileged][quota]") {
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        Env env(d, Mode::privileged);
        auto g = env.guest(R);
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 60; ++i) REQUIRE(g->write("data/r", "v").ok());
        auto free_run = std::chrono::steady_clock::now() - t0;
        auto tx = g->transaction_start();
        REQUIRE(tx.ok());
        t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 60; ++i) REQUIRE(g->write("data/r", "v").ok());
        auto limited = std::chrono::steady_clock::now() - t0;
        REQUIRE(g->transaction_end(tx.val, false).ok());
        INFO("60 writes: " << std::chrono::duration_cast<std::chrono::milliseconds>(free_run).count()
                           << " ms without, " << std::chrono::duration_cast<std::chrono::milliseconds>(limited).count()
                           << " ms with a transaction open");
        // Burst 10, then 200/s: 50 writes wait about 250 ms.
        CHECK(limited >= 200ms);
        CHECK(env.dump(R).find("rate-waits 0") == std::string::npos);
    }
}

TEST_CASE("privileged: outstanding requests are back-pressure, not errors", "[privileged][quota]") {
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        Env env(d, Mode::privileged);
        auto g = env.guest(R);
        std::vector<std::uint32_t> ids;
        for (int i = 0; i < 200; ++i) ids.push_back(g->send(XS_READ, "domid" + std::string(1, '\0')));
        unsigned ok = 0;
        for (auto id : ids) {
            auto r = g->wait_reply(id);
            if (r.ok() && !xsx::is_error(r.val)) ++ok;
        }
        CHECK(ok == 200);
    }
}

// C counts every node a domain owns, wherever it is. Nodes the guest creates outside its
// home count too, survive a recount (taken before any ENOSPC), and leave the count once
// when removed (issue 16: the home reached 1116 nodes).
TEST_CASE("privileged: node count quota with nodes outside the home", "[privileged][quota]") {
    differential([](Run &r) {
        auto &g = r.g;
        auto outside = [](unsigned i) {
            return "/shared/rw/o" + std::string(1, static_cast<char>('a' + i / 26 % 26)) + "/n" +
                   std::string(1, static_cast<char>('a' + i % 26));
        };
        auto node = [](const std::string &dir, unsigned i) {
            return "data/" + dir + std::string(1, static_cast<char>('a' + i / 40 % 26)) + "/n" +
                   std::string(1, static_cast<char>('a' + i % 26)) + std::string(i % 40 / 26 + 1, 'y');
        };
        r.log("outside", until_failure(208, [&](unsigned i) { return g.write(outside(i), "v"); }));
        r.log("home until full", until_failure(1100, [&](unsigned i) { return g.write(node("h", i), "v"); }));
        // A recount happened at the refusal: the outside nodes are still counted.
        r.log("home again", g.write("data/again", "v"));
        r.log("rm outside subtree", g.rm("/shared/rw/oa"));
        r.log("home after rm", until_failure(60, [&](unsigned i) { return g.write(node("k", i), "v"); }));
        r.log("rm it again", g.rm("/shared/rw/oa"));
        r.log("home after second rm", g.write("data/more", "v"));
    }, [](Env &env, std::uint32_t real) {
        env.dom0_mkdir("/shared/rw");
        env.dom0_set_perms("/shared", {"r0"});
        env.dom0_set_perms("/shared/rw", {"r0", "b" + std::to_string(real)});
    });
}
