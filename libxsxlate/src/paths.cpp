// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/paths.h"

namespace xsx {

bool split_path(std::string_view path, PathComps &out) {
    out.stored = out.count = 0;
    out.last = {};
    std::string_view rest;
    if (!path.empty() && path[0] == '/') {
        out.special = false;
        rest = path.substr(1);
        if (rest.empty()) return true; // "/" has no components
    } else if (!path.empty() && path[0] == '@') {
        out.special = true;
        rest = path;
    } else {
        return false;
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t slash = rest.find('/', start);
        std::string_view c = rest.substr(start, slash == rest.npos ? rest.npos : slash - start);
        if (out.stored < max_pattern_depth) out.comp[out.stored++] = c;
        ++out.count;
        out.last = c;
        if (slash == rest.npos) break;
        start = slash + 1;
    }
    return true;
}

void rewrite_path(const RuleSet &rules, const DomidMap &map, Dir, std::string_view path,
                  std::string &out) {
    // The map is an involution and the rule match is invariant under it ({d} only
    // matches canonical decimal, which rewriting preserves; literals are never numeric),
    // so both directions are the same operation on the same positions.
    PathComps pc;
    if (map.identity() || !split_path(path, pc)) {
        out.append(path);
        return;
    }
    DomidPositions pos = rules.domid_positions(pc);
    std::size_t copied = 0;
    while (pos) {
        unsigned i = static_cast<unsigned>(__builtin_ctzll(pos));
        pos &= pos - 1;
        std::string_view c = pc.comp[i];
        auto d = parse_domid(c);
        if (!d) continue; // cannot happen: {d} matched it
        domid_t nd = map.swap(*d);
        if (nd == *d) continue;
        std::size_t off = static_cast<std::size_t>(c.data() - path.data());
        out.append(path.substr(copied, off - copied));
        append_domid(out, nd);
        copied = off + c.size();
    }
    out.append(path.substr(copied));
}

std::string rewrite_path(const RuleSet &rules, const DomidMap &map, Dir dir,
                         std::string_view path) {
    std::string out;
    out.reserve(path.size() + 8);
    rewrite_path(rules, map, dir, path, out);
    return out;
}

std::string domain_path(unsigned domid) {
    std::string s = "/local/domain/";
    append_domid(s, domid);
    return s;
}

bool path_too_long(std::string_view p, std::size_t max) {
    // sscanf(node, "/local/domain/%5u/%n", …): up to 5 characters of number (a sign
    // counts towards the width), then '/', exempt the prefix from the limit.
    std::size_t local_off = 0;
    constexpr std::string_view prefix = "/local/domain/";
    if (p.substr(0, prefix.size()) == prefix) {
        std::size_t i = prefix.size(), width = 0, digits = 0;
        if (i < p.size() && (p[i] == '+' || p[i] == '-')) ++i, ++width;
        while (i < p.size() && width < 5 && p[i] >= '0' && p[i] <= '9') ++i, ++width, ++digits;
        if (digits && i < p.size() && p[i] == '/') local_off = i + 1;
    }
    return p.size() > local_off + max;
}

} // namespace xsx
