// SPDX-License-Identifier: LGPL-2.1-only
#include "proc.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace bench {

namespace {

// utime + stime: whole process, dead threads included, but in clock ticks (10 ms).
double stat_cpu_us(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s;
    if (!std::getline(f, s)) return -1;
    // comm (field 2) may contain spaces: fields are counted after its closing paren.
    auto rp = s.rfind(')');
    if (rp == std::string::npos) return -1;
    std::istringstream in(s.substr(rp + 2));
    std::string tok;
    unsigned long long ut = 0, st = 0;
    for (int field = 3; in >> tok; ++field) {
        if (field == 14) ut = std::stoull(tok);
        if (field == 15) {
            st = std::stoull(tok);
            return double(ut + st) * 1e6 / double(sysconf(_SC_CLK_TCK));
        }
    }
    return -1;
}

} // namespace

double cpu_us(pid_t pid) {
    // schedstat's first field is the task's run time in ns: a 100 µs op shows, where ticks
    // would need a hundred of them. It is per thread, so every live thread is summed.
    std::error_code ec;
    std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/task", ec);
    if (ec) return -1;
    unsigned long long ns = 0;
    bool any = false;
    for (const auto &t : it) {
        std::ifstream f(t.path() / "schedstat");
        unsigned long long v = 0;
        if (f >> v) {
            ns += v;
            any = true;
        }
    }
    // No schedstat (CONFIG_SCHED_INFO off): the tick-resolution figure.
    if (!any || ns == 0) return stat_cpu_us(pid);
    return double(ns) / 1e3;
}

long rss_kib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

const cpu_set_t &initial_cpus() {
    static const cpu_set_t set = [] {
        cpu_set_t s;
        CPU_ZERO(&s);
        if (sched_getaffinity(0, sizeof s, &s) != 0) CPU_SET(0, &s);
        return s;
    }();
    return set;
}

int set_placement(bool pinned) {
    const cpu_set_t &all = initial_cpus();
    if (!pinned) {
        sched_setaffinity(0, sizeof all, &all);
        return -1;
    }
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &all)) ++cpu;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    sched_setaffinity(0, sizeof one, &one);
    return cpu;
}

void follow_placement(pid_t pid) {
    cpu_set_t s;
    CPU_ZERO(&s);
    if (sched_getaffinity(0, sizeof s, &s) == 0) sched_setaffinity(pid, sizeof s, &s);
}

} // namespace bench
