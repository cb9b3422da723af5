// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include <random>

#include "helpers.h"

using namespace xsx;
using xt::msg;

TEST_CASE("decoder accepts a stream split at every byte", "[wire]") {
    std::vector<Msg> in = {msg(XS_READ, "device/vif|", 1), msg(XS_WRITE, "a|value", 2, 9),
                           msg(XS_TRANSACTION_START, "|", 3), Msg{XS_DIRECTORY, 4, 0, {}}};
    std::string stream;
    for (const auto &m : in) encode_to(m, stream);
    for (std::size_t piece = 1; piece <= 7; ++piece) {
        Decoder d;
        for (std::size_t off = 0; off < stream.size(); off += piece)
            d.feed(stream.data() + off, std::min(piece, stream.size() - off));
        std::vector<Msg> out;
        while (d.has_msg()) out.push_back(d.pop());
        CHECK(out == in);
        CHECK(d.state() == Decoder::State::ok);
        CHECK(d.partial().empty());
    }
}

TEST_CASE("decoder: len > 4096 is a protocol error, 4096 is fine", "[wire]") {
    Decoder d;
    Msg ok{XS_WRITE, 1, 0, std::string(payload_max, 'x')};
    ok.body[1] = '\0';
    d.feed(encode(ok));
    REQUIRE(d.has_msg());
    CHECK(d.pop() == ok);
    xsd_sockmsg h{XS_READ, 1, 0, static_cast<std::uint32_t>(payload_max + 1)};
    d.feed(&h, sizeof h);
    CHECK(d.state() == Decoder::State::too_long);
    d.feed(encode(ok));
    CHECK_FALSE(d.has_msg()); // ignored after the error
}

TEST_CASE("validate_request follows xenstored's argument rules", "[wire][validate]") {
    auto v = [](std::uint32_t t, std::string_view b) { return std::string(validate_request(msg(t, b))); };
    // onearg: exactly one NUL, last
    for (auto t : {XS_READ, XS_DIRECTORY, XS_GET_PERMS, XS_MKDIR, XS_RM, XS_GET_DOMAIN_PATH}) {
        INFO(type_name(t));
        CHECK(v(t, "/a|") == "");
        CHECK(v(t, "/a") == "EINVAL");
        CHECK(v(t, "") == "EINVAL");
        CHECK(v(t, "/a|b|") == "EINVAL");
        CHECK(v(t, "/a|x") == "EINVAL");
    }
    CHECK(v(XS_WRITE, "/a|") == "");
    CHECK(v(XS_WRITE, "/a|v|w") == "");
    CHECK(v(XS_WRITE, "/a") == "EINVAL");
    CHECK(v(XS_WATCH, "/a|tok|") == "");
    CHECK(v(XS_WATCH, "/a|tok|1|") == "EINVAL"); // 4.17: no depth argument
    CHECK(v(XS_WATCH, "/a|") == "EINVAL");
    CHECK(v(XS_UNWATCH, "/a|tok|") == "");
    CHECK(v(XS_UNWATCH, "/a|tok") == "EINVAL");
    CHECK(v(XS_DIRECTORY_PART, "/a|0|") == "");
    CHECK(v(XS_DIRECTORY_PART, "/a|") == "EINVAL");
    CHECK(v(XS_SET_PERMS, "/a|n1|") == "");
    CHECK(v(XS_SET_PERMS, "/a|") == "EINVAL");
    CHECK(v(XS_TRANSACTION_END, "T|") == "");
    CHECK(v(XS_TRANSACTION_END, "F|") == "");
    CHECK(v(XS_TRANSACTION_END, "X|") == "EINVAL");
    CHECK(v(XS_TRANSACTION_END, "TT|") == "EINVAL");
    CHECK(v(XS_TRANSACTION_START, "|") == "");
    CHECK(v(XS_RESET_WATCHES, "|") == "");
    CHECK(v(XS_INTRODUCE, "5|1|2|") == "");
    CHECK(v(XS_INTRODUCE, "5|1|") == "EINVAL");
    CHECK(v(XS_SET_TARGET, "5|") == "EINVAL");
    for (std::uint32_t t : {15u, 16u, 20u, 23u, 24u, 25u, 26u, 0xffffu, 1000u}) {
        INFO(t);
        CHECK(v(t, "x|") == "ENOSYS");
    }
    CHECK(is_privileged_type(XS_INTRODUCE));
    CHECK(is_privileged_type(XS_IS_DOMAIN_INTRODUCED));
    CHECK_FALSE(is_privileged_type(XS_GET_DOMAIN_PATH));
}

TEST_CASE("reply helpers echo req_id and tx_id", "[wire]") {
    Msg r = msg(XS_READ, "/a|", 42, 5);
    CHECK(reply_error(r, "ENOENT") == Msg{XS_ERROR, 42, 5, xt::z("ENOENT|")});
    CHECK(error_name(reply_error(r, "EACCES")) == "EACCES");
    CHECK(reply_ok(r).body == xt::z("OK|"));
}
