// SPDX-License-Identifier: LGPL-2.1-only
// The operator side: xsproxy-ctl's answers to good and bad input, and unmodified
// libxenstore clients (Debian's xenstore-read/-write/-ls) on the per-guest socket.
#include "fixture.h"

#include <sstream>

using namespace proxytest;

namespace {
bool has(const std::string &hay, const std::string &needle) {
    return hay.find(needle) != std::string::npos;
}

// `list` prints one row per attached domain: "domid virt ...".
bool listed(const std::string &list, std::uint32_t domid, const std::string &virt) {
    std::istringstream in(list);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string d, v;
        if (f >> d >> v && d == std::to_string(domid) && v == virt) return true;
    }
    return false;
}

// Run a Debian xenstore-* tool against a socket.
CmdResult xs_tool(const std::string &socket, const std::vector<std::string> &argv) {
    return run(argv, {"XENSTORED_PATH=" + socket});
}
} // namespace

TEST_CASE("xsproxy-ctl: usage errors exit 2 and change nothing", "[proxy][ctl]") {
    Env env(true);
    auto g = env.guest(R);
    auto before = env.ctl({"list"});
    REQUIRE(before.rc == 0);
    REQUIRE(has(before.out, std::to_string(R)));

    struct Bad {
        std::vector<std::string> args;
        std::string msg;
    };
    const std::vector<Bad> bad = {
        {{"frobnicate"}, "unknown command"},
        {{}, "no command"},
        {{"attach"}, "needs a DOMID"},
        {{"attach", "seven"}, "not a domid"},
        {{"attach", "-3"}, "not a domid"},
        {{"attach", "99999999"}, "not a domid"},
        {{"detach", "abc"}, "not a domid"},
        {{"dump"}, "needs a DOMID"},
        {{"attach", "9", "--ring-gfn"}, "needs a value"},
        {{"attach", "9", "--bogus", "1"}, "unknown option"},
        {{"attach", "9", "stray"}, "unexpected argument"},
        {{"list", "--json", "extra"}, "unexpected argument"},
    };
    for (const auto &b : bad) {
        auto r = env.ctl(b.args);
        INFO("args[0] " << (b.args.empty() ? "<none>" : b.args[0]) << " stderr " << r.err);
        CHECK(r.rc == 2);
        CHECK(has(r.err, "xsproxy-ctl: "));
        CHECK(has(r.err, b.msg));
    }
    auto after = env.ctl({"list"});
    CHECK(after.rc == 0);
    CHECK(after.out == before.out);
    CHECK(g->read("domid").val == "1");
}

TEST_CASE("xsproxy-ctl: refused attaches exit 1 with a clear error", "[proxy][ctl]") {
    Env env(true);
    auto g = env.guest(R);
    auto before = env.ctl({"list"});
    REQUIRE(before.rc == 0);

    auto attach = [&](std::uint32_t d, const std::vector<std::string> &extra = {}) {
        std::vector<std::string> a{"attach", std::to_string(d), "--ring-gfn", "100",
                                   "--ring-port", "5", "--shadow-gfn", "101",
                                   "--shadow-port", "6"};
        a.insert(a.end(), extra.begin(), extra.end());
        return env.ctl(a);
    };
    auto dup = attach(R);
    CHECK(dup.rc == 1);
    CHECK(has(dup.err, "xsproxy-ctl: error:"));
    CHECK(has(dup.err, "already attached"));

    auto ghost = attach(42);
    CHECK(ghost.rc == 1);
    CHECK(has(ghost.err, "does not exist"));

    auto zero = attach(0);
    CHECK(zero.rc == 1);
    CHECK(has(zero.err, "domid 0"));

    REQUIRE(env.host.create_domain(9) == 9);
    auto same_page = env.ctl({"attach", "9", "--ring-gfn", "100", "--ring-port", "5",
                              "--shadow-gfn", "100", "--shadow-port", "6"});
    CHECK(same_page.rc == 1);
    CHECK(has(same_page.err, "shadow ring"));
    auto same_port = env.ctl({"attach", "9", "--ring-gfn", "100", "--ring-port", "5",
                              "--shadow-gfn", "101", "--shadow-port", "5"});
    CHECK(same_port.rc == 1);
    auto missing = env.ctl({"attach", "9", "--ring-gfn", "100"});
    CHECK(missing.rc == 1);
    auto bad_virt = attach(9, {"--virt", "0"});
    CHECK(bad_virt.rc == 1);
    CHECK(has(bad_virt.err, "virt"));

    auto detach_unknown = env.ctl({"detach", "42"});
    CHECK(detach_unknown.rc == 1);
    auto dump_unknown = env.ctl({"dump", "42"});
    CHECK(dump_unknown.rc == 1);

    auto after = env.ctl({"list"});
    CHECK(after.rc == 0);
    CHECK(after.out == before.out);
    // The attached guest is unaffected by all of it.
    REQUIRE(g->write("data/x", "v").ok());
    CHECK(env.dom0_read(home(R) + "/data/x") == "v");
}

