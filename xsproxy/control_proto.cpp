// SPDX-License-Identifier: LGPL-2.1-only
#include "control_proto.h"

#include <charconv>

namespace xsp {

namespace {
std::string escape(const std::string &v) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : v) {
        if (c <= 0x20 || c >= 0x7f || c == '%') {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool unescape(const std::string &v, std::string &out) {
    out.clear();
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '%') {
            out.push_back(v[i]);
            continue;
        }
        if (i + 2 >= v.size()) return false;
        int hi = hexval(v[i + 1]), lo = hexval(v[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}
} // namespace

std::string ControlRequest::line() const {
    std::string s = verb;
    for (const auto &[k, v] : args)
        s += " " + k + "=" + escape(v);
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
        std::string k = w.substr(0, eq), v;
        if (k.empty() || eq + 1 == w.size()) {
            err = "malformed argument '" + w + "'";
            return std::nullopt;
        }
        if (!unescape(w.substr(eq + 1), v)) {
            err = "argument '" + k + "': '%' must start a %XX escape";
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
