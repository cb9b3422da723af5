// SPDX-License-Identifier: LGPL-2.1-only
// Imports the destination must refuse: streams that do not fit its limits, corrupt or
// foreign streams, things that are not streams. B must be left exactly as it was, and the
// source must be able to resume the guest with nothing lost.
#include "test_migrate_fixture.h"

#include <fstream>
#include <iterator>
#include <sys/stat.h>

using namespace migtest;

namespace {

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const std::string &path, const std::string &bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << bytes;
}

// The destination's state as the toolstack and xenstored see it.
struct BState {
    Tree tree;
    std::string list;
};

BState state_of(Site &s) { return {s.tree(), s.ctl({"list"}).out}; }

void require_unchanged(Site &s, const BState &was) {
    BState now = state_of(s);
    CHECK(now.list == was.list);
    if (now.tree != was.tree) {
        INFO("before:\n" << show(was.tree) << "after:\n" << show(now.tree));
        CHECK(now.tree == was.tree);
    }
}

} // namespace

TEST_CASE("migration: an import refused by --check against a limit leaves B unchanged; "
          "resume on A continues",
          "[migration]") {
    Site a, b;
    Guest g = boot(a, 7);
    auto &c = *g.client;
    REQUIRE(c.write("data/a", "1").ok());
    // C xenstored lets a domain hold one watch more than its quota (128); the destination
    // pre-flight demands the quota.
    for (int i = 0; i < 129; ++i) {
        INFO("watch " << i);
        REQUIRE(c.watch("data/w" + std::to_string(i), "t" + std::to_string(i)).ok());
    }
    collect_events(c, 200ms);
    View before = guest_view(c);
    std::string file = tmpfile("limit");
    auto e = a.export_session(7, "cooperative", file);
    INFO(e.out << e.err);
    REQUIRE(e.rc == 0);

    xensim::Proxied nd = b.build(12, static_cast<int>(g.dom.store_port));
    BState was = state_of(b);
    auto chk = b.import_session(nd, file, true);
    INFO("check: " << chk.out << chk.err);
    CHECK(chk.rc == 1);
    CHECK(chk.err.find("129 watches") != std::string::npos);
    auto imp = b.import_session(nd, file);
    INFO("import: " << imp.out << imp.err);
    CHECK(imp.rc == 1);
    require_unchanged(b, was);

    // The migration is abandoned: the source continues, with everything it had.
    auto r = a.ctl({"resume", "7"});
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(guest_view(c) == before);
    a.write(home(7) + "/data/w128", "x");
    CHECK(c.wait_event("data/w128", "t128", 2s));
    REQUIRE(c.write("data/b", "2").ok());
    CHECK(a.read(home(7) + "/data/b") == "2");
    CHECK(a.ctl({"resume", "7"}).rc == 1); // not paused any more
}

TEST_CASE("migration: corrupt and foreign streams are refused with a clear error; B "
          "unchanged; resume on A loses nothing in flight",
          "[migration]") {
    Site a, b;
    b.host.create_domain(7);
    b.host.introduce(7);
    Guest g = boot(a, 7);
    auto &c = *g.client;
    REQUIRE(c.write("data/a", "1").ok());
    REQUIRE(c.watch("data", "rel").ok());
    collect_events(c, 200ms);
    auto tx = c.transaction_start();
    REQUIRE(tx.ok());
    REQUIRE(c.write("data/tx", "in-tx", tx.val).ok());
    std::vector<std::uint32_t> inflight;
    for (int i = 0; i < 16; ++i)
        inflight.push_back(c.send(XS_WRITE, "attr/q" + std::to_string(i) + '\0' + "v"));

    std::string good = tmpfile("good");
    auto e = a.export_session(7, "noncooperative", good);
    INFO(e.out << e.err);
    REQUIRE(e.rc == 0);
    std::string bytes = slurp(good);
    REQUIRE(bytes.size() > 64);

    xensim::Proxied nd = b.build(12, static_cast<int>(g.dom.store_port));
    b.add_vif(12);
    BState was = state_of(b);

    struct Bad {
        std::string name, bytes, expect;
    };
    std::string flipped = bytes;
    flipped[flipped.size() / 2] ^= 0x10;
    std::string magic = bytes;
    magic[0] = 'X';
    std::vector<Bad> bad{
        {"truncated", bytes.substr(0, bytes.size() / 2), "rejected"},
        {"one-byte-short", bytes.substr(0, bytes.size() - 1), "rejected"},
        {"bit-flipped", flipped, "rejected"},
        {"wrong-magic", magic, "rejected"},
        {"empty", "", "rejected"},
    };
    for (const auto &x : bad) {
        std::string f = tmpfile("bad-" + x.name);
        spit(f, x.bytes);
        for (bool check : {true, false}) {
            auto r = b.import_session(nd, f, check);
            INFO(x.name << (check ? " --check" : "") << ": rc " << r.rc << " out " << r.out
                        << " err " << r.err);
            CHECK(r.rc == 1);
            CHECK(r.err.find(x.expect) != std::string::npos);
            CHECK(r.out.empty());
        }
    }
    std::string dir = tmpfile("a-directory");
    ::mkdir(dir.c_str(), 0700);
    for (const std::string &f : {dir, tmpfile("does-not-exist")}) {
        auto r = b.import_session(nd, f);
        INFO(f << ": rc " << r.rc << " err " << r.err);
        CHECK(r.rc == 1);
        CHECK(r.err.find(f) != std::string::npos);
    }
    require_unchanged(b, was);

    // The migration is abandoned: every request sent before the export is answered on A,
    // and the transaction is still the guest's own.
    auto r = a.ctl({"resume", "7"});
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    for (std::size_t i = 0; i < inflight.size(); ++i) {
        auto w = c.wait_reply(inflight[i], 5s);
        INFO("in flight " << i << ": " << w);
        CHECK(w.ok());
    }
    CHECK(c.read("data/tx", tx.val).val == "in-tx");
    CHECK(c.transaction_end(tx.val, true).ok());
    CHECK(a.read(home(7) + "/data/tx") == "in-tx");
    CHECK(c.wait_event("data/tx", "rel", 2s));
    CHECK(a.read(home(7) + "/attr/q15") == "v");

    // The good stream still imports on B afterwards (a refused import left nothing behind
    // that would stand in its way).
    auto ok = b.import_session(nd, good, true);
    INFO(ok.out << ok.err);
    CHECK(ok.rc == 0);
}
