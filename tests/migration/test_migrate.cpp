// SPDX-License-Identifier: LGPL-2.1-only
// Two-host migration of a proxied guest: A (real domid 7) -> B (domid 7 taken there, so
// 12) -> back to A (as 9), in both modes. The guest's kernel is one xsguest Client that
// keeps its in-memory state across the moves.
#include "test_migrate_fixture.h"

#include <set>

using namespace migtest;

namespace {

struct Watch {
    std::string path, token;
};

// What a guest accumulates: data, an ACL it set, a node it deleted, its frontend's state,
// and three watches (relative, absolute, the backend's state as netfront watches it).
std::vector<Watch> populate(xsguest::Client &g) {
    REQUIRE(g.write("data/a", "1").ok());
    REQUIRE(g.write("data/sub/x", "deep").ok());
    REQUIRE(g.write("data/bin", std::string("b\0in\xff", 5)).ok());
    REQUIRE(g.write("data/acl", "shared").ok());
    REQUIRE(g.set_perms("data/acl", {"n1", "r0"}).ok());
    REQUIRE(g.mkdir("attr/p").ok());
    REQUIRE(g.rm("error").ok()); // a toolstack-created node the guest deletes
    REQUIRE(g.write("device/vif/0/state", "4").ok());
    auto be = g.read("device/vif/0/backend");
    REQUIRE(be.ok());
    CHECK(be.val == "/local/domain/0/backend/vif/1/0");
    std::vector<Watch> w{{"data", "rel"}, {"/local/domain/1/control", "abs"},
                         {be.val + "/state", "be"}};
    for (const auto &x : w) REQUIRE(g.watch(x.path, x.token).ok());
    collect_events(g, 200ms); // initial events
    return w;
}

std::multiset<std::pair<std::string, std::string>> as_set(const std::vector<xsguest::Event> &ev) {
    std::multiset<std::pair<std::string, std::string>> s;
    for (const auto &e : ev) s.insert({e.path, e.token});
    return s;
}

std::multiset<std::pair<std::string, std::string>> as_set(const std::vector<Watch> &w) {
    std::multiset<std::pair<std::string, std::string>> s;
    for (const auto &x : w) s.insert({x.path, x.token});
    return s;
}

// The guest's writes after the move land under the new real domid, owned by it, and dom0
// and the backend reach the guest's watches.
void check_after_move(Guest &g, const std::vector<Watch> &w, const std::string &tag, bool coop) {
    Site &s = *g.site;
    std::uint32_t d = g.dom.domid;
    CHECK(s.read(home(d) + "/data/a") == "1");
    CHECK(s.perms(home(d) + "/data/a").front() == "n" + std::to_string(d));
    CHECK(s.perms(home(d) + "/data/acl") ==
          std::vector<std::string>{"n" + std::to_string(d), "r0"});
    CHECK(s.read(home(d) + "/error") == "ENOENT");
    // A cooperative guest renegotiates its devices: its frontend starts again from what
    // the destination's toolstack wrote; a non-cooperative one keeps its connected state.
    CHECK(s.read(home(d) + "/device/vif/0/state") == (coop ? "1" : "4"));
    CHECK(s.read(home(d) + "/domid") == std::to_string(d));
    REQUIRE(g.client->write("data/after-" + tag, tag).ok());
    CHECK(s.read(home(d) + "/data/after-" + tag) == tag);
    CHECK(s.perms(home(d) + "/data/after-" + tag).front() == "n" + std::to_string(d));
    CHECK(g.client->read("domid").val == "1");
    REQUIRE(g.client->wait_event("data/after-" + tag, "rel", 2s));
    s.write(home(d) + "/data/from-dom0-" + tag, "x");
    CHECK(g.client->wait_event("data/from-dom0-" + tag, "rel", 2s));
    s.write("/local/domain/0/backend/vif/" + std::to_string(d) + "/0/state", "4");
    CHECK(g.client->wait_event(w[2].path, "be", 2s));
    s.write(home(d) + "/control/shutdown", "");
    CHECK(g.client->wait_event("/local/domain/1/control/shutdown", "abs", 2s));
    // What dom0 wrote is not the guest's to carry: leave the home as the guest made it.
    REQUIRE(xs_rm(s.host.xs(), XBT_NULL, (home(d) + "/control/shutdown").c_str()));
    REQUIRE(xs_rm(s.host.xs(), XBT_NULL, (home(d) + "/data/from-dom0-" + tag).c_str()));
    collect_events(*g.client, 100ms);
}

// Views compared without the nodes a leg wrote on purpose after its snapshot.
View strip(View v, const std::string &prefix) {
    for (auto it = v.nodes.begin(); it != v.nodes.end();)
        it = it->first.rfind(prefix, 0) == 0 ? v.nodes.erase(it) : std::next(it);
    return v;
}

// A non-cooperative leg: an open transaction and pipelined requests in flight at export.
void noncoop_leg(Guest &g, Site &dst, std::uint32_t new_domid, const std::vector<Watch> &w,
                 const std::string &tag) {
    auto &c = *g.client;
    collect_events(c, 50ms);
    View before = guest_view(c);
    auto tx = c.transaction_start();
    REQUIRE(tx.ok());
    REQUIRE(c.write("data/tx", "in-tx", tx.val).ok());
    std::vector<std::uint32_t> writes, reads;
    for (int i = 0; i < 24; ++i) {
        std::string body = "attr/p/" + tag + std::to_string(i) + std::string(1, '\0') + "v" +
                           std::to_string(i);
        writes.push_back(c.send(XS_WRITE, body));
        reads.push_back(c.send(XS_READ, std::string("data/a") + '\0'));
    }
    migrate(g, dst, new_domid, "noncooperative", tmpfile("noncoop-" + tag));

    for (std::size_t i = 0; i < writes.size(); ++i) {
        auto r = c.wait_reply(writes[i], 5s);
        INFO("pipelined write " << i << ": " << r);
        CHECK(r.ok());
        auto rr = c.wait_reply(reads[i], 5s);
        INFO("pipelined read " << i << ": " << rr);
        REQUIRE(rr.ok());
        CHECK(rr.val.body == "1");
    }
    // Each re-registered watch fires once.
    CHECK(as_set(collect_events(c)) == as_set(w));
    // The open transaction: usable inside (a replacement upstream), EAGAIN at its end.
    auto in = c.read("data/a", tx.val);
    CHECK(in.ok());
    CHECK(in.val == "1");
    CHECK(c.write("data/tx2", "y", tx.val).ok());
    CHECK(c.transaction_end(tx.val, true).err == "EAGAIN");
    CHECK(c.read("data/tx").err == "ENOENT");
    CHECK(c.read("data/tx2").err == "ENOENT");
    View after = guest_view(c);
    for (int i = 0; i < 24; ++i)
        CHECK(c.read("attr/p/" + tag + std::to_string(i)).val == "v" + std::to_string(i));
    INFO("before:\n" << show(before.nodes) << "after:\n" << show(after.nodes));
    CHECK(strip(after, "/local/domain/1/attr/p/") == strip(before, "/local/domain/1/attr/p/"));
    CHECK(after.domain_path == "/local/domain/1");
    check_after_move(g, w, tag, false);
}

void coop_leg(Guest &g, Site &dst, std::uint32_t new_domid, const std::vector<Watch> &w,
              const std::string &tag) {
    auto &c = *g.client;
    collect_events(c, 50ms);
    View before = guest_view(c);
    migrate(g, dst, new_domid, "cooperative", tmpfile("coop-" + tag));
    // Nothing fires until the guest re-registers, as on a fresh xenstored.
    CHECK(collect_events(c).empty());
    View after = guest_view(c);
    INFO("before:\n" << show(before.nodes) << "after:\n" << show(after.nodes) << "B's log:\n"
                      << g.site->proxy_log());
    CHECK(after.nodes.at("/local/domain/1/device/vif/0/state") == "1|n1,r0");
    CHECK(strip(after, "/local/domain/1/device/") == strip(before, "/local/domain/1/device/"));
    before.nodes.erase("/local/domain/1/device/vif/0/state");
    after.nodes.erase("/local/domain/1/device/vif/0/state");
    CHECK(after == before);
    CHECK(after.domain_path == "/local/domain/1");
    g.site->write(home(new_domid) + "/data/unwatched-" + tag, "x");
    CHECK(collect_events(c, 200ms).empty());
    for (const auto &x : w) REQUIRE(c.watch(x.path, x.token).ok());
    CHECK(as_set(collect_events(c)) == as_set(w));
    REQUIRE(c.rm("data/unwatched-" + tag).ok());
    collect_events(c, 100ms);
    check_after_move(g, w, tag, true);
    REQUIRE(c.write("device/vif/0/state", "4").ok()); // reconnected
}

} // namespace

