// SPDX-License-Identifier: LGPL-2.1-only
// JSON for `xsproxy-ctl --json` output, through nlohmann-json (Debian's
// nlohmann-json3-dev): a real serialiser instead of hand-made escaping, which turned
// every byte >= 0x7f into \u00XX and so mangled UTF-8 guest tokens.
//
// Guest-controlled bytes (tokens, paths, values) need not be UTF-8. Valid UTF-8 passes
// through unchanged; a string that is not valid UTF-8 is written with U+FFFD in place of
// each invalid byte and, next to it, "<key>_hex" holding the exact bytes in lowercase hex,
// so nothing is lost or ambiguous. An absent value (no socket, default rules, no
// failure) is null, never "".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace xsp {

// Ordered: fields keep the order they are written in (readers, and people, rely on it).
using Json = nlohmann::ordered_json;

bool valid_utf8(std::string_view s);
// obj[key] = s, plus obj[key + "_hex"] when s is not valid UTF-8 (see above).
void put_bytes(Json &obj, const std::string &key, std::string_view s);
// obj[key] = s, or null when s is empty (an absent optional value).
void put_opt(Json &obj, const std::string &key, std::string_view s);
// Compact text, U+FFFD for invalid UTF-8, non-ASCII written as UTF-8 (not \u escapes).
std::string json_text(const Json &j);

} // namespace xsp
