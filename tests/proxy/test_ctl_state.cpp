// SPDX-License-Identifier: LGPL-2.1-only
// What xsproxy-ctl reports: session states in list and dump (text and JSON) after an
// export and after a guest's ring is cut, JSON that keeps UTF-8 and marks other bytes,
// null for absent values, status against the real daemon, refused control requests in
// xsproxy's log with the peer's uid, and the /dev/xen hint.
#include "fixture.h"

#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

extern "C" {
#include <xenevtchn.h>
}

#ifndef XSPROXY_BIN
#error "XSPROXY_BIN must be defined by the build"
#endif
#ifndef XSPROXY_CTL_BIN
#error "XSPROXY_CTL_BIN must be defined by the build"
#endif

using namespace proxytest;
using nlohmann::json;

namespace {
bool has(const std::string &hay, const std::string &needle) {
    return hay.find(needle) != std::string::npos;
}

json ctl_json(Env &env, const std::vector<std::string> &args) {
    auto r = env.ctl(args);
    INFO(args[0] << ": " << r.err);
    REQUIRE(r.rc == 0);
    return json::parse(r.out); // also checks the output is valid JSON and valid UTF-8
}

// The `list` row of domid (text): "domid virt upstream channels watches txs state…".
std::string list_row(Env &env, std::uint32_t domid) {
    std::istringstream in(env.ctl({"list"}).out);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string d;
        if (f >> d && d == std::to_string(domid)) return line;
    }
    return "";
}

json list_row_json(Env &env, std::uint32_t domid) {
    for (const auto &row : ctl_json(env, {"list", "--json"}))
        if (row["domid"] == domid) return row;
    FAIL("domain " << domid << " not listed");
    return {};
}

// A request header claiming len > 4096, written raw into domain `domid`'s ring and
// signalled, as a broken guest kernel would: xsproxy stops serving that ring (as
// xenstored does). Raw, because a well-behaved client would not notify behind it.
void cut_ring(Env &env, std::uint32_t domid, Env::Ring r) {
    auto *intf =
        static_cast<xenstore_domain_interface *>(xensim_page_map(env.host.sim(), domid, r.gfn));
    REQUIRE(intf);
    xenevtchn_handle *xce = xensim_evtchn_open_as(env.host.sim(), domid);
    REQUIRE(xce);
    REQUIRE(xensim_evtchn_claim(xce, r.port) >= 0);
    xsd_sockmsg hdr{XS_READ, 0x42, 0, 5000};
    XENSTORE_RING_IDX prod = intf->req_prod;
    const char *bytes = reinterpret_cast<const char *>(&hdr);
    for (std::size_t i = 0; i < sizeof hdr; ++i)
        intf->req[MASK_XENSTORE_IDX(prod + i)] = bytes[i];
    __atomic_store_n(&intf->req_prod, prod + static_cast<XENSTORE_RING_IDX>(sizeof hdr),
                     __ATOMIC_RELEASE);
    xenevtchn_notify(xce, r.port);
    // The server marks the ring broken in its error field (xenstored's XENSTORE_ERROR_*).
    for (int i = 0; i < 500 && __atomic_load_n(&intf->error, __ATOMIC_ACQUIRE) == 0; ++i)
        std::this_thread::sleep_for(10ms);
    CHECK(intf->error == XENSTORE_ERROR_PROTO);
    xenevtchn_close(xce);
    xensim_page_unmap(intf);
}
} // namespace

