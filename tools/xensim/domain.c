// SPDX-License-Identifier: LGPL-2.1-only
/* Domain lifecycle as the hypervisor sees it; every exception raises VIRQ_DOM_EXC. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_state.h"

static void remove_memory(xensim_host *h, uint32_t domid)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/mem/%u", h->dir, domid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(path);
}

/* Final destruction: the domid is free again. Called with the lock held. */
static void reap_locked(xensim_host *h, uint32_t domid)
{
    struct sim_domain *d = &h->t->dom[domid];
    for (uint32_t p = 1; p < SIM_MAX_PORTS; p++)
        if (d->port[p].state != SIM_PORT_FREE)
            sim_port_close(h, domid, p);
    memset(d, 0, sizeof(*d));
    remove_memory(h, domid);
}

int xensim_domain_create(xensim_host *h, int domid)
{
    sim_lock(h);
    int rc = -1;
    if (domid < 0) {
        for (int i = 1; i < SIM_MAX_DOMS; i++)
            if (!h->t->dom[i].exists) {
                domid = i;
                break;
            }
        if (domid < 0) {
            errno = ENOSPC;
            goto out;
        }
    } else if (domid == 0 || domid >= SIM_MAX_DOMS) {
        errno = EINVAL;
        goto out;
    } else if (h->t->dom[domid].exists) {
        if (!h->t->dom[domid].dying) {
            errno = EEXIST;
            goto out;
        }
        reap_locked(h, (uint32_t)domid);
    }
    remove_memory(h, (uint32_t)domid); /* leftovers of a reaped domain */
    char path[4096];
    snprintf(path, sizeof(path), "%s/mem/%d", h->dir, domid);
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        goto out;
    memset(&h->t->dom[domid], 0, sizeof(h->t->dom[domid]));
    h->t->dom[domid].exists = 1;
    rc = domid;
out:
    sim_unlock(h);
    return rc;
}

int xensim_domain_shutdown(xensim_host *h, uint32_t domid, int reason)
{
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    if (d) {
        d->shutdown = 1;
        d->reason = (uint32_t)reason;
        d->crashed = reason == 3; /* SHUTDOWN_crash */
        sim_raise_virq(h, SIM_VIRQ_DOM_EXC);
    }
    sim_unlock(h);
    return d ? 0 : -1;
}

int xensim_domain_crash(xensim_host *h, uint32_t domid)
{
    return xensim_domain_shutdown(h, domid, 3);
}

int xensim_domain_resume(xensim_host *h, uint32_t domid)
{
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    if (d)
        d->shutdown = d->crashed = 0, d->reason = 0;
    sim_unlock(h);
    return d ? 0 : -1;
}

int xensim_domain_destroy(xensim_host *h, uint32_t domid)
{
    if (domid == 0) {
        errno = EPERM;
        return -1;
    }
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    if (d) {
        d->dying = 1;
        /* Xen closes a dying domain's channels: peers see their ports unbound */
        for (uint32_t p = 1; p < SIM_MAX_PORTS; p++)
            if (d->port[p].state != SIM_PORT_FREE)
                sim_port_close(h, domid, p);
        sim_raise_virq(h, SIM_VIRQ_DOM_EXC);
    }
    sim_unlock(h);
    return d ? 0 : -1;
}

int xensim_domain_reap(xensim_host *h, uint32_t domid)
{
    if (domid == 0) {
        errno = EPERM;
        return -1;
    }
    sim_lock(h);
    struct sim_domain *d = sim_domain(h, domid);
    if (d) {
        reap_locked(h, domid);
        sim_raise_virq(h, SIM_VIRQ_DOM_EXC);
    }
    sim_unlock(h);
    return d ? 0 : -1;
}

static const char *port_state_name(uint8_t s)
{
    switch (s) {
    case SIM_PORT_UNBOUND: return "unbound";
    case SIM_PORT_INTERDOMAIN: return "interdomain";
    case SIM_PORT_VIRQ: return "virq";
    default: return "free";
    }
}

void xensim_dump(xensim_host *h, FILE *out)
{
    sim_lock(h);
    fprintf(out, "host %s (instance %s)\n", h->dir, h->t->instance);
    for (uint32_t i = 0; i < SIM_MAX_DOMS; i++) {
        struct sim_domain *d = &h->t->dom[i];
        if (!d->exists)
            continue;
        fprintf(out, "dom%u:%s%s%s%s%s", i, d->shutdown ? " shutdown" : "",
                d->crashed ? " crashed" : "", d->dying ? " dying" : "",
                d->paused ? " paused" : "", d->shutdown || d->crashed || d->dying ||
                d->paused ? "" : " running");
        if (d->shutdown)
            fprintf(out, " reason=%u", d->reason);
        fputc('\n', out);
        for (uint32_t g = 0; g < SIM_NR_GRANTS; g++)
            if (d->grant[g])
                fprintf(out, "  grant %u -> gfn %#llx\n", g,
                        (unsigned long long)(d->grant[g] - 1));
        for (uint32_t p = 1; p < SIM_MAX_PORTS; p++) {
            struct sim_port *sp = &d->port[p];
            if (sp->state == SIM_PORT_FREE)
                continue;
            fprintf(out, "  port %u %s", p, port_state_name(sp->state));
            if (sp->state == SIM_PORT_VIRQ)
                fprintf(out, " virq=%u", sp->virq);
            else if (sp->state == SIM_PORT_UNBOUND)
                fprintf(out, " remote=dom%u", sp->remote_dom);
            else
                fprintf(out, " remote=dom%u:%u", sp->remote_dom, sp->remote_port);
            fprintf(out, " owner=%llu%s%s\n", (unsigned long long)sp->owner,
                    sp->claimed ? "(claimed)" : "", sp->pending ? " pending" : "");
        }
    }
    sim_unlock(h);
}
