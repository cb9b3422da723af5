// SPDX-License-Identifier: LGPL-2.1-only
// C++ test harness: a simulated Xen host with a real xenstored, as an RAII object.
//
//   xensim::Host host(xensim::Daemon::c);      // or Daemon::ocaml
//   int dom = host.create_domain();
//   auto in = host.introduce(dom);             // libxl-like; in.store_port, in.ring_gfn
//   auto proxy = host.spawn({"/path/to/xsproxy", ...});   // LD_PRELOADed, acts as dom0
//   host.destroy(dom);
//
// Every child gets PR_SET_PDEATHSIG(SIGKILL), and destructors stop the daemon and the
// spawned processes (SIGTERM, then SIGKILL) and remove the state directory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "daemon.h"
#include "toolstack.h"
#include "xensim.h"

namespace xensim {

// A child process that is stopped (SIGTERM, then SIGKILL) when this object dies.
class Process {
public:
    Process() = default;
    explicit Process(pid_t pid) : pid_(pid) {}
    Process(Process &&o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
    Process &operator=(Process &&o) noexcept;
    Process(const Process &) = delete;
    Process &operator=(const Process &) = delete;
    ~Process() { stop(); }

    pid_t pid() const { return pid_; }
    bool running();
    // Wait for exit; returns the waitpid status (or -1 if never started).
    int wait();
    // SIGTERM, SIGKILL after grace_ms; returns the waitpid status if it was reaped.
    void stop(int grace_ms = 3000);

private:
    pid_t pid_ = -1;
    int status_ = -1;
};

class Host {
public:
    explicit Host(Daemon daemon = Daemon::c);
    ~Host();
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;

    Daemon daemon() const { return daemon_; }
    const std::string &state_dir() const { return dir_; }
    std::string socket_path() const { return xensim::socket_path(dir_); }
    xensim_host *sim() const { return sim_; }
    xs_handle *xs() const { return xs_; } // dom0, privileged, over the socket
    pid_t daemon_pid() const { return daemon_pid_; }

    int create_domain(int domid = -1);
    Introduced introduce(uint32_t domid);
    // For xsproxy: guest ring + shadow ring (grant 1) and two unbound ports, no INTRODUCE.
    Proxied prepare(uint32_t domid, int store_port_hint = 0);
    void shutdown(uint32_t domid, int reason = 0 /* SHUTDOWN_poweroff */);
    void crash(uint32_t domid);
    void resume(uint32_t domid);
    void destroy(uint32_t domid);

    // LD_PRELOAD, XENSIM_STATE, XENSIM_DOMID, XENSTORED_PATH for acting on this host.
    std::vector<std::string> env(uint32_t domid = 0) const { return host_env(dir_, domid); }
    // Run a program on this host (dom0 by default), with libxensim preloaded.
    Process spawn(const std::vector<std::string> &argv,
                  const std::vector<std::string> &extra_env = {}, uint32_t domid = 0,
                  const std::string &log_file = "") const;

    // Stop and restart nothing else: for tests of daemon death.
    void stop_daemon();

private:
    void cleanup() noexcept;

    Daemon daemon_;
    std::string dir_;
    xensim_host *sim_ = nullptr;
    xs_handle *xs_ = nullptr;
    pid_t daemon_pid_ = -1;
};

} // namespace xensim
