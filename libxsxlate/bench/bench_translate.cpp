// SPDX-License-Identifier: LGPL-2.1-only
// ns per message for the hot rewrites: READ, WRITE, WATCH_EVENT, DIRECTORY. Uses the
// buffer-reusing overloads, as the daemon's per-session loop does.
#include <benchmark/benchmark.h>

#include "xsxlate/xsxlate.h"

namespace {

using namespace xsx;

Msg make(std::uint32_t type, std::string_view body, std::uint32_t req = 1) {
    return Msg{type, req, 0, std::string(body)};
}

const DomidMap map{12345, 1};

void BM_read_request_abs(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg m = make(XS_READ, std::string_view("/local/domain/1/device/vif/0/state\0", 35));
    RequestAction a;
    for (auto _ : s) {
        t.request(m, a);
        benchmark::DoNotOptimize(a.msg.body.data());
    }
}
BENCHMARK(BM_read_request_abs);

void BM_read_request_backend_path_value(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg req = make(XS_READ, std::string_view("device/vif/0/backend\0", 21));
    Msg up = make(XS_READ, "/local/domain/0/backend/vif/12345/0");
    RequestAction a;
    Msg g;
    for (auto _ : s) {
        t.request(req, a);
        t.reply(req, up, g);
        benchmark::DoNotOptimize(g.body.data());
    }
}
BENCHMARK(BM_read_request_backend_path_value);

void BM_write_request(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg m = make(XS_WRITE, std::string_view("/local/domain/0/backend/vif/1/0/state\0" "4", 39));
    RequestAction a;
    for (auto _ : s) {
        t.request(m, a);
        benchmark::DoNotOptimize(a.msg.body.data());
    }
}
BENCHMARK(BM_write_request);

void BM_write_relative(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg m = make(XS_WRITE, std::string_view("device/vif/0/state\0" "4", 20));
    RequestAction a;
    for (auto _ : s) {
        t.request(m, a);
        benchmark::DoNotOptimize(a.msg.body.data());
    }
}
BENCHMARK(BM_write_relative);

void BM_watch_event_ring(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg ev = make(XS_WATCH_EVENT, std::string_view("/local/domain/0/backend/vif/12345/0/state\0be-token\0", 51), 0);
    EventAction e;
    for (auto _ : s) {
        t.event(ev, e);
        benchmark::DoNotOptimize(e.msg.body.data());
    }
}
BENCHMARK(BM_watch_event_ring);

void BM_watch_event_privileged(benchmark::State &s) {
    TranslatorOptions o;
    o.absolute_upstream = true;
    Translator t(map, RuleSet::defaults(), o);
    Msg w = make(XS_WATCH, std::string_view("device\0tok\0", 11));
    RequestAction a = t.request(w);
    std::string tok(split_nul(a.msg.body)[1]);
    Msg ev = make(XS_WATCH_EVENT, "/local/domain/12345/device/vif/0/state" + std::string(1, '\0') + tok + '\0', 0);
    EventAction e;
    for (auto _ : s) {
        t.event(ev, e);
        benchmark::DoNotOptimize(e.msg.body.data());
    }
}
BENCHMARK(BM_watch_event_privileged);

void BM_directory_reply_domids(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg req = make(XS_DIRECTORY, std::string_view("/local/domain\0", 14));
    std::string list;
    for (int d : {0, 1, 2, 3, 12345, 17, 18, 19}) list += std::to_string(d) + '\0';
    Msg up = make(XS_DIRECTORY, list);
    Msg g;
    for (auto _ : s) {
        t.reply(req, up, g);
        benchmark::DoNotOptimize(g.body.data());
    }
}
BENCHMARK(BM_directory_reply_domids);

void BM_directory_reply_plain(benchmark::State &s) {
    Translator t(map, RuleSet::defaults());
    Msg req = make(XS_DIRECTORY, std::string_view("device/vif\0", 11));
    Msg up = make(XS_DIRECTORY, std::string_view("0\0" "1\0", 4));
    Msg g;
    for (auto _ : s) {
        t.reply(req, up, g);
        benchmark::DoNotOptimize(g.body.data());
    }
}
BENCHMARK(BM_directory_reply_plain);

} // namespace

BENCHMARK_MAIN();
