// SPDX-License-Identifier: LGPL-2.1-only
// Guest scenarios on the real daemons: a simulated unprivileged domain, introduced on
// its ring like libxl does, driven by xsguest (which behaves like Linux xenbus).
//
// Every case runs once per daemon (C xenstored, oxenstored): each TEMPLATE_TEST_CASE
// instance starts its own simulated host and daemon, and tears both down, so no case
// depends on another's order or on a daemon left running. Where the two daemons answer
// differently, each case asserts the daemon's measured behaviour and says so.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "xsguest/xensim_guest.h"
#include "harness.h"

using namespace std::chrono_literals;
using xsguest::Event;

namespace {

// Per-daemon facts the cases assert. Each value was measured on that daemon; the
// comments at the use sites say why the daemons differ.
struct CXenstored {
    static constexpr xensim::Daemon daemon = xensim::Daemon::c;
    static constexpr const char *read_no_nul = "ENOENT";
    static constexpr const char *read_two_args = "ENOENT";
    static constexpr const char *miss_unreadable = "EACCES";
    static constexpr const char *deep_miss_unreadable = "EACCES";
    static constexpr const char *unknown_tx = "ENOENT";
    static constexpr bool child_list_in_node_size = true;
    static constexpr bool directory_part = true;
    static constexpr const char *give_away = "EPERM";
    static constexpr bool reconnects = false;
    static constexpr const char *client_sent_event = "ENOSYS";
};

struct OXenstored {
    static constexpr xensim::Daemon daemon = xensim::Daemon::ocaml;
    static constexpr const char *read_no_nul = "EINVAL";
    static constexpr const char *read_two_args = "EINVAL";
    static constexpr const char *miss_unreadable = "ENOENT";
    static constexpr const char *deep_miss_unreadable = "ENOENT";
    static constexpr const char *unknown_tx = "EIO";
    static constexpr bool child_list_in_node_size = false;
    static constexpr bool directory_part = false;
    static constexpr const char *give_away = "EACCES";
    static constexpr bool reconnects = true;
    static constexpr const char *client_sent_event = "ENOSYS";
};

std::string err_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?" + std::to_string(e);
}

