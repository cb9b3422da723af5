// SPDX-License-Identifier: LGPL-2.1-only
#include <catch2/catch.hpp>

#include <random>

#include "../../libxsxlate/src/migration_format.h"
#include "xsxlate/migration.h"
#include "xsxlate/rules.h"

using namespace xsx::migration;
namespace d = xsx::migration::detail;

namespace {

std::string le32(std::uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = char(v >> (8 * i));
    return s;
}
std::uint32_t get_le32(std::string_view s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | std::uint8_t(s[at + i]);
    return v;
}

// A little-endian stream as records, to damage one and seal it again with a valid
// checksum: the decoder must then find the damage by its fields, not by the CRC.
struct Rec {
    std::uint32_t type;
    std::string body;
};
std::vector<Rec> split(const std::string &s) {
    std::vector<Rec> out;
    std::size_t off = d::header_size;
    while (off < s.size()) {
        std::uint32_t type = get_le32(s, off), len = get_le32(s, off + 4);
        out.push_back({type, s.substr(off + 8, len)});
        off += 8 + len + (8 - len % 8) % 8;
    }
    // Drop CHECKSUM and END: seal() writes them.
    REQUIRE(out.size() >= 2);
    out.resize(out.size() - 2);
    return out;
}
std::string seal(const std::vector<Rec> &recs, std::uint32_t version = 1) {
    std::string s(d::ident);
    for (int i = 3; i >= 0; --i) s.push_back(char(version >> (8 * i)));
    s.append(4, '\0');
    auto put = [&](std::uint32_t type, const std::string &body) {
        s += le32(type) + le32(std::uint32_t(body.size())) + body;
        s.append((8 - body.size() % 8) % 8, '\0');
    };
    for (const auto &r : recs) put(r.type, r.body);
    put(d::rec_checksum, le32(d::crc32(s)));
    put(d::rec_end, "");
    return s;
}

std::string rejected(std::string_view stream) {
    SessionImage out;
    std::string err;
    bool ok = decode(stream, out, err);
    CHECK_FALSE(ok);
    if (!ok) CHECK_FALSE(err.empty());
    return err;
}
std::string rejected(const SessionImage &img) { return rejected(encode(img)); }

SessionImage small_image() {
    SessionImage img;
    img.mode = Mode::noncooperative;
    img.virt = 1;
    img.source_domid = 7;
    img.rules_text = "path /local/domain/{d}\n";
    img.journal.push_back({NodeImage::Kind::node, "/local/domain/1/data/x", true, "v", {"b1", "r0"}});
    img.journal.push_back({NodeImage::Kind::tombstone, "/local/domain/1/data/gone", false, "", {}});
    img.watches.push_back({0, "data", "tok"});
    img.transactions.push_back({0, 3});
    img.partial_input = "abc";
    img.pending_output = "xyz";
    return img;
}

// Seeded random images covering every field, binary values and tokens included.
class Gen {
  public:
    explicit Gen(unsigned seed) : rng_(seed) {}

