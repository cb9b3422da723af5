// SPDX-License-Identifier: LGPL-2.1-only
// Shared fixture of the 'proxy' suite: a simulated host with real C xenstored, optionally
// an xsproxy in front of it, guests attached directly or through xsproxy, and a
// differential runner that replays one scenario both ways and compares transcripts.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../support/proc.h"
#include "harness.h"
#include "xsguest/xensim_guest.h"

namespace proxytest {

using namespace std::chrono_literals;

// The real domid of the guest under test. 7 (not 1) so that its spelling differs from
// what the proxied guest sees, and scenarios avoid the bare numbers 1 and 7 elsewhere.
constexpr std::uint32_t R = 7;

// Spelled here too: the suites built on this fixture call them as proxytest's.
using testsupport::CmdResult;
using testsupport::run;

std::string err_name(int e);

inline std::string home(std::uint32_t d) { return "/local/domain/" + std::to_string(d); }

class Env {
  public:
    // proxy: start an xsproxy on this host (guests from guest() then go through it).
    // daemon: the xenstored the host runs; upstream: xsproxy's backend for every guest
    // attached here ("" lets xsproxy choose: ring where its probe succeeds);
    // log_level: xsproxy's -l (suites that print the log on failure want less than debug).
    explicit Env(bool proxy, xensim::Daemon daemon = xensim::Daemon::c, std::string upstream = "",
                 const std::string &log_level = "debug");
    ~Env();

    xensim::Host host;
    bool proxied() const { return proxy_.has_value(); }
    const std::string &ctl_path() const { return ctl_path_; }
    xensim::Process &proxy_process() { return *proxy_; }

    // xsproxy-ctl --control <ctl> args...
    CmdResult ctl(const std::vector<std::string> &args, int timeout_ms = 10000);
    // xsproxy-ctl attach of a prepared domain (upstream as chosen above); REQUIREs success.
    // extra: more attach options.
    void attach(const xensim::Proxied &p, const std::vector<std::string> &extra = {});
    // xsproxy's log so far.
    std::string proxy_log() const;

    // A guest domain `domid` booted like Linux; direct or through xsproxy by mode.
    // extra: more xsproxy-ctl attach options (e.g. {"--socket", path}).
    std::unique_ptr<xsguest::Client> guest(std::uint32_t domid, xsguest::Options o = {},
                                           bool boot = true,
                                           const std::vector<std::string> &extra = {});
    std::unique_ptr<xsguest::Client> direct_guest(std::uint32_t domid, xsguest::Options o = {},
                                                  bool boot = true);
    std::unique_ptr<xsguest::Client> proxied_guest(std::uint32_t domid, xsguest::Options o = {},
                                                   bool boot = true,
                                                   const std::vector<std::string> &extra = {});
    // Build domain `domid` and connect its store ring to the server (xenstored
    // directly, or xsproxy via attach), without any guest kernel on it yet.
    struct Ring {
        std::uint64_t gfn;
        std::uint32_t port;
    };
    Ring ring(std::uint32_t domid, const std::vector<std::string> &extra = {});
    // The domid a guest of real domid `domid` uses for itself.
    std::uint32_t self(std::uint32_t domid) const { return proxied() ? 1 : domid; }

    std::string dom0_read(const std::string &path);
    void dom0_write(const std::string &path, const std::string &value);
    void dom0_mkdir(const std::string &path);
    void dom0_rm(const std::string &path);
    // perms like {"n0", "r7"}
    void dom0_set_perms(const std::string &path, const std::vector<std::string> &perms);
    std::vector<std::string> dom0_get_perms(const std::string &path);

  private:
    std::optional<xensim::Process> proxy_;
    std::string ctl_path_;
    std::string upstream_;
};

// The --ring-gfn/--ring-port/--shadow-gfn/--shadow-port options of attach and import.
std::vector<std::string> ring_args(const xensim::Proxied &p);

template <class T> std::string show(const T &v) {
    std::ostringstream os;
    os << std::boolalpha << v;
    return os.str();
}

// One run of a scenario: what the guest did and what it got back.
struct Run {
    Env &env;
    xsguest::Client &g;
    std::uint32_t me;   // the guest's own domid as it sees it (R direct, 1 proxied)
    std::uint32_t real; // its real domid (what dom0 uses)
    std::vector<std::string> lines;
    // How long events(n) waits for an extra event: per suite, as its transcripts were
    // written (the privileged suite's with 300 ms).
    std::chrono::milliseconds default_quiet = 200ms;

    template <class T> void log(const std::string &what, const T &result) {
        lines.push_back(what + " -> " + show(result));
    }
    // Record the next n events (waiting for each), then that no further one arrives.
    void events(std::size_t n) { events(n, default_quiet); }
    void events(std::size_t n, std::chrono::milliseconds quiet);
    std::string p(const std::string &rel) const { return home(me) + "/" + rel; }
};

using Scenario = std::function<void(Run &)>;
// Optional dom0 preparation run on each host once the guest is up; gets its real domid.
using Setup = std::function<void(Env &, std::uint32_t real)>;

// Replace every maximal digit run equal to `id` by "@": the domid map R<->1 applied to
// a transcript line (paths, perms, values).
// With `other` (not 0) also replace that id by "#": real domain 1, which a proxied guest
// sees as R, for scenarios where domain 1 exists.
std::string map_domid(const std::string &s, std::uint32_t id, std::uint32_t other = 0);

// Run the scenario directly and through xsproxy (each on a fresh host, guest R) and
// CHECK the mapped transcripts are equal. Returns the direct transcript.
// map_domain_one: real domain 1 exists; map its ids ("1" direct, "R" proxied) too.
std::vector<std::string> differential(const Scenario &s, const Setup &setup = {},
                                      bool map_domain_one = false);

} // namespace proxytest
