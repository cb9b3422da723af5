// SPDX-License-Identifier: LGPL-2.1-only
#include "toolstack.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

namespace xensim {

namespace {

[[noreturn]] void fail(const std::string &what)
{
    throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

void check(bool ok, const std::string &what)
{
    if (!ok)
        fail(what);
}

void write_node(xs_handle *xs, xs_transaction_t t, const std::string &path,
                const std::string &value)
{
    check(xs_write(xs, t, path.c_str(), value.data(), (unsigned)value.size()),
          "xs_write " + path);
}

void set_perms(xs_handle *xs, xs_transaction_t t, const std::string &path,
               xs_permissions *perms, unsigned n)
{
    check(xs_set_permissions(xs, t, path.c_str(), perms, n), "xs_set_permissions " + path);
}

// One attempt of libxl's domain-node transaction; false on EAGAIN.
bool write_domain_nodes(xs_handle *xs, uint32_t domid)
{
    xs_transaction_t t = xs_transaction_start(xs);
    check(t != XBT_NULL, "xs_transaction_start");
    std::string home = fmt::format("/local/domain/{}", domid);
    try {
        // the domain may read its home but not create there: n0 r<domid>
        xs_permissions ro[2] = {{0, XS_PERM_NONE}, {domid, XS_PERM_READ}};
        xs_permissions rw[1] = {{domid, XS_PERM_NONE}};
        check(xs_mkdir(xs, t, home.c_str()), "xs_mkdir " + home);
        set_perms(xs, t, home, ro, 2);
        write_node(xs, t, home + "/domid", std::to_string(domid));
        set_perms(xs, t, home + "/domid", ro, 2);
        write_node(xs, t, home + "/name", fmt::format("xensim-{}", domid));
        set_perms(xs, t, home + "/name", ro, 2);
        for (const char *dir : {"data", "device", "control", "attr", "drivers", "feature",
                                "error"}) {
            std::string p = home + "/" + dir;
            check(xs_mkdir(xs, t, p.c_str()), "xs_mkdir " + p);
            set_perms(xs, t, p, rw, 1);
        }
        write_node(xs, t, home + "/control/platform-feature-xs_reset_watches", "1");
    } catch (...) {
        xs_transaction_end(xs, t, true);
        throw;
    }
    if (xs_transaction_end(xs, t, false))
        return true;
    if (errno != EAGAIN)
        fail("xs_transaction_end");
    return false;
}

} // namespace

xs_handle *open_dom0_xs(const std::string &socket_path)
{
    // libxenstore only takes the socket path from the environment
    const char *old = getenv("XENSTORED_PATH");
    std::optional<std::string> saved;
    if (old)
        saved = old;
    setenv("XENSTORED_PATH", socket_path.c_str(), 1);
    xs_handle *xs = xs_open(XS_OPEN_SOCKETONLY);
    int err = errno;
    if (saved)
        setenv("XENSTORED_PATH", saved->c_str(), 1);
    else
        unsetenv("XENSTORED_PATH");
    errno = err;
    if (!xs)
        fail("xs_open " + socket_path);
    return xs;
}

Introduced introduce_domain(xensim_host *h, xs_handle *xs, uint32_t domid)
{
    Introduced in{domid, store_ring_gfn, 0};
    // libxc clears the store page when it builds or restores a domain
    check(xensim_page_populate(h, domid, in.ring_gfn) == 0,
          fmt::format("populate dom{} gfn {:#x}", domid, in.ring_gfn));
    check(xensim_grant_set(h, domid, 1, in.ring_gfn) == 0, "seed grant 1");
    int port = xensim_evtchn_alloc_unbound(h, domid, 0, 0);
    check(port > 0, fmt::format("alloc unbound port of dom{}", domid));
    in.store_port = (uint32_t)port;
    for (int tries = 0; !write_domain_nodes(xs, domid); tries++)
        if (tries > 16)
            fail("domain node transaction");
    check(xs_introduce_domain(xs, domid, in.ring_gfn, in.store_port),
          fmt::format("xs_introduce_domain {}", domid));
    return in;
}

Proxied prepare_proxied_domain(xensim_host *h, xs_handle *xs, uint32_t domid,
                               int store_port_hint)
{
    Proxied p{domid, store_ring_gfn, 0, shadow_ring_gfn, 0};
    check(xensim_page_populate(h, domid, p.ring_gfn) == 0,
          fmt::format("populate dom{} gfn {:#x}", domid, p.ring_gfn));
    check(xensim_page_populate(h, domid, p.shadow_gfn) == 0,
          fmt::format("populate dom{} gfn {:#x}", domid, p.shadow_gfn));
    check(xensim_grant_set(h, domid, 1, p.shadow_gfn) == 0, "seed grant 1");
    int port = xensim_evtchn_alloc_unbound(h, domid, 0, store_port_hint);
    check(port > 0, fmt::format("alloc unbound port of dom{}", domid));
    p.store_port = (uint32_t)port;
    port = xensim_evtchn_alloc_unbound(h, domid, 0, 0);
    check(port > 0, fmt::format("alloc shadow port of dom{}", domid));
    p.shadow_port = (uint32_t)port;
    for (int tries = 0; !write_domain_nodes(xs, domid); tries++)
        if (tries > 16)
            fail("domain node transaction");
    return p;
}

} // namespace xensim
