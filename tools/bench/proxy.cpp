// SPDX-License-Identifier: LGPL-2.1-only
#include "proxy.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#ifndef XSPROXY_PATH
#error "XSPROXY_PATH must be defined by the build"
#endif

namespace bench {
namespace {

// One request per connection; the answer's first line is `ok` or `error: …`.
// Returns "" if nobody listens yet, else the whole answer.
std::string control(const std::string &ctl, const std::string &line) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, ctl.c_str(), std::min(ctl.size() + 1, sizeof a.sun_path - 1));
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return "";
    }
    std::string req = line + "\n", ans;
    if (::write(fd, req.data(), req.size()) != ssize_t(req.size())) {
        close(fd);
        return "error: short write";
    }
    char buf[512];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) ans.append(buf, std::size_t(n));
    if (ans.empty()) ans = "error: empty answer";
    close(fd);
    return ans;
}

} // namespace

Proxy::Proxy(const xensim::Host &host)
    : ctl_(host.state_dir() + "/xsproxy.ctl"), log_(host.state_dir() + "/xsproxy.log") {
    proc_ = host.spawn({XSPROXY_PATH, "-x", host.socket_path(), "-s", ctl_, "-l", "warn"}, {}, 0,
                       log_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (control(ctl_, "list").empty()) {
        if (!proc_.running() || std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("xsproxy did not open its control socket; see " + log_);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void Proxy::attach(const xensim::Proxied &p, const std::string &upstream) {
    std::string ans = control(ctl_, fmt::format("attach domid={} ring-gfn={:#x} ring-port={} "
                                                "shadow-gfn={:#x} shadow-port={} upstream={}",
                                                p.domid, p.ring_gfn, p.store_port, p.shadow_gfn,
                                                p.shadow_port, upstream));
    if (ans.rfind("ok", 0) != 0)
        throw std::runtime_error(fmt::format("attach dom{}: {}", p.domid,
                                             ans.empty() ? "no answer" : ans));
}

std::optional<Traffic> Proxy::traffic(std::uint32_t domid) {
    std::string ans = control(ctl_, fmt::format("dump domid={} json", domid));
    // The backend's counters are the flat object after "upstream": (session_dump.cpp).
    auto at = ans.find("\"upstream\":{");
    if (ans.rfind("ok", 0) != 0 || at == std::string::npos) return std::nullopt;
    std::string up = ans.substr(at, ans.find('}', at) - at);
    auto num = [&](const char *key) -> double {
        auto k = up.find(fmt::format("\"{}\":", key));
        if (k == std::string::npos) return -1;
        return std::strtod(up.c_str() + k + std::strlen(key) + 3, nullptr);
    };
    Traffic t;
    if (up.find("\"kind\":\"privileged\"") != std::string::npos) {
        t.requests = num("requests");
        t.round_trips = num("round_trips");
        t.msgs = num("upstream_msgs");
        t.events_in = num("events_in");
        t.events_delivered = num("events_delivered");
    } else {
        t.requests = num("requests");
        t.round_trips = t.msgs = num("requests") + num("fences");
        t.events_in = t.events_delivered = num("events");
    }
    if (t.requests < 0 || t.round_trips < 0 || t.msgs < 0) return std::nullopt;
    return t;
}

} // namespace bench
