// SPDX-License-Identifier: LGPL-2.1-only
// The rule table: where domids live in xenstore paths and values.
//
// Pattern grammar (components separated by '/'):
//   literal   matches itself; must not be all digits (see rules.md / docs/translation.md:
//             a numeric literal could collide with a {d} position of another rule and
//             make a rewrite irreversible)
//   {d}       one component that is a domid in canonical decimal; rewritten
//   *         any one component
//   **        any number (0..n) of components; at most one per pattern; value rules only
// A pattern starts with '/' (store path) or '@name' (special watch path, e.g.
// @releaseDomain/{d}).
//
// path rules  are prefix patterns: a path whose leading components match has its {d}
//             components rewritten; all matching rules contribute. A directory lists
//             domids as children iff some path rule puts {d} right below it.
// value rules match a whole node path and say its value is a domid or an absolute path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsx {

struct PathComps; // paths.h

enum class ValueKind : std::uint8_t { none, domid, path };

struct Pattern {
    enum class Kind : std::uint8_t { literal, domid, any, any_depth };
    struct Comp {
        Kind kind;
        std::string text; // literal only
    };
    bool special = false;    // starts with '@'; comps[0] is then the '@name' literal
    std::vector<Comp> comps; // components after the leading '/'
    std::string source;      // as written

    bool has_any_depth() const;
};

struct PathRule {
    Pattern pattern;
    unsigned line = 0; // 0 = built in
};

struct ValueRule {
    Pattern pattern;
    ValueKind kind = ValueKind::none;
    unsigned line = 0;
};

struct ConfigError {
    unsigned line = 0; // 1-based; 0 for whole-file errors
    std::string message;
    std::string to_string() const; // "line N: message"
};

// Domid positions as a bit set. Patterns are at most max_pattern_depth - 1 components
// deep (the parser enforces it); components of a path beyond that are never rewritten.
using DomidPositions = std::uint64_t;
constexpr unsigned max_pattern_depth = 32;

struct RuleParseResult;

class RuleSet {
  public:
    // libxl and xapi/xenopsd conventions; listed in docs/translation.md.
    static const RuleSet &defaults();
    static RuleSet empty();

    // Parses config text on top of `base` (normally defaults()). Every error is reported
    // (line numbers, 1-based); on any error no RuleSet is produced.
    static RuleParseResult parse(std::string_view config_text, const RuleSet &base);
    static RuleParseResult parse(std::string_view config_text); // on top of defaults()

    // Adds one rule from its pattern text; returns an error message or "".
    std::string add_path_rule(std::string_view pattern, unsigned line = 0);
    std::string add_value_rule(std::string_view pattern, ValueKind kind, unsigned line = 0);

    const std::vector<PathRule> &path_rules() const { return path_rules_; }
    const std::vector<ValueRule> &value_rules() const { return value_rules_; }

    // Queries take a path split into components (see split_path in paths.h).
    DomidPositions domid_positions(const PathComps &p) const;
    bool children_are_domids(const PathComps &dir) const;
    ValueKind value_kind(const PathComps &p) const;

    // Config-file text that parses back to the same table (for xsproxy-ctl dump).
    std::string dump() const;

  private:
    std::vector<PathRule> path_rules_;
    std::vector<ValueRule> value_rules_;
};

struct RuleParseResult {
    std::optional<RuleSet> rules;
    std::vector<ConfigError> errors;
    bool ok() const { return rules.has_value(); }
};

const char *value_kind_name(ValueKind k);

} // namespace xsx
