// SPDX-License-Identifier: LGPL-2.1-only
#include "report.h"

#include <map>
#include <string>

#include <fmt/format.h>

namespace bench {
namespace {

std::string pct(const Pct &p) { return fmt::format("{:.0f}/{:.0f}/{:.0f}", p.p50, p.p90, p.p99); }

std::string cpu(double v) { return v < 0 ? "?" : fmt::format("{:.1f}", v); }

std::string placement(const RunResult &r) {
    return r.cpu < 0 ? "unpinned" : fmt::format("pinned(cpu{})", r.cpu);
}

std::string setup(const RunResult &r) {
    return fmt::format("{} {} via {}", xensim::daemon_name(r.cfg.daemon), placement(r),
                       r.cfg.backend);
}

std::string per_op(double rt, double msgs) {
    if (rt < 0 || msgs < 0) return "-";
    return fmt::format("{:.2f}/{:.2f}", rt, msgs);
}

// JSON number or null for "not measured".
std::string jnum(double v) { return v < 0 ? "null" : fmt::format("{:.2f}", v); }

} // namespace

double goal_bound(const RunResult &r, const ClassResult &c) {
    return (c.direct.p50 + r.socket.p50) / 0.9;
}

void print_table(std::FILE *f, const RunResult &r) {
    if (!r.skipped.empty()) {
        fmt::print(f, "\n== {} guests={}: skipped ({})\n", setup(r), r.cfg.guests, r.skipped);
        return;
    }
    fmt::print(f,
               "\n== {} guests={} ops={}  socket RTT p50/p90/p99 {} us  xsproxy RSS {}->{} KiB "
               "({:.1f} KiB/session)  attach {:.2f}s\n",
               setup(r), r.cfg.guests, r.cfg.ops, pct(r.socket), r.rss_before_kib,
               r.rss_after_kib, r.rss_per_session_kib, r.attach_s);
    fmt::print(f, "{:<12} {:>17} {:>17} {:>7} {:>6}  {:>13} {:>9} {:>11} {:>9} {:>11}\n",
               "class", "direct p50/90/99", "proxied p50/90/99", "bound", "goal", "xsd cpu d/p",
               "xsp cpu", "up rt/msgs", "ev in/out", "ops d/p");
    for (const auto &c : r.classes) {
        double b = goal_bound(r, c);
        fmt::print(f, "{:<12} {:>17} {:>17} {:>7.0f} {:>6}  {:>13} {:>9} {:>11} {:>9} {:>11}\n",
                   c.name, pct(c.direct), pct(c.proxied), b, c.proxied.p50 <= b ? "met" : "MISS",
                   cpu(c.xs_cpu_direct) + "/" + cpu(c.xs_cpu_proxied), cpu(c.proxy_cpu),
                   per_op(c.up_rt, c.up_msgs), per_op(c.up_events_in, c.up_events_delivered),
                   fmt::format("{}/{}", c.n_direct, c.n_proxied));
    }
}

// Flat in N: for each placement, proxied p50 at the largest N over the smallest N.
void print_flatness(std::FILE *f, const std::vector<RunResult> &runs) {
    std::map<std::string, std::vector<const RunResult *>> by_setup;
    for (const auto &r : runs)
        if (r.skipped.empty()) by_setup[setup(r)].push_back(&r);
    for (const auto &[name, rs] : by_setup) {
        if (rs.size() < 2) continue;
        const RunResult *lo = rs.front(), *hi = rs.front();
        for (auto *r : rs) {
            if (r->cfg.guests < lo->cfg.guests) lo = r;
            if (r->cfg.guests > hi->cfg.guests) hi = r;
        }
        if (lo == hi) continue;
        fmt::print(f, "\nflatness {} (p50 at {} guests / p50 at {} guests):", name,
                   hi->cfg.guests, lo->cfg.guests);
        for (std::size_t i = 0; i < lo->classes.size() && i < hi->classes.size(); ++i)
            fmt::print(f, "  {} d {:.2f} p {:.2f}", lo->classes[i].name,
                       hi->classes[i].direct.p50 / lo->classes[i].direct.p50,
                       hi->classes[i].proxied.p50 / lo->classes[i].proxied.p50);
        fmt::print(f, "\n");
    }
}

void print_json(std::FILE *f, const std::vector<RunResult> &runs) {
    auto jp = [](const Pct &p) {
        return fmt::format("{{\"p50\":{:.1f},\"p90\":{:.1f},\"p99\":{:.1f}}}", p.p50, p.p90, p.p99);
    };
    fmt::print(f, "[");
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto &r = runs[i];
        fmt::print(f, "{}{{\"daemon\":\"{}\",\"backend\":\"{}\",\"pinned\":{},\"cpu\":{},"
                      "\"guests\":{},\"ops\":{},",
                   i ? "," : "", xensim::daemon_name(r.cfg.daemon), r.cfg.backend, r.cfg.pinned,
                   r.cpu, r.cfg.guests, r.cfg.ops);
        if (!r.skipped.empty()) {
            std::string why;
            for (char ch : r.skipped)
                if (ch == '"' || ch == '\\') why += fmt::format("\\{}", ch);
                else if (static_cast<unsigned char>(ch) >= 0x20) why += ch;
            fmt::print(f, "\"skipped\":\"{}\"}}", why);
            continue;
        }
        fmt::print(f,
                   "\"socket_us\":{},\"rss_before_kib\":{},\"rss_after_kib\":{},"
                   "\"rss_per_session_kib\":{:.2f},\"attach_s\":{:.3f},\"classes\":[",
                   jp(r.socket), r.rss_before_kib, r.rss_after_kib, r.rss_per_session_kib,
                   r.attach_s);
        for (std::size_t j = 0; j < r.classes.size(); ++j) {
            const auto &c = r.classes[j];
            double b = goal_bound(r, c);
            fmt::print(f,
                       "{}{{\"class\":\"{}\",\"ops_direct\":{},\"ops_proxied\":{},\"direct_us\":{},"
                       "\"proxied_us\":{},\"goal_bound_us\":{:.1f},\"goal_met\":{},"
                       "\"xenstored_cpu_us_per_op\":{{\"direct\":{},\"proxied\":{}}},"
                       "\"xsproxy_cpu_us_per_op\":{},\"upstream_per_op\":{{\"requests\":{},"
                       "\"round_trips\":{},\"msgs\":{},\"events_in\":{},"
                       "\"events_delivered\":{}}}}}",
                       j ? "," : "", c.name, c.n_direct, c.n_proxied, jp(c.direct), jp(c.proxied),
                       b, c.proxied.p50 <= b, jnum(c.xs_cpu_direct), jnum(c.xs_cpu_proxied),
                       jnum(c.proxy_cpu), jnum(c.up_requests), jnum(c.up_rt), jnum(c.up_msgs),
                       jnum(c.up_events_in), jnum(c.up_events_delivered));
        }
        fmt::print(f, "]}}");
    }
    fmt::print(f, "]\n");
}

} // namespace bench
