// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-announce: frame layout (pure), then the real program in a network namespace
// of its own, captured on the far end of a veth, and --from-xenstore against a real C
// xenstored on the simulated host.
#include "frames.h"
#include "sender.h"
#include "test_announce.h"
#include "vifs.h"

#include "harness.h"

#include <catch2/catch.hpp>

#include <xenstore.h>

using namespace xsannounce;
using namespace announce_test;

namespace {

const std::string bin = XSPROXY_ANNOUNCE_BIN;
const Mac mac{0x00, 0x16, 0x3e, 0x12, 0x34, 0x56};

uint16_t be16(const std::vector<uint8_t> &f, std::size_t at) { return uint16_t(f[at] << 8 | f[at + 1]); }
std::vector<uint8_t> slice(const std::vector<uint8_t> &f, std::size_t at, std::size_t n) {
    return {f.begin() + long(at), f.begin() + long(at + n)};
}
const std::vector<uint8_t> mac_bytes(mac.begin(), mac.end());
const std::vector<uint8_t> bcast(6, 0xff), zero6(6, 0), zero4(4, 0);

long ms_between(const Frame &a, const Frame &b) {
    return long(std::chrono::duration_cast<std::chrono::milliseconds>(b.t - a.t).count());
}

// Frames of the given ethertype (and, for ARP, sender IP) in capture order.
std::vector<const Frame *> pick(const Capture &c, uint16_t type, const Mac &m) {
    std::vector<const Frame *> out;
    for (const auto &f : c.frames)
        if (f.ethertype() == type && std::equal(m.begin(), m.end(), f.bytes.begin() + 6)) out.push_back(&f);
    return out;
}

} // namespace

TEST_CASE("RARP frame is QEMU's announce-self frame, field by field", "[announce][unit]") {
    auto f = rarp_frame(mac);
    REQUIRE(f.size() == 60);
    CHECK(slice(f, 0, 6) == bcast);      // destination: broadcast
    CHECK(slice(f, 6, 6) == mac_bytes);  // source: the guest
    CHECK(be16(f, 12) == 0x8035);        // ethertype RARP
    CHECK(be16(f, 14) == 1);             // htype Ethernet
    CHECK(be16(f, 16) == 0x0800);        // ptype IPv4
    CHECK(f[18] == 6);
    CHECK(f[19] == 4);
    CHECK(be16(f, 20) == 3);             // reverse request
    CHECK(slice(f, 22, 6) == mac_bytes); // sender hw
    CHECK(slice(f, 28, 4) == zero4);     // sender IP 0
    CHECK(slice(f, 32, 6) == mac_bytes); // target hw
    CHECK(slice(f, 38, 4) == zero4);     // target IP 0
    CHECK(slice(f, 42, 18) == std::vector<uint8_t>(18, 0)); // padding
}

TEST_CASE("gratuitous ARP frame, field by field", "[announce][unit]") {
    auto f = garp_frame(mac, Ipv4{10, 1, 2, 3});
    REQUIRE(f.size() == 60);
    const std::vector<uint8_t> ip{10, 1, 2, 3};
    CHECK(slice(f, 0, 6) == bcast);
    CHECK(slice(f, 6, 6) == mac_bytes);
    CHECK(be16(f, 12) == 0x0806);
    CHECK(be16(f, 14) == 1);
    CHECK(be16(f, 16) == 0x0800);
    CHECK(f[18] == 6);
    CHECK(f[19] == 4);
    CHECK(be16(f, 20) == 1);             // request
    CHECK(slice(f, 22, 6) == mac_bytes); // sender hw
    CHECK(slice(f, 28, 4) == ip);        // sender IP
    CHECK(slice(f, 32, 6) == zero6);     // target hw unknown
    CHECK(slice(f, 38, 4) == ip);        // target IP = sender IP
    CHECK(slice(f, 42, 18) == std::vector<uint8_t>(18, 0));
}

