// SPDX-License-Identifier: LGPL-2.1-only
#include "pattern.h"

#include "xsxlate/domid.h"

namespace xsx::detail {

namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// xenstored's valid_chars plus the pattern metacharacters.
bool valid_literal(std::string_view s, bool first_special) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '@' && first_special && i == 0);
        if (!ok) return false;
    }
    return true;
}

bool comp_matches(const Pattern::Comp &c, std::string_view s) {
    switch (c.kind) {
    case Pattern::Kind::literal: return s == c.text;
    case Pattern::Kind::domid: return parse_domid(s).has_value();
    case Pattern::Kind::any: return true;
    case Pattern::Kind::any_depth: return false; // handled by callers
    }
    return false;
}

// Component i of p; past the stored prefix only the last one is known.
bool comp_at(const PathComps &p, std::size_t i, std::string_view &out) {
    if (i < p.stored) {
        out = p.comp[i];
        return true;
    }
    if (i + 1 == p.count) {
        out = p.last;
        return true;
    }
    return false;
}

} // namespace

std::string compile_pattern(std::string_view text, bool allow_any_depth, Pattern &out) {
    out = Pattern{};
    out.source = std::string(text);
    if (text.empty()) return "empty pattern";
    std::string_view rest;
    if (text[0] == '/') {
        rest = text.substr(1);
    } else if (text[0] == '@') {
        out.special = true;
        rest = text;
    } else {
        return "pattern must start with '/' or '@'";
    }
    if (rest.empty()) return "pattern names no component";
    bool seen_depth = false;
    std::size_t start = 0;
    while (start <= rest.size()) {
        std::size_t slash = rest.find('/', start);
        std::string_view c = rest.substr(start, slash == std::string_view::npos ? rest.npos
                                                                                 : slash - start);
        bool first = out.comps.empty();
        if (c.empty()) return "empty component (\"//\" or trailing '/')";
        Pattern::Comp pc{Pattern::Kind::literal, {}};
        if (c == "{d}") {
            pc.kind = Pattern::Kind::domid;
        } else if (c == "*") {
            pc.kind = Pattern::Kind::any;
        } else if (c == "**") {
            if (!allow_any_depth) return "'**' is only allowed in value rules";
            if (seen_depth) return "at most one '**' per pattern";
            seen_depth = true;
            pc.kind = Pattern::Kind::any_depth;
        } else {
            if (first && out.special && (c.size() < 2 || c[0] != '@'))
                return "special pattern must start with '@name'";
            if (!valid_literal(c, first && out.special))
                return "invalid character in component '" + std::string(c) +
                       "' (allowed: A-Z a-z 0-9 - _, and {d} * **)";
            if (all_digits(c))
                return "numeric literal component '" + std::string(c) +
                       "' (it could collide with a {d} position and make rewriting irreversible; use {d} or *)";
            pc.text = std::string(c);
        }
        if (first && out.special && pc.kind != Pattern::Kind::literal)
            return "special pattern must start with '@name'";
        out.comps.push_back(std::move(pc));
        if (out.comps.size() >= max_pattern_depth)
            return "pattern deeper than " + std::to_string(max_pattern_depth - 1) + " components";
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return {};
}

bool match_prefix(const Pattern &pat, const PathComps &p, DomidPositions &positions) {
    if (pat.special != p.special || pat.comps.size() > p.stored) return false;
    DomidPositions mine = 0;
    for (std::size_t i = 0; i < pat.comps.size(); ++i) {
        if (!comp_matches(pat.comps[i], p.comp[i])) return false;
        if (pat.comps[i].kind == Pattern::Kind::domid) mine |= DomidPositions{1} << i;
    }
    positions |= mine;
    return true;
}

bool match_full(const Pattern &pat, const PathComps &p) {
    if (pat.special != p.special) return false;
    std::size_t n = pat.comps.size();
    // Value rules nearly always end in a literal key: reject on it before anything else.
    if (n && pat.comps[n - 1].kind == Pattern::Kind::literal &&
        (p.count == 0 || pat.comps[n - 1].text != p.last))
        return false;
    std::size_t depth_at = n;
    for (std::size_t i = 0; i < n; ++i)
        if (pat.comps[i].kind == Pattern::Kind::any_depth) depth_at = i;
    if (depth_at == n) {
        if (p.count != n) return false;
        for (std::size_t i = 0; i < n; ++i) {
            std::string_view c;
            if (!comp_at(p, i, c) || !comp_matches(pat.comps[i], c)) return false;
        }
        return true;
    }
    std::size_t head = depth_at, tail = n - depth_at - 1;
    if (p.count < head + tail) return false;
    for (std::size_t i = 0; i < head; ++i) {
        std::string_view c;
        if (!comp_at(p, i, c) || !comp_matches(pat.comps[i], c)) return false;
    }
    for (std::size_t j = 0; j < tail; ++j) {
        std::string_view c;
        std::size_t i = p.count - tail + j;
        if (!comp_at(p, i, c) || !comp_matches(pat.comps[depth_at + 1 + j], c)) return false;
    }
    return true;
}

} // namespace xsx::detail
