// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy.conf: `key = value` lines, `#` comments. Documented in xsproxy.conf(5)
// (docs/man/xsproxy.conf.5.scd).
#pragma once

#include <string>
#include <vector>

namespace xsp {

struct Config {
    std::string xenstored_socket = "/var/run/xenstored/socket";
    std::string control_socket = "/run/xsproxy/control";
    std::string rules_file;     // extra translation rules on top of the defaults
    std::string log_level = "info";
    bool syslog = false;
    std::string upstream = "auto"; // auto (ring, else privileged) | ring | privileged
    unsigned max_sessions = 4096;
};

// Parses `text` into `cfg` (keys not given keep their value). Errors name the line.
bool parse_config(const std::string &text, Config &cfg, std::vector<std::string> &errors);
bool load_config(const std::string &path, Config &cfg, std::vector<std::string> &errors);

} // namespace xsp
