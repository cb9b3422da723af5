// SPDX-License-Identifier: LGPL-2.1-only
// The access model of C xenstored 4.17 for an unprivileged connection (xenstore-facts §3).
#include <catch2/catch.hpp>

#include "helpers.h"
#include "xsxlate/access.h"

using namespace xsx::access;
using xt::z;

namespace {

Acl acl(std::string_view bars) {
    auto a = parse_acl(z(bars));
    REQUIRE(a);
    return *a;
}

const Identity r5{5, std::nullopt};

} // namespace

TEST_CASE("perms parse and format round trip", "[access]") {
    CHECK(format_acl(acl("n0|r5|b7|w9|")) == z("n0|r5|b7|w9|"));
    CHECK_FALSE(parse_acl(z("x0|")));
    CHECK_FALSE(parse_acl(z("r|")));
    CHECK_FALSE(parse_acl(z("r5a|")));
    CHECK_FALSE(parse_acl(""));
}

TEST_CASE("perm_for: owner, first matching entry, default, target", "[access]") {
    CHECK(perm_for(r5, acl("n5|")) == (perm_read | perm_write | perm_owner));
    CHECK(perm_for(r5, acl("n0|")) == perm_none);
    CHECK(perm_for(r5, acl("r0|")) == perm_read);
    CHECK(perm_for(r5, acl("b0|n5|")) == perm_none);      // an entry beats the default
    CHECK(perm_for(r5, acl("n0|w5|r5|")) == perm_write);   // the first entry wins
    CHECK(perm_for(r5, acl("n0|r7|")) == perm_none);
    Identity stub{9, 5};                                    // stub domain 9 targets 5
    CHECK(perm_for(stub, acl("n5|")) == (perm_read | perm_write | perm_owner));
    CHECK(perm_for(stub, acl("n0|r5|")) == perm_read);
    CHECK(perm_for(stub, acl("n0|w9|")) == perm_write);
}

TEST_CASE("EACCES vs ENOENT by the nearest existing ancestor", "[access]") {
    // READ /local/domain/0/nope/deeper under a dom0-only parent: EACCES (C).
    Chain hidden{std::nullopt, std::nullopt, acl("n0|"), acl("r0|"), acl("r0|")};
    CHECK(check(r5, hidden, perm_read) == Err::eacces);
    Chain visible{std::nullopt, acl("r0|"), acl("n0|")};
    CHECK(check(r5, visible, perm_read) == Err::enoent);
    Chain exists{acl("n0|r5|")};
    CHECK(check(r5, exists, perm_read) == Err::none);
    CHECK(check(r5, exists, perm_write) == Err::eacces);
    // Any common bit with the ancestor's rights reveals the absence.
    Chain w{std::nullopt, acl("w0|")};
    CHECK(check(r5, w, perm_write | perm_owner) == Err::enoent);
    CHECK(check(r5, w, perm_read) == Err::eacces);
}

TEST_CASE("WRITE/MKDIR: existing node needs WRITE, creation WRITE on the nearest ancestor",
          "[access]") {
    auto c = check_create(r5, Chain{acl("n5|")});
    CHECK((c.err == Err::none && c.exists));
    c = check_create(r5, Chain{acl("r0|")});
    CHECK((c.err == Err::eacces && c.exists));
    // Two missing levels under a node 5 owns with a backend reader: both get n5 r0.
    c = check_create(r5, Chain{std::nullopt, std::nullopt, acl("n5|r0|"), acl("n0|")});
    CHECK(c.err == Err::none);
    CHECK(c.levels == 2);
    CHECK(c.acl == acl("n5|r0|"));
    // Writable but not owned: owner becomes the creator, default and entries kept.
    c = check_create(r5, Chain{std::nullopt, acl("r0|b5|")});
    CHECK(c.err == Err::none);
    CHECK(c.acl == acl("r5|b5|"));
    c = check_create(r5, Chain{std::nullopt, acl("r0|")});
    CHECK(c.err == Err::eacces);
    c = check_create(r5, Chain{std::nullopt, acl("n0|")});
    CHECK(c.err == Err::eacces);
}

TEST_CASE("created_acl: the creator's domid, not its target's", "[access]") {
    Identity stub{9, 5};
    CHECK(created_acl(stub, acl("n5|r0|")) == acl("n9|r0|"));
}

TEST_CASE("RM rules", "[access]") {
    CHECK(check_rm(r5, Chain{acl("n5|")}, false).err == Err::none);
    CHECK(check_rm(r5, Chain{acl("r0|")}, false).err == Err::eacces);
    auto r = check_rm(r5, Chain{std::nullopt, acl("n5|")}, false);
    CHECK((r.err == Err::none && r.noop));
    // Missing with a missing parent: ENOENT under a writable ancestor, else EACCES.
    CHECK(check_rm(r5, Chain{std::nullopt, std::nullopt, acl("n5|")}, false).err == Err::enoent);
    CHECK(check_rm(r5, Chain{std::nullopt, std::nullopt, acl("n0|")}, false).err == Err::eacces);
    // Missing under an unwritable existing parent: EACCES (nothing revealed).
    CHECK(check_rm(r5, Chain{std::nullopt, acl("r0|")}, false).err == Err::eacces);
    CHECK(check_rm(r5, Chain{acl("n0|")}, true).err == Err::eacces);
    CHECK(check_rm(Identity{0, {}}, Chain{acl("n0|")}, true).err == Err::einval);
}

