// SPDX-License-Identifier: LGPL-2.1-only
// Minimal JSON text helpers for `xsproxy-ctl --json` output (writing only).
#pragma once

#include <string>
#include <string_view>

namespace xsp {
// A quoted JSON string; bytes that are not printable ASCII become \u00XX.
std::string json_str(std::string_view s);
} // namespace xsp
