// SPDX-License-Identifier: LGPL-2.1-only
/* The slice of libxenctrl the daemons and the toolstack use, answered from the table. */
/* The daemons call both the plain and the 64-bit names: define each one explicitly. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#define XC_WANT_COMPAT_MAP_FOREIGN_API
#include <xenctrl.h>
#include <xenctrl_compat.h>

#include "sim_state.h"

struct xc_interface_core {
    xensim_host *host;
    xc_error err;
};

static xc_error no_handle_error = {XC_INTERNAL_ERROR, "xensim: no simulated host"};

static int fail(xc_interface *xch, int err, const char *what)
{
    if (xch) {
        xch->err.code = XC_INTERNAL_ERROR;
        snprintf(xch->err.message, sizeof(xch->err.message), "xensim: %s: %s", what,
                 strerror(err));
    }
    errno = err;
    return -1;
}

xc_interface *xensim_xc_open_as(xensim_host *h)
{
    if (!h) {
        errno = EINVAL;
        return NULL;
    }
    xc_interface *xch = calloc(1, sizeof(*xch));
    if (xch)
        xch->host = h;
    return xch;
}

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void)logger, (void)dombuild_logger, (void)open_flags;
    return xensim_xc_open_as(sim_env_host());
}

int xc_interface_close(xc_interface *xch)
{
    free(xch);
    return 0;
}

const xc_error *xc_get_last_error(xc_interface *xch)
{
    return xch ? &xch->err : &no_handle_error;
}

void xc_clear_last_error(xc_interface *xch)
{
    if (xch)
        memset(&xch->err, 0, sizeof(xch->err));
}

/* Both getinfo calls follow Xen: the first max domains with domid >= first. */

/* One domain's flags; sim_domain is too large to copy per call, so copy only heads. */
struct head {
    uint8_t exists, shutdown, crashed, dying, paused;
    uint32_t reason;
};

static int collect_heads(xc_interface *xch, uint32_t first, unsigned max, struct head *out,
                         uint32_t *ids)
{
    xensim_host *h = xch->host;
    unsigned n = 0;
    sim_lock(h);
    for (uint32_t d = first; d < SIM_MAX_DOMS && n < max; d++) {
        struct sim_domain *sd = &h->t->dom[d];
        if (!sd->exists)
            continue;
        out[n] = (struct head){sd->exists, sd->shutdown, sd->crashed, sd->dying, sd->paused,
                               sd->reason};
        ids[n++] = d;
    }
    sim_unlock(h);
    return (int)n;
}

