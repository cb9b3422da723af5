// SPDX-License-Identifier: LGPL-2.1-only
#include "classes.h"

#include <chrono>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace bench {
namespace {

using clk = std::chrono::steady_clock;

double us_since(clk::time_point a) {
    return std::chrono::duration<double, std::micro>(clk::now() - a).count();
}

void need(const xsguest::Status &s, const std::string &what) {
    if (!s.ok()) throw std::runtime_error(what + ": " + s.err);
}

void dom0(Ctx &c, std::uint32_t type, const std::string &body, const std::string &what) {
    if (c.dom0.call(type, body).type == XS_ERROR) throw std::runtime_error("dom0 " + what);
}

template <class F> std::function<double(Ctx &, int)> timed(F f) {
    return [f](Ctx &c, int i) {
        auto t = clk::now();
        f(c, i);
        return us_since(t);
    };
}

// An empty directory of the guest's own for the create-like classes to fill.
void fresh_dir(Ctx &c, const std::string &dir) {
    need(c.g.rm(dir), "rm " + dir);
    need(c.g.mkdir(dir), "mkdir " + dir);
}

// Nodes per refill: create2 makes two per op, and the guest's home holds a few dozen of
// its own, all under the daemons' (and xsproxy's) 1000-node quota.
constexpr int chunk = 250;

Class dir_filler(const char *name, std::function<void(Ctx &, int)> f) {
    Class k{name, {}, {}, chunk, {}, timed(std::move(f))};
    k.refill = [](Ctx &c, int) { fresh_dir(c, "data/bench/c"); };
    k.teardown = [](Ctx &c) { fresh_dir(c, "data/bench/c"); };
    return k;
}

} // namespace

void seed(Ctx &c) {
    need(c.g.write("data/bench/r", "hello"), "seed bench/r");
    need(c.g.write("data/bench/w", "0"), "seed bench/w");
    need(c.g.mkdir("data/bench/k"), "seed bench/k");
    need(c.g.mkdir("data/bench/c"), "seed bench/c");
    need(c.g.mkdir("data/bench/m"), "seed bench/m");
    need(c.g.write("data/bench/p", "x"), "seed bench/p");
    need(c.g.write("data/bench/wt", "0"), "seed bench/wt");
}

