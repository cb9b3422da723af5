// SPDX-License-Identifier: LGPL-2.1-only
// The simulated hypervisor against the real Debian daemons: start-up, rings, event
// channel strictness, domain state and xenstored's reaction to domain death.
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
// xenctrl.h pulls in Xen's public headers, which need GNU C extensions that strict
// -std=c++20 hides behind __STRICT_ANSI__.
#pragma push_macro("__STRICT_ANSI__")
#undef __STRICT_ANSI__
extern "C" {
#include <xenctrl.h>
}
#pragma pop_macro("__STRICT_ANSI__")

#include "harness.h"

using namespace std::chrono_literals;
using xensim::Daemon;
using xensim::Host;

namespace {

struct CDaemon {
    static constexpr Daemon value = Daemon::c;
};
struct OcamlDaemon {
    static constexpr Daemon value = Daemon::ocaml;
};

bool readable(int fd, int timeout_ms)
{
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

// A guest kernel's xenbus on its store ring: owns the store port and the ring page.
class GuestRing {
public:
    GuestRing(Host &host, const xensim::Introduced &in)
        : xce_(xensim_evtchn_open_as(host.sim(), in.domid)), port_(in.store_port)
    {
        REQUIRE(xce_);
        REQUIRE(xensim_evtchn_claim(xce_, port_) == 0);
        ring_ = static_cast<xenstore_domain_interface *>(
            xensim_page_map(host.sim(), in.domid, in.ring_gfn));
        REQUIRE(ring_);
    }
    ~GuestRing()
    {
        xensim_page_unmap(ring_);
        xenevtchn_close(xce_);
    }
    GuestRing(const GuestRing &) = delete;
    GuestRing &operator=(const GuestRing &) = delete;

    xenevtchn_handle *evtchn() const { return xce_; }

    // One request/reply; nullopt on timeout. The reply's type is returned in `type`.
    std::optional<std::string> request(uint32_t type, const std::string &payload,
                                       uint32_t *reply_type = nullptr)
    {
        xsd_sockmsg hdr{type, ++req_id_, 0, static_cast<uint32_t>(payload.size())};
        std::string msg(reinterpret_cast<char *>(&hdr), sizeof(hdr));
        msg += payload;
        REQUIRE(msg.size() <= XENSTORE_RING_SIZE);
        for (size_t i = 0; i < msg.size(); i++)
            ring_->req[MASK_XENSTORE_IDX(ring_->req_prod + i)] = msg[i];
        __atomic_store_n(&ring_->req_prod, ring_->req_prod + msg.size(), __ATOMIC_RELEASE);
        REQUIRE(xenevtchn_notify(xce_, port_) == 0);

        auto deadline = std::chrono::steady_clock::now() + 5s;
        std::string got;
        while (std::chrono::steady_clock::now() < deadline) {
            uint32_t prod = __atomic_load_n(&ring_->rsp_prod, __ATOMIC_ACQUIRE);
            while (ring_->rsp_cons != prod)
                got += ring_->rsp[MASK_XENSTORE_IDX(ring_->rsp_cons++)];
            while (got.size() >= sizeof(xsd_sockmsg)) {
                xsd_sockmsg r;
                std::memcpy(&r, got.data(), sizeof(r));
                if (got.size() < sizeof(r) + r.len)
                    break;
                std::string body = got.substr(sizeof(r), r.len);
                got.erase(0, sizeof(r) + r.len);
                if (r.type == XS_WATCH_EVENT)
                    continue;
                if (reply_type)
                    *reply_type = r.type;
                return body;
            }
            if (readable(xenevtchn_fd(xce_), 50))
                xenevtchn_pending(xce_);
        }
        return std::nullopt;
    }

    std::optional<std::string> read(const std::string &path, uint32_t *type = nullptr)
    {
        return request(XS_READ, path + std::string(1, '\0'), type);
    }

private:
    xenevtchn_handle *xce_;
    uint32_t port_;
    xenstore_domain_interface *ring_ = nullptr;
    uint32_t req_id_ = 0;
};

std::string strip_nul(std::string s)
{
    while (!s.empty() && s.back() == '\0')
        s.pop_back();
    return s;
}

// Waits for an event on `path` (the dom0 handle must watch it); drains others.
bool wait_watch(xs_handle *xs, const std::string &path, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        while (char **ev = xs_check_watch(xs)) {
            bool hit = path == ev[XS_WATCH_PATH];
            free(ev);
            if (hit)
                return true;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        readable(xs_fileno(xs), static_cast<int>(left.count()));
    }
}

// Swallows the initial event XS_WATCH queues.
void watch(xs_handle *xs, const std::string &path)
{
    REQUIRE(xs_watch(xs, path.c_str(), "t"));
    REQUIRE(wait_watch(xs, path, 2000ms));
}

std::optional<std::string> dom0_read(xs_handle *xs, const std::string &path)
{
    unsigned len = 0;
    char *v = static_cast<char *>(xs_read(xs, XBT_NULL, path.c_str(), &len));
    if (!v)
        return std::nullopt;
    std::string s(v, len);
    free(v);
    return s;
}

void dom0_write(xs_handle *xs, const std::string &path, const std::string &value)
{
    REQUIRE(xs_write(xs, XBT_NULL, path.c_str(), value.data(), (unsigned)value.size()));
}

} // namespace

TEMPLATE_TEST_CASE("daemon serves dom0 over its socket and a guest over its ring",
                   "[xensim][host]", CDaemon, OcamlDaemon)
{
    Host host(TestType::value);
    dom0_write(host.xs(), "/xensim-test", "hello");
    CHECK(dom0_read(host.xs(), "/xensim-test") == "hello");

    int dom = host.create_domain();
    auto in = host.introduce((uint32_t)dom);
    CHECK(xs_is_domain_introduced(host.xs(), (unsigned)dom));
    CHECK(dom0_read(host.xs(), "/local/domain/" + std::to_string(dom) + "/domid") ==
          std::to_string(dom));

    GuestRing guest(host, in);
    uint32_t type = 0;
    CHECK(strip_nul(guest.read("domid", &type).value_or("")) == std::to_string(dom));
    CHECK(type == XS_READ);
    // the guest is unprivileged on its ring: dom0's node is out of reach
    CHECK(strip_nul(guest.read("/xensim-test", &type).value_or("")) == "EACCES");
    CHECK(type == XS_ERROR);
    guest.request(XS_WRITE, "data/x" + std::string(1, '\0') + "guest", &type);
    CHECK(type == XS_WRITE);
    CHECK(dom0_read(host.xs(), "/local/domain/" + std::to_string(dom) + "/data/x") == "guest");
}

TEMPLATE_TEST_CASE("two hosts side by side with the same domid never interfere",
                   "[xensim][host]", CDaemon, OcamlDaemon)
{
    Host a(TestType::value), b(TestType::value);
    REQUIRE(a.create_domain(3) == 3);
    REQUIRE(b.create_domain(3) == 3);
    auto ina = a.introduce(3), inb = b.introduce(3);
    dom0_write(a.xs(), "/local/domain/3/data/who", "A");
    dom0_write(b.xs(), "/local/domain/3/data/who", "B");
    GuestRing ga(a, ina), gb(b, inb);
    CHECK(ga.read("data/who").value_or("") == "A");
    CHECK(gb.read("data/who").value_or("") == "B");
    // destroying dom3 on one host leaves the other's dom3 alone
    a.destroy(3);
    CHECK(gb.read("data/who").value_or("") == "B");
    xc_dominfo_t info{};
    auto *xch = xensim_xc_open_as(b.sim());
    REQUIRE(xc_domain_getinfo(xch, 3, 1, &info) == 1);
    CHECK(!info.dying);
    xc_interface_close(xch);
}

TEST_CASE("event channels are strict and deliver only to the owner", "[xensim][evtchn]")
{
    Host host(Daemon::c);
    int dom = host.create_domain();
    auto in = host.introduce((uint32_t)dom);
    xenevtchn_handle *dom0 = xensim_evtchn_open_as(host.sim(), 0);
    REQUIRE(dom0);

    SECTION("a dom0 handle cannot bind a guest port xenstored already bound")
    {
        errno = 0;
        CHECK(xenevtchn_bind_interdomain(dom0, (uint32_t)dom, in.store_port) == -1);
        CHECK(errno == EINVAL);
        // nor a port that names another remote, nor a port of a missing domain
        int other = xensim_evtchn_alloc_unbound(host.sim(), (uint32_t)dom, 7, 0);
        REQUIRE(other > 0);
        CHECK(xenevtchn_bind_interdomain(dom0, (uint32_t)dom, (uint32_t)other) == -1);
        CHECK(xenevtchn_bind_interdomain(dom0, 99, 1) == -1);
        // a dom0 handle cannot unbind or notify a port it does not own
        CHECK(xenevtchn_unbind(dom0, in.store_port) == -1);
    }

    SECTION("notifications coalesce and reach only the claiming handle")
    {
        int shadow = xensim_evtchn_alloc_unbound(host.sim(), (uint32_t)dom, 0, 0);
        REQUIRE(shadow > 0);
        int local = xenevtchn_bind_interdomain(dom0, (uint32_t)dom, (uint32_t)shadow);
        REQUIRE(local > 0);
        // the first bind can only succeed once
        CHECK(xenevtchn_bind_interdomain(dom0, (uint32_t)dom, (uint32_t)shadow) == -1);
        // Xen marks the new local port pending at bind time
        REQUIRE(readable(xenevtchn_fd(dom0), 1000));
        CHECK(xenevtchn_pending(dom0) == local);

        xenevtchn_handle *guest = xensim_evtchn_open_as(host.sim(), (uint32_t)dom);
        xenevtchn_handle *bystander = xensim_evtchn_open_as(host.sim(), 0);
        REQUIRE(guest);
        REQUIRE(bystander);
        for (int i = 0; i < 1000; i++)
            REQUIRE(xenevtchn_notify(dom0, (uint32_t)local) == 0);
        // pending with nobody claiming: no delivery anywhere yet
        CHECK(!readable(xenevtchn_fd(bystander), 50));
        CHECK(!readable(xenevtchn_fd(guest), 50));
        REQUIRE(xensim_evtchn_claim(guest, (uint32_t)shadow) == 0);
        REQUIRE(readable(xenevtchn_fd(guest), 1000));
        CHECK(xenevtchn_pending(guest) == shadow);
        CHECK(!readable(xenevtchn_fd(guest), 50)); // 1000 notifies, one event
        CHECK(!readable(xenevtchn_fd(bystander), 50));

        // after pending() the next notify is delivered again, and the other way round
        REQUIRE(xenevtchn_notify(dom0, (uint32_t)local) == 0);
        REQUIRE(readable(xenevtchn_fd(guest), 1000));
        CHECK(xenevtchn_pending(guest) == shadow);
        REQUIRE(xenevtchn_notify(guest, (uint32_t)shadow) == 0);
        REQUIRE(readable(xenevtchn_fd(dom0), 1000));
        CHECK(xenevtchn_pending(dom0) == local);
        CHECK(!readable(xenevtchn_fd(bystander), 50));

        // a second claimant is refused while the owner lives
        xenevtchn_handle *thief = xensim_evtchn_open_as(host.sim(), (uint32_t)dom);
        CHECK(xensim_evtchn_claim(thief, (uint32_t)shadow) == -1);
        CHECK(errno == EBUSY);
        xenevtchn_close(thief);

        // closing the dom0 end returns the guest port to unbound: it can be bound again
        REQUIRE(xenevtchn_close(dom0) == 0);
        dom0 = xensim_evtchn_open_as(host.sim(), 0);
        CHECK(xenevtchn_bind_interdomain(dom0, (uint32_t)dom, (uint32_t)shadow) > 0);
        xenevtchn_close(guest);
        xenevtchn_close(bystander);
    }

    SECTION("a dying domain's ports cannot be bound")
    {
        int port = xensim_evtchn_alloc_unbound(host.sim(), (uint32_t)dom, 0, 0);
        REQUIRE(port > 0);
        host.destroy((uint32_t)dom);
        CHECK(xenevtchn_bind_interdomain(dom0, (uint32_t)dom, (uint32_t)port) == -1);
        CHECK(xensim_evtchn_alloc_unbound(host.sim(), (uint32_t)dom, 0, 0) == -1);
    }
    xenevtchn_close(dom0);
}

TEST_CASE("xc_domain_getinfo and getinfolist report domain state", "[xensim][xc]")
{
    char templ[] = "/tmp/xensim-xc-XXXXXX";
    REQUIRE(mkdtemp(templ));
    std::string dir = std::string(templ) + "/host";
    REQUIRE(xensim_host_init(dir.c_str()) == 0);
    xensim_host *h = xensim_host_open(dir.c_str());
    REQUIRE(h);
    auto *xch = xensim_xc_open_as(h);
    REQUIRE(xch);
    int a = xensim_domain_create(h, -1), b = xensim_domain_create(h, -1),
        c = xensim_domain_create(h, 7);
    REQUIRE((a == 1 && b == 2 && c == 7));

    REQUIRE(xensim_domain_shutdown(h, 1, 2 /* SHUTDOWN_suspend */) == 0);
    REQUIRE(xensim_domain_crash(h, 2) == 0);
    REQUIRE(xensim_domain_destroy(h, 7) == 0);

    xc_dominfo_t info[8]{};
    REQUIRE(xc_domain_getinfo(xch, 0, 8, info) == 4);
    CHECK((info[0].domid == 0 && !info[0].shutdown && !info[0].dying && info[0].running));
    CHECK((info[1].domid == 1 && info[1].shutdown && !info[1].crashed &&
           info[1].shutdown_reason == 2 && !info[1].dying));
    CHECK((info[2].domid == 2 && info[2].shutdown && info[2].crashed &&
           info[2].shutdown_reason == 3));
    CHECK((info[3].domid == 7 && info[3].dying));
    // first_domid is a lower bound, as on Xen: asking for 3 answers with 7
    REQUIRE(xc_domain_getinfo(xch, 3, 1, info) == 1);
    CHECK(info[0].domid == 7);

    xc_domaininfo_t list[8]{};
    REQUIRE(xc_domain_getinfolist(xch, 1, 8, list) == 3);
    CHECK((list[0].domain == 1 && (list[0].flags & XEN_DOMINF_shutdown) &&
           ((list[0].flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == 2));
    CHECK((list[1].domain == 2 &&
           ((list[1].flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == 3));
    CHECK((list[2].domain == 7 && (list[2].flags & XEN_DOMINF_dying)));

    REQUIRE(xensim_domain_resume(h, 1) == 0);
    REQUIRE(xc_domain_getinfo(xch, 1, 1, info) == 1);
    CHECK((!info[0].shutdown && info[0].running));
    // reaping frees the domid; a new domain reuses it
    REQUIRE(xensim_domain_reap(h, 7) == 0);
    REQUIRE(xc_domain_getinfolist(xch, 3, 8, list) == 0);
    CHECK(xensim_domain_create(h, 7) == 7);

    xc_interface_close(xch);
    xensim_host_close(h);
    std::error_code ec;
    std::filesystem::remove_all(templ, ec);
}

TEST_CASE("grant 1 and the INTRODUCE gfn can name different pages", "[xensim][memory]")
{
    char templ[] = "/tmp/xensim-mem-XXXXXX";
    REQUIRE(mkdtemp(templ));
    std::string dir = std::string(templ) + "/host";
    REQUIRE(xensim_host_init(dir.c_str()) == 0);
    xensim_host *h = xensim_host_open(dir.c_str());
    REQUIRE(h);
    int dom = xensim_domain_create(h, -1);
    REQUIRE(xensim_page_populate(h, (uint32_t)dom, 0x10) == 0);
    REQUIRE(xensim_page_populate(h, (uint32_t)dom, 0x20) == 0);
    REQUIRE(xensim_grant_set(h, (uint32_t)dom, 1, 0x20) == 0);
    auto *guest10 = static_cast<char *>(xensim_page_map(h, (uint32_t)dom, 0x10));
    auto *guest20 = static_cast<char *>(xensim_page_map(h, (uint32_t)dom, 0x20));
    REQUIRE((guest10 && guest20));
    std::strcpy(guest10, "ring");
    std::strcpy(guest20, "shadow");

    xengnttab_handle *gt = xensim_gnttab_open_as(h);
    auto *granted = static_cast<char *>(
        xengnttab_map_grant_ref(gt, (uint32_t)dom, 1, PROT_READ | PROT_WRITE));
    REQUIRE(granted);
    CHECK(std::string(granted) == "shadow");
    CHECK(xengnttab_map_grant_ref(gt, (uint32_t)dom, 2, PROT_READ) == nullptr);
    xenforeignmemory_handle *fm = xensim_fmem_open_as(h);
    xen_pfn_t gfn = 0x10;
    auto *foreign = static_cast<char *>(
        xenforeignmemory_map(fm, (uint32_t)dom, PROT_READ | PROT_WRITE, 1, &gfn, nullptr));
    REQUIRE(foreign);
    CHECK(std::string(foreign) == "ring");
    foreign[0] = 'R'; // shared, as a foreign map is
    CHECK(guest10[0] == 'R');
    xen_pfn_t missing = 0x30;
    CHECK(xenforeignmemory_map(fm, (uint32_t)dom, PROT_READ, 1, &missing, nullptr) ==
          nullptr);

    xenforeignmemory_unmap(fm, foreign, 1);
    xengnttab_unmap(gt, granted, 1);
    xenforeignmemory_close(fm);
    xengnttab_close(gt);
    xensim_page_unmap(guest10);
    xensim_page_unmap(guest20);
    xensim_host_close(h);
    std::error_code ec;
    std::filesystem::remove_all(templ, ec);
}

TEMPLATE_TEST_CASE("introduce fires @introduceDomain", "[xensim][host]", CDaemon,
                   OcamlDaemon)
{
    Host host(TestType::value);
    watch(host.xs(), "@introduceDomain");
    int dom = host.create_domain();
    CHECK(!wait_watch(host.xs(), "@introduceDomain", 200ms)); // creating is not introducing
    host.introduce((uint32_t)dom);
    CHECK(wait_watch(host.xs(), "@introduceDomain", 5000ms));
}

TEMPLATE_TEST_CASE("domain death fires @releaseDomain and xenstored cleans up",
                   "[xensim][host]", CDaemon, OcamlDaemon)
{
    Host host(TestType::value);
    int dom = host.create_domain();
    auto in = host.introduce((uint32_t)dom);
    std::string home = "/local/domain/" + std::to_string(dom);
    {
        GuestRing guest(host, in);
        guest.request(XS_WRITE, "data/mine" + std::string(1, '\0') + "x");
    }
    REQUIRE(dom0_read(host.xs(), home + "/data/mine") == "x");
    watch(host.xs(), "@releaseDomain");

    SECTION("shutdown: event, the domain stays introduced")
    {
        host.shutdown((uint32_t)dom, 2 /* suspend */);
        CHECK(wait_watch(host.xs(), "@releaseDomain", 5000ms));
        CHECK(xs_is_domain_introduced(host.xs(), (unsigned)dom));
        CHECK(dom0_read(host.xs(), home + "/data/mine") == "x");
    }
    SECTION("crash: event")
    {
        host.crash((uint32_t)dom);
        CHECK(wait_watch(host.xs(), "@releaseDomain", 5000ms));
    }
    SECTION("destroy: event, released, and the domain's own nodes are deleted")
    {
        host.destroy((uint32_t)dom);
        CHECK(wait_watch(host.xs(), "@releaseDomain", 5000ms));
        CHECK(!xs_is_domain_introduced(host.xs(), (unsigned)dom));
        // both daemons delete every node the domain owned (data is n<dom>) ...
        CHECK(!dom0_read(host.xs(), home + "/data/mine"));
        CHECK(!dom0_read(host.xs(), home + "/data"));
        // ... and keep dom0's
        CHECK(dom0_read(host.xs(), home + "/domid") == std::to_string(dom));
        if (TestType::value == Daemon::ocaml) {
            // oxenstored also strips the dead domid from the survivors' ACLs (n0 r<dom>)
            unsigned n = 0;
            xs_permissions *perms = xs_get_permissions(host.xs(), XBT_NULL, home.c_str(), &n);
            REQUIRE(perms);
            CHECK(n == 1);
            free(perms);
        }
    }
}

TEST_CASE("spawned programs act on the host", "[xensim][host]")
{
    Host host(Daemon::c);
    auto p = host.spawn({"/usr/bin/xenstore-write", "/spawned", "yes"});
    int status = p.wait();
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(dom0_read(host.xs(), "/spawned") == "yes");

    // a long-running child dies with its Process object
    pid_t pid;
    {
        auto sleeper = host.spawn({"/bin/sleep", "100"});
        pid = sleeper.pid();
        CHECK(sleeper.running());
    }
    CHECK(kill(pid, 0) == -1);
}
