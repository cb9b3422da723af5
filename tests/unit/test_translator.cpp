// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace xsx;
using xt::bars;
using xt::msg;
using xt::z;

namespace {

using K = RequestAction::Kind;

// Guest sees 1; it really is 5; a real domain 1 exists (shown to the guest as 5).
const DomidMap M{5, 1};

std::string fwd(Translator &t, std::uint32_t type, std::string_view body) {
    RequestAction a = t.request(msg(type, body, 11, 3));
    INFO(type_name(type) << " " << body);
    REQUIRE(a.kind == K::forward);
    CHECK(a.msg.type == type);
    CHECK(a.msg.req_id == 11);
    CHECK(a.msg.tx_id == 3);
    return bars(a.msg.body);
}

std::string local_err(Translator &t, std::uint32_t type, std::string_view body) {
    RequestAction a = t.request(msg(type, body, 11, 3));
    INFO(type_name(type) << " " << body);
    REQUIRE(a.kind == K::reply);
    CHECK(a.msg.type == XS_ERROR);
    CHECK(a.msg.req_id == 11);
    CHECK(a.msg.tx_id == 3);
    return std::string(error_name(a.msg));
}

std::string rep(Translator &t, std::uint32_t type, std::string_view req_body, std::string_view up_body) {
    Msg req = msg(type, req_body, 11, 3);
    Msg up = msg(type, up_body, 999, 3); // upstream req_id may differ (daemon renumbers)
    Msg g = t.reply(req, up);
    CHECK(g.req_id == 11);
    CHECK(g.tx_id == 3);
    CHECK(g.type == type);
    return bars(g.body);
}

} // namespace

TEST_CASE("requests: paths rewritten at domid positions", "[translator]") {
    Translator t(M, RuleSet::defaults());
    CHECK(fwd(t, XS_READ, "/local/domain/1/name|") == "/local/domain/5/name|");
    CHECK(fwd(t, XS_READ, "/local/domain/5/name|") == "/local/domain/1/name|");
    CHECK(fwd(t, XS_READ, "name|") == "name|"); // ring: relative stays relative
    CHECK(fwd(t, XS_DIRECTORY, "/local/domain/0/backend/vif/1|") == "/local/domain/0/backend/vif/5|");
    CHECK(fwd(t, XS_GET_PERMS, "/local/domain/1|") == "/local/domain/5|");
    CHECK(fwd(t, XS_MKDIR, "/local/domain/1/data/x|") == "/local/domain/5/data/x|");
    CHECK(fwd(t, XS_RM, "/local/domain/1/data/x|") == "/local/domain/5/data/x|");
    CHECK(fwd(t, XS_WRITE, "/local/domain/1/data/x|hello|1") == "/local/domain/5/data/x|hello|1");
    CHECK(fwd(t, XS_WRITE, "data/x|") == "data/x|");
    CHECK(fwd(t, XS_DIRECTORY_PART, "/local/domain/1/device|12|") == "/local/domain/5/device|12|");
    CHECK(fwd(t, XS_TRANSACTION_START, "|") == "|");
    CHECK(fwd(t, XS_TRANSACTION_END, "T|") == "T|");
    CHECK(fwd(t, XS_RESET_WATCHES, "|") == "|");
}

TEST_CASE("requests: domid-valued and path-valued writes", "[translator]") {
    Translator t(M, RuleSet::defaults());
    CHECK(fwd(t, XS_WRITE, "/local/domain/1/device/vif/0/backend-id|0") ==
          "/local/domain/5/device/vif/0/backend-id|0");
    CHECK(fwd(t, XS_WRITE, "/local/domain/0/backend/vif/1/0/frontend-id|1") ==
          "/local/domain/0/backend/vif/5/0/frontend-id|5");
    CHECK(fwd(t, XS_WRITE, "device/vif/0/backend|/local/domain/0/backend/vif/1/0") ==
          "device/vif/0/backend|/local/domain/0/backend/vif/5/0");
    CHECK(fwd(t, XS_WRITE, "/local/domain/1/target|5") == "/local/domain/5/target|1");
    for (std::string_view bad : {"0x1", "01", "1_0", " 1", "1abc", "", "1\n", "65536"}) {
        INFO(bad);
        CHECK(local_err(t, XS_WRITE, "/local/domain/0/backend/vif/1/0/frontend-id|" + std::string(bad)) == "EINVAL");
        CHECK(local_err(t, XS_WRITE, "device/vif/0/backend-id|" + std::string(bad)) == "EINVAL");
    }
    // memory/target is KiB, not a domid: anything goes
    CHECK(fwd(t, XS_WRITE, "memory/target|0x1") == "memory/target|0x1");
}

