// SPDX-License-Identifier: LGPL-2.1-only
// xsguest against an in-process fake server: the client behaviours no real daemon
// provokes on purpose (replies out of order, unknown req_ids, broken indexes, oversized
// headers, silent servers) plus pipelining across the ring wrap.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <xsxlate/ring.h>

#include "fake_server.h"
#include "xsguest/client.h"

using namespace std::chrono_literals;

namespace {

xsx::Msg reply(const xsx::Msg &req, std::string body) { return xsx::reply_body(req, std::move(body)); }

// READ echoes the path back; everything else is OK; WATCH adds its initial event.
std::vector<xsx::Msg> echo(const xsx::Msg &m) {
    auto args = xsx::split_nul(m.body);
    if (m.type == XS_READ) return {reply(m, std::string(args.at(0)))};
    if (m.type == XS_WATCH) {
        xsx::Msg ev{XS_WATCH_EVENT, 0, 0, m.body};
        return {xsx::reply_ok(m), ev};
    }
    return {xsx::reply_ok(m)};
}

std::unique_ptr<xsguest::Client> client(fake::Server &s, xsguest::Options o = {}) {
    xsguest::Transport t;
    t.intf = s.page();
    t.xce = s.guest_handle();
    t.port = 1;
    return std::make_unique<xsguest::Client>(std::move(t), o);
}

} // namespace

TEST_CASE("pipelined requests across the ring wrap, replies in any order") {
    fake::Server s(echo);
    auto c = client(s, {.timeout = 2000ms, .first_req_id = 0xfffffff0u});
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < 500; ++i)
        ids.push_back(c->send(XS_READ, xsx::with_nul("p" + std::to_string(i))));
    CHECK(ids[0] == 0xfffffff0u);
    CHECK(ids[16] == 0);
    for (int i = 499; i >= 0; --i) {
        auto r = c->wait_reply(ids[i]);
        REQUIRE(r.ok());
        CHECK(r.val.body == "p" + std::to_string(i));
    }
    CHECK(c->stats().unmatched == 0);
    CHECK(c->stats().notifies < 500);
    CHECK(c->stats().notifies > 0);
}

TEST_CASE("watch events interleave with replies") {
    fake::Server s(echo);
    auto c = client(s);
    CHECK(c->watch("a", "t1").ok());
    auto id = c->send(XS_WATCH, xsx::with_nul("b") + xsx::with_nul("t2"));
    CHECK(c->wait_reply(id).ok());
    CHECK(c->wait_event("b", "t2") == xsguest::Event{"b", "t2"});
    CHECK(c->next_event() == xsguest::Event{"a", "t1"});
    CHECK_FALSE(c->next_event(50ms));
}

TEST_CASE("replies are matched by req_id, not by order") {
    std::vector<xsx::Msg> held;
    fake::Server s([&](const xsx::Msg &m) {
        held.push_back(xsx::reply_body(m, "r" + std::to_string(m.req_id)));
        if (held.size() < 3) return std::vector<xsx::Msg>{};
        // Answer in reverse, plus one reply nobody asked for.
        std::vector<xsx::Msg> out(held.rbegin(), held.rend());
        xsx::Msg stray = out.front();
        stray.req_id = 999;
        out.push_back(stray);
        return out;
    });
    auto c = client(s);
    auto a = c->send(XS_READ, xsx::with_nul("x"));
    auto b = c->send(XS_READ, xsx::with_nul("y"), 7);
    auto d = c->send(XS_READ, xsx::with_nul("z"));
    CHECK(c->wait_reply(a).val.body == "r" + std::to_string(a));
    CHECK(c->wait_reply(d).val.body == "r" + std::to_string(d));
    CHECK(c->wait_reply(b).val.tx_id == 7);
    CHECK(c->stats().unmatched == 1);
}

TEST_CASE("errors are values") {
    fake::Server s([](const xsx::Msg &m) { return std::vector<xsx::Msg>{xsx::reply_error(m, "EACCES")}; });
    auto c = client(s);
    CHECK(c->read("x").err == "EACCES");
    CHECK(c->write("x", "v").err == "EACCES");
}

TEST_CASE("a silent server times out instead of hanging") {
    fake::Server s(echo);
    s.paused = true;
    auto c = client(s, {.timeout = 100ms});
    auto t0 = std::chrono::steady_clock::now();
    CHECK(c->read("x").err == "ETIMEDOUT");
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    CHECK(c->reconnect().err == "EOPNOTSUPP");
}

TEST_CASE("a reply header above 4096 breaks the session with EINVAL") {
    fake::Server s([](const xsx::Msg &m) { return std::vector<xsx::Msg>{xsx::reply_body(m, std::string(5000, 'x'))}; });
    auto c = client(s);
    CHECK(c->read("x").err == "EINVAL");
    CHECK(c->broken());
}

TEST_CASE("inconsistent response indexes: zeroed and EIO, like Linux") {
    fake::Server s(echo);
    s.paused = true;
    auto c = client(s, {.timeout = 200ms});
    xsx::ring::store(s.page()->rsp_prod, 5000);
    CHECK(c->read("x").err == "EIO");
    CHECK(s.page()->rsp_prod == 0);
    CHECK(s.page()->rsp_cons == 0);
}

TEST_CASE("reconnect handshake and firmware reset") {
    fake::Server s(echo, XENSTORE_SERVER_FEATURE_RECONNECTION);
    auto c = client(s);
    CHECK(c->read("a").val == "a");
    s.paused = true;
    auto lost = c->send(XS_READ, xsx::with_nul("lost"));
    s.paused = false;
    REQUIRE(c->reconnect().ok());
    CHECK(c->wait_reply(lost).err == "ECONNRESET");
    CHECK(c->read("b").val == "b");

    s.paused = true;
    std::this_thread::sleep_for(50ms);
    c->firmware_reset();
    CHECK(s.page()->req_prod == 0);
    CHECK(static_cast<unsigned char>(s.page()->req[5]) == 0xff);
    s.paused = false;
    CHECK(c->read("c").val == "c");
}
