// SPDX-License-Identifier: LGPL-2.1-only
// One simulated host with its own C xenstored and xsproxy, and the toolstack steps the
// soak needs (build a proxied domain, vif 0, export/import/detach/destroy).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"

namespace soak {

struct Cmd {
    int rc = -1;
    std::string out, err;
    double wall_ms = 0; // the whole xsproxy-ctl call, fork to exit
};

class Site {
  public:
    explicit Site(const std::string &name);
    ~Site();
    Site(const Site &) = delete;
    Site &operator=(const Site &) = delete;

    xensim::Host host{xensim::Daemon::c};
    const std::string name;

    Cmd ctl(const std::vector<std::string> &args);
    xensim::Proxied build(std::uint32_t domid, int port_hint);
    std::vector<std::string> ring_args(const xensim::Proxied &p) const;
    void add_vif(std::uint32_t domid);
    // What the toolstack does once the domain has left: xsproxy lets go, the domain is
    // destroyed, its nodes removed.
    void retire(std::uint32_t domid);

    std::string read(const std::string &path); // value, or "!errno-name"
    bool write(const std::string &path, const std::string &value);

  private:
    std::optional<xensim::Process> proxy_;
    std::string ctl_path_;
};

} // namespace soak
