// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace xsx;

namespace {

DomidPositions positions(const RuleSet &r, std::string_view p) {
    PathComps pc;
    REQUIRE(split_path(p, pc));
    return r.domid_positions(pc);
}
bool domid_dir(const RuleSet &r, std::string_view p) {
    PathComps pc;
    REQUIRE(split_path(p, pc));
    return r.children_are_domids(pc);
}
ValueKind kind(const RuleSet &r, std::string_view p) {
    PathComps pc;
    REQUIRE(split_path(p, pc));
    return r.value_kind(pc);
}
constexpr DomidPositions bit(unsigned i) { return DomidPositions{1} << i; }

} // namespace

TEST_CASE("default path rules: domid positions", "[rules]") {
    const RuleSet &r = RuleSet::defaults();
    CHECK(positions(r, "/local/domain/5") == bit(2));
    CHECK(positions(r, "/local/domain/5/device/vif/0/state") == bit(2));
    CHECK(positions(r, "/local/domain/0/backend/vif/5/0/state") == (bit(2) | bit(5)));
    CHECK(positions(r, "/local/domain/0/backend/vif") == bit(2));
    CHECK(positions(r, "/local/domain/3/device-model/5/state") == (bit(2) | bit(4)));
    CHECK(positions(r, "/local/domain/3/data/vchan/5/77") == (bit(2) | bit(5)));
    CHECK(positions(r, "/libxl/5/device/vif/0") == bit(1));
    CHECK(positions(r, "/xenops/domain/5") == bit(2));
    CHECK(positions(r, "@releaseDomain/5") == bit(1));
    CHECK(positions(r, "@releaseDomain") == 0);
    CHECK(positions(r, "/local/domain/01/x") == 0);   // not canonical: not a domid
    CHECK(positions(r, "/local/domain/0x5") == 0);
    CHECK(positions(r, "/local/pool/0/name") == 0);    // pool id, not a domid
    CHECK(positions(r, "/vm/1234/name") == 0);
    CHECK(positions(r, "/") == 0);
}

TEST_CASE("default rules: domid-indexed directories", "[rules]") {
    const RuleSet &r = RuleSet::defaults();
    CHECK(domid_dir(r, "/local/domain"));
    CHECK(domid_dir(r, "/local/domain/0/backend/vif"));
    CHECK(domid_dir(r, "/local/domain/0/backend/qdisk"));
    CHECK(domid_dir(r, "/local/domain/0/device-model"));
    CHECK(domid_dir(r, "/local/domain/5/data/vchan"));
    CHECK(domid_dir(r, "/libxl"));
    CHECK(domid_dir(r, "/xenops/domain"));
    CHECK_FALSE(domid_dir(r, "/local"));
    CHECK_FALSE(domid_dir(r, "/local/domain/0/backend"));
    CHECK_FALSE(domid_dir(r, "/local/domain/0/backend/vif/5")); // devids
    CHECK_FALSE(domid_dir(r, "/local/domain/5/device/vif"));
    CHECK_FALSE(domid_dir(r, "/"));
}

TEST_CASE("default value rules", "[rules]") {
    const RuleSet &r = RuleSet::defaults();
    CHECK(kind(r, "/local/domain/5/domid") == ValueKind::domid);
    CHECK(kind(r, "/local/domain/9/target") == ValueKind::domid);
    CHECK(kind(r, "/local/domain/5/memory/target") == ValueKind::none); // KiB, not a domid
    CHECK(kind(r, "/local/domain/5/image/device-model-domid") == ValueKind::domid);
    CHECK(kind(r, "/local/domain/5/device/vif/0/backend-id") == ValueKind::domid);
    CHECK(kind(r, "/local/domain/5/device/vif/0/backend") == ValueKind::path);
    CHECK(kind(r, "/local/domain/5/console/backend") == ValueKind::path);
    CHECK(kind(r, "/local/domain/5/console/backend-id") == ValueKind::domid);
    CHECK(kind(r, "/local/domain/0/backend/vif/5/0/frontend") == ValueKind::path);
    CHECK(kind(r, "/local/domain/0/backend/vif/5/0/frontend-id") == ValueKind::domid);
    CHECK(kind(r, "/libxl/5/device/vif/0/frontend") == ValueKind::path);
    CHECK(kind(r, "/libxl/5/device/vif/0/backend") == ValueKind::path);
    CHECK(kind(r, "/local/domain/5/device/vif/0/state") == ValueKind::none);
    CHECK(kind(r, "/local/domain/5/data/domid") == ValueKind::none);
    CHECK(kind(r, "/local/domain/5/name") == ValueKind::none);
}

