// SPDX-License-Identifier: LGPL-2.1-only
// A guest's vifs as dom0 sees them in xenstore, and where to transmit their announce.
#pragma once

#include "frames.h"

#include <string>
#include <string_view>
#include <vector>

struct xs_handle;

namespace xsannounce {

struct Vif {
    unsigned devid = 0;
    std::string ifname; // backend interface in dom0: vif<domid>.<devid> or `vifname`
    Mac mac{};
    std::vector<Ipv4> ips;
};

// libxl writes `ip` as a space-separated list; unparsable entries are returned in bad
// (and skipped) rather than failing the whole vif.
std::vector<Ipv4> parse_ip_list(std::string_view list, std::vector<std::string> &bad);

// Every dom0-backed vif of domid: /local/domain/0/backend/vif/<domid>/<devid>, in devid
// order. Only dom0 backends: a driver domain announces its own vifs. A vif whose `mac`
// is missing or invalid is reported in problems and skipped.
std::vector<Vif> discover_vifs(xs_handle *xs, unsigned domid, std::vector<std::string> &problems);

// Transmitting on a vif sends toward the guest (netback's transmit path), never into
// the bridge: a switch would learn nothing. So:
//   vif    transmit on the vif itself (what --ifname does; right when the vif is the
//          link to the network, e.g. a veth in tests);
//   master transmit on the vif's Linux bridge, which floods to the uplink;
//   auto   master when the vif is a Linux bridge port, else the vif.
// An Open vSwitch port is refused (AnnounceError): its internal port would learn the
// guest's MAC on the host side; see docs/announce.md.
enum class Via { auto_, vif, master };
std::string egress_ifname(const std::string &vif, Via via,
                          const std::string &sysfs_net = "/sys/class/net");

} // namespace xsannounce
