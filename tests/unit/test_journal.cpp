// SPDX-License-Identifier: LGPL-2.1-only
// The journal of guest writes: what migration carries, and what it must not.
#include "xsxlate/journal.h"

#include <catch2/catch.hpp>

using xsx::Journal;
using xsx::Msg;

namespace {

Msg req(std::uint32_t type, std::string body, std::uint32_t tx = 0) {
    Msg m;
    m.type = type;
    m.req_id = 1;
    m.tx_id = tx;
    m.body = std::move(body);
    return m;
}
Msg write(std::string path, std::string value, std::uint32_t tx = 0) {
    return req(XS_WRITE, path + std::string(1, '\0') + value, tx);
}
Msg one(std::uint32_t type, std::string path, std::uint32_t tx = 0) {
    return req(type, path + std::string(1, '\0'), tx);
}
Msg ok(const Msg &r) { return xsx::reply_ok(r); }
Msg err(const Msg &r, const char *e) { return xsx::reply_error(r, e); }

} // namespace

TEST_CASE("journal records successful writes in the guest's absolute view") {
    Journal j(1);
    Msg w = write("data/a", std::string("x\0y", 3));
    j.on_reply(0, w, ok(w));
    Msg w2 = write("/local/domain/1/data/b", "2");
    j.on_reply(0, w2, err(w2, "EACCES"));
    REQUIRE(j.entries().size() == 1);
    const auto &e = j.entries().at("/local/domain/1/data/a");
    CHECK(e.has_value);
    CHECK(e.value == std::string("x\0y", 3));
    CHECK_FALSE(e.tombstone);
}

TEST_CASE("journal: transactions count only when they commit") {
    Journal j(1);
    Msg w = write("data/t", "1", 5);
    j.on_reply(0, w, ok(w));
    CHECK(j.entries().empty());
    Msg end_abort = req(XS_TRANSACTION_END, std::string("F", 2), 5);
    j.on_reply(0, end_abort, ok(end_abort));
    CHECK(j.entries().empty());

    Msg w2 = write("data/t", "2", 6);
    j.on_reply(0, w2, ok(w2));
    Msg end_eagain = req(XS_TRANSACTION_END, std::string("T", 2), 6);
    j.on_reply(0, end_eagain, err(end_eagain, "EAGAIN"));
    CHECK(j.entries().empty());
    CHECK(j.pending_transactions() == 0);

    Msg w3 = write("data/t", "3", 7);
    j.on_reply(0, w3, ok(w3));
    Msg w4 = write("data/t", "other channel", 7);
    j.on_reply(1, w4, ok(w4)); // same tx id, another channel: a different transaction
    Msg end = req(XS_TRANSACTION_END, std::string("T", 2), 7);
    j.on_reply(0, end, ok(end));
    REQUIRE(j.entries().count("/local/domain/1/data/t"));
    CHECK(j.entries().at("/local/domain/1/data/t").value == "3");
    CHECK(j.pending_transactions() == 1);
    j.drop_channel(1);
    CHECK(j.pending_transactions() == 0);
}

TEST_CASE("journal: RM leaves a tombstone and forgets the subtree") {
    Journal j(1);
    for (const char *p : {"data/d/x", "data/d/y/z", "data/dd"}) {
        Msg w = write(p, "v");
        j.on_reply(0, w, ok(w));
    }
    Msg rm = one(XS_RM, "data/d");
    j.on_reply(0, rm, ok(rm));
    CHECK(j.entries().size() == 2);
    CHECK(j.entries().at("/local/domain/1/data/d").tombstone);
    CHECK(j.entries().count("/local/domain/1/data/dd") == 1);
    // Re-created after removal: a node again.
    Msg w = write("data/d", "back");
    j.on_reply(0, w, ok(w));
    CHECK_FALSE(j.entries().at("/local/domain/1/data/d").tombstone);
}

TEST_CASE("journal: ACLs the guest set, and replay order") {
    Journal j(1);
    Msg mk = one(XS_MKDIR, "data/p");
    j.on_reply(0, mk, ok(mk));
    Msg sp = req(XS_SET_PERMS, std::string("data/p\0n1\0r0\0", 13));
    j.on_reply(0, sp, ok(sp));
    Msg w = write("data/p/c", "v");
    j.on_reply(0, w, ok(w));
    Msg rm = one(XS_RM, "data/gone");
    j.on_reply(0, rm, ok(rm));
    Msg spec = one(XS_SET_PERMS, "@releaseDomain");
    j.on_reply(0, spec, ok(spec)); // special nodes are never journaled

    auto r = j.replay();
    REQUIRE(r.size() == 4);
    CHECK(r[0].type == XS_RM);
    CHECK(r[1].type == XS_MKDIR);
    CHECK(r[1].body == std::string("/local/domain/1/data/p\0", 23));
    CHECK(r[2].type == XS_SET_PERMS);
    CHECK(r[2].body == std::string("/local/domain/1/data/p\0n1\0r0\0", 29));
    CHECK(r[3].type == XS_WRITE);
}

TEST_CASE("journal: RESET_WATCHES ends the channel's transactions") {
    Journal j(3);
    Msg w = write("data/x", "1", 2);
    j.on_reply(0, w, ok(w));
    Msg reset = req(XS_RESET_WATCHES, std::string(1, '\0'));
    j.on_reply(0, reset, ok(reset));
    Msg end = req(XS_TRANSACTION_END, std::string("T", 2), 2);
    j.on_reply(0, end, ok(end));
    CHECK(j.entries().empty());
    CHECK(j.virt() == 3);
}