// One simulated host with its daemon, a libxl-like toolstack and dom0 access.
template <class D> struct Env {
    xensim::Host host{D::daemon};

    // A domain built and introduced like libxl does, with xsguest as its kernel,
    // booted like Linux (connect: RESET_WATCHES when libxl's feature key says so).
    std::unique_ptr<xsguest::Client> guest(std::uint32_t domid, xsguest::Options o = {},
                                           bool boot = true) {
        auto in = introduce(domid);
        auto g = xsguest::attach_xensim(host.sim(), domid, in.ring_gfn, in.store_port, o);
        if (boot) {
            auto s = g->connect();
            INFO("boot: " << s);
            REQUIRE(s.ok());
        }
        return g;
    }

    xensim::Introduced introduce(std::uint32_t domid) {
        REQUIRE(host.create_domain(static_cast<int>(domid)) == static_cast<int>(domid));
        return host.introduce(domid);
    }

    void destroy(std::uint32_t domid) { host.destroy(domid); }

    // The value, or the errno name ("ENOENT", …) of the failure.
    std::string dom0_read(const std::string &path) {
        unsigned len = 0;
        void *v = xs_read(host.xs(), XBT_NULL, path.c_str(), &len);
        if (!v) return err_name(errno);
        std::string out(static_cast<char *>(v), len);
        std::free(v);
        return out;
    }

    void dom0_write(const std::string &path, const std::string &value) {
        INFO("dom0 write " << path);
        REQUIRE(xs_write(host.xs(), XBT_NULL, path.c_str(), value.data(),
                         static_cast<unsigned>(value.size())));
    }

    void dom0_rm(const std::string &path) {
        INFO("dom0 rm " << path);
        REQUIRE(xs_rm(host.xs(), XBT_NULL, path.c_str()));
    }

    void dom0_set_perms(const std::string &path, const std::vector<std::string> &perms) {
        std::vector<xs_permissions> p;
        for (auto &s : perms) {
            xs_permissions e{static_cast<unsigned>(std::stoul(s.substr(1))), XS_PERM_NONE};
            if (s[0] == 'r') e.perms = XS_PERM_READ;
            if (s[0] == 'w') e.perms = XS_PERM_WRITE;
            if (s[0] == 'b') e.perms = static_cast<decltype(e.perms)>(XS_PERM_READ | XS_PERM_WRITE);
            p.push_back(e);
        }
        INFO("dom0 set_perms " << path);
        REQUIRE(xs_set_permissions(host.xs(), XBT_NULL, path.c_str(), p.data(),
                                   static_cast<unsigned>(p.size())));
    }

    // Domain death is handled asynchronously (VIRQ_DOM_EXC): wait for its effect.
    void wait_gone(const std::string &path) {
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (dom0_read(path) != "ENOENT" && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
    }
};

bool contains(const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string home(unsigned domid) { return "/local/domain/" + std::to_string(domid); }

} // namespace

TEMPLATE_TEST_CASE("guest reads and writes its own home", "[guest]", CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);

    REQUIRE(g->write("data/x", "hello").ok());
    CHECK(g->read("data/x").val == "hello");
    // Relative paths resolve under the connection's home: same node both ways.
    CHECK(g->read(home(5) + "/data/x").val == "hello");
    CHECK(env.dom0_read(home(5) + "/data/x") == "hello");
    // Values are raw bytes: embedded NULs survive, nothing is NUL-terminated.
    REQUIRE(g->write("data/bin", std::string("a\0b", 3)).ok());
    CHECK(g->read("data/bin").val == std::string("a\0b", 3));

    CHECK(g->get_domain_path(5).val == home(5));
    auto dir = g->directory("data");
    REQUIRE(dir.ok());
    CHECK(contains(dir.val, "x"));
    CHECK(contains(dir.val, "bin"));
    // A node an unprivileged domain creates is owned by it (both daemons).
    auto perms = g->get_perms("data/x");
    REQUIRE(perms.ok());
    REQUIRE(!perms.val.empty());
    CHECK(perms.val[0] == "n5");

    REQUIRE(g->rm("data/x").ok());
    CHECK(g->read("data/x").err == "ENOENT");
    CHECK(g->stats().bad_echo == 0);
    CHECK(g->stats().unmatched == 0);
}

TEMPLATE_TEST_CASE("dom0's nodes are EACCES to the guest", "[guest]", CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    env.dom0_write("/local/domain/0/secret", "s");
    env.dom0_write("/tool/thing", "t");

    CHECK(g->read("/local/domain/0/secret").err == "EACCES");
    CHECK(g->get_perms("/local/domain/0/secret").err == "EACCES");
    CHECK(g->write("/local/domain/0/secret", "x").err == "EACCES");
    CHECK(g->rm("/local/domain/0/secret").err == "EACCES");
    CHECK(g->set_perms("/local/domain/0/secret", {"b5"}).err == "EACCES");
    CHECK(g->directory("/local/domain").err == "EACCES");
    CHECK(g->write("/tool/new", "x").err == "EACCES");
    CHECK(g->mkdir("/tool/newdir").err == "EACCES");
    // Nothing changed behind the refusals.
    CHECK(env.dom0_read("/local/domain/0/secret") == "s");
    CHECK(env.dom0_read("/tool/new") == "ENOENT");
}

