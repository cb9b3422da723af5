// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace xsx;

namespace {
std::string up(std::string_view p, DomidMap m = {5, 1}) {
    return rewrite_path(RuleSet::defaults(), m, Dir::to_upstream, p);
}
std::string down(std::string_view p, DomidMap m = {5, 1}) {
    return rewrite_path(RuleSet::defaults(), m, Dir::to_guest, p);
}
} // namespace

TEST_CASE("path rewrite at domid positions only", "[paths]") {
    CHECK(up("/local/domain/1") == "/local/domain/5");
    CHECK(up("/local/domain/1/device/vif/1/state") == "/local/domain/5/device/vif/1/state"); // devid 1 stays
    CHECK(up("/local/domain/0/backend/vif/1/0") == "/local/domain/0/backend/vif/5/0");
    CHECK(up("/local/domain/1/backend/vbd/1/51712") == "/local/domain/5/backend/vbd/5/51712");
    CHECK(up("/local/domain/5/data") == "/local/domain/1/data"); // the transposition
    CHECK(up("/local/domain/7/device-model/1/state") == "/local/domain/7/device-model/5/state");
    CHECK(up("/libxl/1/type") == "/libxl/5/type");
    CHECK(up("@releaseDomain/1") == "@releaseDomain/5");
    CHECK(up("@releaseDomain") == "@releaseDomain");
    CHECK(up("/local/domain/01/x") == "/local/domain/01/x");
    CHECK(up("/local/pool/1/name") == "/local/pool/1/name");
    CHECK(up("device/vif/1") == "device/vif/1"); // relative: no domid
    CHECK(up("/") == "/");
    CHECK(down("/local/domain/5/device") == "/local/domain/1/device");
    CHECK(down("/local/domain/1/device") == "/local/domain/5/device");
    CHECK(down("/local/domain/12345/x", {12345, 1}) == "/local/domain/1/x");
    CHECK(up("/local/domain/1/x", {3, 3}) == "/local/domain/1/x");
}

TEST_CASE("split_path", "[paths]") {
    PathComps pc;
    REQUIRE(split_path("/a/b/c", pc));
    CHECK(pc.count == 3);
    CHECK(pc.last == "c");
    REQUIRE(split_path("@releaseDomain/5", pc));
    CHECK(pc.special);
    CHECK(pc.comp[0] == "@releaseDomain");
    CHECK_FALSE(split_path("rel/x", pc));
    CHECK_FALSE(split_path("", pc));
    std::string deep;
    for (int i = 0; i < 100; ++i) deep += "/x";
    REQUIRE(split_path(deep, pc));
    CHECK(pc.count == 100);
    CHECK(pc.stored == max_pattern_depth);
}

TEST_CASE("path length limit as 4.17 C xenstored applies it", "[paths][limits]") {
    std::string rel(2048, 'a');
    CHECK_FALSE(path_too_long("/local/domain/1/" + rel));
    CHECK_FALSE(path_too_long("/local/domain/12345/" + rel));
    CHECK(path_too_long("/local/domain/1/" + rel + "b"));
    // six digits do not match %5u followed by '/': the whole path counts
    CHECK(path_too_long("/local/domain/123456/" + std::string(2040, 'a')));
    CHECK_FALSE(path_too_long("/" + std::string(2047, 'a')));
    CHECK(path_too_long("/" + std::string(2048, 'a')));
    CHECK(path_too_long("/x/" + std::string(100, 'a'), 50));
    CHECK(domain_path(7) == "/local/domain/7");
}

TEST_CASE("is_under: a node and its subtree, never a sibling sharing a prefix", "[paths]") {
    CHECK(xsx::is_under("/a/b", "/a/b"));
    CHECK(xsx::is_under("/a/b/c", "/a/b"));
    CHECK_FALSE(xsx::is_under("/a/bc", "/a/b"));
    CHECK_FALSE(xsx::is_under("/a", "/a/b"));
    CHECK(xsx::is_under("/a", "/"));
    CHECK(xsx::is_under("/", "/"));
    CHECK_FALSE(xsx::is_under("@releaseDomain", "/"));
}