std::vector<Class> classes() {
    std::vector<Class> v;
    v.push_back({"read", {}, {}, 0, {}, timed([](Ctx &c, int) {
                     need(c.g.read("data/bench/r"), "read");
                 })});
    v.push_back({"read-miss", {}, {}, 0, {}, timed([](Ctx &c, int) {
                     auto r = c.g.read("data/bench/missing");
                     if (r.err != "ENOENT") throw std::runtime_error("read miss: " + r.err);
                 })});
    v.push_back({"directory", {}, {}, 0, {}, timed([](Ctx &c, int) {
                     need(c.g.directory("data/bench"), "directory");
                 })});
    v.push_back({"get-perms", {}, {}, 0, {}, timed([](Ctx &c, int) {
                     need(c.g.get_perms("data/bench/r"), "get_perms");
                 })});
    v.push_back({"write", {}, {}, 0, {}, timed([](Ctx &c, int i) {
                     need(c.g.write("data/bench/w", std::to_string(i)), "write");
                 })});
    // MKDIR of a node that exists: checked, then nothing to do.
    v.push_back({"mkdir", {}, {}, 0, {}, timed([](Ctx &c, int) {
                     need(c.g.mkdir("data/bench/k"), "mkdir existing");
                 })});
    v.push_back(dir_filler("mkdir-new", [](Ctx &c, int i) {
        need(c.g.mkdir(fmt::format("data/bench/c/n{}", i)), "mkdir new");
    }));
    v.push_back(dir_filler("create", [](Ctx &c, int i) {
        need(c.g.write(fmt::format("data/bench/c/n{}", i), "x"), "create");
    }));
    // Two levels at once: the implicit parent is created too.
    v.push_back(dir_filler("create2", [](Ctx &c, int i) {
        need(c.g.write(fmt::format("data/bench/c/n{}/x", i), "x"), "create2");
    }));
    // A new node under a dom0-owned directory the guest may write (n0 b<R>): C makes the
    // guest its owner; the privileged backend has to SET_PERMS it (an ownership fix-up).
    {
        Class k{"create-fixup", {}, {}, chunk, {}, timed([](Ctx &c, int i) {
                    need(c.g.write(fmt::format("data/bench/f/n{}", i), "x"), "create-fixup");
                })};
        // The guest removes its nodes itself: the privileged backend's count of nodes R
        // owns sees only the guest's own RMs (a dom0 RM would leave them counted).
        k.refill = [](Ctx &c, int) {
            need(c.g.rm("data/bench/f"), "rm bench/f");
            std::string f = fmt::format("/local/domain/{}/data/bench/f", c.real);
            dom0(c, XS_MKDIR, f + '\0', "mkdir " + f);
            dom0(c, XS_SET_PERMS, fmt::format("{}{}n0{}b{}{}", f, '\0', '\0', c.real, '\0'),
                 "set_perms " + f);
        };
        k.teardown = [](Ctx &c) { need(c.g.rm("data/bench/f"), "rm bench/f"); };
        v.push_back(std::move(k));
    }
    {
        Class k{"rm", {}, {}, chunk, {}, timed([](Ctx &c, int i) {
                    need(c.g.rm(fmt::format("data/bench/m/n{}", i)), "rm");
                })};
        k.refill = [](Ctx &c, int first) {
            for (int i = first; i < first + chunk; ++i)
                need(c.g.write(fmt::format("data/bench/m/n{}", i), "x"), "refill bench/m");
        };
        k.teardown = [](Ctx &c) { fresh_dir(c, "data/bench/m"); };
        v.push_back(std::move(k));
    }
    v.push_back({"set-perms", {}, {}, 0, {}, timed([](Ctx &c, int) {
                     need(c.g.set_perms("data/bench/p", {fmt::format("n{}", c.self), "r0"}),
                          "set_perms");
                 })});
    v.push_back({"transaction", {}, {}, 0, {}, timed([](Ctx &c, int i) {
                     auto tx = c.g.transaction_start();
                     need(tx, "transaction start");
                     need(c.g.write("data/bench/t", std::to_string(i), tx.val), "tx write");
                     need(c.g.transaction_end(tx.val, true), "commit");
                 })});
    // dom0 writes the watched node on its own socket without waiting for its reply; the
    // latency runs from that send to the event being in the guest's hands.
    v.push_back({"watch",
                 [](Ctx &c) {
                     need(c.g.watch("data/bench/wt", "bw"), "watch");
                     if (!c.g.wait_event_if(
                             [](const xsguest::Event &e) { return e.token == "bw"; },
                             std::chrono::milliseconds(5000)))
                         throw std::runtime_error("no initial watch event");
                     c.g.clear_events();
                 },
                 [](Ctx &c) { need(c.g.unwatch("data/bench/wt", "bw"), "unwatch"); }, 0, {},
                 [](Ctx &c, int i) {
                     std::string body = fmt::format("/local/domain/{}/data/bench/wt", c.real);
                     body.push_back('\0');
                     body += std::to_string(i);
                     auto t = clk::now();
                     c.dom0.send(XS_WRITE, body);
                     auto ev = c.g.wait_event_if(
                         [](const xsguest::Event &e) { return e.token == "bw"; },
                         std::chrono::milliseconds(5000));
                     double us = us_since(t);
                     if (!ev) throw std::runtime_error("watch event did not arrive");
                     if (c.dom0.recv().type == XS_ERROR)
                         throw std::runtime_error("dom0 write failed");
                     c.g.clear_events();
                     return us;
                 }});
    // Event filtering: the guest watches a dom0 node it may not read; dom0 writes it and
    // waits for its reply (the latency is that round trip: the guest sees nothing). A
    // direct guest's daemon drops the event itself; the privileged backend gets it on its
    // socket and xsproxy's policy drops it; the ring backend's mirror watch fires.
    v.push_back({"watch-denied",
                 [](Ctx &c) {
                     std::string x = "/local/domain/0/bench-x";
                     dom0(c, XS_WRITE, x + '\0' + "0", "write " + x);
                     need(c.g.watch(x, "bd"), "watch");
                     if (!c.g.wait_event_if(
                             [](const xsguest::Event &e) { return e.token == "bd"; },
                             std::chrono::milliseconds(5000)))
                         throw std::runtime_error("no initial watch event");
                     c.g.clear_events();
                 },
                 [](Ctx &c) {
                     auto leaked = c.g.wait_event_if(
                         [](const xsguest::Event &e) { return e.token == "bd"; },
                         std::chrono::milliseconds(100));
                     if (leaked) throw std::runtime_error("watch-denied: the guest got an event");
                     need(c.g.unwatch("/local/domain/0/bench-x", "bd"), "unwatch");
                 },
                 0, {}, timed([](Ctx &c, int i) {
                     dom0(c, XS_WRITE, "/local/domain/0/bench-x" + std::string(1, '\0') +
                                           std::to_string(i),
                          "write bench-x");
                 })});
    return v;
}

} // namespace bench
