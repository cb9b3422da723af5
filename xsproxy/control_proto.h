// SPDX-License-Identifier: LGPL-2.1-only
// The control protocol between xsproxy-ctl and the daemon.
//
// One request per connection: a single line `verb key=value … flag …`, answered by
// `ok` or `error: <message>` on the first line, then the body, then close. A value
// carries any byte: '%', space, control and non-ASCII bytes travel as %XX (so a path
// with spaces is one word); plain words need no escaping. Kept textual so an operator
// can drive it with socat when xsproxy-ctl is not at hand.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace xsp {

struct ControlRequest {
    std::string verb;
    std::map<std::string, std::string> args;
    std::set<std::string> flags;

    std::string line() const; // serialised (values %-escaped), without the newline
};

// Parse one request line; on failure returns nullopt and sets err.
std::optional<ControlRequest> parse_control(const std::string &line, std::string &err);

// Strict unsigned number: decimal, or hex with 0x for gfns. Max `max`.
bool parse_number(const std::string &s, std::uint64_t max, std::uint64_t &out);

} // namespace xsp