TEST_CASE("MAC and IPv4 parsing is strict", "[announce][unit]") {
    CHECK(parse_mac("00:16:3e:12:34:56") == mac);
    CHECK(parse_mac("00-16-3E-12-34-56") == mac);
    CHECK(format_mac(mac) == "00:16:3e:12:34:56");
    for (const char *bad : {"", "00:16:3e:12:34", "00:16:3e:12:34:567", "00:16-3e:12:34:56",
                            "0g:16:3e:12:34:56", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01",
                            "00:16:3e:12:34:56 "})
        CHECK_FALSE(parse_mac(bad));
    CHECK(parse_ipv4("192.168.0.255") == Ipv4{192, 168, 0, 255});
    CHECK(format_ipv4(Ipv4{10, 0, 0, 1}) == "10.0.0.1");
    for (const char *bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.4 ",
                            "+1.2.3.4", "1.2.3.0004", "fe80::1", "a.b.c.d"})
        CHECK_FALSE(parse_ipv4(bad));
    std::vector<std::string> bad;
    auto ips = parse_ip_list(" 10.0.0.1  10.0.0.2 fe80::1 ", bad);
    CHECK(ips == std::vector<Ipv4>{{10, 0, 0, 1}, {10, 0, 0, 2}});
    CHECK(bad == std::vector<std::string>{"fe80::1"});
}

TEST_CASE("back-off follows QEMU's announce timer", "[announce][unit]") {
    CHECK(backoff_delays({}) == std::vector<unsigned>{50, 150, 250, 350});
    CHECK(backoff_delays({1, 50, 100, 550}).empty());
    CHECK(backoff_delays({8, 50, 100, 550}) == std::vector<unsigned>{50, 150, 250, 350, 450, 550, 550});
    CHECK(backoff_delays({3, 10, 0, 550}) == std::vector<unsigned>{10, 10});
    Target t{"x", mac, {{10, 0, 0, 1}, {10, 0, 0, 2}}};
    auto fr = round_frames(t);
    REQUIRE(fr.size() == 3);
    CHECK(fr[0] == rarp_frame(mac));
    CHECK(fr[2] == garp_frame(mac, {10, 0, 0, 2}));
}

TEST_CASE("announce on a vif: 5 rounds of RARP + GARP per IP with QEMU's back-off",
          "[announce][netns]") {
    NetNs ns;
    ns.veth("vif12.0", "guest12");
    Capture cap(ns, "guest12");
    auto r = run_capturing(ns.exec({bin, "--ifname", "vif12.0", "--mac", "00:16:3e:12:34:56",
                                    "--ip", "10.1.2.3", "--ip", "192.168.7.9"}),
                           {&cap});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "vif12.0 mac 00:16:3e:12:34:56 ip 10.1.2.3,192.168.7.9 via vif12.0 rounds 5\n");

    REQUIRE(cap.frames.size() == 15);
    for (unsigned round = 0; round < 5; ++round) {
        CHECK(cap.frames[3 * round].bytes == rarp_frame(mac));
        CHECK(cap.frames[3 * round + 1].bytes == garp_frame(mac, {10, 1, 2, 3}));
        CHECK(cap.frames[3 * round + 2].bytes == garp_frame(mac, {192, 168, 7, 9}));
        // A round is a burst: its frames leave together.
        CHECK(ms_between(cap.frames[3 * round], cap.frames[3 * round + 2]) < 20);
    }
    const long expect[] = {50, 150, 250, 350};
    for (unsigned i = 0; i < 4; ++i) {
        long gap = ms_between(cap.frames[3 * i], cap.frames[3 * (i + 1)]);
        INFO("gap before round " << i + 1 << ": " << gap << " ms");
        CHECK(gap >= expect[i] - 5);
        CHECK(gap <= expect[i] + 100); // two shared cores: generous upper slack
    }
}