    SessionImage image() {
        SessionImage img;
        img.mode = pick(2) ? Mode::cooperative : Mode::noncooperative;
        img.virt = std::uint16_t(1 + pick(0x7FEF));
        img.source_domid = std::uint16_t(pick(0x7FF0));
        img.rules_text = pick(2) ? xsx::RuleSet::defaults().dump() : "";
        std::size_t n = pick(12);
        for (std::size_t i = 0; i < n; ++i) {
            NodeImage x;
            x.path = "/local/domain/" + std::to_string(img.virt) + "/data/n" + std::to_string(i) +
                     (pick(2) ? "/" + name() : "");
            if (pick(4) == 0) {
                x.kind = NodeImage::Kind::tombstone;
            } else {
                x.has_value = pick(4) != 0;
                if (x.has_value) x.value = bytes(pick(3) ? pick(64) : 4096, 0);
                for (std::size_t k = pick(6); k > 0; --k)
                    x.perms.push_back(std::string(1, "nrwb"[pick(4)]) + std::to_string(pick(65536)));
            }
            img.journal.push_back(std::move(x));
        }
        n = pick(8);
        for (std::size_t i = 0; i < n; ++i) {
            static const char *forms[] = {"data/w", "/local/domain/1/w", "@releaseDomain", "@introduceDomain"};
            std::string path = std::string(forms[pick(4)]) + (pick(2) ? "" : "/" + name());
            img.watches.push_back({std::uint32_t(pick(3)), path, bytes(pick(40), 1) + std::to_string(i)});
        }
        n = pick(5);
        for (std::size_t i = 0; i < n; ++i) img.transactions.push_back({std::uint32_t(pick(2)), std::uint32_t(i + 1)});
        if (pick(2)) {
            img.ring.present = true;
            img.ring.page = bytes(4096, 0);
        }
        img.ring.req_cons = std::uint32_t(rng_());
        img.ring.rsp_prod = std::uint32_t(rng_());
        img.ring.server_features = std::uint32_t(pick(4));
        img.partial_input = bytes(pick(16), 0); // shorter than a header: always incomplete
        img.pending_output = bytes(pick(3) ? pick(100) : 20000, 0);
        return img;
    }

  private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
    std::string bytes(std::size_t n, int lo) {
        std::string s(n, '\0');
        for (char &c : s) c = char(lo + int(pick(std::size_t(256 - lo))));
        return s;
    }
    std::string name() {
        static const std::string chars = "abcXYZ019-_@";
        std::string s;
        for (std::size_t k = 1 + pick(10); k > 0; --k) s.push_back(chars[pick(chars.size())]);
        return s;
    }
    std::mt19937 rng_;
};

} // namespace

TEST_CASE("CRC-32 is the IEEE one", "[migration]") {
    CHECK(d::crc32("123456789") == 0xCBF43926u);
    CHECK(d::crc32("") == 0u);
    CHECK(d::crc32("6789", d::crc32("12345")) == 0xCBF43926u);
}

TEST_CASE("migration: empty image round-trips", "[migration]") {
    SessionImage img, out;
    std::string s = encode(img), err;
    CHECK(s.substr(0, 8) == "xenstore");
    CHECK(s.size() % 8 == 0);
    REQUIRE(decode(s, out, err));
    CHECK(err.empty());
    CHECK(out == img);
}

TEST_CASE("migration: random images round-trip in both endiannesses", "[migration]") {
    for (unsigned seed = 1; seed <= 300; ++seed) {
        INFO("seed " << seed);
        SessionImage img = Gen(seed).image();
        for (bool big : {false, true}) {
            std::string s = d::encode_as(img, big), err;
            CHECK((std::uint8_t(s[15]) & 1) == unsigned(big));
            SessionImage out;
            REQUIRE(decode(s, out, err));
            CHECK(out == img);
        }
    }
}

TEST_CASE("migration: header fields are big-endian, records as flagged", "[migration]") {
    std::string le = encode(small_image()), be = d::encode_as(small_image(), true);
    CHECK(le.substr(8, 8) == std::string("\0\0\0\1\0\0\0\0", 8));
    CHECK(be.substr(8, 8) == std::string("\0\0\0\1\0\0\0\1", 8));
    CHECK(get_le32(le, 16) == d::rec_session);
    CHECK(le.substr(16, 4) == std::string("\x01\x00\x73\x78", 4));
    CHECK(be.substr(16, 4) == std::string("\x78\x73\x00\x01", 4));
    CHECK(le.substr(le.size() - 8) == std::string(8, '\0')); // END
}

TEST_CASE("migration: a failed decode leaves the output alone", "[migration]") {
    SessionImage out = small_image();
    std::string err;
    CHECK_FALSE(decode("xenstore", out, err));
    CHECK(out == small_image());
}

TEST_CASE("migration: truncation at every byte offset is rejected", "[migration]") {
    std::string s = encode(small_image());
    for (std::size_t k = 0; k < s.size(); ++k) {
        INFO("cut at " << k);
        CHECK_THAT(rejected(std::string_view(s).substr(0, k)), Catch::Contains("truncated"));
    }
}

