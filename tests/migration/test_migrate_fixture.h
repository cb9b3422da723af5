// SPDX-License-Identifier: LGPL-2.1-only
// Two simulated hosts, each with its own C xenstored and xsproxy, and the toolstack steps
// of a migration between them (export on the source, prepare + import on the destination,
// the guest kernel carried over). Used by tests/migration/test_migrate*.cpp.
// A host with its xsproxy is the proxy suite's Env; this adds the migration steps.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../proxy/fixture.h"

namespace migtest {

using namespace std::chrono_literals;

using proxytest::CmdResult;
using proxytest::home;

// path -> "value|perms" (or the error name), for whole-tree comparisons.
using Tree = std::map<std::string, std::string>;

// A host (C xenstored) with an xsproxy in front of it; Env stops the proxy before the host.
// Inherited: ctl(), attach(prepared domain), proxy_log(), dom0_*.
class Site : public proxytest::Env {
  public:
    Site();

    // create_domain + the toolstack's prepare (store port number kept if hinted).
    xensim::Proxied build(std::uint32_t domid, int port_hint = 0);
    CmdResult export_session(std::uint32_t domid, const std::string &mode,
                             const std::string &file);
    CmdResult import_session(const xensim::Proxied &p, const std::string &file,
                             bool check = false);
    // libxl's vif 0 of `domid` with dom0 as backend: frontend n<domid> r0, backend n0 r<domid>.
    void add_vif(std::uint32_t domid);

    // dom0's view, spelled as the migration tests compare it.
    std::string read(const std::string &path) { return dom0_read(path); } // or error name
    void write(const std::string &path, const std::string &value) { dom0_write(path, value); }
    std::vector<std::string> perms(const std::string &path) { return dom0_get_perms(path); }
    Tree tree(const std::string &root = "/");
};

// The guest as it sees itself: every node under its home (value or error, perms),
// GET_DOMAIN_PATH(1).
struct View {
    Tree nodes;
    std::string domain_path;
    bool operator==(const View &) const = default;
};
View guest_view(xsguest::Client &g);
std::string show(const Tree &t);

// The guest kernel of a migrating domain: the Client plus where its ring lives now.
struct Guest {
    Site *site;
    xensim::Proxied dom;
    std::unique_ptr<xsguest::Client> client;
};
// Build domid on `s`, attach it, boot the guest kernel on it, add vif 0.
Guest boot(Site &s, std::uint32_t domid);

// The toolstack's migration of `g` to (dst, new_domid): export from the source, build the
// destination domain (store port kept, vif 0 written by the destination toolstack),
// import, move the guest's kernel onto the new page and port without it noticing, then
// detach and destroy the source domain. Returns the export and import replies.
std::pair<CmdResult, CmdResult> migrate(Guest &g, Site &dst, std::uint32_t new_domid,
                                        const std::string &mode, const std::string &file);

// Events that arrive within `quiet` (the guest's queue is drained first).
std::vector<xsguest::Event> collect_events(xsguest::Client &g,
                                           std::chrono::milliseconds quiet = 300ms);

std::string tmpfile(const std::string &name);

} // namespace migtest
