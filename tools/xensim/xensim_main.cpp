// SPDX-License-Identifier: LGPL-2.1-only
// xensim: drive a simulated Xen host from the shell (see docs/xensim.md).
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daemon.h"
#include "toolstack.h"
#include "xensim.h"

namespace {

const char usage[] =
    "usage: xensim [--state DIR] COMMAND   (DIR defaults to $XENSIM_STATE)\n"
    "  host start --daemon c|ocaml    init DIR, start xenstored, print its socket\n"
    "  host stop                      stop the host's daemon\n"
    "  domain create [--domid N]      print the new domid\n"
    "  domain shutdown N [--reason R] | crash N | destroy N | resume N | reap N\n"
    "  introduce N                    libxl-like introduction; prints domid gfn port\n"
    "  prepare N                      as introduce, but for xsproxy: guest ring + shadow ring\n"
    "                                 (grant 1), no INTRODUCE; prints the attach arguments\n"
    "  dump                           domains, grants and event channels\n";

struct Args {
    std::string state;
    std::optional<std::string> daemon;
    std::optional<int> domid, reason;
    std::vector<std::string> words;
};

int to_int(const std::string &s)
{
    size_t pos = 0;
    int v = std::stoi(s, &pos, 0);
    if (pos != s.size())
        throw std::invalid_argument("not a number: " + s);
    return v;
}

Args parse(int argc, char **argv)
{
    Args a;
    if (const char *e = getenv("XENSIM_STATE"))
        a.state = e;
    for (int i = 1; i < argc; i++) {
        std::string w = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::invalid_argument(w + " needs a value");
            return argv[++i];
        };
        if (w == "--state")
            a.state = value();
        else if (w == "--daemon")
            a.daemon = value();
        else if (w == "--domid")
            a.domid = to_int(value());
        else if (w == "--reason")
            a.reason = to_int(value());
        else if (w == "-h" || w == "--help")
            throw std::invalid_argument("");
        else
            a.words.push_back(w);
    }
    if (a.state.empty())
        throw std::invalid_argument("no state dir: pass --state DIR or set XENSIM_STATE");
    a.state = std::filesystem::absolute(a.state).lexically_normal().string();
    while (a.state.size() > 1 && a.state.back() == '/')
        a.state.pop_back();
    return a;
}

struct HostRef {
    xensim_host *h;
    explicit HostRef(const std::string &dir) : h(xensim_host_open(dir.c_str()))
    {
        if (!h)
            throw std::runtime_error(fmt::format("{}: not a xensim host: {}", dir,
                                                 strerror(errno)));
    }
    ~HostRef() { xensim_host_close(h); }
};

void check(int rc, const std::string &what)
{
    if (rc < 0)
        throw std::runtime_error(fmt::format("{}: {}", what, strerror(errno)));
}

int host_cmd(const Args &a)
{
    const std::string &sub = a.words.at(1);
    if (sub == "start") {
        auto d = xensim::parse_daemon(a.daemon.value_or("c"));
        if (!d)
            throw std::invalid_argument("--daemon must be c or ocaml");
        pid_t running = xensim::recorded_daemon_pid(a.state);
        if (running > 0 && kill(running, 0) == 0)
            throw std::runtime_error(fmt::format("{}: daemon {} already running", a.state,
                                                 running));
        if (!std::filesystem::exists(a.state + "/table"))
            check(xensim_host_init(a.state.c_str()), "init " + a.state);
        xensim::start_daemon(a.state, *d, false);
        fmt::print("{}\n", xensim::socket_path(a.state));
        return 0;
    }
    if (sub == "stop") {
        pid_t pid = xensim::recorded_daemon_pid(a.state);
        if (pid <= 0)
            throw std::runtime_error(a.state + ": no daemon recorded");
        xensim::stop_process(pid);
        std::filesystem::remove(a.state + "/daemon.pid");
        return 0;
    }
    throw std::invalid_argument("unknown host command " + sub);
}

int domain_cmd(const Args &a)
{
    HostRef h(a.state);
    const std::string &sub = a.words.at(1);
    if (sub == "create") {
        int d = xensim_domain_create(h.h, a.domid.value_or(-1));
        check(d, "domain create");
        fmt::print("{}\n", d);
        return 0;
    }
    uint32_t domid = (uint32_t)to_int(a.words.at(2));
    if (sub == "shutdown")
        check(xensim_domain_shutdown(h.h, domid, a.reason.value_or(0)), "shutdown");
    else if (sub == "crash")
        check(xensim_domain_crash(h.h, domid), "crash");
    else if (sub == "destroy")
        check(xensim_domain_destroy(h.h, domid), "destroy");
    else if (sub == "resume")
        check(xensim_domain_resume(h.h, domid), "resume");
    else if (sub == "reap")
        check(xensim_domain_reap(h.h, domid), "reap");
    else
        throw std::invalid_argument("unknown domain command " + sub);
    return 0;
}

int introduce_cmd(const Args &a)
{
    HostRef h(a.state);
    uint32_t domid = (uint32_t)to_int(a.words.at(1));
    xs_handle *xs = xensim::open_dom0_xs(xensim::socket_path(a.state));
    try {
        auto in = xensim::introduce_domain(h.h, xs, domid);
        fmt::print("domid {} gfn {:#x} port {}\n", in.domid, in.ring_gfn, in.store_port);
    } catch (...) {
        xs_close(xs);
        throw;
    }
    xs_close(xs);
    return 0;
}

int prepare_cmd(const Args &a)
{
    HostRef h(a.state);
    uint32_t domid = (uint32_t)to_int(a.words.at(1));
    xs_handle *xs = xensim::open_dom0_xs(xensim::socket_path(a.state));
    try {
        auto p = xensim::prepare_proxied_domain(h.h, xs, domid);
        // Exactly the options xsproxy-ctl attach takes, so a script can pass them on.
        fmt::print("--ring-gfn {:#x} --ring-port {} --shadow-gfn {:#x} --shadow-port {}\n",
                   p.ring_gfn, p.store_port, p.shadow_gfn, p.shadow_port);
    } catch (...) {
        xs_close(xs);
        throw;
    }
    xs_close(xs);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    try {
        Args a = parse(argc, argv);
        if (a.words.empty())
            throw std::invalid_argument("");
        const std::string &cmd = a.words[0];
        if (cmd == "host")
            return host_cmd(a);
        if (cmd == "domain")
            return domain_cmd(a);
        if (cmd == "introduce")
            return introduce_cmd(a);
        if (cmd == "prepare")
            return prepare_cmd(a);
        if (cmd == "dump") {
            HostRef h(a.state);
            xensim_dump(h.h, stdout);
            return 0;
        }
        throw std::invalid_argument("unknown command " + cmd);
    } catch (const std::invalid_argument &e) {
        if (*e.what())
            fmt::print(stderr, "xensim: {}\n", e.what());
        fmt::print(stderr, "{}", usage);
        return 2;
    } catch (const std::out_of_range &) {
        fmt::print(stderr, "xensim: missing argument\n{}", usage);
        return 2;
    } catch (const std::exception &e) {
        fmt::print(stderr, "xensim: {}\n", e.what());
        return 1;
    }
}