TEST_CASE("xsproxy-ctl list/dump: ok, paused after export, ok after resume, dead after a "
          "cut ring; each with its reason in text and JSON",
          "[proxy][ctl][state]") {
    Env env(true);
    auto g = env.guest(R);
    auto cut = env.ring(8); // no guest kernel: cut_ring() writes to it raw
    REQUIRE(g->write("data/a", "x").ok());

    CHECK(has(list_row(env, R), "  ok"));
    auto row = list_row_json(env, R);
    CHECK(row["state"] == "ok");
    CHECK(row["reason"].is_null());
    CHECK(ctl_json(env, {"dump", std::to_string(R), "--json"})["state"] == "ok");

    // Export: the session stays, paused, and says why.
    const std::string file = env.host.state_dir() + "/r.stream";
    auto ex = env.ctl({"export", std::to_string(R), "--mode", "cooperative", "-o", file}, 15000);
    REQUIRE(ex.rc == 0);
    std::string want = "exported (cooperative) to " + file + "; resume or detach";
    CHECK(has(list_row(env, R), "  paused: " + want));
    row = list_row_json(env, R);
    CHECK(row["state"] == "paused");
    CHECK(row["reason"] == want);
    auto d = ctl_json(env, {"dump", std::to_string(R), "--json"});
    CHECK(d["state"] == "paused");
    CHECK(d["reason"] == want);
    CHECK(has(env.ctl({"dump", std::to_string(R)}).out, "  state              paused: " + want));
    auto st = nlohmann::json::parse(env.ctl({"status", "--json"}).out);
    CHECK(st["sessions"]["by_state"]["paused"] == 1);
    CHECK(st["sessions"]["by_state"]["ok"] == 1);
    REQUIRE(env.ctl({"resume", std::to_string(R)}).rc == 0);
    CHECK(list_row_json(env, R)["state"] == "ok");
    CHECK(list_row_json(env, R)["reason"].is_null());
    CHECK(g->read("data/a").val == "x");

    // A cut ring: dead, with what the guest did wrong; the other guest stays ok.
    cut_ring(env, 8, cut);
    const std::string why = "guest ring: request payload longer than 4096 bytes";
    CHECK(has(list_row(env, 8), "  dead: " + why));
    row = list_row_json(env, 8);
    CHECK(row["state"] == "dead");
    CHECK(row["reason"] == why);
    d = ctl_json(env, {"dump", "8", "--json"});
    CHECK(d["state"] == "dead");
    CHECK(d["reason"] == why);
    CHECK(d["channels"][0]["dead"] == true);
    CHECK(d["channels"][0]["dead_reason"] == "request payload longer than 4096 bytes");
    CHECK(list_row_json(env, R)["state"] == "ok");
    CHECK(g->read("data/a").val == "x");
}

TEST_CASE("xsproxy-ctl dump --json: UTF-8 guest tokens pass through, other bytes become "
          "U+FFFD with the exact bytes in _hex; absent values are null",
          "[proxy][ctl][json]") {
    Env env(true);
    auto g = env.guest(R);
    const std::string utf8 = "grüße ✓ 日本";
    const std::string bad = std::string("bad\xff\xfe") + "byte";
    REQUIRE(g->watch("data", utf8).ok());
    REQUIRE(g->wait_event("data", utf8)); // the guest gets its own bytes back
    REQUIRE(g->watch("data", bad).ok());
    REQUIRE(g->wait_event("data", bad));

    auto r = env.ctl({"dump", std::to_string(R), "--json"});
    REQUIRE(r.rc == 0);
    CHECK(has(r.out, "\"guest_token\":\"" + utf8 + "\"")); // raw UTF-8, not \u escapes
    CHECK_FALSE(has(r.out, "\\u00"));
    CHECK(has(r.out, "\"guest_token\":\"bad\xef\xbf\xbd\xef\xbf\xbd"
                     "byte\""));                          // U+FFFD, as UTF-8
    auto d = json::parse(r.out);
    json good_w, bad_w;
    for (const auto &w : d["guest_watches"]) {
        if (w["guest_token"] == utf8) good_w = w;
        if (w.contains("guest_token_hex")) bad_w = w;
    }
    REQUIRE(good_w.is_object());
    CHECK_FALSE(good_w.contains("guest_token_hex"));
    REQUIRE(bad_w.is_object());
    CHECK(bad_w["guest_token"] == "bad\xef\xbf\xbd\xef\xbf\xbd"
                                  "byte");
    CHECK(bad_w["guest_token_hex"] == "626164fffe62797465");
    // Text output escapes what is not printable ASCII.
    auto t = env.ctl({"dump", std::to_string(R)});
    CHECK(has(t.out, "token bad\\xff\\xfebyte"));

    // Absent values: no socket, default rules, no failure.
    CHECK(d["socket"].is_null());
    CHECK(d["rules"].is_null());
    CHECK(d["reason"].is_null());
    CHECK(d["ring_gfn"].is_number());
    // A socket-only session has no ring page or port.
    REQUIRE(env.host.create_domain(9) == 9);
    auto p = env.host.prepare(9);
    std::vector<std::string> a{"attach",
                               "9",
                               "--no-ring",
                               "--socket",
                               env.host.state_dir() + "/nine.sock",
                               "--shadow-gfn",
                               std::to_string(p.shadow_gfn),
                               "--shadow-port",
                               std::to_string(p.shadow_port)};
    auto at = env.ctl(a);
    INFO(at.err);
    REQUIRE(at.rc == 0);
    auto d9 = ctl_json(env, {"dump", "9", "--json"});
    CHECK(d9["ring"] == false);
    CHECK(d9["ring_gfn"].is_null());
    CHECK(d9["ring_port"].is_null());
    CHECK(d9["socket"] == env.host.state_dir() + "/nine.sock");
}