TEST_CASE("config extends the defaults; last value rule wins", "[rules][config]") {
    auto res = RuleSet::parse("# site rules\n"
                              "path /qubes/{d}/*/{d}\n"
                              "\n"
                              "value /local/domain/{d}/data/peer-domid domid   # trailing comment\n"
                              "value /local/domain/{d}/target none\n");
    REQUIRE(res.ok());
    const RuleSet &r = *res.rules;
    CHECK(positions(r, "/qubes/5/x/7/y") == (bit(1) | bit(3)));
    CHECK(domid_dir(r, "/qubes"));
    CHECK(domid_dir(r, "/qubes/5/x"));
    CHECK(kind(r, "/local/domain/5/data/peer-domid") == ValueKind::domid);
    CHECK(kind(r, "/local/domain/5/target") == ValueKind::none);
    CHECK(kind(r, "/local/domain/5/domid") == ValueKind::domid); // defaults kept
    CHECK(r.path_rules().back().line == 2);
}

TEST_CASE("config 'clear' drops the defaults", "[rules][config]") {
    auto res = RuleSet::parse("clear\npath /local/domain/{d}\n");
    REQUIRE(res.ok());
    CHECK(res.rules->path_rules().size() == 1);
    CHECK(res.rules->value_rules().empty());
}

TEST_CASE("config errors carry line numbers, and all are reported", "[rules][config]") {
    auto res = RuleSet::parse("path /ok/{d}\n"
                              "pth /x/{d}\n"                  // 2 unknown directive
                              "path local/{d}\n"              // 3 not absolute
                              "path /a//{d}\n"                // 4 empty component
                              "path /a/1/{d}\n"               // 5 numeric literal
                              "path /a/**/{d}\n"              // 6 ** in path rule
                              "value /a/{d}/x dommid\n"       // 7 bad kind
                              "value /a/**/b/**/c domid\n"    // 8 two **
                              "path /a/b\n"                   // 9 no {d}
                              "path /a/b.c/{d}\n"             // 10 bad char
                              "value /a\n"                    // 11 arity
                              "clear now\n"                   // 12
                              "path @/{d}\n"                  // 13 bad special
                              "path /a/{d}/\n");              // 14 trailing slash
    CHECK_FALSE(res.ok());
    std::vector<unsigned> lines;
    for (const auto &e : res.errors) lines.push_back(e.line);
    CHECK(lines == std::vector<unsigned>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
    CHECK(res.errors[0].to_string() == "line 2: unknown directive 'pth' (expected path, value or clear)");
    CHECK_THAT(res.errors[3].message, Catch::Contains("numeric literal"));
    CHECK_THAT(res.errors[5].message, Catch::Contains("unknown value kind"));
}

TEST_CASE("dump parses back to the same table", "[rules][config]") {
    auto res = RuleSet::parse("path /qubes/{d}\nvalue /qubes/{d}/peer domid\n");
    REQUIRE(res.ok());
    std::string text = res.rules->dump();
    auto again = RuleSet::parse(text);
    REQUIRE(again.ok());
    CHECK(again.rules->dump().size() > 0);
    auto src = [](const RuleSet &r) {
        std::vector<std::string> v;
        for (const auto &p : r.path_rules()) v.push_back("p " + p.pattern.source);
        for (const auto &x : r.value_rules()) v.push_back("v " + x.pattern.source + value_kind_name(x.kind));
        return v;
    };
    CHECK(src(*again.rules) == src(*res.rules));
    CHECK_THAT(RuleSet::defaults().dump(), Catch::Contains("path  /local/domain/{d}/backend/*/{d}"));
}