TEST_CASE("migration: any flipped bit is a checksum or framing error", "[migration]") {
    std::string s = encode(small_image());
    const std::vector<std::string> framing = {"checksum", "magic", "version", "header flags",
                                              "padding", "length", "record type", "END",
                                              "truncated", "CHECKSUM", "SESSION", "body of"};
    for (std::size_t at = 0; at < s.size(); ++at) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string t = s;
            t[at] = char(t[at] ^ (1 << bit));
            std::string err = rejected(t);
            bool framed = false;
            for (const auto &w : framing) framed = framed || err.find(w) != err.npos;
            INFO("byte " << at << " bit " << bit << ": " << err);
            CHECK(framed);
        }
    }
}

TEST_CASE("migration: header errors", "[migration]") {
    std::string s = encode(small_image());
    std::string t = s;
    t[0] = 'X';
    CHECK_THAT(rejected(t), Catch::Contains("bad magic"));
    for (std::uint32_t v : {0u, 3u, 0x01000000u}) {
        t = s;
        for (int i = 0; i < 4; ++i) t[8 + i] = char(v >> (8 * (3 - i)));
        CHECK_THAT(rejected(t), Catch::Contains("unsupported stream version " + std::to_string(v)));
    }
    t = s;
    t[14] = 1;
    CHECK_THAT(rejected(t), Catch::Contains("unknown header flags"));
    // Version 2 is Xen's (4.18+ live update), never ours.
    CHECK_THAT(rejected(seal(split(s), 2)), Catch::Contains("header version 2"));
}

TEST_CASE("migration: a xenstored live-update stream is refused as foreign", "[migration]") {
    // GLOBAL_DATA {rw-socket-fd -1, evtchn-fd -1}, END: what 4.17 C writes first.
    std::string s = std::string("xenstore") + std::string("\0\0\0\1\0\0\0\0", 8) + le32(1) + le32(8) +
                    std::string(8, '\xff') + le32(0) + le32(0);
    std::string err = rejected(s);
    CHECK_THAT(err, Catch::Contains("foreign stream"));
    CHECK_THAT(err, Catch::Contains("GLOBAL_DATA"));
    // A Xen record later in an xsproxy stream.
    auto recs = split(encode(small_image()));
    recs.insert(recs.begin() + 1, Rec{5, std::string(16, '\0')});
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("Xen record type 5 (NODE_DATA)"));
    recs = split(encode(small_image()));
    recs.insert(recs.begin() + 1, Rec{0x12345678, ""});
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("unknown record type 0x12345678"));
}

TEST_CASE("migration: END framing", "[migration]") {
    std::string s = encode(small_image());
    CHECK_THAT(rejected(s + le32(d::rec_end) + le32(0)), Catch::Contains("8 bytes after END"));
    CHECK_THAT(rejected(s + std::string(8, '\0')), Catch::Contains("bytes after END"));
    CHECK_THAT(rejected(s.substr(0, s.size() - 8)), Catch::Contains("without an END"));
    std::string t = s;
    t[t.size() - 4] = 8; // END with a length
    CHECK_THAT(rejected(t + std::string(8, '\0')), Catch::Contains("END has a body"));
}

TEST_CASE("migration: padding and lengths", "[migration]") {
    std::string s = encode(small_image());
    std::uint32_t len = get_le32(s, 20); // SESSION
    REQUIRE(len % 8 != 0);
    std::string t = s;
    t[24 + len] = 1;
    CHECK_THAT(rejected(t), Catch::Contains("nonzero padding byte at offset " + std::to_string(24 + len)));
    t = s;
    t.replace(20, 4, le32(0x7FFFFFFF));
    CHECK_THAT(rejected(t), Catch::Contains("record 0 (SESSION) at offset 16: length 2147483647 exceeds"));
    t = s;
    t.replace(20, 4, le32(0xFFFFFFFF));
    CHECK_THAT(rejected(t), Catch::Contains("exceeds"));
}

