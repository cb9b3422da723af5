// SPDX-License-Identifier: LGPL-2.1-only
// Starting and stopping a simulated host's xenstored, LD_PRELOADed with libxensim.
// Shared by the `xensim` CLI and the C++ test harness.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xensim {

enum class Daemon { c, ocaml };

std::optional<Daemon> parse_daemon(std::string_view name); // "c" | "ocaml"
const char *daemon_name(Daemon d);

// DIR/run/socket: where the daemon listens (oxenstored sees it as
// /var/run/xenstored/socket through a bind mount in its own mount namespace).
std::string socket_path(const std::string &state_dir);

// Environment overrides that make a process act on the host as `domid`:
// LD_PRELOAD, XENSIM_STATE, XENSIM_DOMID, XENSTORED_PATH.
std::vector<std::string> host_env(const std::string &state_dir, unsigned domid);

struct SpawnOptions {
    std::vector<std::string> env;   // NAME=value, override the inherited environment
    bool die_with_parent = true;     // PR_SET_PDEATHSIG(SIGKILL): nothing outlives a test
    bool detach = false;             // setsid(): for `xensim host start`
    std::string log_file;            // stdout+stderr; empty = inherit
    std::string private_run_dir;     // oxenstored: bind this over /var/run/xenstored
};

// fork + exec; throws std::system_error if the fork fails. An exec failure shows
// as exit status 127.
pid_t spawn(const std::vector<std::string> &argv, const SpawnOptions &opt);

// Start the daemon on an initialised state dir, wait until its socket accepts
// connections (throws std::runtime_error with the log tail otherwise) and record
// its pid in DIR/daemon.pid.
pid_t start_daemon(const std::string &state_dir, Daemon d, bool die_with_parent);

// SIGTERM, then SIGKILL after `grace_ms`. Reaps it when it is our child.
void stop_process(pid_t pid, int grace_ms = 3000);

// The pid recorded by start_daemon, or -1.
pid_t recorded_daemon_pid(const std::string &state_dir);

} // namespace xensim