TEMPLATE_TEST_CASE("missing nodes: ENOENT or EACCES by the nearest existing ancestor",
                   "[guest]", CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    env.dom0_write("/local/domain/0/secret", "s");

    // Readable ancestor: the miss is visible.
    CHECK(g->read("data/missing").err == "ENOENT");
    CHECK(g->read("data/missing/deeper").err == "ENOENT");
    CHECK(g->directory("data/missing").err == "ENOENT");
    // Below an unreadable existing node the daemons differ (measured; facts §10.1 has
    // the deeper case): C xenstored walks up to the nearest existing ancestor
    // /local/domain/0, which the guest cannot read, and hides the miss with EACCES;
    // oxenstored answers ENOENT, one level down as well as two.
    CHECK(g->read("/local/domain/0/nope").err == TestType::miss_unreadable);
    CHECK(g->read("/local/domain/0/nope/deeper").err == TestType::deep_miss_unreadable);
    // An existing unreadable node is EACCES on both.
    CHECK(g->read("/local/domain/0/secret").err == "EACCES");
    // Home is n0 r5: readable, not writable; creating below it needs WRITE there.
    CHECK(g->write("newkey", "v").err == "EACCES");
    CHECK(g->mkdir("newdir").err == "EACCES");
    CHECK(g->read("newkey").err == "ENOENT");
    // RM: a missing child of an existing writable node is fine, deeper is not.
    CHECK(g->rm("data/missing").ok());
    CHECK(g->rm("data/missing/deeper").err == "ENOENT");
}

TEMPLATE_TEST_CASE("permissions on the guest's own nodes", "[guest]", CXenstored,
                   OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);

    REQUIRE(g->write("data/p", "v").ok());
    // Owner may change the ACL (default and entries) but not give the node away:
    // C xenstored says EPERM, oxenstored EACCES (facts §10.1, measured).
    REQUIRE(g->set_perms("data/p", {"n5", "r0"}).ok());
    auto perms = g->get_perms("data/p");
    REQUIRE(perms.ok());
    CHECK(perms.val == std::vector<std::string>{"n5", "r0"});
    CHECK(g->set_perms("data/p", {"n0"}).err == TestType::give_away);
    CHECK(g->get_perms("data/p").val == std::vector<std::string>{"n5", "r0"});
    // Malformed perm strings are EINVAL on both.
    CHECK(g->set_perms("data/p", {"x5"}).err == "EINVAL");
}

TEMPLATE_TEST_CASE("watches: relative, absolute, initial events", "[guest][watch]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);

    REQUIRE(g->watch("data", "rel").ok());
    REQUIRE(g->watch(home(5) + "/data", "abs").ok());
    // Each registration fires once at once, with the path as given.
    CHECK(g->wait_event("data", "rel"));
    CHECK(g->wait_event(home(5) + "/data", "abs"));

    REQUIRE(g->write("data/k", "1").ok());
    // A relative watch reports paths relative to home; an absolute one absolute paths.
    CHECK(g->wait_event("data/k", "rel"));
    CHECK(g->wait_event(home(5) + "/data/k", "abs"));

    // Changes by dom0 reach the guest too.
    env.dom0_write(home(5) + "/data/k", "2");
    CHECK(g->wait_event("data/k", "rel"));

    // Same (path, token) twice is EEXIST, even spelled relative vs absolute.
    CHECK(g->watch(home(5) + "/data", "rel").err == "EEXIST");
    REQUIRE(g->unwatch("data", "rel").ok());
    CHECK(g->unwatch("data", "rel").err == "ENOENT");
    g->clear_events();
    REQUIRE(g->write("data/k", "3").ok());
    CHECK(g->wait_event(home(5) + "/data/k", "abs"));
    CHECK_FALSE(g->wait_event("data/k", "rel", 300ms));
}

TEMPLATE_TEST_CASE("no watch events for nodes the guest cannot read", "[guest][watch]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    env.dom0_write("/local/domain/0/secret/a", "s");

    // Registration is not permission-checked and fires the initial event anyway.
    REQUIRE(g->watch("/local/domain/0/secret", "t").ok());
    CHECK(g->wait_event("/local/domain/0/secret", "t"));
    // The pipe works: a node made readable to the guest does fire.
    env.dom0_write("/local/domain/0/secret/open", "o");
    env.dom0_set_perms("/local/domain/0/secret/open", {"n0", "r5"});
    CHECK(g->wait_event("/local/domain/0/secret/open", "t"));
    g->clear_events();
    // Unreadable node under an unreadable parent: filtered.
    env.dom0_write("/local/domain/0/secret/a", "changed");
    CHECK_FALSE(g->wait_event_if([](const Event &e) { return e.token == "t"; }, 400ms));
}