TEST_CASE("requests: perms strictly parsed and mapped", "[translator]") {
    Translator t(M, RuleSet::defaults());
    CHECK(fwd(t, XS_SET_PERMS, "/local/domain/1/data|n1|r0|b5|w7|") == "/local/domain/5/data|n5|r0|b1|w7|");
    CHECK(fwd(t, XS_SET_PERMS, "data|n1|") == "data|n5|");
    CHECK(fwd(t, XS_SET_PERMS, "data|n1|junk") == "data|n5|"); // ignored by xenstored as well
    for (std::string_view bad : {"r0x1", "r01", "b1_0", "n 1", "n1abc", "x1", "r", "", "r-1", "R1"}) {
        INFO(bad);
        CHECK(local_err(t, XS_SET_PERMS, "data|n1|" + std::string(bad) + "|") == "EINVAL");
    }
}

TEST_CASE("requests: GET_DOMAIN_PATH and privileged / unknown types", "[translator]") {
    Translator t(M, RuleSet::defaults());
    CHECK(fwd(t, XS_GET_DOMAIN_PATH, "1|") == "5|");
    CHECK(fwd(t, XS_GET_DOMAIN_PATH, "5|") == "1|");
    CHECK(fwd(t, XS_GET_DOMAIN_PATH, "0|") == "0|");
    CHECK(fwd(t, XS_GET_DOMAIN_PATH, "32752|") == "32752|");
    for (std::string_view bad : {"0x1|", "01|", " 1|", "1abc|", "|", "1"}) {
        INFO(bad);
        CHECK(local_err(t, XS_GET_DOMAIN_PATH, bad) == "EINVAL");
    }
    for (auto ty : {XS_CONTROL, XS_INTRODUCE, XS_RELEASE, XS_RESUME, XS_SET_TARGET, XS_IS_DOMAIN_INTRODUCED})
        CHECK(local_err(t, ty, "1|2|3|") == "EACCES");
    for (std::uint32_t ty : {15u, 16u, 20u, 23u, 24u, 25u, 26u, 0xffffu})
        CHECK(local_err(t, ty, "1|") == "ENOSYS");
    // Ring upstream: a malformed single-argument request names no node; xenstored
    // answers it for R exactly as directly (ENOENT in 4.17 C), so it goes up untouched.
    CHECK(fwd(t, XS_READ, "/a") == "/a");
    CHECK(fwd(t, XS_RM, "/a|/b|") == "/a|/b|");
    {
        TranslatorOptions po;
        po.absolute_upstream = true;
        Translator p(M, RuleSet::defaults(), po);
        CHECK(local_err(p, XS_READ, "/a") == "ENOENT"); // C's answer, computed here
        CHECK(local_err(p, XS_RM, "/a|/b|") == "ENOMEM"); // what 4.17 C answers
        CHECK(local_err(p, XS_MKDIR, "/a") == "ENOMEM");
    }
    CHECK(local_err(t, XS_WATCH, "/a|t|0|") == "EINVAL");

    TranslatorOptions o;
    o.unknown_types = UnknownTypePolicy::forward;
    Translator f(M, RuleSet::defaults(), o);
    CHECK(fwd(f, 24, "x|") == "x|");
    CHECK(local_err(f, 15, "x|") == "ENOSYS");
}

