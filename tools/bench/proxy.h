// xsproxy on a simulated host: start it, attach prepared guests over its control socket.
#pragma once

#include <cstdint>
#include <string>

#include "harness.h"

namespace bench {

class Proxy {
  public:
    // Spawns xsproxy on `host` and waits (up to 10 s) for its control socket.
    explicit Proxy(const xensim::Host &host);
    pid_t pid() const { return proc_.pid(); }
    // Speaks the control protocol directly: forking xsproxy-ctl a thousand times would
    // make set-up dominate the run. Throws std::runtime_error with xsproxy's answer.
    void attach(const xensim::Proxied &p);
    const std::string &log_file() const { return log_; }
    bool running_ok() { return proc_.running(); }

  private:
    std::string ctl_;
    std::string log_;
    xensim::Process proc_;
};

} // namespace bench
