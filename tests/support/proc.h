// SPDX-License-Identifier: LGPL-2.1-only
// Child processes for the suites that drive xsproxy-ctl and Xen's own tools from a test:
// one place for running a program with a deadline and capturing what it printed, shared
// by the proxy fixture (and through it the privileged, migration and conformance suites).
#pragma once

#include <string>
#include <vector>

namespace testsupport {

struct CmdResult {
    int rc = -1; // exit code, or -1 if killed / not run
    std::string out, err;
};

// Run a program (no simulator preload) with extra "K=V" environment entries; stdin is
// /dev/null so a tool that reads it cannot hang a test. Killed after timeout_ms.
CmdResult run(const std::vector<std::string> &argv, const std::vector<std::string> &env = {},
              int timeout_ms = 10000);

// A whole file ("" when it cannot be read): captured output, xsproxy's log.
std::string slurp(const std::string &path);

} // namespace testsupport