TEST_CASE("requests: length limits after rewriting", "[translator][limits]") {
    Translator t(DomidMap{12345, 1}, RuleSet::defaults());
    // Under /local/domain/<d>/ only the rest counts: a longer R costs nothing.
    std::string rest(2048 - 1, 'a');
    CHECK(t.request(msg(XS_READ, "/local/domain/1/" + rest + "|")).kind == K::forward);
    // In a backend path the guest's domid is in the counted part: +4 bytes.
    std::string be = "/local/domain/0/backend/vif/1/";
    std::string fill(2048 - (be.size() - 16), 'b');
    REQUIRE((be + fill).size() - 16 == 2048);
    CHECK(Translator(DomidMap{5, 1}, RuleSet::defaults()).request(msg(XS_READ, be + fill + "|")).kind == K::forward);
    CHECK(local_err(t, XS_READ, be + fill + "|") == "EINVAL");
    CHECK(local_err(t, XS_READ, std::string(2049, 'r') + "|") == "EINVAL"); // relative
    // A WRITE whose payload outgrows 4096 after rewriting.
    std::string v(4096 - 20, 'v');
    std::string body = "/local/domain/1/x|" + v;
    REQUIRE(z(body).size() <= payload_max);
    REQUIRE(z(body).size() + 4 > payload_max);
    CHECK(local_err(t, XS_WRITE, body) == "E2BIG");
}

TEST_CASE("replies: values, perms, domain path, directory", "[translator]") {
    Translator t(M, RuleSet::defaults());
    CHECK(rep(t, XS_READ, "domid|", "5") == "1");
    CHECK(rep(t, XS_READ, "/local/domain/1/domid|", "5") == "1");
    CHECK(rep(t, XS_READ, "device/vif/0/backend|", "/local/domain/0/backend/vif/5/0") ==
          "/local/domain/0/backend/vif/1/0");
    CHECK(rep(t, XS_READ, "device/vif/0/backend-id|", "0") == "0");
    CHECK(rep(t, XS_READ, "/local/domain/0/backend/vif/1/0/frontend|", "/local/domain/5/device/vif/0") ==
          "/local/domain/1/device/vif/0");
    CHECK(rep(t, XS_READ, "/local/domain/0/backend/vif/1/0/frontend-id|", "5") == "1");
    CHECK(rep(t, XS_READ, "image/device-model-domid|", "1") == "5"); // a real stubdom 1
    CHECK(rep(t, XS_READ, "memory/target|", "5") == "5");
    CHECK(rep(t, XS_READ, "name|", "5") == "5");
    CHECK(rep(t, XS_READ, "domid|", "05") == "05"); // not canonical: untouched
    CHECK(rep(t, XS_GET_PERMS, "data|", "n5|r0|b1|") == "n1|r0|b5|");
    CHECK(rep(t, XS_GET_DOMAIN_PATH, "1|", "/local/domain/5|") == "/local/domain/1|");
    CHECK(rep(t, XS_DIRECTORY, "/local/domain|", "0|1|5|7|") == "0|5|1|7|");
    CHECK(rep(t, XS_DIRECTORY, "/local/domain/0/backend/vif|", "5|") == "1|");
    CHECK(rep(t, XS_DIRECTORY, "/local/domain/1/device/vif|", "0|1|5|") == "0|1|5|"); // devids
    CHECK(rep(t, XS_DIRECTORY, "/local/domain/1|", "data|5|") == "data|5|");
    CHECK(rep(t, XS_WRITE, "data/x|v", "OK|") == "OK|");
    CHECK(rep(t, XS_TRANSACTION_START, "|", "42|") == "42|");
    CHECK(rep(t, XS_DIRECTORY_PART, "/local/domain/1/device|0|", "3|vif|vbd||") == "3|vif|vbd||");

    Msg err = t.reply(msg(XS_READ, "x|", 11, 3), msg(XS_ERROR, "ENOENT|", 1, 3));
    CHECK(err == msg(XS_ERROR, "ENOENT|", 11, 3));
}

TEST_CASE("replies that outgrow 4096 become E2BIG", "[translator][limits]") {
    Translator t(DomidMap{12345, 1}, RuleSet::defaults());
    std::string list;
    while (list.size() < payload_max - 6) list += "1|";
    Msg g = t.reply(msg(XS_DIRECTORY, "/local/domain|"), msg(XS_DIRECTORY, list));
    CHECK(error_name(g) == "E2BIG");
}