TEST_CASE("SET_PERMS rules", "[access]") {
    auto exists = [](std::uint32_t d) { return d == 0 || d == 5 || d == 7; };
    auto sp = [](std::vector<std::string_view> v, bool special = false) {
        return SetPermsArgs{std::move(v), special};
    };
    Chain own{acl("n5|")};
    CHECK(check_set_perms(r5, own, sp({"n5", "r0"}), exists) == Err::none);
    CHECK(check_set_perms(r5, own, sp({"n0"}), exists) == Err::eperm);
    CHECK(check_set_perms(r5, own, sp({"n5", "r0", "r7", "b0", "w7", "r5"}), exists) ==
          Err::enospc);
    CHECK(check_set_perms(r5, own, sp({"n5", "r0", "r7", "b0", "w7"}), exists) == Err::none);
    CHECK(check_set_perms(r5, own, sp({"x5"}), exists) == Err::einval);
    CHECK(check_set_perms(r5, own, sp({}), exists) == Err::einval);
    CHECK(check_set_perms(r5, own, sp({"n42"}), exists) == Err::enoent);
    // A non-existent domid in a later entry is stored (IGNORE-flagged), not refused.
    CHECK(check_set_perms(r5, own, sp({"n5", "r42"}), exists) == Err::none);
    CHECK(check_set_perms(r5, Chain{acl("b0|")}, sp({"b0"}), exists) == Err::eacces);
    CHECK(check_set_perms(r5, Chain{std::nullopt, acl("n5|")}, sp({"n5"}), exists) ==
          Err::enoent);
    CHECK(check_set_perms(r5, Chain{std::nullopt, acl("r0|")}, sp({"n5"}), exists) ==
          Err::eacces);
    CHECK(check_set_perms(r5, Chain{}, sp({"n0", "r5"}, true), exists) == Err::eacces);
}

TEST_CASE("ancestors and parents", "[access]") {
    CHECK(ancestors("/a/b") == std::vector<std::string>{"/a/b", "/a", "/"});
    CHECK(ancestors("/") == std::vector<std::string>{"/"});
    CHECK(parent_of("/a") == "/");
}

TEST_CASE("node size accounting", "[access]") {
    CHECK(node_size(1, 0, 0) == 32);
    CHECK(node_size(2, 100, 6) == 24 + 16 + 106);
}

TEST_CASE("write rate: burst then the rate", "[access]") {
    WriteRate w(200.0, 10.0);
    for (int i = 0; i < 10; ++i) CHECK(w.take(1000));
    CHECK_FALSE(w.take(1000));
    CHECK(w.ready_in_ms(1000) > 0);
    CHECK(w.take(1006)); // 200/s: one credit per 5 ms
}

TEST_CASE("transaction ids start at 1 and skip those in use", "[access]") {
    TxIds t;
    CHECK(t.next({}) == 1);
    CHECK(t.next({3}) == 2);
    CHECK(t.next({3}) == 4);
}

TEST_CASE("watch delivery policy", "[access]") {
    EventFacts f;
    f.initial = true;
    CHECK(watch_policy(r5, f).deliver);
    f = {};
    f.special = true;
    CHECK_FALSE(watch_policy(r5, f).deliver);
    f.special_granted = true;
    CHECK(watch_policy(r5, f).deliver);
    f = {};
    f.node = acl("n0|");
    f.parent = acl("n0|r5|"); // C: the parent's READ suffices
    auto d = watch_policy(r5, f);
    CHECK((d.deliver && !d.uncertain));
    f.parent = acl("n0|");
    d = watch_policy(r5, f);
    CHECK((!d.deliver && !d.uncertain));
    f = {};
    d = watch_policy(r5, f);
    CHECK((!d.deliver && d.uncertain));
    f.in_own_area = true;
    d = watch_policy(r5, f);
    CHECK((d.deliver && d.uncertain));
}

TEST_CASE("watch delivery after a lookup at event time", "[access]") {
    EventFacts f;
    f.looked_up = true;
    f.node = acl("n0|");
    f.parent = acl("n0|");
    f.in_own_area = true; // a known answer wins over the area guess
    auto d = watch_policy(r5, f);
    CHECK((!d.deliver && !d.uncertain));
    f.old_node = acl("n0|r5|"); // SET_PERMS that revoked R: C still tells R (old perms)
    d = watch_policy(r5, f);
    CHECK((d.deliver && !d.uncertain));
    // Node and parent gone (an RM): only the area rule is left.
    f = {};
    f.looked_up = true;
    f.in_own_area = true;
    d = watch_policy(r5, f);
    CHECK((d.deliver && d.uncertain));
    f.in_own_area = false;
    d = watch_policy(r5, f);
    CHECK((!d.deliver && d.uncertain));
}

TEST_CASE("special events follow the @ node's ACL where the daemon tells it", "[access]") {
    EventFacts f;
    f.special = true;
    f.special_acl = acl("n0|r5|");
    auto d = watch_policy(r5, f);
    CHECK((d.deliver && !d.uncertain));
    f.special_acl = acl("n0|");
    d = watch_policy(r5, f);
    CHECK((!d.deliver && !d.uncertain));
    f.special_acl.reset(); // C 4.17 answers EINVAL to GET_PERMS of an @ name
    d = watch_policy(r5, f);
    CHECK((!d.deliver && d.uncertain));
}

TEST_CASE("emulated DIRECTORY_PART generation follows the child list", "[access]") {
    CHECK(children_generation(z("a|b|")) == children_generation(z("a|b|")));
    CHECK(children_generation(z("a|b|")) != children_generation(z("a|c|")));
}
