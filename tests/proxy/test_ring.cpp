// SPDX-License-Identifier: LGPL-2.1-only
// Domid-map corner cases and ring-level behaviour: real domain 1 next to a guest that
// calls itself 1, non-canonical domid spellings, reconnect and firmware fallback,
// and a protocol violation on one guest's ring.
#include "fixture.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace proxytest;

namespace {
// Real domain 1, introduced directly, with a node the guest R may read.
void domain_one(Env &env, std::uint32_t d) {
    REQUIRE(env.host.create_domain(1) == 1);
    env.host.introduce(1);
    env.dom0_write("/local/domain/1/name", "dom-one");
    env.dom0_write("/local/domain/1/shared", "open");
    env.dom0_set_perms("/local/domain/1/shared", {"n1", "r" + std::to_string(d)});
}
} // namespace

TEST_CASE("a real domain 1 is seen as R by the proxied guest, like direct",
          "[proxy][diff][domid]") {
    differential(
        [](Run &r) {
            std::uint32_t one = r.me == 1 ? r.real : 1; // real domain 1 as the guest sees it
            r.log("own domid", r.g.read("domid"));
            // (own name is "xensim-<real>": an opaque value, untranslated; not mappable)
            r.log("domone name", r.g.read(home(one) + "/name"));
            r.log("domone shared", r.g.read(home(one) + "/shared"));
            r.log("domone shared perms", r.g.get_perms(home(one) + "/shared"));
            r.log("domone domid", r.g.read(home(one) + "/domid"));
            r.log("get_domain_path domone", r.g.get_domain_path(one));
            r.log("write into domone", r.g.write(home(one) + "/data/x", "no"));
            r.log("watch domone shared", r.g.watch(home(one) + "/shared", "s"));
            r.events(1);
            r.env.dom0_write("/local/domain/1/shared", "changed");
            r.events(1);
            r.log("domone shared", r.g.read(home(one) + "/shared"));
            r.log("own perms grant to domone", r.g.write("data/g", "v"));
            r.log("set perms", r.g.set_perms("data/g", {"n" + std::to_string(r.me),
                                                         "r" + std::to_string(one)}));
            r.log("get perms", r.g.get_perms("data/g"));
        },
        domain_one, true);
}

TEST_CASE("domain 1's perms and nodes are stored under their real ids", "[proxy][domid]") {
    Env env(true);
    auto g = env.guest(R);
    domain_one(env, R);
    CHECK(g->read("domid").val == "1");
    // Values are opaque: the name keeps the real domid the toolstack wrote.
    CHECK(g->read("name").val == "xensim-" + std::to_string(R));
    CHECK(g->read("/local/domain/" + std::to_string(R) + "/shared").val == "open");
    CHECK(g->get_perms("/local/domain/" + std::to_string(R) + "/shared").val ==
          std::vector<std::string>{"n" + std::to_string(R), "r1"});
    REQUIRE(g->write("data/g", "v").ok());
    REQUIRE(g->set_perms("data/g", {"n1", "r" + std::to_string(R)}).ok());
    // Guest's "R" is real domain 1.
    CHECK(env.dom0_get_perms(home(R) + "/data/g") ==
          std::vector<std::string>{"n" + std::to_string(R), "r1"});
}

TEST_CASE("non-canonical domid spellings are EINVAL through xsproxy", "[proxy][domid]") {
    // xenstored parses domids leniently ("01" == 1); xsproxy cannot translate a domid it
    // would have to re-spell, so it refuses such requests outright.
    Env env(true);
    auto g = env.guest(R);
    REQUIRE(g->write("data/p", "v").ok());
    CHECK(g->get_domain_path(1).val == "/local/domain/1");
    CHECK(g->request(XS_GET_DOMAIN_PATH, xsx::with_nul("01")).err == "EINVAL");
    CHECK(g->request(XS_GET_DOMAIN_PATH, xsx::with_nul("0x1")).err == "EINVAL");
    CHECK(g->request(XS_GET_DOMAIN_PATH, xsx::with_nul("+1")).err == "EINVAL");
    // Direct, C xenstored answers these with atoi(): "/local/domain/0", "…/0", "…/7".
    CHECK(g->request(XS_GET_DOMAIN_PATH, xsx::with_nul("abc")).err == "EINVAL");
    CHECK(g->request(XS_GET_DOMAIN_PATH, xsx::with_nul("")).err == "EINVAL");
    CHECK(g->request(XS_GET_DOMAIN_PATH, xsx::with_nul("7x")).err == "EINVAL");
    CHECK(g->set_perms("data/p", {"n1", "r0x1"}).err == "EINVAL");
    CHECK(g->set_perms("data/p", {"n01"}).err == "EINVAL");
    // Nothing changed, and the ring is fine.
    CHECK(g->get_perms("data/p").val == std::vector<std::string>{"n1"});
    CHECK(env.dom0_get_perms(home(R) + "/data/p") == std::vector<std::string>{"n" + std::to_string(R)});
    CHECK_FALSE(g->broken());
}

