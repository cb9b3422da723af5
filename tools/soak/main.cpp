// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-soak: a busy guest migrated back and forth between two simulated hosts.
//
// The guest (one xsguest Client that keeps its in-memory state across every move, as a
// guest that never learns it moved) holds --watches watches and --nodes written nodes,
// and between migrations writes, commits transactions and is written to by dom0. A
// non-cooperative migration also has an open transaction and pipelined writes in flight
// at export. Counted, all must stay 0:
//   lost writes    a write the guest got OK for that does not read back with its value
//   lost events    a dom0 write to a watched node with no event for that watch after it
//   errors         any other unexpected reply (EAGAIN only where a stale transaction ends)
// Export and import times are the daemon's own (the "in X ms" of its replies: export from
// quiesce to the fsynced file, import from reading the file to the attached session);
// the xsproxy-ctl wall time (fork to exit) is reported next to them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "site.h"
#include "xsguest/xensim_guest.h"

namespace {

using namespace std::chrono_literals;

struct Opts {
    int migrations = 20;
    std::string mode = "alternate";
    int watches = 100, nodes = 300;
    unsigned seed = 1;
    bool verbose = false;
    // Known bug (see the report of tests/migration): dom0 watch events in flight together
    // with pipelined requests at a non-cooperative export stall the destination session.
    bool no_events_at_export = false;
};

void usage(int rc) {
    std::fputs("usage: xsproxy-soak [--migrations N] [--mode alternate|cooperative|noncooperative]\n"
               "                    [--watches N] [--nodes N] [--seed N] [--verbose]\n"
               "                    [--no-events-at-export]\n"
               "  A guest busy with writes, transactions and watches migrated N times between\n"
               "  two simulated hosts; exits 1 if any write or watch event was lost or any\n"
               "  unexpected error seen. Defaults: 20 migrations, alternate, 100 watches,\n"
               "  300 nodes. Long run: --migrations 1000.\n",
               rc ? stderr : stdout);
    std::exit(rc);
}

Opts parse(int argc, char **argv) {
    Opts o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto val = [&]() -> std::string {
            if (i + 1 >= argc) usage(2);
            return argv[++i];
        };
        if (a == "--migrations") o.migrations = std::atoi(val().c_str());
        else if (a == "--mode") o.mode = val();
        else if (a == "--watches") o.watches = std::atoi(val().c_str());
        else if (a == "--nodes") o.nodes = std::atoi(val().c_str());
        else if (a == "--seed") o.seed = static_cast<unsigned>(std::atoi(val().c_str()));
        else if (a == "--verbose" || a == "-v") o.verbose = true;
        else if (a == "--no-events-at-export") o.no_events_at_export = true;
        else if (a == "--help" || a == "-h") usage(0);
        else usage(2);
    }
    if (o.mode == "coop") o.mode = "cooperative";
    if (o.mode == "noncoop") o.mode = "noncooperative";
    if ((o.mode != "alternate" && o.mode != "cooperative" && o.mode != "noncooperative") ||
        o.migrations < 0 || o.watches < 1 || o.watches > 120 || o.nodes < 1 || o.nodes > 600)
        usage(2);
    return o;
}

double reported_ms(const std::string &out, const char *before) {
    auto p = out.rfind(before);
    if (p == std::string::npos) return -1;
    return std::atof(out.c_str() + p + std::strlen(before));
}

struct Series {
    std::vector<double> v;
    std::string summary() const {
        if (v.empty()) return "n/a";
        std::vector<double> s = v;
        std::sort(s.begin(), s.end());
        auto at = [&](double q) { return s[std::min(s.size() - 1, static_cast<std::size_t>(q * s.size()))]; };
        return fmt::format("p50 {:.3f} ms  p99 {:.3f} ms  max {:.3f} ms", at(0.5), at(0.99), s.back());
    }
};

struct Counters {
    long lost_writes = 0, lost_events = 0, errors = 0;
    long expected_eagain = 0, refires_missing = 0;
};