TEST_CASE("xsproxy-ctl: list, dump, stats, detach of a live guest", "[proxy][ctl]") {
    Env env(true);
    auto g = env.guest(R);
    REQUIRE(g->write("data/x", "v").ok());
    auto plain = env.ctl({"list"});
    CHECK(plain.rc == 0);
    CHECK(listed(plain.out, R, "1"));
    auto l = env.ctl({"list", "--json"});
    CHECK(l.rc == 0);
    CHECK(has(l.out, std::to_string(R)));
    auto d = env.ctl({"dump", std::to_string(R)});
    CHECK(d.rc == 0);
    CHECK_FALSE(d.out.empty());
    auto dj = env.ctl({"dump", std::to_string(R), "--json"});
    CHECK(dj.rc == 0);
    CHECK(has(dj.out, "{"));
    auto s = env.ctl({"stats"});
    CHECK(s.rc == 0);
    CHECK_FALSE(s.out.empty());

    auto det = env.ctl({"detach", std::to_string(R)});
    CHECK(det.rc == 0);
    CHECK_FALSE(listed(env.ctl({"list"}).out, R, "1"));
    auto l2 = env.ctl({"list", "--json"});
    CHECK(l2.rc == 0);
    CHECK_FALSE(has(l2.out, "\"domid\":" + std::to_string(R)));
    CHECK(env.ctl({"detach", std::to_string(R)}).rc == 1);
    CHECK(env.proxy_process().running());
}

TEST_CASE("Debian xenstore-read/-write/-ls work on the per-guest socket", "[proxy][socket]") {
    Env env(true);
    const std::string sock = env.host.state_dir() + "/guest7.sock";
    auto g = env.guest(R, {}, true, {"--socket", sock});
    REQUIRE(g->write("data/from-ring", "ring").ok());

    auto dom = xs_tool(sock, {"xenstore-read", "domid"});
    INFO("xenstore-read stderr: " << dom.err);
    CHECK(dom.rc == 0);
    CHECK(dom.out == "1\n");
    auto abs = xs_tool(sock, {"xenstore-read", "/local/domain/1/data/from-ring"});
    CHECK(abs.rc == 0);
    CHECK(abs.out == "ring\n");

    auto w = xs_tool(sock, {"xenstore-write", "data/from-socket", "sock"});
    CHECK(w.rc == 0);
    CHECK(env.dom0_read(home(R) + "/data/from-socket") == "sock");
    CHECK(env.dom0_get_perms(home(R) + "/data/from-socket") ==
          std::vector<std::string>{"n" + std::to_string(R)});
    CHECK(g->read("data/from-socket").val == "sock");

    auto ls = xs_tool(sock, {"xenstore-ls", "/local/domain/1/data"});
    CHECK(ls.rc == 0);
    CHECK(has(ls.out, "from-ring = \"ring\""));
    CHECK(has(ls.out, "from-socket = \"sock\""));

    // Unreadable for the guest through the socket too.
    auto denied = xs_tool(sock, {"xenstore-read", "/local/domain/0/name"});
    CHECK(denied.rc != 0);
    auto denied_w = xs_tool(sock, {"xenstore-write", "/tool/x", "y"});
    CHECK(denied_w.rc != 0);
    CHECK(env.dom0_read("/tool/x") == "ENOENT");
}

TEST_CASE("socket client and ring guest share one guest view, watches included",
          "[proxy][socket]") {
    Env env(true);
    const std::string sock = env.host.state_dir() + "/guest7.sock";
    auto g = env.guest(R, {}, true, {"--socket", sock});
    REQUIRE(g->watch("data", "ring").ok());
    REQUIRE(g->wait_event("data", "ring"));
    REQUIRE(xs_tool(sock, {"xenstore-write", "data/s", "v"}).rc == 0);
    CHECK(g->wait_event("data/s", "ring"));
    // xenstore-watch -n 2 prints the initial event and the one we cause, then exits.
    // (Run in the background: it blocks until the write.)
    auto r = run({"sh", "-c",
                  "xenstore-watch -n 2 /local/domain/1/data/w & p=$!; sleep 0.3; "
                  "xenstore-write data/w x; wait $p"},
                 {"XENSTORED_PATH=" + sock}, 10000);
    CHECK(r.rc == 0);
    CHECK(r.out == "/local/domain/1/data/w\n/local/domain/1/data/w\n");
}
