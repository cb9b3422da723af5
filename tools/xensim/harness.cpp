// SPDX-License-Identifier: LGPL-2.1-only
#include "harness.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

namespace xensim {

Process &Process::operator=(Process &&o) noexcept
{
    if (this != &o) {
        stop();
        pid_ = o.pid_;
        status_ = o.status_;
        o.pid_ = -1;
    }
    return *this;
}

bool Process::running()
{
    if (pid_ <= 0)
        return false;
    int st;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = st;
        pid_ = -1;
        return false;
    }
    return r == 0;
}

int Process::wait()
{
    if (pid_ > 0) {
        int st;
        while (waitpid(pid_, &st, 0) < 0 && errno == EINTR)
            ;
        status_ = st;
        pid_ = -1;
    }
    return status_;
}

void Process::stop(int grace_ms)
{
    if (pid_ > 0)
        stop_process(pid_, grace_ms);
    pid_ = -1;
}

namespace {

std::string make_state_dir()
{
    const char *tmp = getenv("TMPDIR");
    std::string base = tmp && *tmp && std::string_view(tmp).rfind("/run", 0) != 0 ? tmp
                                                                                  : "/tmp";
    std::string templ = base + "/xensim-XXXXXX";
    if (!mkdtemp(templ.data()))
        throw std::runtime_error(fmt::format("mkdtemp {}: {}", templ, strerror(errno)));
    return templ;
}

void check(int rc, const std::string &what)
{
    if (rc < 0)
        throw std::runtime_error(fmt::format("{}: {}", what, strerror(errno)));
}

} // namespace

Host::Host(Daemon daemon) : daemon_(daemon), dir_(make_state_dir())
{
    try {
        check(xensim_host_init(dir_.c_str()), "xensim_host_init " + dir_);
        sim_ = xensim_host_open(dir_.c_str());
        if (!sim_)
            check(-1, "xensim_host_open " + dir_);
        daemon_pid_ = start_daemon(dir_, daemon_, true);
        xs_ = open_dom0_xs(socket_path());
    } catch (...) {
        cleanup();
        throw;
    }
}

Host::~Host()
{
    cleanup();
}

void Host::stop_daemon()
{
    if (xs_)
        xs_close(xs_);
    xs_ = nullptr;
    stop_process(daemon_pid_);
    daemon_pid_ = -1;
}

void Host::cleanup() noexcept
{
    stop_daemon();
    if (sim_)
        xensim_host_close(sim_);
    sim_ = nullptr;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

int Host::create_domain(int domid)
{
    int d = xensim_domain_create(sim_, domid);
    check(d, fmt::format("create domain {}", domid));
    return d;
}

Introduced Host::introduce(uint32_t domid)
{
    return introduce_domain(sim_, xs_, domid);
}

Proxied Host::prepare(uint32_t domid, int store_port_hint)
{
    return prepare_proxied_domain(sim_, xs_, domid, store_port_hint);
}

void Host::shutdown(uint32_t domid, int reason)
{
    check(xensim_domain_shutdown(sim_, domid, reason), fmt::format("shutdown {}", domid));
}

void Host::crash(uint32_t domid)
{
    check(xensim_domain_crash(sim_, domid), fmt::format("crash {}", domid));
}

void Host::resume(uint32_t domid)
{
    check(xensim_domain_resume(sim_, domid), fmt::format("resume {}", domid));
}

void Host::destroy(uint32_t domid)
{
    check(xensim_domain_destroy(sim_, domid), fmt::format("destroy {}", domid));
}

Process Host::spawn(const std::vector<std::string> &argv,
                    const std::vector<std::string> &extra_env, uint32_t domid,
                    const std::string &log_file) const
{
    SpawnOptions opt;
    opt.env = env(domid);
    opt.env.insert(opt.env.end(), extra_env.begin(), extra_env.end());
    opt.log_file = log_file;
    return Process(xensim::spawn(argv, opt));
}

} // namespace xensim