class Soak {
  public:
    explicit Soak(const Opts &o) : o_(o), rng_(o.seed) {}
    int run();

  private:
    std::string w_path(int i) const { return fmt::format("data/w/{}", i); }
    std::string w_token(int i) const { return fmt::format("t{}", i); }
    std::string n_path(int i) const { return fmt::format("data/n/{}", i); }
    void error(const std::string &what) {
        ++c_.errors;
        std::fprintf(stderr, "migration %d: unexpected: %s\n", m_, what.c_str());
    }
    bool ok(const xsguest::Status &s, const std::string &what) {
        if (!s.ok()) error(what + ": " + s.err);
        return s.ok();
    }
    void write(const std::string &path, const std::string &value) {
        if (ok(g_->write(path, value), "write " + path)) expect_[path] = value;
    }
    void busy();
    void committed_transaction();
    void dom0_writes(int n, std::set<int> &pending);
    void migrate(bool coop);
    void wait_events(std::set<int> pending, bool all_refire);
    void verify(bool all);

    Opts o_;
    std::mt19937 rng_;
    std::unique_ptr<soak::Site> site_[2];
    int cur_ = 0;
    std::uint32_t next_domid_[2] = {2, 2};
    xensim::Proxied dom_{};
    std::unique_ptr<xsguest::Client> g_;
    std::map<std::string, std::string> expect_;
    std::set<std::string> written_this_round_;
    Counters c_;
    Series export_ms_, import_ms_, export_wall_, import_wall_;
    int m_ = 0;
};

void Soak::busy() {
    for (int k = 0; k < 20; ++k) {
        std::string p = n_path(static_cast<int>(rng_() % o_.nodes));
        write(p, fmt::format("v{}-{}", m_, k));
        written_this_round_.insert(p);
    }
    committed_transaction();
}

void Soak::committed_transaction() {
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto tx = g_->transaction_start();
        if (!ok(tx, "transaction_start")) return;
        std::map<std::string, std::string> w;
        for (int k = 0; k < 3; ++k)
            w[n_path(static_cast<int>(rng_() % o_.nodes))] = fmt::format("tx{}-{}-{}", m_, attempt, k);
        for (const auto &[p, v] : w) ok(g_->write(p, v, tx.val), "write in transaction");
        auto e = g_->transaction_end(tx.val, true);
        if (e.err == "EAGAIN") continue; // a conflict is legal; retry as Linux callers do
        if (!ok(e, "transaction_end")) return;
        for (const auto &[p, v] : w) {
            expect_[p] = v;
            written_this_round_.insert(p);
        }
        return;
    }
    error("transaction conflicted 5 times in a row");
}

void Soak::dom0_writes(int n, std::set<int> &pending) {
    for (int k = 0; k < n; ++k) {
        int i = static_cast<int>(rng_() % o_.watches);
        // A child of the watched node: dom0's writes are not the guest's to carry.
        std::string p = fmt::format("/local/domain/{}/{}/d", dom_.domid, w_path(i));
        if (!site_[cur_]->write(p, fmt::format("d{}-{}", m_, k))) error("dom0 write " + p);
        pending.insert(i);
    }
}

// Every pending watch must see an event. With all_refire, every watch is expected to fire
// (re-registration's initial event); missing re-fires are counted apart from lost events.
void Soak::wait_events(std::set<int> pending, bool all_refire) {
    std::set<int> refire;
    if (all_refire)
        for (int i = 0; i < o_.watches; ++i) refire.insert(i);
    auto deadline = std::chrono::steady_clock::now() + 3s;
    while ((!pending.empty() || !refire.empty()) && std::chrono::steady_clock::now() < deadline) {
        auto e = g_->next_event(100ms);
        if (!e) continue;
        if (e->token.size() < 2 || e->token[0] != 't') continue;
        int i = std::atoi(e->token.c_str() + 1);
        pending.erase(i);
        refire.erase(i);
    }
    c_.lost_events += static_cast<long>(pending.size());
    c_.refires_missing += static_cast<long>(refire.size());
    for (int i : pending) std::fprintf(stderr, "migration %d: lost event for watch %d\n", m_, i);
}