TEMPLATE_TEST_CASE("transactions commit and abort", "[guest][tx]", CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    REQUIRE(g->write("data/base", "0").ok());
    REQUIRE(g->watch("data", "w").ok());
    REQUIRE(g->wait_event("data", "w"));

    auto tx = g->transaction_start();
    REQUIRE(tx.ok());
    CHECK(tx.val != 0);
    REQUIRE(g->write("data/t1", "in-tx", tx.val).ok());
    CHECK(g->read("data/t1", tx.val).val == "in-tx");
    // Isolation: outside the transaction the write does not exist yet, nor fires.
    CHECK(g->read("data/t1").err == "ENOENT");
    CHECK(env.dom0_read(home(5) + "/data/t1") == "ENOENT");
    CHECK_FALSE(g->wait_event("data/t1", "w", 200ms));
    REQUIRE(g->transaction_end(tx.val, true).ok());
    CHECK(g->read("data/t1").val == "in-tx");
    CHECK(g->wait_event("data/t1", "w"));
    // The transaction is gone after END. An unknown tx id is ENOENT on C xenstored;
    // oxenstored answers EIO (measured).
    CHECK(g->read("data/t1", tx.val).err == TestType::unknown_tx);

    auto tx2 = g->transaction_start();
    REQUIRE(tx2.ok());
    REQUIRE(g->write("data/t2", "never", tx2.val).ok());
    REQUIRE(g->transaction_end(tx2.val, false).ok());
    CHECK(g->read("data/t2").err == "ENOENT");
    CHECK_FALSE(g->wait_event("data/t2", "w", 200ms));
    CHECK(g->read("data/base", 0x7777).err == TestType::unknown_tx);
}

TEMPLATE_TEST_CASE("transaction conflict gives EAGAIN", "[guest][tx]", CXenstored,
                   OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    REQUIRE(g->write("data/c", "0").ok());

    auto tx = g->transaction_start();
    REQUIRE(tx.ok());
    CHECK(g->read("data/c", tx.val).val == "0");
    // Someone else changes what the transaction read, then it writes and commits.
    env.dom0_write(home(5) + "/data/c", "dom0");
    REQUIRE(g->write("data/c", "guest", tx.val).ok());
    CHECK(g->transaction_end(tx.val, true).err == "EAGAIN");
    CHECK(g->read("data/c").val == "dom0");

    // Retrying the whole transaction, as xenbus_switch_state does, succeeds.
    auto tx2 = g->transaction_start();
    REQUIRE(tx2.ok());
    CHECK(g->read("data/c", tx2.val).val == "dom0");
    REQUIRE(g->write("data/c", "guest", tx2.val).ok());
    CHECK(g->transaction_end(tx2.val, true).ok());
    CHECK(g->read("data/c").val == "guest");
}

TEMPLATE_TEST_CASE("@introduceDomain/@releaseDomain only when dom0 grants them",
                   "[guest][watch]", CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);

    REQUIRE(g->watch("@introduceDomain", "intro").ok());
    REQUIRE(g->watch("@releaseDomain", "rel").ok());
    // Registration is accepted and fires the initial events regardless of perms.
    CHECK(g->wait_event("@introduceDomain", "intro"));
    CHECK(g->wait_event("@releaseDomain", "rel"));

    // Default special ACL n0: a guest hears nothing of other domains.
    env.introduce(6);
    env.destroy(6);
    CHECK_FALSE(g->wait_event_if([](const Event &e) { return e.path[0] == '@'; }, 500ms));

    env.dom0_set_perms("@introduceDomain", {"n0", "r5"});
    env.dom0_set_perms("@releaseDomain", {"n0", "r5"});
    env.introduce(7);
    CHECK(g->wait_event("@introduceDomain", "intro"));
    env.destroy(7);
    CHECK(g->wait_event("@releaseDomain", "rel"));
}

