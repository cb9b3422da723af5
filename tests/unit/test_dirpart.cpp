// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include <map>

#include "helpers.h"

using namespace xsx;
using xt::msg;
using xt::z;

namespace {

// A minimal upstream: one directory with a generation, answering like xenstored.
struct FakeDir {
    std::string gen = "17";
    std::string children; // NUL-terminated names
    int bump_after = -1;  // change the generation after this many requests
    int served = 0;
    Msg answer(const Msg &req) {
        REQUIRE(req.type == XS_DIRECTORY_PART);
        auto parts = split_nul(req.body);
        REQUIRE(parts.size() == 2);
        if (served++ == bump_after) gen = "18";
        Msg r = req;
        r.body = directory_part_reply(gen, children, static_cast<std::uint32_t>(std::stoul(std::string(parts[1]))));
        return r;
    }
};

std::string run(DirPartExchange &x, FakeDir &dir) {
    while (!x.done()) {
        auto r = x.next_request();
        REQUIRE(r);
        CHECK_FALSE(x.next_request()); // one in flight
        x.on_reply(dir.answer(*r));
    }
    return x.result().body;
}

// What a libxenstore client does: loop guest-side DIRECTORY_PART until the double NUL.
std::vector<std::string> client_list(const std::function<std::string(std::uint32_t)> &part) {
    std::vector<std::string> names;
    std::uint32_t off = 0;
    std::string gen;
    for (int guard = 0; guard < 10000; ++guard) {
        std::string b = part(off);
        auto nul = b.find('\0');
        std::string g = b.substr(0, nul);
        if (gen.empty()) gen = g;
        REQUIRE(g == gen);
        std::string data = b.substr(nul + 1);
        bool complete = data.size() >= 1 && (data == std::string(1, '\0') ||
                                             (data.size() >= 2 && data.substr(data.size() - 2) == std::string(2, '\0')));
        if (complete) data.pop_back();
        for (auto n : split_nul(data)) names.emplace_back(n);
        off += static_cast<std::uint32_t>(data.size());
        if (complete) return names;
    }
    FAIL("no end");
    return names;
}

} // namespace

TEST_CASE("directory_part_reply matches xenstored's send_directory_part", "[dirpart]") {
    CHECK(directory_part_reply("3", z("a|bb|"), 0) == z("3|a|bb||"));
    CHECK(directory_part_reply("3", z("a|bb|"), 2) == z("3|bb||"));
    CHECK(directory_part_reply("3", z("a|bb|"), 5) == z("3||"));
    CHECK(directory_part_reply("3", z("a|bb|"), 99) == z("3||"));
    CHECK(directory_part_reply("3", "", 0) == z("3||"));
    // Only whole names that fit in 4096 - len(gen\0) - 1.
    std::string big;
    for (int i = 0; i < 1000; ++i) big += std::to_string(10000 + i) + '\0';
    std::string r = directory_part_reply("9", big, 0);
    CHECK(r.size() <= payload_max);
    CHECK(r.back() == '\0');
    CHECK(r[r.size() - 2] != '\0'); // not complete
}

TEST_CASE("DIRECTORY_PART exchange rewrites children; offsets in the guest's view", "[dirpart]") {
    FakeDir dir;
    // /local/domain with real domains 0, 1 (a real domain 1!), 12345 (the guest) and many more.
    dir.children = z("0|1|12345|");
    for (int i = 100; i < 2000; ++i) dir.children += std::to_string(i) + '\0';
    DomidMap map{12345, 1};
    auto guest_part = [&](std::uint32_t off) {
        Msg req = msg(XS_DIRECTORY_PART, "/local/domain|" + std::to_string(off) + "|", 33, 4);
        DirPartExchange x(req, "/local/domain", map);
        std::string b = run(x, dir);
        CHECK(x.result().req_id == 33);
        CHECK(x.result().tx_id == 4);
        CHECK(x.result().type == XS_DIRECTORY_PART);
        return b;
    };
    auto names = client_list(guest_part);
    REQUIRE(names.size() == 3 + 1900);
    CHECK(names[0] == "0");
    CHECK(names[1] == "12345"); // real 1 shown as R
    CHECK(names[2] == "1");     // the guest itself
    CHECK(names[3] == "100");
}

TEST_CASE("DIRECTORY_PART exchange restarts on generation change, bounded", "[dirpart]") {
    FakeDir dir;
    for (int i = 0; i < 2000; ++i) dir.children += std::to_string(i) + '\0';
    dir.bump_after = 1;
    Msg req = msg(XS_DIRECTORY_PART, "/local/domain|0|");
    DirPartExchange x(req, "/local/domain", DomidMap{5, 1});
    std::string b = run(x, dir);
    CHECK(x.restarts() == 1);
    CHECK(b.substr(0, 3) == z("18|"));

    struct Flapping : FakeDir {
        Msg answer2(const Msg &req) {
            gen = std::to_string(served);
            bump_after = -1;
            return answer(req);
        }
    } flap;
    for (int i = 0; i < 2000; ++i) flap.children += std::to_string(i) + '\0';
    DirPartExchange y(req, "/local/domain", DomidMap{5, 1}, 3);
    while (!y.done()) y.on_reply(flap.answer2(*y.next_request()));
    CHECK(error_name(y.result()) == "EAGAIN");
}

TEST_CASE("DIRECTORY_PART exchange passes upstream errors", "[dirpart]") {
    Msg req = msg(XS_DIRECTORY_PART, "/local/domain|0|", 3, 0);
    DirPartExchange x(req, "/local/domain", DomidMap{5, 1});
    auto r = x.next_request();
    REQUIRE(r);
    x.on_reply(reply_error(*r, "EACCES"));
    REQUIRE(x.done());
    CHECK(x.result() == reply_error(req, "EACCES"));
    DirPartExchange y(req, "/local/domain", DomidMap{5, 1});
    y.next_request();
    y.on_reply(Msg{XS_DIRECTORY_PART, 3, 0, "nogen"});
    CHECK(error_name(y.result()) == "EIO");
}
