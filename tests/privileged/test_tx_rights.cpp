// SPDX-License-Identifier: LGPL-2.1-only
// A guest transaction must never commit with rights it no longer has (issue 16).
//
// On the privileged upstream the daemon checks nothing: xsproxy decides with C's rules
// and acts on a privileged socket. oxenstored commits a transaction it cannot merge by
// replaying its recorded requests on the current store, as the connection that made
// them — here dom0 — and commits when every answer is the same. Whatever a guest
// mutation's decision depends on must therefore be among the recorded requests, or a
// concurrent revocation is replayed with dom0's rights and the commit lands.
//
// Each scenario: the guest does one allowed act in a transaction, a third party (dom0,
// or another domain on its own ring) then revokes or replaces what the act relied on,
// and the guest commits. C xenstored (the profile, the guest directly on its ring) says
// EAGAIN; so must xsproxy on both daemons, and the third party's change must survive.
#include "penv.h"

using namespace privtest;

namespace {

std::string perms_str(const std::vector<std::string> &p) {
    std::string s;
    for (const auto &e : p) s += e + " ";
    return s;
}

// What the guest and dom0 see after the commit, logged as transcript lines and
// asserted directly: the commit is EAGAIN, the third party's value is in place.
void commit_refused(Run &r, std::uint32_t tx, const std::string &node, const std::string &value) {
    auto end = r.g.transaction_end(tx, true);
    r.log("commit", end);
    CHECK(end.err == "EAGAIN");
    std::string now = r.env.dom0_read(node);
    r.log("dom0 reads the node", now);
    CHECK(now == value);
    r.log("dom0 perms of the node", map_domid(perms_str(r.env.dom0_get_perms(node)), r.real));
}

} // namespace

TEST_CASE("privileged: a transaction's write after dom0 revoked it is EAGAIN", "[privileged][tx][rights]") {
    differential([](Run &r) {
        std::string node = home(r.real) + "/data/rw0";
        auto t = r.g.transaction_start();
        REQUIRE(t.ok());
        r.log("write in tx", r.g.write("data/rw0", "guest", t.val));
        r.env.dom0_set_perms(node, {"n0", "r" + std::to_string(r.real)});
        r.env.dom0_write(node, "dom0");
        commit_refused(r, t.val, node, "dom0");
    }, [](Env &env, std::uint32_t real) {
        std::string node = home(real) + "/data/rw0";
        env.dom0_write(node, "initial");
        env.dom0_set_perms(node, {"n0", "b" + std::to_string(real)});
    });
}

TEST_CASE("privileged: a transaction's SET_PERMS does not regain a node dom0 took", "[privileged][tx][rights]") {
    differential([](Run &r) {
        std::string node = home(r.real) + "/data/shared";
        auto t = r.g.transaction_start();
        REQUIRE(t.ok());
        r.log("set_perms in tx", r.g.set_perms("data/shared", {"n" + std::to_string(r.me), "b9"}, t.val));
        r.env.dom0_set_perms(node, {"n0"});
        r.env.dom0_write(node, "secret");
        commit_refused(r, t.val, node, "secret");
        r.log("guest reads it", r.g.read("data/shared"));
    }, [](Env &env, std::uint32_t real) {
        REQUIRE(env.host.create_domain(9) == 9);
        env.dom0_write(home(real) + "/data/shared", "mine");
        env.dom0_set_perms(home(real) + "/data/shared", {"n" + std::to_string(real)});
    });
}

TEST_CASE("privileged: a transaction's create does not steal the node dom0 created", "[privileged][tx][rights]") {
    differential([](Run &r) {
        std::string node = "/local/domain/0/wonly/key";
        auto t = r.g.transaction_start();
        REQUIRE(t.ok());
        r.log("create wonly/key in tx", r.g.write(node, "guest", t.val));
        r.env.dom0_write(node, "secret");
        r.env.dom0_set_perms(node, {"n0"});
        commit_refused(r, t.val, node, "secret");
        CHECK(r.env.dom0_get_perms(node) == std::vector<std::string>{"n0"});
    }, [](Env &env, std::uint32_t real) {
        env.dom0_mkdir("/local/domain/0/wonly");
        env.dom0_set_perms("/local/domain/0/wonly", {"n0", "w" + std::to_string(real)});
    });
}

TEST_CASE("privileged: a transaction's MKDIR does not take the directory dom0 made", "[privileged][tx][rights]") {
    differential([](Run &r) {
        std::string node = "/local/domain/9/drop/dir";
        auto t = r.g.transaction_start();
        REQUIRE(t.ok());
        r.log("mkdir in tx", r.g.mkdir(node, t.val));
        r.env.dom0_mkdir(node);
        r.env.dom0_set_perms(node, {"n9"});
        r.env.dom0_write(node, "nine");
        commit_refused(r, t.val, node, "nine");
        CHECK(r.env.dom0_get_perms(node) == std::vector<std::string>{"n9"});
    }, [](Env &env, std::uint32_t real) {
        REQUIRE(env.host.create_domain(9) == 9);
        env.dom0_mkdir("/local/domain/9/drop");
        env.dom0_set_perms("/local/domain/9/drop", {"n9", "w" + std::to_string(real)});
    });
}

TEST_CASE("privileged: a peer domain's revocation between a transaction's write and its commit", "[privileged][tx][rights]") {
    std::unique_ptr<xsguest::Client> peer;
    differential([&peer](Run &r) {
        std::string node = "/local/domain/9/wr";
        auto t = r.g.transaction_start();
        REQUIRE(t.ok());
        r.log("write peer's node in tx", r.g.write(node, "guest", t.val));
        // Domain 9, on its own ring (never through xsproxy), takes the node back.
        CHECK(peer->set_perms(node, {"n9"}).ok());
        CHECK(peer->write(node, "private").ok());
        commit_refused(r, t.val, node, "private");
        peer.reset(); // before its host goes
    }, [&peer](Env &env, std::uint32_t real) {
        // Domain 9 on its own ring to the daemon, whatever serves guest R.
        REQUIRE(env.host.create_domain(9) == 9);
        auto in = env.host.introduce(9);
        peer = xsguest::attach_xensim(env.host.sim(), 9, in.ring_gfn, in.store_port, {});
        REQUIRE(peer->connect().ok());
        env.dom0_write("/local/domain/9/wr", "open");
        env.dom0_set_perms("/local/domain/9/wr", {"n9", "b" + std::to_string(real)});
    });
}

TEST_CASE("privileged: a transaction's create conflicts with dom0 creating the same node", "[privileged][tx][rights]") {
    differential([](Run &r) {
        auto t = r.g.transaction_start();
        REQUIRE(t.ok());
        r.log("mkdir data/a in tx", r.g.mkdir("data/a", t.val));
        r.env.dom0_write(home(r.real) + "/data/a", "mli");

        r.log("commit", r.g.transaction_end(t.val, true));
        r.log("dom0 reads the node", r.env.dom0_read(home(r.real) + "/data/a"));
    });
}