TEST_CASE("ring reconnect through xsproxy gives a fresh session", "[proxy][ring]") {
    Env env(true);
    auto g = env.guest(R);
    REQUIRE(g->watch("data", "w").ok());
    REQUIRE(g->wait_event("data", "w"));
    // xsproxy advertises XENSTORE_SERVER_FEATURE_RECONNECTION (C xenstored does not).
    REQUIRE(g->server_can_reconnect());
    auto tx = g->transaction_start();
    REQUIRE(tx.ok());
    REQUIRE(g->reconnect().ok());
    CHECK(g->intf()->connection == XENSTORE_CONNECTED);
    REQUIRE(g->write("data/y", "v").ok());
    CHECK_FALSE(g->wait_event("data/y", "w", 300ms));
    CHECK(g->read("data/y", tx.val).err == "ENOENT");
    CHECK(g->read("domid").val == "1");
    CHECK(env.dom0_read(home(R) + "/data/y") == "v");
    // The same watch can be registered again: the old one is really gone upstream.
    REQUIRE(g->watch("data", "w").ok());
    CHECK(g->wait_event("data", "w"));
}

TEST_CASE("firmware fallback (0xff fill, zero indexes) keeps working through xsproxy",
          "[proxy][ring]") {
    Env env(true);
    auto g = env.guest(R);
    env.dom0_write(home(R) + "/control/platform-feature-xs_reset_watches", "1");
    REQUIRE(g->watch("data", "fw").ok());
    REQUIRE(g->wait_event("data", "fw"));
    REQUIRE(g->read("data/none").err == "ENOENT");

    g->firmware_reset();
    CHECK(g->intf()->req_prod == 0);
    // Linux boots on the same ring: RESET_WATCHES drops the firmware's watch.
    REQUIRE(g->connect().ok());
    CHECK(g->sent_reset_watches());
    REQUIRE(g->write("data/z", "v").ok());
    CHECK(g->read("data/z").val == "v");
    CHECK(g->read("domid").val == "1");
    CHECK_FALSE(g->wait_event("data/z", "fw", 300ms));
    CHECK_FALSE(g->broken());
}

TEST_CASE("a protocol violation on one guest's ring leaves another guest working",
          "[proxy][ring]") {
    Env env(true);
    auto good = env.guest(R);
    auto bad = env.guest(8, xsguest::Options{.timeout = 1000ms});
    REQUIRE(good->write("data/a", "before").ok());
    REQUIRE(bad->write("data/a", "before").ok());

    // A request header claiming len > 4096 (XENSTORE_PAYLOAD_MAX): written raw into the
    // ring, as a broken or hostile guest kernel would.
    auto *intf = bad->intf();
    xsd_sockmsg hdr{XS_READ, 0x42, 0, 5000};
    XENSTORE_RING_IDX prod = intf->req_prod;
    const char *bytes = reinterpret_cast<const char *>(&hdr);
    for (std::size_t i = 0; i < sizeof hdr; ++i)
        intf->req[MASK_XENSTORE_IDX(prod + i)] = bytes[i];
    __atomic_store_n(&intf->req_prod, prod + static_cast<XENSTORE_RING_IDX>(sizeof hdr),
                     __ATOMIC_RELEASE);
    bad->pump();
    (void)bad->read("data/a"); // notifies the server; the answer is not the point

    CHECK(good->read("data/a").val == "before");
    REQUIRE(good->write("data/a", "after").ok());
    CHECK(env.dom0_read(home(R) + "/data/a") == "after");
    REQUIRE(good->watch("data", "w").ok());
    CHECK(good->wait_event("data", "w"));
    CHECK(env.proxy_process().running());
    auto l = env.ctl({"list"});
    CHECK(l.rc == 0);
    CHECK(l.out.find(std::to_string(R)) != std::string::npos);
}

TEST_CASE("a ring with a header len > 4096 is cut off like direct", "[proxy][diff][ring]") {
    std::vector<std::string> t[2];
    for (int mode = 0; mode < 2; ++mode) {
        Env env(mode == 1);
        auto g = env.guest(R, xsguest::Options{.timeout = 800ms});
        REQUIRE(g->write("data/a", "before").ok());
        auto *intf = g->intf();
        xsd_sockmsg hdr{XS_READ, 0x42, 0, 5000};
        XENSTORE_RING_IDX prod = intf->req_prod;
        const char *bytes = reinterpret_cast<const char *>(&hdr);
        for (std::size_t i = 0; i < sizeof hdr; ++i)
            intf->req[MASK_XENSTORE_IDX(prod + i)] = bytes[i];
        __atomic_store_n(&intf->req_prod, prod + static_cast<XENSTORE_RING_IDX>(sizeof hdr),
                         __ATOMIC_RELEASE);
        // The next request both notifies the server and probes whether it still answers.
        t[mode].push_back("read after violation: " + show(g->read("data/a")));
        t[mode].push_back("write after violation: " + show(g->write("data/b", "x")));
        t[mode].push_back("dom0 sees data/b: " + env.dom0_read(home(R) + "/data/b"));
        t[mode].push_back("dom0 sees data/a: " + env.dom0_read(home(R) + "/data/a"));
        if (std::getenv("PROXYTEST_SHOW"))
            for (auto &l : t[mode]) std::fprintf(stderr, "%s| %s\n", mode ? "proxy " : "direct", l.c_str());
    }
    for (std::size_t i = 0; i < t[0].size(); ++i) CHECK(t[1][i] == t[0][i]);
}