TEST_CASE("migration: checksum", "[migration]") {
    std::string s = encode(small_image());
    std::string t = s;
    t[t.size() - 16] ^= 1; // the CRC itself
    CHECK_THAT(rejected(t), Catch::Contains("checksum mismatch"));
    // No CHECKSUM at all.
    auto recs = split(s);
    std::string u(s.substr(0, 16));
    for (const auto &r : recs) {
        u += le32(r.type) + le32(std::uint32_t(r.body.size())) + r.body;
        u.append((8 - r.body.size() % 8) % 8, '\0');
    }
    CHECK_THAT(rejected(u + le32(0) + le32(0)), Catch::Contains("no CHECKSUM record immediately before END"));
}

TEST_CASE("migration: record order and presence", "[migration]") {
    auto base = split(encode(small_image()));
    // base: SESSION NODE NODE WATCH TRANSACTION RING PARTIAL_INPUT PENDING_OUTPUT
    REQUIRE(base.size() == 8);
    auto recs = base;
    std::swap(recs[2], recs[3]); // WATCH before a NODE
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("record 3 (NODE) at offset"));
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("out of order"));
    recs = base;
    std::swap(recs[0], recs[1]);
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("not SESSION"));
    recs = base;
    recs.erase(recs.begin() + 5); // RING
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("missing RING record"));
    recs = base;
    recs.pop_back(); // PENDING_OUTPUT
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("missing PENDING_OUTPUT record"));
    recs = base;
    recs.insert(recs.begin() + 6, recs[5]); // two RINGs
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("out of order"));
    recs = base;
    recs.insert(recs.begin() + 1, recs[0]); // two SESSIONs
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("out of order"));
    recs = base;
    recs.insert(recs.begin() + 3, Rec{d::rec_checksum, le32(0)}); // a CHECKSUM early
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("record 3 (CHECKSUM)"));
    recs = base;
    recs.erase(recs.begin() + 1); // a NODE the SESSION announced
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("announces 2 NODE records, the stream has 1"));
    recs = base;
    recs.erase(recs.begin() + 4);
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("announces 1 TRANSACTION records, the stream has 0"));
}

TEST_CASE("migration: SESSION fields", "[migration]") {
    SessionImage img = small_image();
    img.virt = 0;
    CHECK_THAT(rejected(img), Catch::Contains("invalid guest-visible domid 0"));
    img.virt = 0x7FF0;
    CHECK_THAT(rejected(img), Catch::Contains("invalid guest-visible domid 32752"));
    img = small_image();
    img.source_domid = 0x7FF4;
    CHECK_THAT(rejected(img), Catch::Contains("invalid source domid"));
    img = small_image();
    img.mode = Mode(3);
    CHECK_THAT(rejected(img), Catch::Contains("unknown mode 3"));
    img = small_image();
    img.rules_text = "path /local/domain/{d}/x/{q\n";
    CHECK_THAT(rejected(img), Catch::Contains("rules text does not parse: line 1"));
    img.rules_text = std::string("path /a\0", 8);
    CHECK_THAT(rejected(img), Catch::Contains("NUL byte in the rules text"));

    auto recs = split(encode(small_image()));
    recs[0].body.replace(0, 4, le32(2));
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("xsproxy format version 2 not supported (this reader knows 1)"));
    recs = split(encode(small_image()));
    recs[0].body[5] = 1;
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("nonzero reserved field"));
    recs = split(encode(small_image()));
    recs[0].body += "x";
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("disagrees with rules length"));
    recs[0].body = "short";
    CHECK_THAT(rejected(seal(recs)), Catch::Contains("record 0 (SESSION) at offset 16: body of 5 bytes"));
}