TEST_CASE("announce back-off options and a vif without IPs", "[announce][netns]") {
    NetNs ns;
    ns.veth("vif3.1", "guest3");
    Capture cap(ns, "guest3");
    auto r = run_capturing(ns.exec({bin, "--ifname", "vif3.1", "--mac", "00:16:3e:12:34:56",
                                    "--rounds", "3", "--initial-ms", "20", "--step-ms", "200",
                                    "--max-ms", "120"}),
                           {&cap});
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(cap.frames.size() == 3);
    for (const auto &f : cap.frames) CHECK(f.bytes == rarp_frame(mac));
    long g1 = ms_between(cap.frames[0], cap.frames[1]), g2 = ms_between(cap.frames[1], cap.frames[2]);
    CHECK(g1 >= 15);
    CHECK(g1 <= 100);
    CHECK(g2 >= 115); // 20+200 capped at --max-ms 120
    CHECK(g2 <= 220);
}

TEST_CASE("announce errors: exit codes and messages", "[announce][netns]") {
    NetNs ns;
    ns.ip({"link", "add", "vif4.0", "type", "veth", "peer", "name", "guest4"}); // left down
    auto missing = run(ns.exec({bin, "--ifname", "vif9.0", "--mac", "00:16:3e:00:00:01"}));
    CHECK(missing.status == 1);
    CHECK(missing.err == "xsproxy-announce: no such interface 'vif9.0'\n");
    auto down = run(ns.exec({bin, "--ifname", "vif4.0", "--mac", "00:16:3e:00:00:01"}));
    CHECK(down.status == 1);
    CHECK(down.err == "xsproxy-announce: interface 'vif4.0' is down\n");

    auto usage = [](std::vector<std::string> args, const std::string &msg) {
        args.insert(args.begin(), bin);
        auto r = run(args);
        INFO(join(args) << "\n" << r.err);
        CHECK(r.status == 2);
        CHECK(r.err.rfind("xsproxy-announce: " + msg + "\nusage:", 0) == 0);
        CHECK(r.out.empty());
    };
    usage({"--ifname", "lo", "--mac", "00:16:3e:00:00"}, "bad MAC '00:16:3e:00:00' (want a unicast aa:bb:cc:dd:ee:ff)");
    usage({"--ifname", "lo", "--mac", "ff:ff:ff:ff:ff:ff"}, "bad MAC 'ff:ff:ff:ff:ff:ff' (want a unicast aa:bb:cc:dd:ee:ff)");
    usage({"--ifname", "lo", "--mac", "00:16:3e:00:00:01", "--ip", "10.0.0.256"}, "bad IPv4 address '10.0.0.256'");
    usage({"--ifname", "lo"}, "need --ifname and --mac, or --from-xenstore");
    usage({"--ifname", "lo", "--mac", "00:16:3e:00:00:01", "--rounds", "0"}, "bad value '0' for --rounds");
    usage({"--from-xenstore", "0"}, "bad guest domid '0'");
    usage({"--from-xenstore", "32752"}, "bad guest domid '32752'");
    usage({"--from-xenstore", "3", "--mac", "00:16:3e:00:00:01"}, "--from-xenstore takes the vifs from xenstore: no --ifname/--mac/--ip");
    usage({"--bogus", "1"}, "unknown option '--bogus'");
    usage({"--ifname"}, "option --ifname needs a value");

    // Without CAP_NET_RAW the socket is refused: say so, exit 1. setpriv drops every
    // capability of the (still uid 0) child.
    auto unpriv = run({"setpriv", "--inh-caps=-all", "--bounding-set=-all", bin, "--ifname", "lo",
                       "--mac", "00:16:3e:00:00:01"});
    if (unpriv.status != 127) { // setpriv present
        CHECK(unpriv.status == 1);
        CHECK(unpriv.err == "xsproxy-announce: raw AF_PACKET socket refused (needs root or CAP_NET_RAW)\n");
    }
}

TEST_CASE("on a bridge port the announce goes through the bridge to the uplink",
          "[announce][netns]") {
    // vif12.0 <-> guest12 stands for netback: transmitting on vif12.0 reaches only the
    // guest. br0 also holds uplink <-> wire, the host's way to the switches.
    NetNs ns;
    ns.veth("vif12.0", "guest12");
    ns.veth("uplink", "wire");
    ns.ip({"link", "add", "br0", "type", "bridge"});
    ns.ip({"link", "set", "vif12.0", "master", "br0"});
    ns.ip({"link", "set", "uplink", "master", "br0"});
    ns.ip({"link", "set", "br0", "up"});

    SECTION("--via vif reaches the guest, never the wire") {
        Capture guest(ns, "guest12"), wire(ns, "wire");
        auto r = run_capturing(ns.exec({bin, "--ifname", "vif12.0", "--mac", "00:16:3e:12:34:56",
                                        "--rounds", "2", "--initial-ms", "10"}),
                               {&guest, &wire});
        REQUIRE(r.status == 0);
        CHECK(pick(guest, 0x8035, mac).size() == 2);
        CHECK(pick(wire, 0x8035, mac).empty());
    }
}