TEST_CASE("migration, non-cooperative: A(7) -> B(12, 7 taken) -> A(9), the guest never notices",
          "[migration]") {
    Site a, b;
    b.host.create_domain(7);
    b.host.introduce(7); // an unrelated guest holds domid 7 on B
    Tree b7 = b.tree(home(7));
    Guest g = boot(a, 7);
    auto w = populate(*g.client);
    noncoop_leg(g, b, 12, w, "ab");
    CHECK(b.tree(home(7)) == b7);
    noncoop_leg(g, a, 9, w, "ba");
    CHECK(a.read(home(9) + "/data/after-ab") == "ab");
    CHECK(g.client->stats().unmatched == 0);
    CHECK(g.client->stats().bad_echo == 0);
    CHECK_FALSE(g.client->broken());
}

TEST_CASE("migration, cooperative: A(7) -> B(12, 7 taken) -> A(9), journal carried, watches "
          "re-registered by the guest",
          "[migration]") {
    Site a, b;
    b.host.create_domain(7);
    b.host.introduce(7);
    Tree b7 = b.tree(home(7));
    Guest g = boot(a, 7);
    auto w = populate(*g.client);
    coop_leg(g, b, 12, w, "ab");
    CHECK(b.tree(home(7)) == b7);
    coop_leg(g, a, 9, w, "ba");
    CHECK(a.read(home(9) + "/data/after-ab") == "ab");
    CHECK_FALSE(g.client->broken());
}

