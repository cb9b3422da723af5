// SPDX-License-Identifier: LGPL-2.1-only
#include "log.h"

#include <cstdio>
#include <string>
#include <syslog.h>

namespace xsp::log {
namespace {
Level g_level = Level::info;
bool g_syslog = false;
std::string g_ident = "xsproxy";
const char *names[] = {"error", "warn", "info", "debug"};
} // namespace

void init(std::string_view ident, bool use_syslog, Level l) {
    g_ident = ident;
    g_syslog = use_syslog;
    g_level = l;
    if (g_syslog) openlog(g_ident.c_str(), LOG_PID, LOG_DAEMON);
}

Level level() { return g_level; }

bool parse_level(std::string_view s, Level &out) {
    for (int i = 0; i < 4; ++i)
        if (s == names[i]) {
            out = static_cast<Level>(i);
            return true;
        }
    return false;
}

void write(Level l, std::string_view msg) {
    if (g_syslog) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[static_cast<int>(l)], "%.*s", static_cast<int>(msg.size()), msg.data());
        return;
    }
    std::fprintf(stderr, "%s[%s]: %.*s\n", g_ident.c_str(), names[static_cast<int>(l)],
                 static_cast<int>(msg.size()), msg.data());
}

} // namespace xsp::log