namespace {

void xs_put(xensim::Host &host, const std::string &path, const std::string &value) {
    REQUIRE(xs_write(host.xs(), XBT_NULL, path.c_str(), value.data(), unsigned(value.size())));
}

Mac mac_of(unsigned dom, unsigned dev) { return Mac{0x00, 0x16, 0x3e, 0x00, uint8_t(dom), uint8_t(dev)}; }

void vif_backend(xensim::Host &host, unsigned backend, unsigned dom, unsigned dev) {
    xs_put(host, "/local/domain/" + std::to_string(backend) + "/backend/vif/" + std::to_string(dom) +
                     "/" + std::to_string(dev) + "/mac",
           format_mac(mac_of(dom, dev)));
}

} // namespace

TEST_CASE("--from-xenstore announces the guest's dom0-backed vifs", "[announce][netns][xensim]") {
    xensim::Host host(xensim::Daemon::c);
    const std::string be = "/local/domain/0/backend/vif/";
    vif_backend(host, 0, 12, 0);
    xs_put(host, be + "12/0/ip", "10.0.12.1 10.0.12.2");
    vif_backend(host, 0, 12, 1);
    xs_put(host, be + "12/1/vifname", "xnic12"); // the vifname key overrides vif12.1
    vif_backend(host, 0, 13, 0);                  // another guest
    vif_backend(host, 5, 12, 2);                  // a driver domain's backend: not ours

    NetNs ns;
    ns.veth("vif12.0", "g0");
    ns.veth("xnic12", "g1");
    ns.veth("vif12.1", "g1default"); // exists, but vifname says the vif is xnic12
    ns.veth("vif13.0", "g13");
    ns.veth("vif12.2", "g2");
    Capture c0(ns, "g0"), c1(ns, "g1"), c1d(ns, "g1default"), c13(ns, "g13"), c2(ns, "g2");
    auto r = run_capturing(ns.exec({bin, "--from-xenstore", "12", "--xenstored", host.socket_path(),
                                    "--rounds", "2", "--initial-ms", "20"}),
                           {&c0, &c1, &c1d, &c13, &c2});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    CHECK(r.out == "vif12.0 mac 00:16:3e:00:0c:00 ip 10.0.12.1,10.0.12.2 via vif12.0 rounds 2\n"
                   "xnic12 mac 00:16:3e:00:0c:01 ip - via xnic12 rounds 2\n");

    REQUIRE(c0.frames.size() == 6);
    for (unsigned round = 0; round < 2; ++round) {
        CHECK(c0.frames[3 * round].bytes == rarp_frame(mac_of(12, 0)));
        CHECK(c0.frames[3 * round + 1].bytes == garp_frame(mac_of(12, 0), {10, 0, 12, 1}));
        CHECK(c0.frames[3 * round + 2].bytes == garp_frame(mac_of(12, 0), {10, 0, 12, 2}));
    }
    CHECK(ms_between(c0.frames[0], c0.frames[3]) >= 15);
    REQUIRE(c1.frames.size() == 2);
    CHECK(c1.frames[0].bytes == rarp_frame(mac_of(12, 1)));
    CHECK(c1d.frames.empty());
    CHECK(c13.frames.empty());
    CHECK(c2.frames.empty());
}