TEST_CASE("DIRECTORY_PART on a domid-indexed directory becomes an exchange", "[translator][dirpart]") {
    Translator t(M, RuleSet::defaults());
    RequestAction a = t.request(msg(XS_DIRECTORY_PART, "/local/domain|0|", 11, 3));
    REQUIRE(a.kind == K::exchange);
    auto r = a.exchange->next_request();
    REQUIRE(r);
    CHECK(bars(r->body) == "/local/domain|0|");
    a.exchange->on_reply(msg(XS_DIRECTORY_PART, "8|0|1|5||"));
    REQUIRE(a.exchange->done());
    CHECK(a.exchange->result() == msg(XS_DIRECTORY_PART, "8|0|5|1||", 11, 3));
    // identity map: plain forward
    Translator id(DomidMap{4, 4}, RuleSet::defaults());
    CHECK(id.request(msg(XS_DIRECTORY_PART, "/local/domain|0|")).kind == K::forward);
}

TEST_CASE("ring upstream: watches, tokens and events", "[translator][watch]") {
    Translator t(M, RuleSet::defaults());
    CHECK(fwd(t, XS_WATCH, "device|tok1|") == "device|tok1|");
    CHECK(fwd(t, XS_WATCH, "/local/domain/0/backend/vif/1/0/state|be|") ==
          "/local/domain/0/backend/vif/5/0/state|be|");
    CHECK(fwd(t, XS_WATCH, "@releaseDomain|r|") == "@releaseDomain|r|");
    CHECK(rep(t, XS_WATCH, "device|tok1|", "OK|") == "OK|");
    CHECK(t.watches().size() == 1);
    CHECK(rep(t, XS_UNWATCH, "device|tok1|", "OK|") == "OK|");
    CHECK(t.watches().size() == 0);

    EventAction e = t.event(msg(XS_WATCH_EVENT, "device/vif/0/state|tok1|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::deliver);
    CHECK(bars(e.msg.body) == "device/vif/0/state|tok1|");
    e = t.event(msg(XS_WATCH_EVENT, "/local/domain/0/backend/vif/5/0/state|be|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::deliver);
    CHECK(bars(e.msg.body) == "/local/domain/0/backend/vif/1/0/state|be|");
    CHECK(e.msg.type == XS_WATCH_EVENT);
    // a guest token that looks like ours is still just a guest token on the ring
    e = t.event(msg(XS_WATCH_EVENT, "x|xsp:i:00000000:00000000:00000001|", 0, 0));
    CHECK(e.kind == EventAction::Kind::deliver);
    CHECK(t.event(msg(XS_WATCH_EVENT, "nonul", 0, 0)).kind == EventAction::Kind::drop);
    CHECK(t.event(msg(XS_READ, "a|b|", 0, 0)).kind == EventAction::Kind::drop);
}

TEST_CASE("privileged upstream: absolute paths, own tokens, stale events", "[translator][watch]") {
    TranslatorOptions o;
    o.absolute_upstream = true;
    o.session = 0x42;
    Translator t(M, RuleSet::defaults(), o);
    CHECK(fwd(t, XS_READ, "name|") == "/local/domain/5/name|");
    CHECK(fwd(t, XS_WRITE, "device/vif/0/backend-id|1") == "/local/domain/5/device/vif/0/backend-id|5");
    // A read naming no single node: C's answer for the absent name, never sent on.
    CHECK(local_err(t, XS_READ, "name|extra|") == "ENOENT");
    CHECK(local_err(t, XS_GET_PERMS, "name") == "ENOENT");

    RequestAction w = t.request(msg(XS_WATCH, "device|guest tok|", 1));
    REQUIRE(w.kind == K::forward);
    auto parts = split_nul(w.msg.body);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "/local/domain/5/device");
    auto tok = decode_token(parts[1]);
    REQUIRE(tok);
    CHECK(tok->session == 0x42);
    CHECK_FALSE(tok->internal);
    CHECK(local_err(t, XS_WATCH, "/local/domain/1/device|guest tok|") == "EEXIST"); // same node
    CHECK(rep(t, XS_WATCH, "device|guest tok|", "OK|") == "OK|");

    std::string up_tok(parts[1]);
    EventAction e = t.event(msg(XS_WATCH_EVENT, "/local/domain/5/device|" + up_tok + "|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::deliver);
    CHECK(bars(e.msg.body) == "device|guest tok|");
    e = t.event(msg(XS_WATCH_EVENT, "/local/domain/5/device/vif/0/state|" + up_tok + "|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::deliver);
    CHECK(bars(e.msg.body) == "device/vif/0/state|guest tok|");

    // absolute watch on a backend path
    RequestAction b = t.request(msg(XS_WATCH, "/local/domain/0/backend/vif/1/0|b|", 2));
    std::string btok(split_nul(b.msg.body)[1]);
    e = t.event(msg(XS_WATCH_EVENT, "/local/domain/0/backend/vif/5/0/state|" + btok + "|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::deliver);
    CHECK(bars(e.msg.body) == "/local/domain/0/backend/vif/1/0/state|b|");

    // foreign / unknown tokens dropped; internal reported
    CHECK(t.event(msg(XS_WATCH_EVENT, "/x|guest tok|", 0, 0)).kind == EventAction::Kind::drop);
    UpstreamToken other = *tok;
    other.session = 7;
    CHECK(t.event(msg(XS_WATCH_EVENT, "/x|" + encode_token(other) + "|", 0, 0)).kind == EventAction::Kind::drop);
    Msg iw = t.internal_watch("@releaseDomain", 3);
    std::string itok(split_nul(iw.body)[1]);
    e = t.event(msg(XS_WATCH_EVENT, "@releaseDomain|" + itok + "|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::internal);
    CHECK(e.token.watch_id == 3);
    CHECK(e.path == "@releaseDomain");

    // UNWATCH maps to the upstream token; unknown ones are ENOENT locally
    CHECK(local_err(t, XS_UNWATCH, "device|nope|") == "ENOENT");
    RequestAction u = t.request(msg(XS_UNWATCH, "device|guest tok|"));
    REQUIRE(u.kind == K::forward);
    CHECK(split_nul(u.msg.body)[1] == up_tok);
    CHECK(rep(t, XS_UNWATCH, "device|guest tok|", "OK|") == "OK|");
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/device|" + up_tok + "|", 0, 0)).kind ==
          EventAction::Kind::drop);

    // RESET_WATCHES: events queued before its reply still arrive (as on C: a WATCH's
    // initial event pipelined before a reset); after the reply they are dropped.
    CHECK(t.watches().size() == 1);
    fwd(t, XS_RESET_WATCHES, "|");
    CHECK(t.watches().size() == 0);
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/0/backend/vif/5/0|" + btok + "|", 0, 0)).kind !=
          EventAction::Kind::drop);
    CHECK(rep(t, XS_RESET_WATCHES, "|", "OK|") == "OK|");
    CHECK(t.watches().size() == 0);
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/0/backend/vif/5/0|" + btok + "|", 0, 0)).kind ==
          EventAction::Kind::drop);
}

TEST_CASE("privileged upstream: a WATCH pipelined behind RESET_WATCHES survives its reply",
          "[translator][watch]") {
    TranslatorOptions o;
    o.absolute_upstream = true;
    o.session = 7;
    Translator t(M, RuleSet::defaults(), o);
    RequestAction w = t.request(msg(XS_WATCH, "a|old|", 1));
    std::string old_tok(split_nul(w.msg.body)[1]);
    CHECK(rep(t, XS_WATCH, "a|old|", "OK|") == "OK|");
    fwd(t, XS_RESET_WATCHES, "|");
    RequestAction w2 = t.request(msg(XS_WATCH, "a|old|", 2)); // same key: a new watch, no EEXIST
    REQUIRE(w2.kind == K::forward);
    std::string new_tok(split_nul(w2.msg.body)[1]);
    CHECK(new_tok != old_tok);
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/a|" + old_tok + "|", 0, 0)).kind ==
          EventAction::Kind::deliver); // queued before the reset
    CHECK(rep(t, XS_RESET_WATCHES, "|", "OK|") == "OK|");
    CHECK(rep(t, XS_WATCH, "a|old|", "OK|") == "OK|");
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/a|" + old_tok + "|", 0, 0)).kind ==
          EventAction::Kind::drop);
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/a|" + new_tok + "|", 0, 0)).kind ==
          EventAction::Kind::deliver);
    CHECK(t.watches().size() == 1);
    // Two resets pipelined: the watch's queued events still arrive until the first reply.
    fwd(t, XS_RESET_WATCHES, "|");
    fwd(t, XS_RESET_WATCHES, "|");
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/a|" + new_tok + "|", 0, 0)).kind ==
          EventAction::Kind::deliver);
    CHECK(rep(t, XS_RESET_WATCHES, "|", "OK|") == "OK|");
    CHECK(rep(t, XS_RESET_WATCHES, "|", "OK|") == "OK|");
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/a|" + new_tok + "|", 0, 0)).kind ==
          EventAction::Kind::drop);
    CHECK(t.watches().size() == 0);
}

TEST_CASE("privileged upstream: a failed WATCH leaves no entry", "[translator][watch]") {
    TranslatorOptions o;
    o.absolute_upstream = true;
    Translator t(M, RuleSet::defaults(), o);
    t.request(msg(XS_WATCH, "a|t|"));
    CHECK(t.watches().size() == 1);
    Msg g = t.reply(msg(XS_WATCH, "a|t|"), msg(XS_ERROR, "ENOSPC|"));
    CHECK(error_name(g) == "ENOSPC");
    CHECK(t.watches().size() == 0);
}

TEST_CASE("migration: set_map re-targets watches, old events stale", "[translator][watch]") {
    TranslatorOptions o;
    o.absolute_upstream = true;
    Translator t(M, RuleSet::defaults(), o);
    RequestAction w = t.request(msg(XS_WATCH, "control/shutdown|sd|"));
    std::string old_tok(split_nul(w.msg.body)[1]);
    t.reply(msg(XS_WATCH, "control/shutdown|sd|"), msg(XS_WATCH, "OK|"));
    t.set_map(DomidMap{9, 1});
    CHECK(t.event(msg(XS_WATCH_EVENT, "/local/domain/5/control/shutdown|" + old_tok + "|", 0, 0)).kind ==
          EventAction::Kind::drop);
    auto entries = t.watches().entries();
    REQUIRE(entries.size() == 1);
    Msg re = t.rewatch(*entries[0]);
    auto parts = split_nul(re.body);
    CHECK(parts[0] == "/local/domain/9/control/shutdown");
    EventAction e = t.event(msg(XS_WATCH_EVENT, "/local/domain/9/control/shutdown|" + std::string(parts[1]) + "|", 0, 0));
    REQUIRE(e.kind == EventAction::Kind::deliver);
    CHECK(bars(e.msg.body) == "control/shutdown|sd|");
    CHECK(t.path_to_upstream("/local/domain/1/x") == "/local/domain/9/x");
    CHECK(t.path_to_guest("/local/domain/9/x") == "/local/domain/1/x");
}

TEST_CASE("events larger than 4096 after rewriting are dropped", "[translator][limits]") {
    Translator t(DomidMap{12345, 1}, RuleSet::defaults());
    std::string tok(4096 - 34, 't');
    std::string p = "/local/domain/0/backend/vif/1/0";
    REQUIRE(z(p + "|" + tok + "|").size() <= payload_max);
    CHECK(t.event(msg(XS_WATCH_EVENT, p + "|" + tok + "|", 0, 0)).kind == EventAction::Kind::drop);
}

TEST_CASE("rule sets can be shared and reloaded", "[translator]") {
    auto res = RuleSet::parse("path /qubes/{d}\n");
    REQUIRE(res.ok());
    auto rules = std::make_shared<const RuleSet>(std::move(*res.rules));
    Translator t(M, rules);
    rules.reset();
    CHECK(fwd(t, XS_READ, "/qubes/1|") == "/qubes/5|");
}
