// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/rules.h"

#include "pattern.h"
#include "xsxlate/paths.h"

namespace xsx {

namespace {

// libxl (docs/misc/xenstore-paths.pandoc, tools/libs/light) and xapi/xenopsd
// conventions. Kept as config text so that the built-in table is exactly what a config
// file could say, and `dump` of the defaults parses back to the same table.
constexpr std::string_view default_rules_text = R"(# xsproxy built-in rule table
# domid path components
path  /local/domain/{d}
path  /local/domain/{d}/backend/*/{d}
path  /local/domain/{d}/device-model/{d}
path  /local/domain/{d}/data/vchan/{d}
path  /libxl/{d}
path  /xenops/domain/{d}
path  @releaseDomain/{d}
# domid values
value /local/domain/{d}/domid                       domid
value /local/domain/{d}/target                      domid
value /local/domain/{d}/image/device-model-domid    domid
value /local/domain/{d}/device/**/backend-id        domid
value /local/domain/{d}/console/backend-id          domid
value /local/domain/{d}/backend/**/frontend-id      domid
value /libxl/{d}/**/frontend-id                     domid
value /libxl/{d}/**/backend-id                      domid
# absolute path values
value /local/domain/{d}/device/**/backend           path
value /local/domain/{d}/console/backend             path
value /local/domain/{d}/backend/**/frontend         path
value /libxl/{d}/**/frontend                        path
value /libxl/{d}/**/backend                         path
value /xenops/domain/{d}/**/frontend                path
value /xenops/domain/{d}/**/backend                 path
)";

} // namespace

bool Pattern::has_any_depth() const {
    for (const auto &c : comps)
        if (c.kind == Kind::any_depth) return true;
    return false;
}

std::string ConfigError::to_string() const {
    if (line == 0) return message;
    return "line " + std::to_string(line) + ": " + message;
}

const char *value_kind_name(ValueKind k) {
    switch (k) {
    case ValueKind::none: return "none";
    case ValueKind::domid: return "domid";
    case ValueKind::path: return "path";
    }
    return "?";
}

const RuleSet &RuleSet::defaults() {
    static const RuleSet d = [] {
        RuleParseResult r = RuleSet::parse(default_rules_text, RuleSet{});
        RuleSet rs = std::move(*r.rules); // the built-in text is tested to parse
        for (auto &p : rs.path_rules_) p.line = 0;
        for (auto &v : rs.value_rules_) v.line = 0;
        return rs;
    }();
    return d;
}

RuleSet RuleSet::empty() { return RuleSet{}; }

RuleParseResult RuleSet::parse(std::string_view config_text) {
    return parse(config_text, defaults());
}

std::string RuleSet::add_path_rule(std::string_view pattern, unsigned line) {
    PathRule r;
    std::string err = detail::compile_pattern(pattern, false, r.pattern);
    if (!err.empty()) return err;
    bool has_domid = false;
    for (const auto &c : r.pattern.comps) has_domid |= c.kind == Pattern::Kind::domid;
    if (!has_domid) return "path rule without a {d} component rewrites nothing";
    for (const auto &e : path_rules_)
        if (e.pattern.source == r.pattern.source) return {}; // already present
    r.line = line;
    path_rules_.push_back(std::move(r));
    return {};
}

std::string RuleSet::add_value_rule(std::string_view pattern, ValueKind kind, unsigned line) {
    ValueRule r;
    std::string err = detail::compile_pattern(pattern, true, r.pattern);
    if (!err.empty()) return err;
    r.kind = kind;
    r.line = line;
    value_rules_.push_back(std::move(r));
    return {};
}

DomidPositions RuleSet::domid_positions(const PathComps &p) const {
    DomidPositions pos = 0;
    for (const auto &r : path_rules_) detail::match_prefix(r.pattern, p, pos);
    return pos;
}

bool RuleSet::children_are_domids(const PathComps &dir) const {
    // A child at index dir.count is a domid iff some rule has {d} there and its earlier
    // components match the directory: then the child's own path gets rewritten, and the
    // listing must agree with it.
    if (dir.count >= max_pattern_depth || dir.count != dir.stored) return false;
    for (const auto &r : path_rules_) {
        const auto &c = r.pattern.comps;
        if (r.pattern.special != dir.special || c.size() <= dir.count ||
            c[dir.count].kind != Pattern::Kind::domid)
            continue;
        Pattern head;
        head.special = r.pattern.special;
        head.comps.assign(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(dir.count));
        DomidPositions ignored = 0;
        if (head.comps.empty() ? !dir.special : detail::match_prefix(head, dir, ignored))
            return true;
    }
    return false;
}

ValueKind RuleSet::value_kind(const PathComps &p) const {
    // Last match wins, so a config file can override (or cancel, with `none`) a default.
    for (auto it = value_rules_.rbegin(); it != value_rules_.rend(); ++it)
        if (detail::match_full(it->pattern, p)) return it->kind;
    return ValueKind::none;
}

std::string RuleSet::dump() const {
    std::string out = "clear\n";
    for (const auto &r : path_rules_) {
        out += "path  " + r.pattern.source;
        if (r.line) out += "    # line " + std::to_string(r.line);
        out += '\n';
    }
    for (const auto &r : value_rules_) {
        out += "value " + r.pattern.source + ' ' + value_kind_name(r.kind);
        if (r.line) out += "    # line " + std::to_string(r.line);
        out += '\n';
    }
    return out;
}

} // namespace xsx
