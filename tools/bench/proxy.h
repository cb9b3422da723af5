// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy on a simulated host: start it, attach prepared guests over its control socket,
// read a session's upstream traffic counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness.h"

namespace bench {

// A session's upstream traffic so far, from `dump domid=N json`. `privileged`: guest
// requests, exchanges with the daemon (a batch of pipelined requests is one) and the
// requests in them, events the daemon sent and those passed to the guest. `ring`: every
// request on the shadow ring, the guest's and xsproxy's fences alike, is its own round
// trip; events are those read off the shadow ring.
struct Traffic {
    double requests = 0, round_trips = 0, msgs = 0, events_in = 0, events_delivered = 0;
};

class Proxy {
  public:
    // Spawns xsproxy on `host` and waits (up to 10 s) for its control socket.
    explicit Proxy(const xensim::Host &host);
    pid_t pid() const { return proc_.pid(); }
    // Speaks the control protocol directly: forking xsproxy-ctl a thousand times would
    // make set-up dominate the run. Throws std::runtime_error with xsproxy's answer.
    // `upstream`: ring | privileged | auto.
    void attach(const xensim::Proxied &p, const std::string &upstream);
    // nullopt if the session is unknown or its dump has no counters.
    std::optional<Traffic> traffic(std::uint32_t domid);
    const std::string &log_file() const { return log_; }
    bool running_ok() { return proc_.running(); }

  private:
    std::string ctl_;
    std::string log_;
    xensim::Process proc_;
};

} // namespace bench
