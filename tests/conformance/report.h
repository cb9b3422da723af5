// SPDX-License-Identifier: LGPL-2.1-only
// Counts of this test run, and docs/conformance.md written from them when
// CONFORMANCE_REPORT=<path> is set (tests/conformance/report does that).
#pragma once

#include <string>
#include <vector>

#include "engine.h"

namespace conf {

struct XsTestRow {
    std::string test;
    std::string proxied; // "pass"/"FAIL …"
    std::string direct;  // the same binary as the same guest on its own ring
    std::string note;
};

void record(const std::string &kind, const Outcome &o);
void record_seed(unsigned long seed, unsigned cases);
void record_xs_test(std::vector<XsTestRow> rows);

} // namespace conf
