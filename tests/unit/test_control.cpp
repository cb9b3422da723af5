// SPDX-License-Identifier: LGPL-2.1-only
// The control protocol's value escaping and the JSON writer behind `xsproxy-ctl --json`
// (xsproxy/control_proto.cpp, xsproxy/json.cpp): pure code, so checked here byte by byte
// under the sanitizers; the proxy suite checks the same through the daemon.
#include "control_proto.h"
#include "json.h"

#include <catch2/catch.hpp>

using namespace xsp;

TEST_CASE("control values round-trip every byte; the line stays one ASCII line", "[control]") {
    std::string all;
    for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
    for (const std::string &v : {std::string("/a b/c d"), std::string("100%"), all,
                                std::string("k=v=w"), std::string("grüße")}) {
        ControlRequest r;
        r.verb = "export";
        r.args["file"] = v;
        r.flags.insert("json");
        std::string line = r.line();
        for (unsigned char c : line) CHECK((c >= 0x20 && c < 0x7f));
        CHECK(line.find('\n') == std::string::npos);
        std::string err;
        auto back = parse_control(line, err);
        INFO(line << " " << err);
        REQUIRE(back);
        CHECK(back->verb == "export");
        CHECK(back->args.at("file") == v);
        CHECK(back->flags == std::set<std::string>{"json"});
    }
    // Plain words, as a socat user types them, are unchanged.
    std::string err;
    auto p = parse_control("dump domid=7 json", err);
    REQUIRE(p);
    CHECK(p->args.at("domid") == "7");
}

TEST_CASE("control: a bad %-escape is refused with a clear error", "[control]") {
    for (const std::string line : {"export file=%", "export file=%4", "export file=%zz",
                                   "export file=a%2"}) {
        std::string err;
        CHECK_FALSE(parse_control(line, err));
        CHECK(err == "argument 'file': '%' must start a %XX escape");
    }
}

TEST_CASE("json: UTF-8 passes through, other bytes are U+FFFD plus _hex, absent is null",
          "[json]") {
    Json o = Json::object();
    put_bytes(o, "ok", "grüße ✓");
    put_bytes(o, "bad", std::string("a\xff" "b\xc3", 4)); // a stray byte, a cut sequence
    put_bytes(o, "overlong", "\xc0\xaf");                 // '/' spelled in two bytes
    put_opt(o, "none", "");
    put_opt(o, "some", "x");
    std::string t = json_text(o);
    CHECK(t == "{\"ok\":\"grüße ✓\","
               "\"bad\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\",\"bad_hex\":\"61ff62c3\","
               "\"overlong\":\"\xef\xbf\xbd\xef\xbf\xbd\",\"overlong_hex\":\"c0af\","
               "\"none\":null,\"some\":\"x\"}");
    CHECK(valid_utf8("grüße"));
    CHECK_FALSE(valid_utf8("\xed\xa0\x80")); // a UTF-16 surrogate
    // Control characters are JSON escapes, not raw bytes.
    Json c = Json::object();
    put_bytes(c, "c", std::string("a\nb\x01", 4));
    CHECK(json_text(c) == "{\"c\":\"a\\nb\\u0001\"}");
    // The text parses back to the same values.
    auto back = Json::parse(t);
    CHECK(back["ok"] == "grüße ✓");
    CHECK(back["none"].is_null());
}
