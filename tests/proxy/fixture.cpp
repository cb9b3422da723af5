// SPDX-License-Identifier: LGPL-2.1-only
#include "fixture.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#ifndef XSPROXY_BIN
#error "XSPROXY_BIN must be defined by the build"
#endif
#ifndef XSPROXY_CTL_BIN
#error "XSPROXY_CTL_BIN must be defined by the build"
#endif

namespace proxytest {

namespace {

// The programs under test: the build's, unless XSPROXY_TEST_BIN / XSPROXY_TEST_CTL_BIN
// name others (CI's package smoke test runs proxy cases against the installed ones).
std::string program(const char *var, const char *built) {
    const char *p = std::getenv(var);
    return p && *p ? p : built;
}

bool wait_for_file(const std::string &path, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    struct stat st {};
    while (::stat(path.c_str(), &st) != 0) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

} // namespace

std::string err_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?" + std::to_string(e);
}

Env::Env(bool proxy, xensim::Daemon daemon, std::string upstream, const std::string &log_level)
    : host(daemon), upstream_(std::move(upstream)) {
    if (!proxy) return;
    ctl_path_ = host.state_dir() + "/xsproxy.ctl";
    proxy_.emplace(host.spawn({program("XSPROXY_TEST_BIN", XSPROXY_BIN), "-x", host.socket_path(),
                               "-s", ctl_path_, "-l", log_level},
                              {}, 0, host.state_dir() + "/xsproxy.log"));
    REQUIRE(wait_for_file(ctl_path_, 10s));
}

Env::~Env() {
    // Stop xsproxy before the host tears down its daemon and state directory.
    if (proxy_) proxy_->stop();
}

CmdResult Env::ctl(const std::vector<std::string> &args, int timeout_ms) {
    std::vector<std::string> argv{program("XSPROXY_TEST_CTL_BIN", XSPROXY_CTL_BIN), "--control",
                                  ctl_path_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {}, timeout_ms);
}

std::string Env::proxy_log() const { return testsupport::slurp(host.state_dir() + "/xsproxy.log"); }

std::vector<std::string> ring_args(const xensim::Proxied &p) {
    return {"--ring-gfn",    std::to_string(p.ring_gfn),   "--ring-port",
            std::to_string(p.store_port),                  "--shadow-gfn",
            std::to_string(p.shadow_gfn), "--shadow-port", std::to_string(p.shadow_port)};
}

void Env::attach(const xensim::Proxied &p, const std::vector<std::string> &extra) {
    std::vector<std::string> args{"attach", std::to_string(p.domid)};
    auto ra = ring_args(p);
    args.insert(args.end(), ra.begin(), ra.end());
    if (!upstream_.empty()) args.insert(args.end(), {"--upstream", upstream_});
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = ctl(args);
    INFO("attach: rc " << r.rc << " out " << r.out << " err " << r.err);
    REQUIRE(r.rc == 0);
}

std::unique_ptr<xsguest::Client> Env::guest(std::uint32_t domid, xsguest::Options o, bool boot,
                                            const std::vector<std::string> &extra) {
    return proxied() ? proxied_guest(domid, o, boot, extra) : direct_guest(domid, o, boot);
}

Env::Ring Env::ring(std::uint32_t domid, const std::vector<std::string> &extra) {
    REQUIRE(host.create_domain(static_cast<int>(domid)) == static_cast<int>(domid));
    if (!proxied()) {
        auto in = host.introduce(domid);
        return {in.ring_gfn, in.store_port};
    }
    auto p = host.prepare(domid);
    attach(p, extra);
    return {p.ring_gfn, p.store_port};
}

namespace {
std::unique_ptr<xsguest::Client> boot_guest(Env &env, std::uint32_t domid, Env::Ring ring,
                                            xsguest::Options o, bool boot) {
    auto g = xsguest::attach_xensim(env.host.sim(), domid, ring.gfn, ring.port, o);
    if (boot) {
        auto s = g->connect();
        INFO((env.proxied() ? "proxied" : "direct") << " boot: " << s);
        REQUIRE(s.ok());
    }
    return g;
}
} // namespace

std::unique_ptr<xsguest::Client> Env::direct_guest(std::uint32_t domid, xsguest::Options o,
                                                   bool boot) {
    REQUIRE_FALSE(proxied());
    return boot_guest(*this, domid, ring(domid), o, boot);
}

std::unique_ptr<xsguest::Client> Env::proxied_guest(std::uint32_t domid, xsguest::Options o,
                                                    bool boot,
                                                    const std::vector<std::string> &extra) {
    REQUIRE(proxied());
    return boot_guest(*this, domid, ring(domid, extra), o, boot);
}

std::string Env::dom0_read(const std::string &path) {
    unsigned len = 0;
    void *v = xs_read(host.xs(), XBT_NULL, path.c_str(), &len);
    if (!v) return err_name(errno);
    std::string out(static_cast<char *>(v), len);
    std::free(v);
    return out;
}

void Env::dom0_write(const std::string &path, const std::string &value) {
    INFO("dom0 write " << path);
    REQUIRE(xs_write(host.xs(), XBT_NULL, path.c_str(), value.data(),
                     static_cast<unsigned>(value.size())));
}

void Env::dom0_mkdir(const std::string &path) {
    INFO("dom0 mkdir " << path);
    REQUIRE(xs_mkdir(host.xs(), XBT_NULL, path.c_str()));
}

void Env::dom0_rm(const std::string &path) {
    INFO("dom0 rm " << path);
    REQUIRE(xs_rm(host.xs(), XBT_NULL, path.c_str()));
}

void Env::dom0_set_perms(const std::string &path, const std::vector<std::string> &perms) {
    std::vector<xs_permissions> p;
    for (const auto &s : perms) {
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

std::vector<std::string> Env::dom0_get_perms(const std::string &path) {
    unsigned n = 0;
    xs_permissions *p = xs_get_permissions(host.xs(), XBT_NULL, path.c_str(), &n);
    std::vector<std::string> out;
    if (!p) return {err_name(errno)};
    for (unsigned i = 0; i < n; ++i) {
        char c = 'n';
        if ((p[i].perms & XS_PERM_READ) && (p[i].perms & XS_PERM_WRITE)) c = 'b';
        else if (p[i].perms & XS_PERM_READ) c = 'r';
        else if (p[i].perms & XS_PERM_WRITE) c = 'w';
        out.push_back(c + std::to_string(p[i].id));
    }
    std::free(p);
    return out;
}

void Run::events(std::size_t n, std::chrono::milliseconds quiet) {
    for (std::size_t i = 0; i < n; ++i) {
        auto e = g.next_event();
        lines.push_back(e ? "event " + show(*e) : std::string("event <none>"));
    }
    if (auto extra = g.next_event(quiet)) lines.push_back("extra event " + show(*extra));
}

std::string map_domid(const std::string &s, std::uint32_t id, std::uint32_t other) {
    const std::string want = std::to_string(id);
    const std::string want_other = other ? std::to_string(other) : std::string();
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (std::isdigit(static_cast<unsigned char>(s[i]))) {
            std::size_t j = i;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            std::string run = s.substr(i, j - i);
            out += run == want ? "@" : run == want_other ? "#" : run;
            i = j;
        } else {
            out += s[i++];
        }
    }
    return out;
}

std::vector<std::string> differential(const Scenario &s, const Setup &setup,
                                      bool map_domain_one) {
    std::vector<std::string> t[2];
    for (int mode = 0; mode < 2; ++mode) {
        Env env(mode == 1);
        auto g = env.guest(R);
        // After the guest's domain exists: xenstored refuses perms naming unknown domains.
        if (setup) setup(env, R);
        Run run{env, *g, env.self(R), R, {}};
        s(run);
        std::uint32_t other = map_domain_one ? (mode ? R : 1) : 0;
        for (auto &l : run.lines) t[mode].push_back(map_domid(l, run.me, other));
        // For writing scenarios: PROXYTEST_SHOW=1 prints both transcripts.
        if (std::getenv("PROXYTEST_SHOW"))
            for (auto &l : t[mode]) std::fprintf(stderr, "%s| %s\n", mode ? "proxy " : "direct", l.c_str());
    }
    for (std::size_t i = 0; i < std::max(t[0].size(), t[1].size()); ++i) {
        std::string d = i < t[0].size() ? t[0][i] : "<missing>";
        std::string p = i < t[1].size() ? t[1][i] : "<missing>";
        INFO("transcript line " << i);
        CHECK(p == d);
    }
    return t[0];
}

} // namespace proxytest