TEST_CASE("migration: toolstack keys and third-party ACL entries are not carried",
          "[migration]") {
    std::string mode = GENERATE(std::string("cooperative"), std::string("noncooperative"));
    INFO("mode " << mode);
    Site a, b;
    b.host.create_domain(7);
    b.host.introduce(7);
    Guest g = boot(a, 7);
    auto &c = *g.client;
    // A guest may rewrite its own frontend's toolstack keys; they are not its to carry.
    REQUIRE(c.write("device/vif/0/backend", "/local/domain/0/backend/vif/1/9").ok());
    REQUIRE(c.write("device/vif/0/backend-id", "5").ok());
    REQUIRE(c.write("data/third", "t").ok());
    REQUIRE(c.set_perms("data/third", {"n1", "r0", "r5", "b3"}).ok());
    REQUIRE(c.write("data/foreign-owner", "f").ok());
    REQUIRE(c.set_perms("data/foreign-owner", {"n1", "r0"}).ok());
    migrate(g, b, 12, mode, tmpfile("keys-" + mode));
    std::string fe = home(12) + "/device/vif/0";
    CHECK(b.read(fe + "/backend") == "/local/domain/0/backend/vif/12/0");
    CHECK(b.read(fe + "/backend-id") == "0");
    CHECK(b.perms(fe) == std::vector<std::string>{"n12", "r0"});
    CHECK(c.read("device/vif/0/backend").val == "/local/domain/0/backend/vif/1/0");
    CHECK(c.read("device/vif/0/backend-id").val == "0");
    CHECK(b.read(home(12) + "/data/third") == "t");
    CHECK(b.perms(home(12) + "/data/third") == std::vector<std::string>{"n12", "r0"});
    CHECK(c.get_perms("data/third").val == std::vector<std::string>{"n1", "r0"});
    CHECK(b.perms(home(12) + "/data/foreign-owner") == std::vector<std::string>{"n12", "r0"});
    // Nothing of the guest landed on B's unrelated domain 7.
    CHECK(b.read(home(7) + "/data/third") == "ENOENT");
    CHECK(b.read(home(7) + "/device") != "ENOENT");
}

