// SPDX-License-Identifier: LGPL-2.1-only
#include "measure.h"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "classes.h"
#include "harness.h"
#include "proc.h"
#include "proxy.h"
#include "rawsock.h"
#include "xsguest/xensim_guest.h"

namespace bench {
namespace {

using clk = std::chrono::steady_clock;

constexpr std::uint32_t direct_dom = 5;
constexpr std::uint32_t first_proxied_dom = 10;
// tools/xensim/sim_state.h: SIM_MAX_DOMS 2048 and SIM_MAX_PORTS 4096 per domain. Each
// proxied guest costs dom0 two ports (xsproxy's end of the guest ring, xenstored's end of
// the shadow ring), and guests start at domid 10.
constexpr int sim_guest_cap = 2000;

double us_since(clk::time_point a) {
    return std::chrono::duration<double, std::micro>(clk::now() - a).count();
}

void need(const xsguest::Status &s, const std::string &what) {
    if (!s.ok()) throw std::runtime_error(what + ": " + s.err);
}

// What a phase reads around its timed ops. The counters come from a control request,
// which costs xsproxy CPU: they are read before the CPU times at the start and after
// them at the end.
struct Meters {
    pid_t daemon, proxy;
    Proxy *session_of = nullptr; // the proxied phase: xsproxy's counters of `domid`
    std::uint32_t domid = 0;
};

struct Reading {
    double xs = -1, px = -1;
    std::optional<Traffic> t;
};

struct Phase {
    std::vector<double> lat;
    double xs_cpu = 0, proxy_cpu = 0;
    bool cpu_ok = true, traffic_ok = true;
    Traffic traffic;

    // The measured stretch between two readings joins the phase's totals.
    void add(const Reading &a, const Reading &b) {
        if (a.xs < 0 || b.xs < 0 || a.px < 0 || b.px < 0) cpu_ok = false;
        xs_cpu += b.xs - a.xs;
        proxy_cpu += b.px - a.px;
        if (!a.t || !b.t) {
            traffic_ok = false;
            return;
        }
        traffic.requests += b.t->requests - a.t->requests;
        traffic.round_trips += b.t->round_trips - a.t->round_trips;
        traffic.msgs += b.t->msgs - a.t->msgs;
        traffic.events_in += b.t->events_in - a.t->events_in;
        traffic.events_delivered += b.t->events_delivered - a.t->events_delivered;
    }
};

Reading begin(Meters &m) {
    Reading r;
    if (m.session_of) r.t = m.session_of->traffic(m.domid);
    r.xs = cpu_us(m.daemon);
    r.px = cpu_us(m.proxy);
    return r;
}

Reading end(Meters &m) {
    Reading r;
    r.xs = cpu_us(m.daemon);
    r.px = cpu_us(m.proxy);
    if (m.session_of) r.t = m.session_of->traffic(m.domid);
    return r;
}

Phase phase(const Class &c, Ctx &ctx, const RunConfig &cfg, Meters m) {
    const int ops = cfg.ops;
    Phase ph;
    if (c.setup) c.setup(ctx);
    int k = 0; // op index over warm-up and timed ops, for refill boundaries
    auto refill_due = [&] { return c.chunk > 0 && k % c.chunk == 0; };
    int warm = std::max(10, ops / 20); // ring indexes, allocator and caches settle
    for (int i = 0; i < warm; ++i, ++k) {
        if (refill_due()) c.refill(ctx, k);
        c.op(ctx, k);
    }
    ph.lat.reserve(std::size_t(ops));
    auto deadline = clk::now() + std::chrono::duration_cast<clk::duration>(
                                     std::chrono::duration<double>(cfg.phase_budget_s));
    Reading r0 = begin(m);
    for (int i = 0; i < ops && (i % 16 || clk::now() < deadline); ++i, ++k) {
        if (refill_due()) {
            // Outside every measurement, the time budget included.
            ph.add(r0, end(m));
            auto t = clk::now();
            c.refill(ctx, k);
            deadline += clk::now() - t;
            r0 = begin(m);
        }
        ph.lat.push_back(c.op(ctx, k));
    }
    ph.add(r0, end(m));
    if (c.teardown) c.teardown(ctx);
    return ph;
}

double per_op(double total, const Phase &p, bool ok) {
    return ok && !p.lat.empty() ? total / double(p.lat.size()) : -1;
}

} // namespace

Pct percentiles(std::vector<double> v) {
    Pct p;
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        std::size_t i = std::size_t(std::ceil(q * double(v.size()))) - 1;
        return v[std::min(i, v.size() - 1)];
    };
    p.p50 = at(0.50);
    p.p90 = at(0.90);
    p.p99 = at(0.99);
    return p;
}