TEST_CASE("--from-xenstore: a broken vif does not silence the others", "[announce][netns][xensim]") {
    xensim::Host host(xensim::Daemon::c);
    const std::string be = "/local/domain/0/backend/vif/";
    vif_backend(host, 0, 12, 0);                          // its interface is missing
    vif_backend(host, 0, 12, 1);
    xs_put(host, be + "12/1/ip", "10.0.12.9 fe80::1 bogus"); // IPv6 and junk skipped
    xs_put(host, be + "12/2/mac", "not-a-mac");
    xs_put(host, be + "12/3/state", "4"); // no mac at all

    NetNs ns;
    ns.veth("vif12.1", "g1");
    Capture c1(ns, "g1");
    auto r = run_capturing(ns.exec({bin, "--from-xenstore", "12", "--xenstored", host.socket_path(),
                                    "--rounds", "1"}),
                           {&c1});
    CHECK(r.status == 1);
    CHECK(r.out == "vif12.1 mac 00:16:3e:00:0c:01 ip 10.0.12.9 via vif12.1 rounds 1\n");
    CHECK(r.err ==
          "xsproxy-announce: " + be + "12/1/ip: 'fe80::1' is not IPv4, ignored\n"
          "xsproxy-announce: " + be + "12/1/ip: 'bogus' is not IPv4, ignored\n"
          "xsproxy-announce: " + be + "12/2: invalid mac 'not-a-mac', vif skipped\n"
          "xsproxy-announce: " + be + "12/3: no mac, vif skipped\n"
          "xsproxy-announce: domain 12 vif 0: no such interface 'vif12.0'\n");
    REQUIRE(c1.frames.size() == 2);
    CHECK(c1.frames[0].bytes == rarp_frame(mac_of(12, 1)));
    CHECK(c1.frames[1].bytes == garp_frame(mac_of(12, 1), {10, 0, 12, 9}));

    SECTION("a guest without vifs is not an error") {
        auto none = run(ns.exec({bin, "--from-xenstore", "44", "--xenstored", host.socket_path()}));
        CHECK(none.status == 0);
        CHECK(none.out.empty());
        CHECK(none.err == "xsproxy-announce: domain 44 has no dom0-backed vifs\n");
    }
    SECTION("no xenstored") {
        auto nox = run({bin, "--from-xenstore", "12", "--xenstored", host.state_dir() + "/nothing"});
        CHECK(nox.status == 1);
        CHECK(nox.err.rfind("xsproxy-announce: cannot connect to xenstored at " + host.state_dir() +
                                "/nothing: ", 0) == 0);
    }
}

TEST_CASE("--from-xenstore on a bridged vif announces through the bridge", "[announce][netns][xensim]") {
    xensim::Host host(xensim::Daemon::c);
    vif_backend(host, 0, 12, 0);
    NetNs ns;
    ns.veth("vif12.0", "guest12");
    ns.veth("uplink", "wire");
    ns.ip({"link", "add", "xenbr0", "type", "bridge"});
    ns.ip({"link", "set", "vif12.0", "master", "xenbr0"});
    ns.ip({"link", "set", "uplink", "master", "xenbr0"});
    ns.ip({"link", "set", "xenbr0", "up"});
    Capture wire(ns, "wire");
    auto r = run_capturing(ns.exec({bin, "--from-xenstore", "12", "--xenstored", host.socket_path(),
                                    "--rounds", "2", "--initial-ms", "10"}),
                           {&wire});
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "vif12.0 mac 00:16:3e:00:0c:00 ip - via xenbr0 rounds 2\n");
    auto rarps = pick(wire, 0x8035, mac_of(12, 0));
    REQUIRE(rarps.size() == 2);
    CHECK(rarps[0]->bytes == rarp_frame(mac_of(12, 0)));

    auto strict = run(ns.exec({bin, "--from-xenstore", "12", "--xenstored", host.socket_path(),
                               "--via", "master", "--rounds", "1"}));
    CHECK(strict.status == 0);
    ns.ip({"link", "set", "vif12.0", "nomaster"});
    auto notport = run(ns.exec({bin, "--from-xenstore", "12", "--xenstored", host.socket_path(),
                                "--via", "master", "--rounds", "1"}));
    CHECK(notport.status == 1);
    CHECK(notport.err == "xsproxy-announce: domain 12 vif 0: 'vif12.0' is not a Linux bridge port\n");
}
