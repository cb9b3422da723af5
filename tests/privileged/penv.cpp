#include "penv.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <csignal>
#include <fstream>
#include <iterator>
#include <thread>

#ifndef XSPROXY_BIN
#error "XSPROXY_BIN must be defined by the build"
#endif

namespace privtest {

namespace {

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string err_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?" + std::to_string(e);
}

} // namespace

const char *mode_name(Mode m) {
    switch (m) {
    case Mode::direct: return "direct";
    case Mode::privileged: return "privileged";
    case Mode::ring: return "ring";
    }
    return "?";
}

CmdResult run(const std::vector<std::string> &argv, int timeout_ms) {
    char out_tmpl[] = "/tmp/privtest-outXXXXXX";
    char err_tmpl[] = "/tmp/privtest-errXXXXXX";
    int out_fd = ::mkstemp(out_tmpl), err_fd = ::mkstemp(err_tmpl);
    CmdResult r;
    if (out_fd < 0 || err_fd < 0) return r;
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        std::vector<char *> a;
        for (const auto &s : argv) a.push_back(const_cast<char *>(s.c_str()));
        a.push_back(nullptr);
        ::execvp(a[0], a.data());
        _exit(127);
    }
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            status = -1;
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    if (status != -1 && WIFEXITED(status)) r.rc = WEXITSTATUS(status);
    ::close(out_fd);
    ::close(err_fd);
    r.out = slurp(out_tmpl);
    r.err = slurp(err_tmpl);
    ::unlink(out_tmpl);
    ::unlink(err_tmpl);
    return r;
}

Env::Env(xensim::Daemon d, Mode m) : host(d), mode(m) {
    if (!proxied()) return;
    ctl_path_ = host.state_dir() + "/xsproxy.ctl";
    proxy_.emplace(host.spawn({XSPROXY_BIN, "-x", host.socket_path(), "-s", ctl_path_, "-l", "debug"},
                              {}, 0, host.state_dir() + "/xsproxy.log"));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    struct stat st {};
    while (::stat(ctl_path_.c_str(), &st) != 0) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(10ms);
    }
}

Env::~Env() {
    if (!proxy_) return;
    proxy_->stop();
    if (std::getenv("PRIVTEST_LOG")) std::fprintf(stderr, "%s\n", slurp(host.state_dir() + "/xsproxy.log").c_str());
}

CmdResult Env::ctl(const std::vector<std::string> &args) {
    std::vector<std::string> argv{XSPROXY_CTL_BIN, "--control", ctl_path_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

std::unique_ptr<xsguest::Client> Env::guest(std::uint32_t domid, const std::vector<std::string> &extra) {
    REQUIRE(host.create_domain(static_cast<int>(domid)) == static_cast<int>(domid));
    std::uint64_t gfn = 0;
    std::uint32_t port = 0;
    if (!proxied()) {
        auto in = host.introduce(domid);
        gfn = in.ring_gfn;
        port = in.store_port;
    } else {
        auto p = host.prepare(domid);
        std::vector<std::string> args{"attach", std::to_string(domid),
                                      "--ring-gfn", std::to_string(p.ring_gfn),
                                      "--ring-port", std::to_string(p.store_port),
                                      "--shadow-gfn", std::to_string(p.shadow_gfn),
                                      "--shadow-port", std::to_string(p.shadow_port),
                                      "--upstream", mode_name(mode)};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = ctl(args);
        INFO("attach: rc " << r.rc << " out " << r.out << " err " << r.err);
        REQUIRE(r.rc == 0);
        gfn = p.ring_gfn;
        port = p.store_port;
    }
    auto g = xsguest::attach_xensim(host.sim(), domid, gfn, port);
    auto s = g->connect();
    INFO(mode_name(mode) << " boot: " << s);
    REQUIRE(s.ok());
    return g;
}

std::string Env::dump(std::uint32_t domid) { return ctl({"dump", std::to_string(domid)}).out; }

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
    REQUIRE(xs_write(host.xs(), XBT_NULL, path.c_str(), value.data(), static_cast<unsigned>(value.size())));
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
    REQUIRE(xs_set_permissions(host.xs(), XBT_NULL, path.c_str(), p.data(), static_cast<unsigned>(p.size())));
}

void Run::events(std::size_t n, std::chrono::milliseconds quiet) {
    for (std::size_t i = 0; i < n; ++i) {
        auto e = g.next_event();
        lines.push_back(e ? "event " + show(*e) : std::string("event <none>"));
    }
    if (auto extra = g.next_event(quiet)) lines.push_back("extra event " + show(*extra));
}

std::string map_domid(const std::string &s, std::uint32_t id) {
    const std::string want = std::to_string(id);
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (std::isdigit(static_cast<unsigned char>(s[i]))) {
            std::size_t j = i;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            std::string r = s.substr(i, j - i);
            out += r == want ? "@" : r;
            i = j;
        } else {
            out += s[i++];
        }
    }
    return out;
}

namespace {
std::vector<std::string> one(xensim::Daemon d, Mode m, const Scenario &s, const Setup &setup) {
    Env env(d, m);
    auto g = env.guest(R);
    if (setup) setup(env, R);
    Run r{env, *g, env.self(R), R, {}};
    s(r);
    std::vector<std::string> out;
    for (auto &l : r.lines) out.push_back(map_domid(l, r.me));
    if (std::getenv("PRIVTEST_SHOW")) {
        const char *name = d == xensim::Daemon::c ? (m == Mode::direct ? "C-direct" : "C-priv  ") : "ox-priv ";
        for (auto &l : out) std::fprintf(stderr, "%s| %s\n", name, l.c_str());
        if (m != Mode::direct) std::fprintf(stderr, "%s\n", env.dump(R).c_str());
    }
    return out;
}
} // namespace

void differential(const Scenario &s, const Setup &setup) {
    auto c = one(xensim::Daemon::c, Mode::direct, s, setup);
    for (auto d : {xensim::Daemon::ocaml, xensim::Daemon::c}) {
        auto p = one(d, Mode::privileged, s, setup);
        const char *dn = d == xensim::Daemon::c ? "C xenstored" : "oxenstored";
        for (std::size_t i = 0; i < std::max(c.size(), p.size()); ++i) {
            std::string want = i < c.size() ? c[i] : "<missing>";
            std::string got = i < p.size() ? p[i] : "<missing>";
            INFO("privileged upstream on " << dn << ", transcript line " << i);
            CHECK(got == want);
        }
    }
}

} // namespace privtest