void Soak::verify(bool all) {
    auto check = [&](const std::string &p) {
        auto r = g_->read(p);
        if (!r.ok() || r.val != expect_[p]) {
            ++c_.lost_writes;
            if (std::getenv("XSPROXY_SOAK_LOG") && c_.lost_writes == 1)
                std::fprintf(stderr, "%s\n", site_[cur_]->ctl({"dump", std::to_string(dom_.domid)}).out.c_str());
            std::fprintf(stderr, "migration %d: %s reads %s, expected %s\n", m_, p.c_str(),
                         r.ok() ? r.val.c_str() : r.err.c_str(), expect_[p].c_str());
        }
    };
    if (all) {
        for (const auto &[p, v] : expect_) check(p);
    } else {
        for (const auto &p : written_this_round_) check(p);
    }
    written_this_round_.clear();
}

void Soak::migrate(bool coop) {
    soak::Site &src = *site_[cur_];
    soak::Site &dst = *site_[1 - cur_];
    std::string mode = coop ? "cooperative" : "noncooperative";
    std::set<int> pending;
    if (!o_.no_events_at_export) dom0_writes(3, pending); // events possibly in flight at export
    std::uint32_t tx = 0;
    std::vector<std::pair<std::uint32_t, std::pair<std::string, std::string>>> inflight;
    if (!coop) {
        auto t = g_->transaction_start();
        if (ok(t, "transaction_start")) {
            tx = t.val;
            ok(g_->write("data/in-tx", "never", tx), "write in open transaction");
        }
    }
    if (!coop) {
        for (int k = 0; k < 16; ++k) {
            std::string p = n_path(static_cast<int>(rng_() % o_.nodes));
            std::string v = fmt::format("p{}-{}", m_, k);
            inflight.push_back({g_->send(XS_WRITE, p + '\0' + v), {p, v}});
        }
    }
    std::string file = src.host.state_dir() + "/stream";
    soak::Cmd e = src.ctl({"export", std::to_string(dom_.domid), "--mode", mode, "-o", file});
    if (e.rc != 0) throw std::runtime_error("export: " + e.err);
    export_ms_.v.push_back(reported_ms(e.out, " in "));
    export_wall_.v.push_back(e.wall_ms);

    std::uint32_t nd = next_domid_[1 - cur_]++;
    xensim::Proxied p = dst.build(nd, static_cast<int>(dom_.store_port));
    if (p.store_port != dom_.store_port) error("store port not kept");
    dst.add_vif(nd);
    std::vector<std::string> args{"import", std::to_string(nd), "-i", file};
    for (auto &a : dst.ring_args(p)) args.push_back(a);
    soak::Cmd i = dst.ctl(args);
    if (i.rc != 0) throw std::runtime_error("import: " + i.err);
    import_ms_.v.push_back(reported_ms(i.out, "("));
    import_wall_.v.push_back(i.wall_ms);
    auto t = xsguest::xensim_transport(dst.host.sim(), nd, p.ring_gfn, p.store_port);
    if (coop) g_->resume(std::move(t)); // it suspended and resumes, as Linux does
    else g_->rebind(std::move(t));      // it never learns it moved
    src.retire(dom_.domid);
    dom_ = p;
    cur_ = 1 - cur_;

    if (coop) {
        // A cooperative guest re-registers its watches on resume.
        for (int w = 0; w < o_.watches; ++w) ok(g_->watch(w_path(w), w_token(w)), "re-register watch");
    } else {
        for (auto &[id, pv] : inflight) {
            auto r = g_->wait_reply(id, 5s);
            if (ok(r, "pipelined write " + pv.first)) {
                expect_[pv.first] = pv.second;
                written_this_round_.insert(pv.first);
            }
        }
        if (tx) {
            auto r = g_->read("data/a", tx);
            ok(r, "read in the stale transaction");
            auto end = g_->transaction_end(tx, true);
            if (end.err == "EAGAIN") ++c_.expected_eagain;
            else error("stale transaction end: " + (end.ok() ? std::string("OK") : end.err));
        }
    }
    wait_events(pending, true);
    std::set<int> strict;
    dom0_writes(3, strict);
    wait_events(strict, false);
}