TEMPLATE_TEST_CASE("pipelined requests are matched by req_id", "[guest][ring]", CXenstored,
                   OXenstored) {
    Env<TestType> env;
    // Start close to the u32 wrap: the counter must wrap like Linux's does.
    auto g = env.guest(5, xsguest::Options{.first_req_id = 0xffffffc0u});
    REQUIRE(g->write("data/seed", "s").ok());

    // More writes than fit in the 1 KiB request ring at once: the client must keep
    // feeding the ring while replies come back, and notify only when the server idled.
    constexpr int n = 100;
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < n; ++i) {
        std::string body = "data/p" + std::to_string(i);
        body.push_back('\0');
        body += "v" + std::to_string(i);
        ids.push_back(g->send(XS_WRITE, body));
    }
    // Interleave reads of what was just written, also in flight.
    std::vector<std::uint32_t> reads;
    for (int i = 0; i < n; ++i)
        reads.push_back(g->send(XS_READ, xsx::with_nul("data/p" + std::to_string(i))));
    CHECK(g->in_flight() == 2 * n + 0u);

    // Await replies in reverse order of sending.
    for (int i = n - 1; i >= 0; --i) {
        auto r = g->wait_reply(reads[i]);
        REQUIRE(r.ok());
        CHECK(r.val.req_id == reads[i]);
        CHECK(r.val.body == "v" + std::to_string(i));
    }
    for (int i = n - 1; i >= 0; --i) CHECK(g->wait_reply(ids[i]).ok());
    CHECK(g->in_flight() == 0);
    // Boot sent 2 (feature read, RESET_WATCHES), the seed write 1: the counter wrapped.
    CHECK(g->next_req_id() == static_cast<std::uint32_t>(0xffffffc0u + 3 + 2 * n));
    CHECK(g->stats().unmatched == 0);
    CHECK(g->stats().bad_echo == 0);
    // Lazy notification: far fewer signals than messages.
    CHECK(g->stats().notifies < g->stats().msgs_sent);
}

TEMPLATE_TEST_CASE("RESET_WATCHES drops watches and transactions", "[guest][watch]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    REQUIRE(g->watch("data", "w").ok());
    REQUIRE(g->wait_event("data", "w"));
    auto tx = g->transaction_start();
    REQUIRE(tx.ok());

    REQUIRE(g->reset_watches().ok());
    REQUIRE(g->write("data/after", "1").ok());
    CHECK_FALSE(g->wait_event("data/after", "w", 300ms));
    // The old transaction went with the watches: its id is now unknown (C: ENOENT,
    // oxenstored: EIO).
    CHECK(g->read("data/after", tx.val).err == TestType::unknown_tx);
    // The same watch can be registered again afterwards.
    REQUIRE(g->watch("data", "w").ok());
    CHECK(g->wait_event("data", "w"));
}

TEMPLATE_TEST_CASE("boot: xs_reset_watches when the platform feature is set", "[guest][boot]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5, {}, /*boot=*/false);
    // Without libxl's feature key, boot sends nothing.
    env.dom0_rm(home(5) + "/control/platform-feature-xs_reset_watches");
    REQUIRE(g->connect().ok());
    CHECK_FALSE(g->sent_reset_watches());
    REQUIRE(g->watch("data", "old-kernel").ok());
    REQUIRE(g->wait_event("data", "old-kernel"));

    // A new kernel (kexec) on the same ring, with libxl's feature key.
    env.dom0_write(home(5) + "/control/platform-feature-xs_reset_watches", "1");
    REQUIRE(g->connect().ok());
    CHECK(g->sent_reset_watches());
    REQUIRE(g->write("data/x", "1").ok());
    CHECK_FALSE(g->wait_event("data/x", "old-kernel", 300ms));
}

