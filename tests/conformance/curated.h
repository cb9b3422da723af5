// SPDX-License-Identifier: LGPL-2.1-only
// Helpers for the curated scenarios: run one scenario on a fresh host set, require that
// every difference is explained, and check the direct transcript shows what the scenario
// is about (so a scenario that silently stopped testing anything fails).
#pragma once

#include <catch2/catch.hpp>

#include <xen/io/xs_wire.h>

#include <string>
#include <vector>

#include "engine.h"

namespace conf {

struct Expect {
    Expect(std::vector<std::string> has = {}, std::vector<std::string> allow = {})
        : direct_has(std::move(has)), allowed(std::move(allow)) {}
    std::vector<std::string> direct_has; // substrings of the direct transcript
    std::vector<std::string> allowed;    // allow-list names that may explain a diff
};

inline std::string flat(const Transcript &t) {
    std::string s;
    for (const auto &st : t) {
        for (const auto &l : st.guest) s += l + "\n";
        for (const auto &l : st.others) s += l + "\n";
    }
    return s;
}

inline Outcome curated(const Scenario &s, const Expect &e = {}) {
    HostSet hs;
    std::vector<std::pair<Target, Transcript>> ts;
    auto o = hs.run(s, "curated", &ts);
    INFO(format(o));
    CHECK_FALSE(o.unexplained());
    for (const auto &r : o.rows)
        for (const auto &dv : r.diffs)
            if (!dv.allowed.empty()) {
                // Timing, or a property of a privileged backend: possible in any scenario.
                bool expected = dv.allowed == "pending-event-coalescing" ||
                                (privileged_row(r.row) && (dv.allowed == "privileged-fixup-events" ||
                                                           dv.allowed == "oxenstored-child-order" ||
                                                           dv.allowed == "c-special-acl-unreadable" ||
                                                           dv.allowed == "oxenstored-transaction-snapshot" ||
                                                           dv.allowed == "oxenstored-extra-eagain" ||
                                                           dv.allowed == "c-commit-removal-events"));
                for (const auto &a : e.allowed) expected = expected || a == dv.allowed;
                INFO("row " << target_name(r.row) << " step " << dv.step << " allowed as " << dv.allowed);
                CHECK(expected);
            }
    std::string all;
    for (const auto &[t, tr] : ts)
        if (t == Target::c_direct) all = flat(tr);
    for (const auto &want : e.direct_has) {
        INFO("direct transcript should contain: " << want << "\n" << all);
        CHECK(all.find(want) != std::string::npos);
    }
    return o;
}

} // namespace conf
