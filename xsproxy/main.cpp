// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy: serves guests' xenstore rings in place of xenstored, showing each guest a
// fixed virtual domid while xenstored sees the real one. See xsproxy(8).
#include "config.h"
#include "daemon.h"
#include "log.h"

#include <cstdio>
#include <cstdlib>
#include <getopt.h>
#include <string>
#include <systemd/sd-daemon.h>
#include <vector>

namespace {

void usage(FILE *f) {
    std::fprintf(
        f,
        "usage: xsproxy [options]\n"
        "  -c, --config FILE        configuration (default /etc/xsproxy/xsproxy.conf if present)\n"
        "  -x, --xenstored PATH     xenstored socket (default $XENSTORED_PATH or "
        "/var/run/xenstored/socket)\n"
        "  -s, --control PATH       control socket (default /run/xsproxy/control)\n"
        "  -r, --rules FILE         extra translation rules for every guest\n"
        "  -l, --log-level LEVEL    error, warn, info (default) or debug\n"
        "      --syslog             log to syslog instead of stderr\n"
        "  -V, --version            print the version and exit\n"
        "  -h, --help\n");
}

} // namespace

int main(int argc, char **argv) {
    xsp::Config cfg;
    std::vector<std::string> errors;
    std::string config_path;
    if (const char *p = std::getenv("XENSTORED_PATH")) cfg.xenstored_socket = p;

    static const option opts[] = {
        {"config", required_argument, nullptr, 'c'},
        {"xenstored", required_argument, nullptr, 'x'},
        {"control", required_argument, nullptr, 's'},
        {"rules", required_argument, nullptr, 'r'},
        {"log-level", required_argument, nullptr, 'l'},
        {"syslog", no_argument, nullptr, 'S'},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {nullptr, 0, nullptr, 0},
    };
    // Two passes: the config file first, then command-line options override it.
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        // Answered before the config file is read: a broken file must not hide the version.
        if (a == "-V" || a == "--version") {
            std::printf("xsproxy %s\n", XSPROXY_VERSION);
            return 0;
        }
        if ((a == "-c" || a == "--config") && i + 1 < argc) config_path = argv[i + 1];
        else if (a.rfind("--config=", 0) == 0) config_path = a.substr(9);
    }
    if (config_path.empty()) {
        FILE *f = std::fopen("/etc/xsproxy/xsproxy.conf", "r");
        if (f) {
            std::fclose(f);
            config_path = "/etc/xsproxy/xsproxy.conf";
        }
    }
    if (!config_path.empty() && !xsp::load_config(config_path, cfg, errors)) {
        for (const auto &e : errors) std::fprintf(stderr, "xsproxy: %s: %s\n", config_path.c_str(), e.c_str());
        return 2;
    }
    int c;
    while ((c = getopt_long(argc, argv, "c:x:s:r:l:hV", opts, nullptr)) != -1) {
        switch (c) {
        case 'c': break;
        case 'x': cfg.xenstored_socket = optarg; break;
        case 's': cfg.control_socket = optarg; break;
        case 'r': cfg.rules_file = optarg; break;
        case 'l': cfg.log_level = optarg; break;
        case 'S': cfg.syslog = true; break;
        case 'h': usage(stdout); return 0;
        // -V was answered in the first pass.
        case 'V':
            break;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        std::fprintf(stderr, "xsproxy: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    xsp::log::Level level;
    if (!xsp::log::parse_level(cfg.log_level, level)) {
        std::fprintf(stderr, "xsproxy: bad log level '%s'\n", cfg.log_level.c_str());
        return 2;
    }
    xsp::log::init("xsproxy", cfg.syslog, level);
    xsp::Daemon d(cfg);
    std::string err;
    if (!d.init(err)) {
        xsp::log::error("{}", err);
        return 1;
    }
    // init() returned with the control socket listening: only now may systemd's
    // Type=notify unit count as started, so `systemctl start` followed by xsproxy-ctl
    // works. Without NOTIFY_SOCKET (not under systemd) this does nothing.
    sd_notifyf(0, "READY=1\nSTATUS=serving; control %s", cfg.control_socket.c_str());
    return d.run();
}