int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
                      xc_dominfo_t *info)
{
    struct head heads[64];
    uint32_t ids[64];
    unsigned done = 0;
    while (done < max_doms) {
        unsigned want = max_doms - done < 64 ? max_doms - done : 64;
        int n = collect_heads(xch, first_domid, want, heads, ids);
        for (int i = 0; i < n; i++) {
            xc_dominfo_t *o = &info[done + (unsigned)i];
            memset(o, 0, sizeof(*o));
            o->domid = ids[i];
            o->dying = heads[i].dying;
            o->shutdown = heads[i].shutdown;
            o->crashed = heads[i].crashed;
            o->shutdown_reason = heads[i].reason;
            o->paused = heads[i].paused;
            o->running = !heads[i].paused && !heads[i].shutdown && !heads[i].dying;
            o->blocked = !o->running;
            o->nr_online_vcpus = 1;
            o->xenstore = ids[i] == 0;
        }
        done += (unsigned)n;
        if ((unsigned)n < want)
            break;
        first_domid = ids[n - 1] + 1;
    }
    return (int)done;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info)
{
    struct head heads[64];
    uint32_t ids[64];
    unsigned done = 0;
    while (done < max_domains) {
        unsigned want = max_domains - done < 64 ? max_domains - done : 64;
        int n = collect_heads(xch, first_domain, want, heads, ids);
        for (int i = 0; i < n; i++) {
            xc_domaininfo_t *o = &info[done + (unsigned)i];
            memset(o, 0, sizeof(*o));
            o->domain = (domid_t)ids[i];
            uint32_t f = 0;
            if (heads[i].dying)
                f |= XEN_DOMINF_dying;
            if (heads[i].shutdown)
                f |= XEN_DOMINF_shutdown;
            if (heads[i].paused)
                f |= XEN_DOMINF_paused;
            if (!heads[i].paused && !heads[i].shutdown && !heads[i].dying)
                f |= XEN_DOMINF_running;
            else
                f |= XEN_DOMINF_blocked;
            f |= (heads[i].reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift;
            o->flags = f;
            o->nr_online_vcpus = 1;
        }
        done += (unsigned)n;
        if ((unsigned)n < want)
            break;
        first_domain = ids[n - 1] + 1;
    }
    return (int)done;
}

void *xc_map_foreign_range(xc_interface *xch, uint32_t dom, int size, int prot,
                           unsigned long mfn)
{
    if (size <= 0) {
        fail(xch, EINVAL, "map_foreign_range");
        return NULL;
    }
    size_t pages = ((size_t)size + SIM_PAGE_SIZE - 1) / SIM_PAGE_SIZE;
    xen_pfn_t *arr = calloc(pages, sizeof(*arr));
    if (!arr)
        return NULL;
    for (size_t i = 0; i < pages; i++)
        arr[i] = mfn + i;
    void *p = sim_foreign_map(xch->host, dom, prot, pages, arr, NULL);
    free(arr);
    if (!p)
        fail(xch, errno, "map_foreign_range");
    return p;
}

xc_evtchn_port_or_error_t xc_evtchn_alloc_unbound(xc_interface *xch, uint32_t dom,
                                                  uint32_t remote_dom)
{
    int port = xensim_evtchn_alloc_unbound(xch->host, dom, remote_dom, 0);
    if (port < 0)
        fail(xch, errno, "evtchn_alloc_unbound");
    return port;
}

static int dom_op(xc_interface *xch, int rc, const char *what)
{
    return rc < 0 ? fail(xch, errno, what) : 0;
}

int xc_domain_shutdown(xc_interface *xch, uint32_t domid, int reason)
{
    return dom_op(xch, xensim_domain_shutdown(xch->host, domid, reason), "domain_shutdown");
}

int xc_domain_resume(xc_interface *xch, uint32_t domid, int fast)
{
    (void)fast;
    return dom_op(xch, xensim_domain_resume(xch->host, domid), "domain_resume");
}

int xc_domain_destroy(xc_interface *xch, uint32_t domid)
{
    return dom_op(xch, xensim_domain_destroy(xch->host, domid), "domain_destroy");
}

static int set_paused(xc_interface *xch, uint32_t domid, uint8_t paused)
{
    xensim_host *h = xch->host;
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    if (d)
        d->paused = paused;
    sim_unlock(h);
    return d ? 0 : fail(xch, ESRCH, "domain_pause");
}

int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
    return set_paused(xch, domid, 1);
}

int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
    return set_paused(xch, domid, 0);
}

/* oxenstored raises RLIMIT_NOFILE and aborts on EPERM; without CAP_SYS_RESOURCE the
 * best a process can have is its current hard limit. */
static struct rlimit clamp(int resource, const struct rlimit *want)
{
    struct rlimit cur, r = *want;
    if (resource == RLIMIT_NOFILE && getrlimit(RLIMIT_NOFILE, &cur) == 0) {
        if (r.rlim_max > cur.rlim_max)
            r.rlim_max = cur.rlim_max;
        if (r.rlim_cur > r.rlim_max)
            r.rlim_cur = r.rlim_max;
    }
    return r;
}

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
    struct rlimit r = clamp((int)resource, rlim);
    return prlimit(0, resource, &r, NULL);
}

int setrlimit64(__rlimit_resource_t resource, const struct rlimit64 *rlim)
{
    struct rlimit in = {(rlim_t)rlim->rlim_cur, (rlim_t)rlim->rlim_max};
    struct rlimit r = clamp((int)resource, &in);
    return prlimit(0, resource, &r, NULL);
}