TEMPLATE_TEST_CASE("ring reconnect, or the firmware fallback", "[guest][ring]", CXenstored,
                   OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    REQUIRE(g->watch("data", "w").ok());
    REQUIRE(g->wait_event("data", "w"));

    // oxenstored advertises XENSTORE_SERVER_FEATURE_RECONNECTION; 4.17 C xenstored
    // advertises no feature bits at all (facts §5).
    CHECK(g->server_can_reconnect() == TestType::reconnects);
    if (TestType::reconnects) {
        auto tx = g->transaction_start();
        REQUIRE(tx.ok());
        REQUIRE(g->reconnect().ok());
        CHECK(g->intf()->connection == XENSTORE_CONNECTED);
        // Fresh session: watches and transactions are gone, the ring still works.
        REQUIRE(g->write("data/y", "1").ok());
        CHECK_FALSE(g->wait_event("data/y", "w", 300ms));
        CHECK(g->read("data/y", tx.val).err == TestType::unknown_tx);
    } else {
        CHECK(g->reconnect().err == "EOPNOTSUPP");
        // hvmloader/OVMF without reconnect: garbage-fill and zero the indexes while the
        // server is idle. The server keeps the connection (and its watches) and reads
        // from index 0 again.
        g->firmware_reset();
        CHECK(g->intf()->req_prod == 0);
        REQUIRE(g->write("data/y", "1").ok());
        CHECK(g->read("data/y").val == "1");
        CHECK(g->wait_event("data/y", "w"));
    }
}

TEMPLATE_TEST_CASE("firmware reset then Linux boot on the same ring", "[guest][ring]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    env.dom0_write(home(5) + "/control/platform-feature-xs_reset_watches", "1");
    REQUIRE(g->watch("data", "firmware").ok());
    REQUIRE(g->wait_event("data", "firmware"));
    // Let the server run a few passes over an idle ring first.
    REQUIRE(g->read("data/none").err == "ENOENT");

    g->firmware_reset();
    for (unsigned i = 0; i < 4; ++i) CHECK(reinterpret_cast<unsigned char &>(g->intf()->rsp[i]) == 0xff);
    REQUIRE(g->connect().ok());
    CHECK(g->sent_reset_watches());
    REQUIRE(g->write("data/z", "1").ok());
    CHECK(g->read("data/z").val == "1");
    CHECK_FALSE(g->wait_event("data/z", "firmware", 300ms));
}

TEMPLATE_TEST_CASE("destroying the domain removes the nodes it owned", "[guest][life]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    {
        auto g = env.guest(5);
        REQUIRE(g->write("data/owned", "1").ok());
        REQUIRE(g->write("/local/domain/5/data/sub/deeper", "2").ok());
    }
    // A node dom0 created and still owns survives.
    env.dom0_write("/tool/keep5", "k");
    env.dom0_set_perms("/tool/keep5", {"n0", "r5"});
    REQUIRE(env.dom0_read(home(5) + "/data/owned") == "1");

    env.destroy(5);
    env.wait_gone(home(5) + "/data/owned");
    CHECK(env.dom0_read(home(5) + "/data/owned") == "ENOENT");
    CHECK(env.dom0_read(home(5) + "/data/sub/deeper") == "ENOENT");
    CHECK(env.dom0_read("/tool/keep5") == "k");
}

