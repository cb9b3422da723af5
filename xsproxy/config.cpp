// SPDX-License-Identifier: LGPL-2.1-only
#include "config.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace xsp {

namespace {
std::string trim(const std::string &s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

bool parse_bool(const std::string &v, bool &out) {
    if (v == "true" || v == "yes" || v == "1") return out = true, true;
    if (v == "false" || v == "no" || v == "0") return out = false, true;
    return false;
}
} // namespace

bool parse_config(const std::string &text, Config &cfg, std::vector<std::string> &errors) {
    std::istringstream in(text);
    std::string line;
    unsigned n = 0;
    std::size_t before = errors.size();
    while (std::getline(in, line)) {
        ++n;
        auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        auto eq = line.find('=');
        if (eq == std::string::npos) {
            errors.push_back("line " + std::to_string(n) + ": expected 'key = value'");
            continue;
        }
        std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
        auto bad = [&](const std::string &why) {
            errors.push_back("line " + std::to_string(n) + ": " + k + ": " + why);
        };
        if (k == "xenstored-socket") cfg.xenstored_socket = v;
        else if (k == "control-socket") cfg.control_socket = v;
        else if (k == "rules") cfg.rules_file = v;
        else if (k == "log-level") {
            if (v != "error" && v != "warn" && v != "info" && v != "debug")
                bad("one of error, warn, info, debug");
            else cfg.log_level = v;
        } else if (k == "syslog") {
            if (!parse_bool(v, cfg.syslog)) bad("true or false");
        } else if (k == "upstream") {
            if (v != "auto" && v != "ring" && v != "privileged") bad("auto, ring or privileged");
            else cfg.upstream = v;
        } else if (k == "max-sessions") {
            unsigned x = 0;
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
            if (ec != std::errc() || p != v.data() + v.size() || x == 0) bad("a positive number");
            else cfg.max_sessions = x;
        } else {
            errors.push_back("line " + std::to_string(n) + ": unknown key '" + k + "'");
        }
    }
    return errors.size() == before;
}

bool load_config(const std::string &path, Config &cfg, std::vector<std::string> &errors) {
    std::ifstream f(path);
    if (!f) {
        errors.push_back("cannot read " + path);
        return false;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    return parse_config(ss.str(), cfg, errors);
}

} // namespace xsp
