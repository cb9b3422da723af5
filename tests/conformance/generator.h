// SPDX-License-Identifier: LGPL-2.1-only
// Seeded random scenarios over the same operation space as the curated ones, and
// delta-debugging shrinking of a failing case to a minimal op list.
#pragma once

#include <cstdint>
#include <functional>

#include "scenario.h"

namespace conf {

// Case `index` of run `seed`: the same pair always gives the same scenario.
Scenario generate(std::uint64_t seed, unsigned index);

// ddmin over s.ops: the smallest sub-list (1-minimal) for which fails() still holds,
// within max_runs evaluations of fails().
Scenario shrink(const Scenario &s, const std::function<bool(const Scenario &)> &fails,
                unsigned max_runs = 150);

} // namespace conf
