// SPDX-License-Identifier: LGPL-2.1-only
#include "control_proto.h"

#include <charconv>

namespace xsp {

std::string ControlRequest::line() const {
    std::string s = verb;
    for (const auto &[k, v] : args) s += " " + k + "=" + v;
    for (const auto &f : flags) s += " " + f;
    return s;
}

namespace {
bool word_ok(const std::string &w) {
    if (w.empty()) return false;
    for (unsigned char c : w)
        if (c <= 0x20 || c >= 0x7f) return false;
    return true;
}
} // namespace

std::optional<ControlRequest> parse_control(const std::string &line, std::string &err) {
    ControlRequest r;
    std::size_t pos = 0;
    while (pos < line.size()) {
        auto sp = line.find(' ', pos);
        if (sp == std::string::npos) sp = line.size();
        std::string w = line.substr(pos, sp - pos);
        pos = sp + 1;
        if (w.empty()) continue;
        if (!word_ok(w)) {
            err = "request contains control or non-ASCII characters";
            return std::nullopt;
        }
        if (r.verb.empty()) {
            r.verb = w;
            continue;
        }
        auto eq = w.find('=');
        if (eq == std::string::npos) {
            r.flags.insert(w);
            continue;
        }
        std::string k = w.substr(0, eq), v = w.substr(eq + 1);
        if (k.empty() || v.empty()) {
            err = "malformed argument '" + w + "'";
            return std::nullopt;
        }
        if (!r.args.emplace(k, v).second) {
            err = "argument '" + k + "' given twice";
            return std::nullopt;
        }
    }
    if (r.verb.empty()) {
        err = "empty request";
        return std::nullopt;
    }
    return r;
}

bool parse_number(const std::string &s, std::uint64_t max, std::uint64_t &out) {
    int base = 10;
    std::string_view v = s;
    if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        base = 16;
        v.remove_prefix(2);
    } else if (v.size() > 1 && v[0] == '0') {
        return false; // no octal surprises
    }
    if (v.empty()) return false;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out, base);
    return ec == std::errc() && p == v.data() + v.size() && out <= max;
}

} // namespace xsp
