// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include "helpers.h"

using namespace xsx;

TEST_CASE("token codec round trip and strictness", "[watch][token]") {
    UpstreamToken t{false, 0xdeadbeef, 7, 42};
    std::string s = encode_token(t);
    CHECK(s == "xsp:g:deadbeef:00000007:0000002a");
    CHECK(s.size() == token_len);
    CHECK(decode_token(s) == t);
    UpstreamToken i{true, 1, 2, 3};
    CHECK(decode_token(encode_token(i)) == i);
    for (std::string_view bad : {"", "xsp:g:deadbeef:00000007:0000002", "xsp:x:deadbeef:00000007:0000002a",
                                  "xsp:g:DEADBEEF:00000007:0000002a", "xsq:g:deadbeef:00000007:0000002a",
                                  "xsp:g:deadbeef-00000007:0000002a", "xsp:g:deadbeef:00000007:0000002a0",
                                  "guest-token"}) {
        INFO(bad);
        CHECK_FALSE(decode_token(bad).has_value());
    }
}

TEST_CASE("watch table: EEXIST, lookup, generation", "[watch]") {
    WatchTable w(9);
    WatchEntry *a = w.add("/local/domain/1/device", "device", "tok", "device", true);
    REQUIRE(a);
    CHECK_FALSE(w.add("/local/domain/1/device", "/local/domain/1/device", "tok", "/x", false));
    WatchEntry *b = w.add("/local/domain/1/device", "device", "tok2", "device", true);
    REQUIRE(b);
    CHECK(a->id != b->id);
    UpstreamToken ta = w.token_for(*a);
    CHECK(ta.session == 9);
    CHECK(w.lookup(ta) == a);
    UpstreamToken other = ta;
    other.session = 8;
    CHECK(w.lookup(other) == nullptr);
    w.new_generation();
    CHECK(w.lookup(ta) == nullptr); // stale
    CHECK(w.lookup(w.token_for(*a)) == a);
    CHECK(w.erase("/local/domain/1/device", "tok"));
    CHECK_FALSE(w.erase("/local/domain/1/device", "tok"));
    CHECK(w.size() == 1);
    w.reset();
    CHECK(w.size() == 0);
    CHECK(w.entries().empty());
}