TEST_CASE("xsproxy-ctl status: version, uptime, the xenstored socket and which daemon "
          "serves it, sessions per backend",
          "[proxy][ctl][status]") {
    for (auto daemon : {xensim::Daemon::c, xensim::Daemon::ocaml}) {
        Env env(true, daemon);
        auto g = env.guest(R);
        const bool c = daemon == xensim::Daemon::c;
        auto j = ctl_json(env, {"status", "--json"});
        INFO(j.dump());
        CHECK(j["version"] == "0.1.0");
        CHECK(j["uptime_s"].get<long>() >= 0);
        CHECK(j["xenstored"]["socket"] == env.host.socket_path());
        CHECK(j["xenstored"]["daemon"] == (c ? "C xenstored" : "oxenstored"));
        CHECK(j["xenstored"]["pid"] == env.host.daemon_pid());
        CHECK(j["xenstored"]["error"].is_null());
        CHECK(j["control"] == env.ctl_path());
        CHECK(j["sessions"]["total"] == 1);
        // auto: ring where C xenstored serves it, privileged on oxenstored.
        CHECK(j["sessions"]["by_upstream"]["ring"] == (c ? 1 : 0));
        CHECK(j["sessions"]["by_upstream"]["privileged"] == (c ? 0 : 1));
        CHECK(j["sessions"]["by_state"]["ok"] == 1);
        CHECK(j["sessions"]["by_state"]["recovering"] == 0);
        auto t = env.ctl({"status"});
        CHECK(t.rc == 0);
        CHECK(has(t.out, "version            0.1.0\n"));
        CHECK(has(t.out, "xenstored socket   " + env.host.socket_path() + "\n"));
        CHECK(has(t.out, std::string("xenstored daemon   ") + (c ? "C xenstored" : "oxenstored") +
                             " (pid " + std::to_string(env.host.daemon_pid())));
        CHECK(has(t.out, c ? "sessions           1 (ring 1, privileged 0)\n"
                           : "sessions           1 (ring 0, privileged 1)\n"));
        CHECK(has(t.out, "session states     ok 1\n"));
        std::this_thread::sleep_for(1100ms);
        CHECK(ctl_json(env, {"status", "--json"})["uptime_s"].get<long>() >=
              j["uptime_s"].get<long>() + 1);
    }
}

TEST_CASE("refused control requests are logged with the peer's uid and what was refused",
          "[proxy][ctl][log]") {
    Env env(true);
    auto g = env.guest(R);
    auto before = env.ctl({"list"});

    // Root, refused by the daemon.
    auto r = env.ctl({"detach", "42"});
    CHECK(r.rc == 1);
    CHECK(has(env.proxy_log(), "control: refused 'detach domid=42' from uid 0 (pid "));
    CHECK(has(env.proxy_log(), "): domain 42 is not attached"));

    // Not root: allowed through the socket's file mode by CAP_DAC_OVERRIDE (as a
    // misconfigured directory would), stopped by SO_PEERCRED, and nothing is done.
    auto nr = run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   "--inh-caps=+dac_override", "--ambient-caps=+dac_override", XSPROXY_CTL_BIN,
                   "--control", env.ctl_path(), "detach", std::to_string(R)});
    INFO(nr.err);
    CHECK(nr.rc == 1);
    CHECK(has(nr.err, "permission denied: the control socket is root only"));
    CHECK(has(env.proxy_log(),
              "control: refused 'detach domid=" + std::to_string(R) + "' from uid 65534 (pid "));
    CHECK(env.ctl({"list"}).out == before.out);
    CHECK(g->read("domid").val == "1");
    // Accepted requests are not logged as refused.
    REQUIRE(env.ctl({"list"}).rc == 0);
    CHECK_FALSE(has(env.proxy_log(), "control: refused 'list"));
}

TEST_CASE("xsproxy on a host without /dev/xen says which device and why", "[proxy][ctl]") {
    if (::access("/dev/xen/privcmd", F_OK) == 0) {
        WARN("this host has /dev/xen/privcmd: nothing to check");
        return;
    }
    Env env(false);
    // Not spawned by the simulated host: no LD_PRELOAD, the real Xen libraries.
    auto r =
        run({XSPROXY_BIN, "-x", env.host.socket_path(), "-s", env.host.state_dir() + "/nox.ctl"});
    INFO(r.err);
    CHECK(r.rc == 1);
    CHECK(has(r.err, "cannot open /dev/xen/privcmd (xenforeignmemory): No such file or "
                     "directory (is this a Xen dom0 with the xen kernel modules loaded?)"));
}
