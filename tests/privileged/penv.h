// Fixture of the 'privileged' suite: one guest scenario run three ways — the C profile
// (a direct ring connection on C xenstored), and through xsproxy's privileged upstream
// on oxenstored and on C xenstored — with transcripts compared after the domid map.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness.h"
#include "xsguest/xensim_guest.h"

namespace privtest {

using namespace std::chrono_literals;

// The guest's real domid; 7 so its spelling differs from the 1 a proxied guest sees.
constexpr std::uint32_t R = 7;

enum class Mode { direct, privileged, ring };
const char *mode_name(Mode m);

struct CmdResult {
    int rc = -1;
    std::string out, err;
};
CmdResult run(const std::vector<std::string> &argv, int timeout_ms = 10000);

inline std::string home(std::uint32_t d) { return "/local/domain/" + std::to_string(d); }

class Env {
  public:
    Env(xensim::Daemon d, Mode m);
    ~Env();

    xensim::Host host;
    Mode mode;
    bool proxied() const { return mode != Mode::direct; }
    std::uint32_t self(std::uint32_t domid) const { return proxied() ? 1 : domid; }
    CmdResult ctl(const std::vector<std::string> &args);
    // Create domain `domid`, connect its ring (directly or through xsproxy) and boot a
    // Linux-like guest on it. extra: more attach options.
    std::unique_ptr<xsguest::Client> guest(std::uint32_t domid,
                                           const std::vector<std::string> &extra = {});
    std::string dump(std::uint32_t domid);

    std::string dom0_read(const std::string &path);
    void dom0_write(const std::string &path, const std::string &value);
    void dom0_mkdir(const std::string &path);
    void dom0_rm(const std::string &path);
    void dom0_set_perms(const std::string &path, const std::vector<std::string> &perms);

  private:
    std::optional<xensim::Process> proxy_;
    std::string ctl_path_;
};

template <class T> std::string show(const T &v) {
    std::ostringstream os;
    os << std::boolalpha << v;
    return os.str();
}

struct Run {
    Env &env;
    xsguest::Client &g;
    std::uint32_t me;   // the guest's domid as it sees it
    std::uint32_t real; // its real domid (what dom0 uses)
    std::vector<std::string> lines;

    template <class T> void log(const std::string &what, const T &result) {
        lines.push_back(what + " -> " + show(result));
    }
    std::string p(const std::string &rel) const { return home(me) + "/" + rel; }
    // Record the next n events, then that no further one arrives within `quiet`.
    void events(std::size_t n, std::chrono::milliseconds quiet = 300ms);
};

using Scenario = std::function<void(Run &)>;
using Setup = std::function<void(Env &, std::uint32_t real)>;

std::string map_domid(const std::string &s, std::uint32_t id);

// Runs `s` on the C profile and through the privileged upstream on oxenstored and on C
// xenstored; CHECKs both proxied transcripts equal the C profile's.
void differential(const Scenario &s, const Setup &setup = {});

} // namespace privtest
