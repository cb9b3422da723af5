// SPDX-License-Identifier: LGPL-2.1-only
// Fixture of the 'privileged' suite: one guest scenario run three ways — the C profile
// (a direct ring connection on C xenstored), and through xsproxy's privileged upstream
// on oxenstored and on C xenstored — with transcripts compared after the domid map.
// The host, xsproxy and dom0 plumbing is the proxy suite's Env; this adds the modes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../proxy/fixture.h"

namespace privtest {

using namespace std::chrono_literals;

using proxytest::home;
using proxytest::map_domid;
using proxytest::R;
using proxytest::Run;
using proxytest::Scenario;
using proxytest::show;

enum class Mode { direct, privileged, ring };
const char *mode_name(Mode m);

class Env : public proxytest::Env {
  public:
    Env(xensim::Daemon d, Mode m);
    ~Env();

    Mode mode;
    // Create domain `domid`, connect its ring (directly or through xsproxy with this
    // mode's upstream) and boot a Linux-like guest on it. extra: more attach options.
    std::unique_ptr<xsguest::Client> guest(std::uint32_t domid,
                                           const std::vector<std::string> &extra = {});
    std::string dump(std::uint32_t domid);
};

using Setup = std::function<void(Env &, std::uint32_t real)>;

// Runs `s` on the C profile and through the privileged upstream on oxenstored and on C
// xenstored; CHECKs both proxied transcripts equal the C profile's.
void differential(const Scenario &s, const Setup &setup = {});

} // namespace privtest
