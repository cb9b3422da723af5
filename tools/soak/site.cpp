// SPDX-License-Identifier: LGPL-2.1-only
#include "site.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace soak {

namespace {

using Clock = std::chrono::steady_clock;

std::string drain(int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
    return s;
}

std::string home(std::uint32_t d) { return fmt::format("/local/domain/{}", d); }

void need(bool ok, const std::string &what) {
    if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
}

} // namespace

Site::Site(const std::string &n) : name(n) {
    ctl_path_ = host.state_dir() + "/xsproxy.ctl";
    proxy_.emplace(host.spawn({XSPROXY_PATH, "-x", host.socket_path(), "-s", ctl_path_, "-l",
                               std::getenv("XSPROXY_SOAK_LOG") ? std::getenv("XSPROXY_SOAK_LOG") : "warn"},
                              {}, 0, host.state_dir() + "/xsproxy.log"));
    auto deadline = Clock::now() + std::chrono::seconds(10);
    struct stat st {};
    while (::stat(ctl_path_.c_str(), &st) != 0) {
        if (Clock::now() > deadline) throw std::runtime_error("xsproxy did not start on " + n);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

Site::~Site() {
    if (proxy_) proxy_->stop();
    if (std::getenv("XSPROXY_SOAK_LOG")) {
        // Debugging aid: the daemon's log goes away with the host's state directory.
        std::string cmd = "sed 's/^/" + name + ": /' " + host.state_dir() + "/xsproxy.log >&2";
        if (std::system(cmd.c_str()) != 0) std::fputs("cannot show the log\n", stderr);
    }
}

Cmd Site::ctl(const std::vector<std::string> &args) {
    std::vector<std::string> argv{XSPROXY_CTL_PATH, "--control", ctl_path_};
    argv.insert(argv.end(), args.begin(), args.end());
    int out[2], err[2];
    need(::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0, "pipe");
    auto t0 = Clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        std::vector<char *> a;
        for (const auto &s : argv) a.push_back(const_cast<char *>(s.c_str()));
        a.push_back(nullptr);
        ::execv(a[0], a.data());
        _exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    Cmd c;
    c.out = drain(out[0]); // replies are one short line: no deadlock on the other pipe
    c.err = drain(err[0]);
    ::close(out[0]);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    c.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (WIFEXITED(status)) c.rc = WEXITSTATUS(status);
    return c;
}

xensim::Proxied Site::build(std::uint32_t domid, int port_hint) {
    if (host.create_domain(static_cast<int>(domid)) != static_cast<int>(domid))
        throw std::runtime_error(fmt::format("{}: create domain {}", name, domid));
    return host.prepare(domid, port_hint);
}

std::vector<std::string> Site::ring_args(const xensim::Proxied &p) const {
    return {"--ring-gfn",   std::to_string(p.ring_gfn),   "--ring-port",
            std::to_string(p.store_port),                  "--shadow-gfn",
            std::to_string(p.shadow_gfn), "--shadow-port", std::to_string(p.shadow_port)};
}

void Site::add_vif(std::uint32_t domid) {
    xs_handle *xs = host.xs();
    std::string fe = home(domid) + "/device/vif/0";
    std::string be = fmt::format("/local/domain/0/backend/vif/{}/0", domid);
    for (int tries = 0;; ++tries) {
        if (tries > 16) throw std::runtime_error("vif transaction keeps conflicting");
        xs_transaction_t t = xs_transaction_start(xs);
        need(t != XBT_NULL, "transaction_start");
        xs_permissions fe_perms[2] = {{domid, XS_PERM_NONE}, {0, XS_PERM_READ}};
        xs_permissions be_perms[2] = {{0, XS_PERM_NONE}, {domid, XS_PERM_READ}};
        need(xs_mkdir(xs, t, fe.c_str()) && xs_set_permissions(xs, t, fe.c_str(), fe_perms, 2) &&
                 xs_mkdir(xs, t, be.c_str()) && xs_set_permissions(xs, t, be.c_str(), be_perms, 2),
             "vif dirs");
        auto w = [&](const std::string &p, const std::string &v) {
            need(xs_write(xs, t, p.c_str(), v.data(), static_cast<unsigned>(v.size())), p);
        };
        w(fe + "/backend", be);
        w(fe + "/backend-id", "0");
        w(fe + "/state", "1");
        w(be + "/frontend", fe);
        w(be + "/frontend-id", std::to_string(domid));
        w(be + "/state", "1");
        if (xs_transaction_end(xs, t, false)) return;
        need(errno == EAGAIN, "vif transaction_end");
    }
}

void Site::retire(std::uint32_t domid) {
    Cmd d = ctl({"detach", std::to_string(domid)});
    if (d.rc != 0) throw std::runtime_error(name + ": detach: " + d.err);
    host.destroy(domid);
    xs_rm(host.xs(), XBT_NULL, home(domid).c_str());
    xs_rm(host.xs(), XBT_NULL, fmt::format("/local/domain/0/backend/vif/{}", domid).c_str());
}

std::string Site::read(const std::string &path) {
    unsigned len = 0;
    void *v = xs_read(host.xs(), XBT_NULL, path.c_str(), &len);
    if (!v) return std::string("!") + std::strerror(errno);
    std::string s(static_cast<char *>(v), len);
    std::free(v);
    return s;
}

bool Site::write(const std::string &path, const std::string &value) {
    return xs_write(host.xs(), XBT_NULL, path.c_str(), value.data(),
                    static_cast<unsigned>(value.size()));
}

} // namespace soak
