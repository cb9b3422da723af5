// SPDX-License-Identifier: LGPL-2.1-only
// Internal: pattern compilation and matching against split paths.
#pragma once

#include <string>
#include <string_view>

#include "xsxlate/paths.h"
#include "xsxlate/rules.h"

namespace xsx::detail {

// Compiles pattern text; returns an error message (empty on success).
std::string compile_pattern(std::string_view text, bool allow_any_depth, Pattern &out);

// Path rules: the pattern's components match the leading components of `p`.
// On success, ORs the {d} positions into `positions`.
bool match_prefix(const Pattern &pat, const PathComps &p, DomidPositions &positions);

// Value rules: the pattern matches the whole of `p` ('**' absorbs 0..n components).
bool match_full(const Pattern &pat, const PathComps &p);

} // namespace xsx::detail
