// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-announce: after a guest was imported on this host, tell the network where
// its MACs now live, as QEMU's announce-self does for emulated NICs. A guest that does
// not know it moved sends nothing itself. See docs/announce.md.
//
// Exit codes: 0 announced (or nothing to announce), 1 a vif could not be announced
// (interface, privilege, xenstore), 2 bad usage.
#include "frames.h"
#include "sender.h"
#include "vifs.h"

#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <xenstore.h>
}

using namespace xsannounce;

namespace {

const char usage_text[] =
    "usage: xsproxy-announce --ifname IF --mac MAC [--ip A.B.C.D]... [BACKOFF]\n"
    "       xsproxy-announce --from-xenstore DOMID [--xenstored PATH]\n"
    "                        [--via auto|vif|master] [BACKOFF]\n"
    "  Sends, per round, one RARP for MAC and one gratuitous ARP per IP.\n"
    "  --from-xenstore announces every dom0-backed vif of DOMID (mac, ip, vifname\n"
    "  from /local/domain/0/backend/vif/DOMID/*); --via chooses the transmitting\n"
    "  interface (auto: the vif's Linux bridge if it has one, else the vif).\n"
    "  BACKOFF: [--rounds N] [--initial-ms MS] [--step-ms MS] [--max-ms MS]\n"
    "           (QEMU's defaults: 5 rounds, 50, 100, 550)\n"
    "       xsproxy-announce --version | --help\n";

int usage_error(const std::string &msg) {
    std::fprintf(stderr, "xsproxy-announce: %s\n%s", msg.c_str(), usage_text);
    return 2;
}

std::optional<unsigned> parse_uint(const std::string &s, unsigned max) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
    return v;
}

std::string describe(const std::string &vif, const std::string &egress, const Mac &mac,
                     const std::vector<Ipv4> &ips, const Backoff &b) {
    std::string line = vif + " mac " + format_mac(mac) + " ip";
    if (ips.empty()) line += " -";
    for (std::size_t i = 0; i < ips.size(); ++i) line += (i ? "," : " ") + format_ipv4(ips[i]);
    line += " via " + egress + " rounds " + std::to_string(b.rounds);
    return line;
}

struct Options {
    std::string ifname, xenstored;
    std::optional<Mac> mac;
    std::vector<Ipv4> ips;
    std::optional<unsigned> domid;
    Via via = Via::auto_;
    Backoff backoff;
};

} // namespace

int main(int argc, char **argv) {
    Options o;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "-h" || a == "--help") {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (a == "-V" || a == "--version") {
            std::printf("xsproxy-announce %s\n", XSPROXY_VERSION);
            return 0;
        }
        if (i + 1 >= args.size()) return usage_error(a.rfind("--", 0) == 0 ? "option " + a + " needs a value" : "unexpected argument '" + a + "'");
        const std::string &v = args[++i];
        if (a == "--ifname") {
            o.ifname = v;
        } else if (a == "--mac") {
            o.mac = parse_mac(v);
            if (!o.mac) return usage_error("bad MAC '" + v + "' (want a unicast aa:bb:cc:dd:ee:ff)");
        } else if (a == "--ip") {
            auto ip = parse_ipv4(v);
            if (!ip) return usage_error("bad IPv4 address '" + v + "'");
            o.ips.push_back(*ip);
        } else if (a == "--from-xenstore") {
            // Domids from DOMID_FIRST_RESERVED (0x7ff0) up are not guests.
            o.domid = parse_uint(v, 0x7fef);
            if (!o.domid || *o.domid == 0) return usage_error("bad guest domid '" + v + "'");
        } else if (a == "--xenstored") {
            o.xenstored = v;
        } else if (a == "--via") {
            if (v == "auto") o.via = Via::auto_;
            else if (v == "vif") o.via = Via::vif;
            else if (v == "master") o.via = Via::master;
            else return usage_error("--via wants auto, vif or master");
        } else if (a == "--rounds" || a == "--initial-ms" || a == "--step-ms" || a == "--max-ms") {
            auto n = parse_uint(v, a == "--rounds" ? 1000 : 60000);
            if (!n || (a == "--rounds" && *n == 0)) return usage_error("bad value '" + v + "' for " + a);
            (a == "--rounds" ? o.backoff.rounds : a == "--initial-ms" ? o.backoff.initial_ms
                             : a == "--step-ms" ? o.backoff.step_ms : o.backoff.max_ms) = *n;
        } else {
            return usage_error("unknown option '" + a + "'");
        }
    }

    if (!o.domid) {
        if (o.ifname.empty() || !o.mac) return usage_error("need --ifname and --mac, or --from-xenstore");
        try {
            announce({Target{o.ifname, *o.mac, o.ips}}, o.backoff);
        } catch (const AnnounceError &e) {
            std::fprintf(stderr, "xsproxy-announce: %s\n", e.what());
            return 1;
        }
        std::printf("%s\n", describe(o.ifname, o.ifname, *o.mac, o.ips, o.backoff).c_str());
        return 0;
    }
    if (!o.ifname.empty() || o.mac || !o.ips.empty())
        return usage_error("--from-xenstore takes the vifs from xenstore: no --ifname/--mac/--ip");

    xs_handle *xs = nullptr;
    if (!o.xenstored.empty()) {
        setenv("XENSTORED_PATH", o.xenstored.c_str(), 1);
        xs = xs_open(XS_OPEN_SOCKETONLY);
    } else {
        xs = xs_open(0);
    }
    if (!xs) {
        std::fprintf(stderr, "xsproxy-announce: cannot connect to xenstored%s: %s\n",
                     o.xenstored.empty() ? "" : (" at " + o.xenstored).c_str(), std::strerror(errno));
        return 1;
    }
    std::vector<std::string> problems;
    auto vifs = discover_vifs(xs, *o.domid, problems);
    xs_close(xs);
    for (const auto &p : problems) std::fprintf(stderr, "xsproxy-announce: %s\n", p.c_str());

    // Resolve and open every vif first: one missing interface (hotplug not done yet)
    // must not keep the others quiet.
    int rc = problems.empty() ? 0 : 1;
    std::vector<Target> targets;
    std::vector<std::string> lines;
    for (const auto &v : vifs) {
        try {
            std::string egress = egress_ifname(v.ifname, o.via);
            RawSocket probe(egress);
            targets.push_back(Target{egress, v.mac, v.ips});
            lines.push_back(describe(v.ifname, egress, v.mac, v.ips, o.backoff));
        } catch (const AnnounceError &e) {
            std::fprintf(stderr, "xsproxy-announce: domain %u vif %u: %s\n", *o.domid, v.devid, e.what());
            rc = 1;
        }
    }
    if (vifs.empty() && problems.empty())
        std::fprintf(stderr, "xsproxy-announce: domain %u has no dom0-backed vifs\n", *o.domid);
    if (targets.empty()) return rc;
    try {
        announce(targets, o.backoff);
    } catch (const AnnounceError &e) {
        std::fprintf(stderr, "xsproxy-announce: %s\n", e.what());
        return 1;
    }
    for (const auto &l : lines) std::printf("%s\n", l.c_str());
    return rc;
}
