// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace xsx;

TEST_CASE("parse_domid accepts canonical decimal only", "[domid]") {
    CHECK(parse_domid("0") == domid_t{0});
    CHECK(parse_domid("1") == domid_t{1});
    CHECK(parse_domid("32752") == domid_t{32752});
    CHECK(parse_domid("65535") == domid_t{65535});
    for (std::string_view bad : {"", "01", "00", "0x1", "1_0", " 1", "1 ", "1abc", "+1", "-1",
                                  "65536", "100000", "000001", "1\n", "١"}) {
        INFO(bad);
        CHECK_FALSE(parse_domid(bad).has_value());
    }
    CHECK(domid_str(0) == "0");
    CHECK(domid_str(65535) == "65535");
}

TEST_CASE("DomidMap is the transposition (R V)", "[domid]") {
    DomidMap m{5, 1};
    REQUIRE(m.valid());
    CHECK(m.to_upstream(1) == 5); // the guest's own domid
    CHECK(m.to_upstream(5) == 1); // the real domain 5... seen by the guest as 5 is real 1
    CHECK(m.to_guest(5) == 1);
    CHECK(m.to_guest(1) == 5); // a real domain 1 exists: shown as 5
    CHECK(m.to_upstream(0) == 0);
    CHECK(m.to_upstream(7) == 7);
    for (unsigned d = 0x7FF0; d <= 0xFFFF; ++d) CHECK(m.to_upstream(static_cast<domid_t>(d)) == d);
    for (unsigned d = 0; d <= 0xFFFF; ++d) {
        auto x = static_cast<domid_t>(d);
        REQUIRE(m.to_guest(m.to_upstream(x)) == x);
    }
}

TEST_CASE("DomidMap with R == V is the identity", "[domid]") {
    DomidMap m{3, 3};
    REQUIRE(m.valid());
    CHECK(m.identity());
    for (unsigned d = 0; d <= 0xFFFF; ++d) REQUIRE(m.to_upstream(static_cast<domid_t>(d)) == d);
}

TEST_CASE("DomidMap validity", "[domid]") {
    CHECK_FALSE(DomidMap{0, 1}.valid());
    CHECK_FALSE(DomidMap{5, 0}.valid());
    CHECK_FALSE(DomidMap{0x7FF0, 1}.valid());
    CHECK_FALSE(DomidMap{5, 0x7FF5}.valid());
    CHECK(DomidMap{0x7FEF, 1}.valid());
}