TEST_CASE("migration: NODE fields", "[migration]") {
    auto with_node = [](NodeImage n) {
        SessionImage img = small_image();
        img.journal.push_back(std::move(n));
        return rejected(img);
    };
    using K = NodeImage::Kind;
    CHECK_THAT(with_node({K::node, "/local/domain/1/a//b", true, "", {}}), Catch::Contains("'//'"));
    CHECK_THAT(with_node({K::node, "/local/domain/1/a/", true, "", {}}), Catch::Contains("ends with '/'"));
    CHECK_THAT(with_node({K::node, "data/x", true, "", {}}), Catch::Contains("not absolute"));
    CHECK_THAT(with_node({K::node, "@releaseDomain", true, "", {}}), Catch::Contains("not absolute"));
    CHECK_THAT(with_node({K::node, "", true, "", {}}), Catch::Contains("empty path"));
    CHECK_THAT(with_node({K::node, "/local/domain/1/a.b", true, "", {}}),
               Catch::Contains("invalid character (byte 46) at position 17"));
    CHECK_THAT(with_node({K::node, "/" + std::string(3072, 'a'), true, "", {}}),
               Catch::Contains("path of 3073 bytes exceeds 3072"));
    std::string err = with_node({K::node, "/x", true, std::string(4097, 'v'), {}});
    CHECK_THAT(err, Catch::Contains("value of 4097 bytes exceeds 4096"));
    CHECK_THAT(err, Catch::Contains("record 3 (NODE) at offset"));
    CHECK_THAT(with_node({K::node, "/x", false, "v", {}}), Catch::Contains("without the has-value flag"));
    CHECK_THAT(with_node({K::node, "/x", true, "", {"b1", "r0", "r2", "r3", "r4", "r5"}}),
               Catch::Contains("6 perms exceed 5"));
    for (const char *bad : {"x1", "r01", "r", "r0x1", "b65536", "R1", ""}) {
        INFO(bad);
        CHECK_THAT(with_node({K::node, "/x", true, "", {bad}}), Catch::Contains("perm string"));
    }
    CHECK_THAT(with_node({K::node, "/x", true, "", {std::string("r1\0w2", 5)}}), Catch::Contains("perm strings"));
    CHECK_THAT(with_node({K::tombstone, "/x", true, "", {}}), Catch::Contains("tombstone carries"));
    CHECK_THAT(with_node({K::tombstone, "/x", false, "", {"n1"}}), Catch::Contains("tombstone carries"));
    CHECK_THAT(with_node({K::node, "/local/domain/1/data/x", true, "", {}}),
               Catch::Contains("journal has '/local/domain/1/data/x' twice"));
    CHECK_THAT(with_node({K(3), "/x", true, "", {}}), Catch::Contains("unknown node kind 3"));
    // Limits themselves are fine.
    SessionImage img = small_image();
    img.journal.push_back({K::node, "/" + std::string(3071, 'a'), true, std::string(4096, '\0'),
                           {"b1", "r2", "w3", "n4", "r65535"}});
    SessionImage out;
    std::string e;
    CHECK(decode(encode(img), out, e));
    CHECK(out == img);
}

TEST_CASE("migration: WATCH, TRANSACTION, RING, PARTIAL_INPUT fields", "[migration]") {
    SessionImage img = small_image();
    img.watches.push_back({0, "data/x.y", "t"});
    CHECK_THAT(rejected(img), Catch::Contains("invalid character"));
    img = small_image();
    img.watches.push_back({1, "data", std::string("a\0b", 3)});
    CHECK_THAT(rejected(img), Catch::Contains("NUL byte inside the token"));
    img = small_image();
    img.watches.push_back({1, "data", std::string(4097, 't')});
    CHECK_THAT(rejected(img), Catch::Contains("token of 4097 bytes exceeds 4096"));
    img = small_image();
    img.watches.push_back(img.watches[0]);
    CHECK_THAT(rejected(img), Catch::Contains("the same watch"));
    img.watches.back().channel = 1; // same watch on another channel: fine
    SessionImage out;
    std::string e;
    CHECK(decode(encode(img), out, e));

    img = small_image();
    img.transactions.push_back({0, 0});
    CHECK_THAT(rejected(img), Catch::Contains("transaction id 0"));
    img = small_image();
    img.transactions.push_back({0, 3});
    CHECK_THAT(rejected(img), Catch::Contains("transaction 3 on channel 0 twice"));

    img = small_image();
    img.ring.present = true;
    img.ring.page = std::string(4095, 'p');
    CHECK_THAT(rejected(img), Catch::Contains("ring page of 4095 bytes, must be 4096"));
    img.ring.page = std::string(4097, 'p');
    CHECK_THAT(rejected(img), Catch::Contains("ring page of 4097 bytes"));
    img.ring.page.clear();
    CHECK_THAT(rejected(img), Catch::Contains("ring page of 0 bytes"));
    img.ring.present = false;
    img.ring.page = std::string(4096, 'p');
    CHECK_THAT(rejected(img), Catch::Contains("no ring, yet 4096 page bytes"));

    img = small_image();
    // Whole requests the session has not taken yet, then an incomplete one.
    std::string read_x = le32(2) + le32(1) + le32(0) + le32(2) + std::string("x\0", 2);
    img.partial_input = read_x + read_x + read_x.substr(0, 17);
    CHECK(decode(encode(img), out, e));
    img.partial_input = read_x + le32(2) + le32(1) + le32(0) + le32(4097);
    CHECK_THAT(rejected(img), Catch::Contains("request header at byte 18 announces 4097 payload bytes"));
    img.partial_input = le32(2) + le32(1) + le32(0) + le32(4097);
    CHECK_THAT(rejected(img), Catch::Contains("announces 4097 payload bytes"));
}

