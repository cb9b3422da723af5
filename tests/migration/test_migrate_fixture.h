// Two simulated hosts, each with its own C xenstored and xsproxy, and the toolstack steps
// of a migration between them (export on the source, prepare + import on the destination,
// the guest kernel carried over). Used by tests/migration/test_migrate*.cpp.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"
#include "xsguest/xensim_guest.h"

namespace migtest {

using namespace std::chrono_literals;

struct CmdResult {
    int rc = -1; // exit code, or -1 if killed / not run
    std::string out, err;
};

// Run a program without the simulator preload.
CmdResult run(const std::vector<std::string> &argv, int timeout_ms = 15000);

std::string home(std::uint32_t d);

// path -> "value|perms" (or the error name), for whole-tree comparisons.
using Tree = std::map<std::string, std::string>;

// A host with an xsproxy in front of its xenstored. The proxy stops before the host.
class Site {
  public:
    Site();
    ~Site();
    Site(const Site &) = delete;
    Site &operator=(const Site &) = delete;

    xensim::Host host{xensim::Daemon::c};
    std::optional<xensim::Process> proxy;
    std::string ctl_path;

    CmdResult ctl(const std::vector<std::string> &args);
    // create_domain + the toolstack's prepare (store port number kept if hinted).
    xensim::Proxied build(std::uint32_t domid, int port_hint = 0);
    std::vector<std::string> ring_args(const xensim::Proxied &p) const;
    void attach(const xensim::Proxied &p);
    CmdResult export_session(std::uint32_t domid, const std::string &mode,
                             const std::string &file);
    CmdResult import_session(const xensim::Proxied &p, const std::string &file,
                             bool check = false);
    // libxl's vif 0 of `domid` with dom0 as backend: frontend n<domid> r0, backend n0 r<domid>.
    void add_vif(std::uint32_t domid);

    std::string read(const std::string &path); // value or error name
    void write(const std::string &path, const std::string &value);
    std::vector<std::string> perms(const std::string &path);
    Tree tree(const std::string &root = "/");
    std::string log() const; // xsproxy's log so far
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
