// SPDX-License-Identifier: LGPL-2.1-only
// Where the privileged upstream has to work for exactness: events on nodes whose ACL
// xsproxy has not seen, transactions creating nodes, and DIRECTORY_PART on a large
// directory.
#include "penv.h"

using namespace privtest;

namespace {
std::string owner(const xsguest::Result<std::vector<std::string>> &r) {
    return !r.ok() ? r.err : r.val.empty() ? "<none>" : r.val.front();
}
} // namespace

TEST_CASE("privileged: creating nodes inside a guest transaction fires as in C", "[privileged][watch][tx]") {
    differential([](Run &r) {
        // Also under a directory the guest may write but does not own (fix-ups needed).
        r.env.dom0_mkdir("/shared/rw");
        r.env.dom0_set_perms("/shared/rw", {"r0", "b" + std::to_string(r.real)});
        auto &g = r.g;
        r.log("watch data", g.watch("data", "d"));
        r.events(1);
        auto t = g.transaction_start();
        r.log("tx", t.ok());
        r.log("mkdir data/a/b in tx", g.mkdir("data/a/b", t.val));
        r.log("write data/a/b/c in tx", g.write("data/a/b/c", "v", t.val));
        r.log("write data/x in tx", g.write("data/x", "v", t.val));
        r.log("watch shared/rw", g.watch("/shared/rw", "s"));
        r.events(1);
        r.log("write shared/rw/p/q in tx", g.write("/shared/rw/p/q", "v", t.val));
        r.events(0);
        r.log("commit", g.transaction_end(t.val, true));
        // C sends one event per changed node at commit; order is the daemon's.
        std::vector<std::string> ev;
        while (auto e = g.next_event(300ms)) ev.push_back(show(*e));
        std::sort(ev.begin(), ev.end());
        for (auto &e : ev) r.lines.push_back("commit event " + e);
        r.log("perms data/a", owner(g.get_perms("data/a")));
        r.log("perms data/a/b/c", owner(g.get_perms("data/a/b/c")));
        r.log("perms shared/rw/p", owner(g.get_perms("/shared/rw/p")));
    });
}

TEST_CASE("privileged: events on nodes of unknown ACL are decided by a lookup, as C would", "[privileged][watch]") {
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        Env env(d, Mode::privileged);
        auto g = env.guest(R);
        std::string h = home(R);
        // A dom0-only subtree in the guest's home: C filters its events (node and parent
        // unreadable). xsproxy has never seen its ACL: it asks the daemon and filters too.
        env.dom0_write(h + "/private/k", "v");
        env.dom0_set_perms(h + "/private", {"n0"});
        env.dom0_set_perms(h + "/private/k", {"n0"});
        REQUIRE(g->watch("/local/domain/1", "home").ok());
        REQUIRE(g->next_event());
        env.dom0_write(h + "/private/k", "v2");
        CHECK_FALSE(g->next_event(300ms));
        // Outside its areas: a readable node under an unreadable watched parent. The
        // old area rule missed this event; the lookup delivers it, as C does.
        env.dom0_mkdir("/local/domain/0/cf");
        env.dom0_set_perms("/local/domain/0/cf", {"n0"});
        env.dom0_write("/local/domain/0/cf/open", "v");
        env.dom0_set_perms("/local/domain/0/cf/open", {"n0", "r" + std::to_string(R)});
        REQUIRE(g->watch("/local/domain/0/cf", "cf").ok());
        REQUIRE(g->next_event());
        env.dom0_write("/local/domain/0/cf/open", "v2");
        auto e = g->next_event(500ms);
        REQUIRE(e);
        CHECK(e->path == "/local/domain/0/cf/open");
        env.dom0_write("/local/domain/0/cf/hidden", "v");
        env.dom0_set_perms("/local/domain/0/cf/hidden", {"n0"});
        CHECK_FALSE(g->next_event(300ms));
        std::string dump = env.dump(R);
        INFO(dump);
        CHECK(dump.find("uncertain-delivered 0") != std::string::npos);
        CHECK(dump.find("acl-lookups 0") == std::string::npos);
    }
}

TEST_CASE("privileged: DIRECTORY_PART of a directory larger than one reply", "[privileged][dirpart]") {
    differential([](Run &r) {
        auto &g = r.g;
        r.env.dom0_mkdir("/shared");
        r.env.dom0_set_perms("/shared", {"r0"});
        // Only dom0 can make one: a guest's own directory stops at the node-size limit.
        for (int i = 0; i < 300; ++i) r.env.dom0_write("/shared/n" + std::string(10, static_cast<char>('a' + i % 26)) + std::to_string(i + 100), "v");
        auto dir = g.directory("/shared");
        r.log("directory", dir.ok() ? std::to_string(dir.val.size()) : dir.err);
        auto parts = g.directory_by_parts("/shared");
        r.log("directory by parts", parts.ok() ? std::to_string(parts.val.size()) : parts.err);
    });
}
