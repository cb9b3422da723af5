#include "measure.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "harness.h"
#include "proc.h"
#include "proxy.h"
#include "rawsock.h"
#include "xsguest/xensim_guest.h"

namespace bench {
namespace {

using clk = std::chrono::steady_clock;
using Guest = xsguest::Client;

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

// An op returns its own latency in µs, so untimed clean-up (create's rm) stays outside.
using Op = std::function<double(Guest &, std::uint32_t real_dom, int i)>;

template <class F> Op timed(F f) {
    return [f](Guest &g, std::uint32_t dom, int i) {
        auto t = clk::now();
        f(g, dom, i);
        return us_since(t);
    };
}

struct Class {
    const char *name;
    std::function<void(Guest &, std::uint32_t real_dom)> setup, teardown;
    Op op;
};

std::vector<Class> classes(RawSock &sock) {
    std::vector<Class> c;
    c.push_back({"read", {}, {}, timed([](Guest &g, std::uint32_t, int) {
                     need(g.read("data/bench/r"), "read");
                 })});
    c.push_back({"read-miss", {}, {}, timed([](Guest &g, std::uint32_t, int) {
                     auto r = g.read("data/bench/missing");
                     if (r.err != "ENOENT") throw std::runtime_error("read miss: " + r.err);
                 })});
    c.push_back({"write", {}, {}, timed([](Guest &g, std::uint32_t, int i) {
                     need(g.write("data/bench/w", std::to_string(i)), "write");
                 })});
    // Each created node is removed again, untimed: C xenstored's default node quota
    // (1000 per domain) would otherwise end the phase early.
    c.push_back({"create", {}, {}, [](Guest &g, std::uint32_t, int i) {
                     std::string p = fmt::format("data/bench/c/n{}", i);
                     auto t = clk::now();
                     need(g.write(p, "x"), "create");
                     double us = us_since(t);
                     need(g.rm(p), "rm");
                     return us;
                 }});
    c.push_back({"transaction", {}, {}, timed([](Guest &g, std::uint32_t, int i) {
                     auto tx = g.transaction_start();
                     need(tx, "transaction start");
                     need(g.write("data/bench/t", std::to_string(i), tx.val), "tx write");
                     need(g.transaction_end(tx.val, true), "commit");
                 })});
    // dom0 writes the watched node on its own socket without waiting for its reply; the
    // latency runs from that send to the event being in the guest's hands.
    c.push_back({"watch",
                 [](Guest &g, std::uint32_t) {
                     need(g.watch("data/bench/wt", "bw"), "watch");
                     if (!g.wait_event_if([](const xsguest::Event &e) { return e.token == "bw"; },
                                          std::chrono::milliseconds(5000)))
                         throw std::runtime_error("no initial watch event");
                     g.clear_events();
                 },
                 [](Guest &g, std::uint32_t) { need(g.unwatch("data/bench/wt", "bw"), "unwatch"); },
                 [&sock](Guest &g, std::uint32_t dom, int i) {
                     std::string body = fmt::format("/local/domain/{}/data/bench/wt", dom);
                     body.push_back('\0');
                     body += std::to_string(i);
                     auto t = clk::now();
                     sock.send(XS_WRITE, body);
                     auto ev = g.wait_event_if(
                         [](const xsguest::Event &e) { return e.token == "bw"; },
                         std::chrono::milliseconds(5000));
                     double us = us_since(t);
                     if (!ev) throw std::runtime_error("watch event did not arrive");
                     auto reply = sock.recv();
                     if (reply.type == XS_ERROR) throw std::runtime_error("dom0 write failed");
                     g.clear_events();
                     return us;
                 }});
    return c;
}

// Nodes every class expects, created by the guest itself so it owns them.
void seed(Guest &g) {
    need(g.write("data/bench/r", "hello"), "seed bench/r");
    need(g.mkdir("data/bench/c"), "seed bench/c");
    need(g.write("data/bench/wt", "0"), "seed bench/wt");
}

struct Phase {
    std::vector<double> lat;
    double xs_cpu = -1, proxy_cpu = -1;
};

Phase phase(const Class &c, Guest &g, std::uint32_t dom, const RunConfig &cfg, pid_t xenstored,
            pid_t proxy) {
    const int ops = cfg.ops;
    Phase ph;
    if (c.setup) c.setup(g, dom);
    int warm = std::max(10, ops / 20); // ring indexes, allocator and caches settle
    for (int i = 0; i < warm; ++i) c.op(g, dom, -1 - i);
    ph.lat.reserve(std::size_t(ops));
    double x0 = cpu_us(xenstored), p0 = cpu_us(proxy);
    auto end = clk::now() + std::chrono::duration_cast<clk::duration>(
                                std::chrono::duration<double>(cfg.phase_budget_s));
    for (int i = 0; i < ops && (i % 16 || clk::now() < end); ++i)
        ph.lat.push_back(c.op(g, dom, i));
    double x1 = cpu_us(xenstored), p1 = cpu_us(proxy);
    double n = double(ph.lat.size());
    if (x0 >= 0 && x1 >= 0) ph.xs_cpu = (x1 - x0) / n;
    if (p0 >= 0 && p1 >= 0) ph.proxy_cpu = (p1 - p0) / n;
    if (c.teardown) c.teardown(g, dom);
    return ph;
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
    xensim::Host host(xensim::Daemon::c);
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
        proxy.attach(p);
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
    seed(*direct);
    seed(*proxied);

    RawSock sock(host.socket_path());
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
    for (const Class &c : classes(sock)) {
        ClassResult cr;
        cr.name = c.name;
        Phase d = phase(c, *direct, direct_dom, cfg, xsd, proxy.pid());
        Phase p = phase(c, *proxied, measured->domid, cfg, xsd, proxy.pid());
        cr.n_direct = int(d.lat.size());
        cr.n_proxied = int(p.lat.size());
        cr.direct = percentiles(std::move(d.lat));
        cr.proxied = percentiles(std::move(p.lat));
        cr.xs_cpu_direct = d.xs_cpu;
        cr.xs_cpu_proxied = p.xs_cpu;
        cr.proxy_cpu = p.proxy_cpu;
        r.classes.push_back(std::move(cr));
    }
    if (!proxy.running_ok())
        throw std::runtime_error("xsproxy died during the run; see " + proxy.log_file());
    return r;
}

} // namespace bench