int max_guests() { return sim_guest_cap; }

RunResult run_one(const RunConfig &cfg) {
    RunResult r;
    r.cfg = cfg;
    // Children inherit the affinity: set it before the daemon and xsproxy start.
    r.cpu = set_placement(cfg.pinned);

    // Declaration order is teardown order in reverse: guests unmap before xsproxy stops,
    // xsproxy stops before the host (and its daemon) goes.
    xensim::Host host(cfg.daemon);
    follow_placement(host.daemon_pid());
    host.create_domain(int(direct_dom));
    auto in = host.introduce(direct_dom);

    Proxy proxy(host);
    follow_placement(proxy.pid());
    r.rss_before_kib = rss_kib(proxy.pid());
    std::optional<xensim::Proxied> measured;
    auto t = clk::now();
    for (int i = 0; i < cfg.guests; ++i) {
        std::uint32_t dom = first_proxied_dom + std::uint32_t(i);
        if (host.create_domain(int(dom)) != int(dom))
            throw std::runtime_error(fmt::format("create dom{}", dom));
        auto p = xensim::prepare_proxied_domain(host.sim(), host.xs(), dom);
        try {
            proxy.attach(p, cfg.backend);
        } catch (const std::runtime_error &e) {
            // The backend does not work on this daemon (the ring probe on oxenstored).
            if (measured) throw;
            r.skipped = e.what();
            while (!r.skipped.empty() && std::isspace(static_cast<unsigned char>(r.skipped.back())))
                r.skipped.pop_back();
            return r;
        }
        if (!measured) measured = p;
    }
    r.attach_s = us_since(t) / 1e6;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r.rss_after_kib = rss_kib(proxy.pid());
    r.rss_per_session_kib = double(r.rss_after_kib - r.rss_before_kib) / cfg.guests;

    auto direct = xsguest::attach_xensim(host.sim(), direct_dom, in.ring_gfn, in.store_port);
    auto proxied = xsguest::attach_xensim(host.sim(), measured->domid, measured->ring_gfn,
                                          measured->store_port);
    need(direct->connect(), "direct guest boot");
    need(proxied->connect(), "proxied guest boot");

    RawSock sock(host.socket_path());
    // The proxied guest sees itself as domid 1 (xsproxy's default virt).
    Ctx dctx{*direct, direct_dom, direct_dom, sock};
    Ctx pctx{*proxied, measured->domid, 1, sock};
    seed(dctx);
    seed(pctx);

    std::string body("0");
    body.push_back('\0');
    std::vector<double> ref;
    for (int i = 0; i < std::max(10, cfg.ops / 20); ++i) sock.call(XS_GET_DOMAIN_PATH, body);
    for (int i = 0; i < cfg.ops; ++i) {
        auto t0 = clk::now();
        sock.call(XS_GET_DOMAIN_PATH, body);
        ref.push_back(us_since(t0));
    }
    r.socket = percentiles(std::move(ref));

    pid_t xsd = host.daemon_pid();
    for (const Class &c : classes()) {
        ClassResult cr;
        cr.name = c.name;
        Phase d = phase(c, dctx, cfg, {xsd, proxy.pid()});
        Phase p = phase(c, pctx, cfg, {xsd, proxy.pid(), &proxy, measured->domid});
        cr.n_direct = int(d.lat.size());
        cr.n_proxied = int(p.lat.size());
        cr.xs_cpu_direct = per_op(d.xs_cpu, d, d.cpu_ok);
        cr.xs_cpu_proxied = per_op(p.xs_cpu, p, p.cpu_ok);
        cr.proxy_cpu = per_op(p.proxy_cpu, p, p.cpu_ok);
        cr.up_requests = per_op(p.traffic.requests, p, p.traffic_ok);
        cr.up_rt = per_op(p.traffic.round_trips, p, p.traffic_ok);
        cr.up_msgs = per_op(p.traffic.msgs, p, p.traffic_ok);
        cr.up_events_in = per_op(p.traffic.events_in, p, p.traffic_ok);
        cr.up_events_delivered = per_op(p.traffic.events_delivered, p, p.traffic_ok);
        cr.direct = percentiles(std::move(d.lat));
        cr.proxied = percentiles(std::move(p.lat));
        r.classes.push_back(std::move(cr));
    }
    if (!proxy.running_ok())
        throw std::runtime_error("xsproxy died during the run; see " + proxy.log_file());
    return r;
}

} // namespace bench
