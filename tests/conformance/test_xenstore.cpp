// SPDX-License-Identifier: LGPL-2.1-only
// Xen's own test-xenstore (xen-utils-4.17), an unmodified libxenstore client, run through
// xsproxy's per-guest socket and compared with the same binary run directly as the same
// guest.
//
// test-xenstore works under the relative path "xenstore-test/<pid>", i.e. in the home of
// whoever runs it, and removes "xenstore-test" when it ends. A guest's home is libxl's
// "n0 rR" (read-only for the guest), so before every run dom0 creates the root owned by
// R, as a toolstack grants a guest any writable subtree (data/, device/, ...).
//
// Identity matters: dom0's socket (privileged, exempt from quotas, writing
// /local/domain/0) is not what the guest would get from xenstored. So the "direct" run is
// domain R itself: a relay gives libxenstore a unix socket whose requests go out on R's
// own ring to xenstored, as Linux's /dev/xen/xenbus does for a guest's userspace. The
// privileged dom0 run is kept for information, in the note.
#include "../proxy/fixture.h"
#include "report.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

using namespace proxytest;

namespace {

const std::string xs_test_bin = "/usr/lib/xen-4.17/bin/test-xenstore";
constexpr int run_timeout_ms = 10000;

// Each test repeats its pre-init/init/run/deinit cycle this often in one session.
// XS_TEST_ITERATIONS=N overrides it and prints the tool's timings (ns per run).
std::string iterations() {
    const char *e = std::getenv("XS_TEST_ITERATIONS");
    return e && *e ? e : "3";
}
bool show_timings() {
    return std::getenv("XS_TEST_ITERATIONS") != nullptr;
}

bool write_all(int fd, const std::string &s) {
    std::size_t done = 0;
    while (done < s.size()) {
        ssize_t n = ::write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// A unix socket in front of a guest's own ring: each request of the connected client is
// sent on the ring with its type, payload and tx_id unchanged, and its reply goes back
// with the client's req_id; watch events queued meanwhile follow the reply. One client at
// a time, one request at a time (libxenstore without a watch thread waits for each
// reply). The Client is used only by the relay's thread.
class RingRelay {
  public:
    RingRelay(std::unique_ptr<xsguest::Client> guest, std::string path)
        : guest_(std::move(guest)), path_(std::move(path)) {
        listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(listen_fd_ >= 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        REQUIRE(path_.size() < sizeof(a.sun_path));
        std::strcpy(a.sun_path, path_.c_str());
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0);
        REQUIRE(::listen(listen_fd_, 4) == 0);
        REQUIRE(::pipe2(stop_, O_CLOEXEC) == 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~RingRelay() {
        (void)!::write(stop_[1], "x", 1);
        thread_.join();
        ::close(listen_fd_);
        ::close(stop_[0]);
        ::close(stop_[1]);
        ::unlink(path_.c_str());
    }
    const std::string &path() const { return path_; }

  private:
    // Wait until fd is readable; false when asked to stop.
    bool readable(int fd) {
        pollfd p[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
        while (::poll(p, 2, -1) < 0)
            if (errno != EINTR) return false;
        return !(p[1].revents & POLLIN);
    }

    void serve() {
        while (readable(listen_fd_)) {
            int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            session(c);
            ::close(c);
        }
    }

    void session(int c) {
        xsx::Decoder dec;
        char buf[4096];
        while (readable(c)) {
            ssize_t n = ::read(c, buf, sizeof(buf));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            dec.feed(buf, static_cast<std::size_t>(n));
            if (dec.state() != xsx::Decoder::State::ok) return;
            while (dec.has_msg())
                if (!forward(c, dec.pop())) return;
        }
    }

    bool forward(int c, const xsx::Msg &m) {
        auto r = guest_->wait_reply(guest_->send(m.type, m.body, m.tx_id));
        // A transport failure (no reply in time, broken ring) becomes EIO, which the
        // test then reports as its ret; a reply (error or not) is passed on as it is.
        xsx::Msg out = (r.ok() || xsx::is_error(r.val)) ? r.val : xsx::reply_error(m, "EIO");
        out.req_id = m.req_id;
        std::string bytes = xsx::encode(out);
        for (const auto &e : guest_->events())
            xsx::encode_to({XS_WATCH_EVENT, 0, 0, e.path + '\0' + e.token + '\0'}, bytes);
        guest_->clear_events();
        return write_all(c, bytes);
    }

    std::unique_ptr<xsguest::Client> guest_;
    std::string path_;
    int listen_fd_ = -1;
    int stop_[2] = {-1, -1};
    std::thread thread_;
};

// The names test-xenstore -l lists ("<name padded to 10>: <description>").
std::vector<std::string> list_tests() {
    auto r = run({xs_test_bin, "-l"}, {}, run_timeout_ms);
    REQUIRE(r.rc == 0);
    std::vector<std::string> names;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto name = line.substr(0, colon);
        name.erase(name.find_last_not_of(' ') + 1);
        names.push_back(name);
    }
    return names;
}

struct Verdict {
    std::string text; // "pass" or "FAIL …"
    std::string out;  // the tool's output
    bool pass() const { return text == "pass"; }
};

// One session of test-xenstore on `socket` (test "" = all tests in one session).
Verdict xs_test(const std::string &socket, const std::string &test) {
    std::vector<std::string> argv{xs_test_bin, "-i", iterations()};
    if (!test.empty()) argv.insert(argv.end(), {"-t", test});
    auto r = run(argv, {"XENSTORED_PATH=" + socket}, run_timeout_ms);
    Verdict v{"", r.out + r.err};
    if (r.rc == 0) {
        v.text = "pass";
        return v;
    }
    if (r.rc == -1) {
        v.text = "FAIL (no exit within " + std::to_string(run_timeout_ms / 1000) + " s)";
        return v;
    }
    // "<name>: failed (ret = N, stage S)": N is an errno value.
    auto at = r.out.find("failed (ret = ");
    if (r.rc == 3 && at != std::string::npos) {
        std::istringstream f(r.out.substr(at + 14));
        int ret = 0;
        std::string comma, stage_word, stage;
        f >> ret >> comma >> stage_word >> stage;
        if (!stage.empty() && stage.back() == ')') stage.pop_back();
        v.text = "FAIL (" + err_name(ret) + " at " + stage + ")";
    } else {
        v.text = "FAIL (exit " + std::to_string(r.rc) + ")";
    }
    return v;
}

// What a test means for a guest, where that differs from what it means for dom0 or is
// not obvious from its name.
const std::map<std::string, std::string> about = {
    {"read 2000", "As the guest the node's record is 2028 bytes, under C xenstored's "
                  "2048-byte node-size quota (dom0 is exempt)."},
    {"write 2000", "As the guest the write makes a 2028-byte record, under C xenstored's "
                   "2048-byte node-size quota (dom0 is exempt)."},
    {"rm dir", "test-xenstore 4.17's init checks xs_write inverted, so it creates only the "
               "first of its 10 sub-nodes: this removes a node with one child."},
    {"ta err", "A write outside the open transaction must make its commit fail with EAGAIN."},
    {"all, one session", "All tests on one connection, then test-xenstore's cleanup "
                         "removes the empty root in a transaction."},
};

// xsproxy on its own host, the guest's ring attached with a per-guest socket.
struct Proxied {
    explicit Proxied(const std::string &upstream)
        : upstream(upstream), env(std::make_unique<Env>(true, xensim::Daemon::c, upstream)),
          sock(env->host.state_dir() + "/guest7.sock"),
          guest(env->guest(R, {}, true, {"--socket", sock})) {}
    std::string upstream;
    std::unique_ptr<Env> env;
    std::string sock;
    std::unique_ptr<xsguest::Client> guest; // the guest's kernel, keeps the ring alive
};

// The test root, owned by the guest: what a toolstack would grant it.
void grant_root(Env &e) {
    e.dom0_write(home(R) + "/xenstore-test", "");
    e.dom0_set_perms(home(R) + "/xenstore-test", {"n" + std::to_string(R)});
}

bool root_gone(Env &e) {
    return e.dom0_read(home(R) + "/xenstore-test") == "ENOENT";
}

} // namespace

TEST_CASE("Xen's test-xenstore passes through xsproxy wherever it passes directly", "[xs-test]") {
    const auto tests = list_tests();
    REQUIRE(tests.size() >= 12); // 4.17 has 12; more would be run too

    // Both of xsproxy's upstreams: a ring of its own as R (xenstored enforces), and the
    // privileged socket (xsproxy enforces R's perms and quotas itself).
    std::vector<std::unique_ptr<Proxied>> proxies;
    for (const char *u : {"ring", "privileged"})
        proxies.push_back(std::make_unique<Proxied>(u));

    Env direct(false);
    RingRelay relay(direct.direct_guest(R), direct.host.state_dir() + "/relay7.sock");
    const std::string dom0_sock = direct.host.socket_path();

    // The identities compared: the relay is unprivileged domain R, the guest socket is
    // the same guest as xsproxy shows it (domid 1).
    auto tool = [](const std::string &sock, const std::vector<std::string> &argv) {
        return run(argv, {"XENSTORED_PATH=" + sock}, run_timeout_ms);
    };
    CHECK(tool(relay.path(), {"xenstore-read", "domid"}).out == std::to_string(R) + "\n");
    CHECK(tool(relay.path(), {"xenstore-write", "/tool/x", "y"}).rc != 0);
    for (auto &p : proxies) {
        CHECK(tool(p->sock, {"xenstore-read", "domid"}).out == "1\n");
        CHECK(tool(p->sock, {"xenstore-write", "/tool/x", "y"}).rc != 0);
    }

    std::vector<conf::XsTestRow> rows;
    auto one = [&](const std::string &name, const std::string &test) {
        grant_root(direct);
        auto d = xs_test(relay.path(), test);
        auto z = xs_test(dom0_sock, test);
        INFO("test " << name << "\ndirect (guest R): " << d.out << "\ndom0: " << z.out);
        if (show_timings()) WARN(name << "\n direct " << d.out << " dom0   " << z.out);
        if (d.pass()) CHECK(root_gone(direct));

        std::vector<std::string> verdicts;
        std::string per_upstream;
        for (auto &p : proxies) {
            grant_root(*p->env);
            auto v = xs_test(p->sock, test);
            INFO("through xsproxy, upstream " << p->upstream << ": " << v.out);
            if (show_timings()) WARN(name << "\n " << p->upstream << " " << v.out);
            if (d.pass()) {
                CHECK(v.text == d.text);
                // test-xenstore's own cleanup (rm of its root in a transaction) must have
                // worked through xsproxy as it did directly.
                CHECK(root_gone(*p->env));
            }
            verdicts.push_back(v.text);
            per_upstream += (per_upstream.empty() ? "" : "; ") + p->upstream + ": " + v.text;
        }
        const bool agree = std::count(verdicts.begin(), verdicts.end(), verdicts[0]) ==
                           static_cast<long>(verdicts.size());
        const bool same = agree && verdicts[0] == d.text;
        std::string note = std::string(agree ? "Upstream ring and privileged alike; " : "") +
                           "dom0 socket (privileged): " + z.text + ".";
        if (!same) note += " Differs from the direct guest run.";
        if (z.pass() && !d.pass()) note += " Fails as the guest itself, not only via xsproxy.";
        if (about.count(name)) note += " " + about.at(name);
        rows.push_back({name, agree ? verdicts[0] : per_upstream, d.text, note});
    };
    for (const auto &t : tests)
        one(t, t);
    one("all, one session", "");

    conf::record_xs_test(rows);

    // Nothing in test-xenstore makes xenstored hold R back (no quota is reached), so the
    // ring upstream must never have backed off. It used to: a kick pass that took all of
    // a ring-sized chunk at the pair's first reply was counted idle at its second, and the
    // backoff then grew across stalls to 64 ms per 2000-byte read or write.
    auto dump = proxies[0]->env->ctl({"dump", std::to_string(R), "--json"});
    REQUIRE(dump.rc == 0);
    INFO(dump.out);
    CHECK(dump.out.find("\"kind\":\"ring\"") != std::string::npos);
    CHECK(dump.out.find("\"backoffs\":0,") != std::string::npos);
}
