// SPDX-License-Identifier: LGPL-2.1-only
#include "vifs.h"

#include "sender.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>

extern "C" {
#include <xenstore.h>
}

namespace xsannounce {

namespace {

struct Freer {
    void operator()(void *p) const { std::free(p); }
};

// Absent and unreadable nodes are both "no value" here: the caller decides if that
// is fatal.
std::optional<std::string> read(xs_handle *xs, const std::string &path) {
    unsigned len = 0;
    std::unique_ptr<char, Freer> v(static_cast<char *>(xs_read(xs, XBT_NULL, path.c_str(), &len)));
    if (!v) return std::nullopt;
    return std::string(v.get(), len);
}

std::optional<unsigned> parse_devid(const std::string &s) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

} // namespace

std::vector<Ipv4> parse_ip_list(std::string_view list, std::vector<std::string> &bad) {
    std::vector<Ipv4> out;
    std::size_t pos = 0;
    while (pos < list.size()) {
        auto start = list.find_first_not_of(" \t", pos);
        if (start == std::string_view::npos) break;
        auto end = list.find_first_of(" \t", start);
        if (end == std::string_view::npos) end = list.size();
        auto word = list.substr(start, end - start);
        if (auto ip = parse_ipv4(word))
            out.push_back(*ip);
        else
            bad.emplace_back(word);
        pos = end;
    }
    return out;
}

std::vector<Vif> discover_vifs(xs_handle *xs, unsigned domid, std::vector<std::string> &problems) {
    std::string base = "/local/domain/0/backend/vif/" + std::to_string(domid);
    unsigned n = 0;
    std::unique_ptr<char *, Freer> ents(xs_directory(xs, XBT_NULL, base.c_str(), &n));
    std::vector<Vif> vifs;
    if (!ents) return vifs;
    for (unsigned i = 0; i < n; ++i) {
        std::string name = ents.get()[i];
        auto devid = parse_devid(name);
        if (!devid) {
            problems.push_back(base + "/" + name + ": not a device id, ignored");
            continue;
        }
        std::string dir = base + "/" + name;
        auto mac_s = read(xs, dir + "/mac");
        if (!mac_s) {
            problems.push_back(dir + ": no mac, vif skipped");
            continue;
        }
        auto mac = parse_mac(*mac_s);
        if (!mac) {
            problems.push_back(dir + ": invalid mac '" + *mac_s + "', vif skipped");
            continue;
        }
        Vif v;
        v.devid = *devid;
        v.mac = *mac;
        auto vifname = read(xs, dir + "/vifname");
        v.ifname = vifname && !vifname->empty()
                       ? *vifname
                       : "vif" + std::to_string(domid) + "." + std::to_string(*devid);
        if (auto ips = read(xs, dir + "/ip")) {
            std::vector<std::string> bad;
            v.ips = parse_ip_list(*ips, bad);
            for (const auto &b : bad) problems.push_back(dir + "/ip: '" + b + "' is not IPv4, ignored");
        }
        vifs.push_back(std::move(v));
    }
    std::sort(vifs.begin(), vifs.end(), [](const Vif &a, const Vif &b) { return a.devid < b.devid; });
    return vifs;
}

std::string egress_ifname(const std::string &vif, Via via, const std::string &sysfs_net) {
    namespace fs = std::filesystem;
    if (via == Via::vif) return vif;
    fs::path dev = fs::path(sysfs_net) / vif;
    std::error_code ec;
    if (!fs::exists(dev, ec)) throw AnnounceError("no such interface '" + vif + "'");
    fs::path bridge = dev / "brport" / "bridge";
    if (fs::exists(bridge, ec)) {
        auto target = fs::read_symlink(bridge, ec);
        if (!ec) return target.filename().string();
    }
    auto master = fs::read_symlink(dev / "master", ec);
    if (!ec && master.filename() == "ovs-system")
        throw AnnounceError("'" + vif + "' is an Open vSwitch port: not supported "
                            "(announce with ovs-ofctl packet-out in_port=" + vif + ")");
    if (via == Via::master)
        throw AnnounceError("'" + vif + "' is not a Linux bridge port");
    return vif;
}

} // namespace xsannounce
