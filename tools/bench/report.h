// SPDX-License-Identifier: LGPL-2.1-only
// Output: a compact text table per configuration, or JSON for scripts.
#pragma once

#include <cstdio>
#include <vector>

#include "measure.h"

namespace bench {

// The goal for one class: proxied p50 ≤ (direct p50 + socket p50) / 0.9.
double goal_bound(const RunResult &r, const ClassResult &c);
void print_table(std::FILE *f, const RunResult &r);
void print_flatness(std::FILE *f, const std::vector<RunResult> &runs);
void print_json(std::FILE *f, const std::vector<RunResult> &runs);

} // namespace bench