TEST_CASE("migration: preflight against the destination's quotas", "[migration]") {
    Limits lim;
    SessionImage img = small_image();
    CHECK(preflight(img, lim).empty());

    // Nodes: tombstones do not count.
    img.journal.clear();
    for (int i = 0; i < 5; ++i)
        img.journal.push_back({NodeImage::Kind::node, "/local/domain/1/n" + std::to_string(i), true, "", {}});
    img.journal.push_back({NodeImage::Kind::tombstone, "/local/domain/1/gone", false, "", {}});
    lim.nodes = 5;
    CHECK(preflight(img, lim).empty());
    lim.nodes = 4;
    auto p = preflight(img, lim);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("5 nodes") && Catch::Contains("allows 4"));

    // Node size: 20 + 8 per perm + value; the check is >=.
    lim = Limits{};
    img = small_image();
    img.journal = {{NodeImage::Kind::node, "/local/domain/1/big", true, std::string(2019, 'v'), {}}};
    CHECK(preflight(img, lim).empty()); // 2047
    img.journal[0].value.push_back('v');
    p = preflight(img, lim);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("/local/domain/1/big") && Catch::Contains("2048 bytes"));
    img.journal[0].value.pop_back();
    img.journal[0].perms = {"b1", "r0"}; // one more perm: 2055
    CHECK(preflight(img, lim).size() == 1);
    // Children in the journal grow the parent's record.
    img.journal[0].perms.clear();
    img.journal.push_back({NodeImage::Kind::node, "/local/domain/1/big/c", true, "", {}});
    p = preflight(img, lim);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("/local/domain/1/big:"));

    // Watches and transactions (per channel).
    lim = Limits{};
    img = small_image();
    for (int i = 0; i < 128; ++i) img.watches.push_back({1, "data", std::to_string(i)});
    p = preflight(img, lim);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("129 watches"));
    img = small_image();
    for (std::uint32_t i = 1; i <= 10; ++i) img.transactions.push_back({1, i});
    CHECK(preflight(img, lim).empty());
    img.transactions.push_back({1, 11});
    p = preflight(img, lim);
    REQUIRE(p.size() == 1);
    CHECK_THAT(p[0], Catch::Contains("channel 1 has 11 open transactions"));

    // Path length: below /local/domain/<d>/ only the rest counts.
    img = small_image();
    lim.path_max = 1024;
    img.journal[0].path = "/local/domain/1/" + std::string(1024, 'a');
    img.watches[0].path = std::string(1024, 'w');
    CHECK(preflight(img, lim).empty());
    img.journal[0].path += 'a';
    img.watches[0].path += 'w';
    img.watches.push_back({0, "/" + std::string(1024, 'x'), "t"});
    p = preflight(img, lim);
    CHECK(p.size() == 3);
}