TEMPLATE_TEST_CASE("two hosts side by side with the same domid", "[guest][hosts]",
                   CXenstored, OXenstored) {
    Env<TestType> a;
    Env<TestType> b;
    auto ga = a.guest(5);
    auto gb = b.guest(5);

    REQUIRE(ga->write("data/who", "a").ok());
    REQUIRE(gb->write("data/who", "b").ok());
    CHECK(ga->read("data/who").val == "a");
    CHECK(gb->read("data/who").val == "b");
    CHECK(a.dom0_read(home(5) + "/data/who") == "a");
    CHECK(b.dom0_read(home(5) + "/data/who") == "b");

    // Events stay on their own host.
    REQUIRE(ga->watch("data", "wa").ok());
    REQUIRE(ga->wait_event("data", "wa"));
    REQUIRE(gb->write("data/who", "b2").ok());
    CHECK_FALSE(ga->wait_event("data/who", "wa", 300ms));
    REQUIRE(ga->write("data/who", "a2").ok());
    CHECK(ga->wait_event("data/who", "wa"));
}

TEMPLATE_TEST_CASE("bogus and unusual requests", "[guest][wire]", CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    REQUIRE(g->write("data/x", "1").ok());

    // READ whose payload is not exactly one NUL-terminated string: measured ENOENT on
    // 4.17 C, not the EINVAL facts §1 derives from onearg(); see TestType.
    CHECK(g->request(XS_READ, "data/x").err == TestType::read_no_nul);
    // Two strings where one is expected.
    CHECK(g->request(XS_READ, xsx::with_nul("data/x") + xsx::with_nul("y")).err ==
          TestType::read_two_args);
    // Server-to-client types sent by a client.
    CHECK(g->request(XS_WATCH_EVENT, xsx::with_nul("data/x") + xsx::with_nul("t")).err ==
          TestType::client_sent_event);
    // Privileged operations.
    CHECK(g->request(XS_INTRODUCE, std::string("6\0" "1\0" "1\0", 6)).err == "EACCES");
    CHECK(g->request(XS_RELEASE, xsx::with_nul("6")).err == "EACCES");
    // Invalid path characters.
    CHECK(g->read("data/a.b").err == "EINVAL");
    // The client survived all of it.
    CHECK(g->read("data/x").val == "1");
    CHECK_FALSE(g->broken());
}

TEMPLATE_TEST_CASE("DIRECTORY_PART lists a big directory in chunks", "[guest][wire]",
                   CXenstored, OXenstored) {
    Env<TestType> env;
    auto g = env.guest(5);
    // ~60 names of ~80 bytes: more than one 4 KiB reply. A guest cannot build such a
    // node itself (node-size quota 2048 counts the child list), so dom0 does, in the
    // guest's readable data/ dir.
    std::string pad(70, 'n');
    for (int i = 0; i < 60; ++i)
        env.dom0_write(home(5) + "/data/big/" + pad + std::to_string(100 + i), "");
    // C counts the child list in the node-size quota (2048), so the guest cannot add
    // one more child; oxenstored's maxsize limits only the value (measured).
    CHECK(g->write("data/big/" + pad + "999", "").err ==
          (TestType::child_list_in_node_size ? "ENOSPC" : ""));
    std::size_t expect = TestType::child_list_in_node_size ? 60 : 61;

    // The whole list no longer fits one reply: DIRECTORY is E2BIG on both. libxenstore
    // then falls back to DIRECTORY_PART (as directory_by_parts does), which 4.17
    // oxenstored does not implement: ENOSYS, mapped back to E2BIG by libxenstore.
    CHECK(g->directory("data/big").err == "E2BIG");
    if (!TestType::directory_part) {
        CHECK(g->directory_part("data/big", 0).err == "ENOSYS");
        CHECK(g->directory_by_parts("data/big").err == "ENOSYS");
        return;
    }
    auto parts = g->directory_by_parts("data/big");
    INFO("directory_by_parts: " << parts.err);
    REQUIRE(parts.ok());
    REQUIRE(parts.val.size() == expect);
    CHECK(contains(parts.val, pad + "100"));
    CHECK(contains(parts.val, pad + "159"));
    auto first = g->directory_part("data/big", 0);
    REQUIRE(first.ok());
    CHECK_FALSE(first.val.complete);
    auto past = g->directory_part("data/big", 1u << 20);
    REQUIRE(past.ok());
    CHECK(past.val.complete);
    CHECK(past.val.names.empty());
}
