// SPDX-License-Identifier: LGPL-2.1-only
// Generated scenarios: CONFORMANCE_CASES (default 500) seeded random cases, each run on
// every selected row (ring and privileged backends, both daemons), in four groups each on
// its own host set. CONFORMANCE_SEED fixes the seed (default: the time,
// printed). A failing case is shrunk by delta debugging and printed in full.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdlib>
#include <string>

#include "engine.h"
#include "generator.h"
#include "report.h"

using namespace conf;

namespace {

constexpr unsigned groups = 4;

std::uint64_t seed() {
    static const std::uint64_t s = [] {
        if (const char *e = std::getenv("CONFORMANCE_SEED")) return static_cast<std::uint64_t>(std::strtoull(e, nullptr, 0));
        return static_cast<std::uint64_t>(
            std::chrono::system_clock::now().time_since_epoch().count() / 1000000 % 1000000000);
    }();
    return s;
}

unsigned cases() {
    const char *e = std::getenv("CONFORMANCE_CASES");
    return e ? static_cast<unsigned>(std::strtoul(e, nullptr, 10)) : 500;
}

// CONFORMANCE_ONLY=74,174: replay just these case indices of the seed (to reproduce).
std::vector<unsigned> only_cases() {
    std::vector<unsigned> out;
    const char *e = std::getenv("CONFORMANCE_ONLY");
    for (const char *p = e; p && *p;) {
        char *end = nullptr;
        out.push_back(static_cast<unsigned>(std::strtoul(p, &end, 10)));
        p = *end ? end + 1 : end;
    }
    return out;
}

std::string dump(const Scenario &s) {
    std::string out = s.name + ":\n";
    for (const auto &o : s.ops) out += "  " + o.describe() + "\n";
    return out;
}

void run_group(unsigned group) {
    const std::uint64_t sd = seed();
    const unsigned total = cases();
    // A host set serves at most this many cases: 2 domids each, shrinking included,
    // well inside the simulator's 2048.
    constexpr unsigned per_pair = 150;
    WARN("conformance generated: seed " << sd << ", cases " << total
                                         << " (CONFORMANCE_SEED / CONFORMANCE_CASES to change)");
    std::unique_ptr<HostSet> hp;
    unsigned on_pair = 0, ran = 0, identical = 0;
    const std::vector<unsigned> only = only_cases();
    for (unsigned i = group; i < total; i += groups) {
        if (!only.empty() && std::find(only.begin(), only.end(), i) == only.end()) continue;
        if (!hp || on_pair >= per_pair || hp->proxy_dead()) {
            hp.reset();
            hp = std::make_unique<HostSet>();
            on_pair = 0;
        }
        ++on_pair;
        Scenario s = generate(sd, i);
        auto o = hp->run(s, "generated");
        ++ran;
        identical += o.identical();
        if (!o.unexplained()) continue;
        if (hp->proxy_dead()) {
            FAIL_CHECK("xsproxy exited or lost a reply (seed " << sd << " case " << i << ")\n" << dump(s) << format(o));
            continue;
        }
        // Shrinking is bounded in time too: a flaky divergence (timing-dependent) would
        // otherwise spend minutes failing to reproduce.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        auto small = shrink(s, [&](const Scenario &c) {
            if (std::chrono::steady_clock::now() > deadline || hp->proxy_dead()) return false;
            ++on_pair;
            return hp->run(c, "generated", nullptr, false).unexplained();
        });
        auto so = hp->run(small, "generated", nullptr, false);
        FAIL_CHECK("generated case diverges (seed " << sd << " case " << i << ")\n"
                   << "minimal case:\n" << dump(small) << format(so) << "\noriginal:\n" << format(o));
    }
    record_seed(sd, ran);
    INFO("group " << group << ": " << ran << " cases, " << identical << " identical");
    CHECK((ran > 0 || !only.empty()));
}

} // namespace

TEST_CASE("generated cases group 1 of 4", "[generated]") { run_group(0); }
TEST_CASE("generated cases group 2 of 4", "[generated]") { run_group(1); }
TEST_CASE("generated cases group 3 of 4", "[generated]") { run_group(2); }
TEST_CASE("generated cases group 4 of 4", "[generated]") { run_group(3); }