int Soak::run() {
    site_[0] = std::make_unique<soak::Site>("A");
    site_[1] = std::make_unique<soak::Site>("B");
    soak::Site &a = *site_[0];
    std::uint32_t d = next_domid_[0]++;
    dom_ = a.build(d, 0);
    std::vector<std::string> args{"attach", std::to_string(d)};
    for (auto &x : a.ring_args(dom_)) args.push_back(x);
    soak::Cmd at = a.ctl(args);
    if (at.rc != 0) throw std::runtime_error("attach: " + at.err);
    a.add_vif(d);
    g_ = xsguest::attach_xensim(a.host.sim(), d, dom_.ring_gfn, dom_.store_port);
    if (!g_->connect().ok()) throw std::runtime_error("guest boot failed");
    write("data/a", "1");
    for (int i = 0; i < o_.nodes; ++i) write(n_path(i), fmt::format("init-{}", i));
    for (int i = 0; i < o_.watches; ++i) {
        write(w_path(i), "w");
        ok(g_->watch(w_path(i), w_token(i)), "watch");
    }
    wait_events({}, true);
    written_this_round_.clear();

    for (m_ = 1; m_ <= o_.migrations; ++m_) {
        bool coop = o_.mode == "cooperative" || (o_.mode == "alternate" && m_ % 2 == 1);
        busy();
        migrate(coop);
        verify(m_ % 10 == 0 || m_ == o_.migrations);
        if (g_->broken()) {
            error("guest ring broken: " + g_->broken_reason());
            break;
        }
        if (o_.verbose)
            std::printf("migration %d (%s) to %s: export %.3f ms, import %.3f ms\n", m_,
                        coop ? "cooperative" : "non-cooperative", site_[cur_]->name.c_str(),
                        export_ms_.v.back(), import_ms_.v.back());
    }
    verify(true);
    std::printf("xsproxy-soak: %d migrations (%s), %d watches, %zu written nodes\n",
                o_.migrations, o_.mode.c_str(), o_.watches, expect_.size());
    std::printf("  lost writes %ld, lost watch events %ld, unexpected errors %ld\n",
                c_.lost_writes, c_.lost_events, c_.errors);
    std::printf("  stale transactions ended with EAGAIN (expected) %ld; re-registered watches "
                "that did not re-fire %ld\n",
                c_.expected_eagain, c_.refires_missing);
    std::printf("  export (daemon)       %s\n", export_ms_.summary().c_str());
    std::printf("  import (daemon)       %s\n", import_ms_.summary().c_str());
    std::printf("  export (ctl wall)     %s\n", export_wall_.summary().c_str());
    std::printf("  import (ctl wall)     %s\n", import_wall_.summary().c_str());
    std::printf("  guest: %llu requests, %llu events, %llu unmatched replies\n",
                static_cast<unsigned long long>(g_->stats().msgs_sent),
                static_cast<unsigned long long>(g_->stats().events),
                static_cast<unsigned long long>(g_->stats().unmatched));
    bool clean = c_.lost_writes == 0 && c_.lost_events == 0 && c_.errors == 0 &&
                 g_->stats().unmatched == 0;
    g_.reset();
    return clean ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    Opts o = parse(argc, argv);
    try {
        Soak s(o);
        return s.run();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "xsproxy-soak: %s\n", e.what());
        return 1;
    }
}
