// SPDX-License-Identifier: LGPL-2.1-only
// libFuzzer: the rule-config parser. A config that parses must dump to text that
// parses to the same table, and rewriting with it must stay reversible.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "xsxlate/paths.h"
#include "xsxlate/rules.h"

namespace {
// The table without line numbers (dump annotates rules with their source line).
std::string canon(const xsx::RuleSet &r) {
    std::string s;
    for (const auto &p : r.path_rules()) s += "p " + p.pattern.source + '\n';
    for (const auto &v : r.value_rules())
        s += "v " + v.pattern.source + ' ' + xsx::value_kind_name(v.kind) + '\n';
    return s;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    auto res = xsx::RuleSet::parse(text);
    if (!res.ok()) {
        if (res.errors.empty()) std::abort();
        return 0;
    }
    auto again = xsx::RuleSet::parse(res.rules->dump(), xsx::RuleSet::empty());
    if (!again.ok() || canon(*again.rules) != canon(*res.rules)) std::abort();
    // Use the input's lines as paths too.
    const xsx::DomidMap m{7, 1};
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == text.npos ? text.npos : nl - pos);
        pos = nl == text.npos ? text.size() : nl + 1;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] != '/' && line[i] != '@') continue;
            std::string_view p = line.substr(i);
            std::string u = xsx::rewrite_path(*res.rules, m, xsx::Dir::to_upstream, p);
            if (xsx::rewrite_path(*res.rules, m, xsx::Dir::to_guest, u) != p) std::abort();
            break;
        }
    }
    return 0;
}
