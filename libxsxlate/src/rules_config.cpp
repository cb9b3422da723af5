// SPDX-License-Identifier: LGPL-2.1-only
// The rule config file: line-oriented, '#' comments, see docs/translation.md.
//   path  <pattern>
//   value <pattern> domid|path|none
//   clear               drop every rule so far (the defaults included)
#include "xsxlate/rules.h"

namespace xsx {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> w;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        if (j > i) w.push_back(s.substr(i, j - i));
        i = j;
    }
    return w;
}

bool printable(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 && c != '\t') return false;
    return true;
}

} // namespace

RuleParseResult RuleSet::parse(std::string_view text, const RuleSet &base) {
    RuleParseResult res;
    RuleSet rs = base;
    unsigned line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == text.npos ? text.npos : nl - pos);
        ++line_no;
        pos = nl == text.npos ? text.size() + 1 : nl + 1;
        if (auto hash = line.find('#'); hash != line.npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        auto err = [&](std::string msg) { res.errors.push_back({line_no, std::move(msg)}); };
        if (!printable(line)) {
            err("control character in line");
            continue;
        }
        auto w = words(line);
        if (w[0] == "clear") {
            if (w.size() != 1) err("'clear' takes no argument");
            else rs = RuleSet{};
        } else if (w[0] == "path") {
            if (w.size() != 2) {
                err("expected: path <pattern>");
                continue;
            }
            if (auto e = rs.add_path_rule(w[1], line_no); !e.empty())
                err("path " + std::string(w[1]) + ": " + e);
        } else if (w[0] == "value") {
            if (w.size() != 3) {
                err("expected: value <pattern> domid|path|none");
                continue;
            }
            ValueKind k;
            if (w[2] == "domid") k = ValueKind::domid;
            else if (w[2] == "path") k = ValueKind::path;
            else if (w[2] == "none") k = ValueKind::none;
            else {
                err("unknown value kind '" + std::string(w[2]) + "' (expected domid, path or none)");
                continue;
            }
            if (auto e = rs.add_value_rule(w[1], k, line_no); !e.empty())
                err("value " + std::string(w[1]) + ": " + e);
        } else {
            err("unknown directive '" + std::string(w[0]) + "' (expected path, value or clear)");
        }
    }
    if (res.errors.empty()) res.rules = std::move(rs);
    return res;
}

} // namespace xsx
