// SPDX-License-Identifier: LGPL-2.1-only
/* Guest memory (one file per gfn), the grant table, and the mapping interfaces
 * (xengnttab, xenforeignmemory) built on them. A "map" is mmap(MAP_SHARED) of the
 * page file, so every mapper of a gfn shares the bytes as on real Xen. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>

#include "sim_state.h"

int sim_page_path(xensim_host *h, uint32_t domid, uint64_t gfn, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/mem/%u/%llx", h->dir, domid, (unsigned long long)gfn);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int xensim_page_populate(xensim_host *h, uint32_t domid, uint64_t gfn)
{
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    sim_unlock(h);
    if (!d)
        return -1;
    char path[4096];
    if (sim_page_path(h, domid, gfn, path, sizeof(path)))
        return -1;
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    /* zero by writing, not truncating: a live mapping must never see SIGBUS */
    static const char zero[SIM_PAGE_SIZE];
    ssize_t n = pwrite(fd, zero, sizeof(zero), 0);
    int saved = errno;
    close(fd);
    if (n != (ssize_t)sizeof(zero)) {
        errno = n < 0 ? saved : EIO;
        return -1;
    }
    return 0;
}

static void *map_one(xensim_host *h, uint32_t domid, uint64_t gfn, int prot, void *at)
{
    char path[4096];
    if (sim_page_path(h, domid, gfn, path, sizeof(path)))
        return MAP_FAILED;
    int fd = open(path, (prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return MAP_FAILED;
    void *p = mmap(at, SIM_PAGE_SIZE, prot, MAP_SHARED | (at ? MAP_FIXED : 0), fd, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return p;
}

void *sim_map_pages(xensim_host *h, size_t n, const uint32_t *domids, const uint64_t *gfns,
                    int prot, int *err)
{
    if (n == 0) {
        errno = EINVAL;
        return NULL;
    }
    if (n == 1 && !err) {
        void *p = map_one(h, domids[0], gfns[0], prot, NULL);
        return p == MAP_FAILED ? NULL : p;
    }
    /* reserve the range, then place each page file in it */
    char *base = mmap(NULL, n * SIM_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        void *p = map_one(h, domids[i], gfns[i], prot, base + i * SIM_PAGE_SIZE);
        if (err)
            err[i] = p == MAP_FAILED ? -errno : 0;
        else if (p == MAP_FAILED) {
            int saved = errno;
            munmap(base, n * SIM_PAGE_SIZE);
            errno = saved;
            return NULL;
        }
    }
    return base;
}

void *xensim_page_map(xensim_host *h, uint32_t domid, uint64_t gfn)
{
    return sim_map_pages(h, 1, &domid, &gfn, PROT_READ | PROT_WRITE, NULL);
}

int xensim_page_unmap(void *addr)
{
    return munmap(addr, SIM_PAGE_SIZE);
}

int xensim_grant_set(xensim_host *h, uint32_t domid, uint32_t ref, uint64_t gfn)
{
    if (ref >= SIM_NR_GRANTS) {
        errno = EINVAL;
        return -1;
    }
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    if (d)
        d->grant[ref] = gfn + 1;
    sim_unlock(h);
    return d ? 0 : -1;
}

/* ---- xengnttab: a grant map resolves (domid, ref) -> gfn in the grant table ---- */

struct xengntdev_handle {
    xensim_host *host;
};

xengnttab_handle *xensim_gnttab_open_as(xensim_host *h)
{
    if (!h) {
        errno = EINVAL;
        return NULL;
    }
    xengnttab_handle *g = calloc(1, sizeof(*g));
    if (g)
        g->host = h;
    return g;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger, (void)open_flags;
    return xensim_gnttab_open_as(sim_env_host());
}

int xengnttab_close(xengnttab_handle *g)
{
    free(g);
    return 0;
}

int xengnttab_fd(xengnttab_handle *g)
{
    (void)g;
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_set_max_grants(xengnttab_handle *g, uint32_t nr_grants)
{
    (void)g, (void)nr_grants;
    return 0;
}

static int grant_gfn(xensim_host *h, uint32_t domid, uint32_t ref, uint64_t *gfn)
{
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    int rc = -1;
    if (d && d->dying)
        errno = ESRCH;
    else if (d && (ref >= SIM_NR_GRANTS || !d->grant[ref]))
        errno = EINVAL; /* GNTST_bad_gntref */
    else if (d) {
        *gfn = d->grant[ref] - 1;
        rc = 0;
    }
    sim_unlock(h);
    return rc;
}

void *xengnttab_map_grant_refs(xengnttab_handle *g, uint32_t count, uint32_t *domids,
                               uint32_t *refs, int prot)
{
    uint64_t *gfns = calloc(count ? count : 1, sizeof(*gfns));
    if (!gfns)
        return NULL;
    void *p = NULL;
    for (uint32_t i = 0; i < count; i++)
        if (grant_gfn(g->host, domids[i], refs[i], &gfns[i]))
            goto out;
    p = sim_map_pages(g->host, count, domids, gfns, prot, NULL);
out:
    free(gfns);
    return p;
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *g, uint32_t count, uint32_t domid,
                                      uint32_t *refs, int prot)
{
    uint32_t *domids = calloc(count ? count : 1, sizeof(*domids));
    if (!domids)
        return NULL;
    for (uint32_t i = 0; i < count; i++)
        domids[i] = domid;
    void *p = xengnttab_map_grant_refs(g, count, domids, refs, prot);
    free(domids);
    return p;
}

void *xengnttab_map_grant_ref(xengnttab_handle *g, uint32_t domid, uint32_t ref, int prot)
{
    return xengnttab_map_grant_refs(g, 1, &domid, &ref, prot);
}

int xengnttab_unmap(xengnttab_handle *g, void *start_address, uint32_t count)
{
    (void)g;
    return munmap(start_address, (size_t)count * SIM_PAGE_SIZE);
}

/* ---- xenforeignmemory: privileged map of another domain's gfns ---- */

struct xenforeignmemory_handle {
    xensim_host *host;
};

xenforeignmemory_handle *xensim_fmem_open_as(xensim_host *h)
{
    if (!h) {
        errno = EINVAL;
        return NULL;
    }
    xenforeignmemory_handle *f = calloc(1, sizeof(*f));
    if (f)
        f->host = h;
    return f;
}

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
                                               unsigned open_flags)
{
    (void)logger, (void)open_flags;
    return xensim_fmem_open_as(sim_env_host());
}

int xenforeignmemory_close(xenforeignmemory_handle *f)
{
    free(f);
    return 0;
}

void *sim_foreign_map(xensim_host *h, uint32_t dom, int prot, size_t pages,
                      const xen_pfn_t arr[], int err[])
{
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, dom);
    sim_unlock(h);
    if (!d)
        return NULL;
    uint32_t *domids = calloc(pages ? pages : 1, sizeof(*domids));
    uint64_t *gfns = calloc(pages ? pages : 1, sizeof(*gfns));
    void *p = NULL;
    if (domids && gfns) {
        for (size_t i = 0; i < pages; i++)
            domids[i] = dom, gfns[i] = arr[i];
        p = sim_map_pages(h, pages, domids, gfns, prot, err);
    }
    free(domids);
    free(gfns);
    return p;
}

void *xenforeignmemory_map(xenforeignmemory_handle *f, uint32_t dom, int prot, size_t pages,
                           const xen_pfn_t arr[], int err[])
{
    return sim_foreign_map(f->host, dom, prot, pages, arr, err);
}

int xenforeignmemory_unmap(xenforeignmemory_handle *f, void *addr, size_t pages)
{
    (void)f;
    return munmap(addr, pages * SIM_PAGE_SIZE);
}
