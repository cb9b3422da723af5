// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Event channels. Every xenevtchn handle owns an abstract unix datagram socket named
 * after the host instance and the handle id; a port's owner receives one 4-byte
 * datagram (the port number) when the port's pending bit goes 0 -> 1, and
 * xenevtchn_pending clears the bit: level-triggered and coalesced like Xen, so a
 * notification flood can never fill a socket buffer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim_state.h"

struct xenevtchn_handle {
    xensim_host *host;
    uint32_t domid;
    uint64_t id;
    int sock;
};

static socklen_t handle_addr(xensim_host *h, uint64_t id, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    int n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "xensim-%s-%llu",
                     h->t->instance, (unsigned long long)id);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static void deliver(xensim_host *h, uint64_t owner, uint32_t port)
{
    struct sockaddr_un sa;
    socklen_t len = handle_addr(h, owner, &sa);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    /* a dead owner just loses the event, as a closed evtchn fd would */
    (void)sendto(s, &port, sizeof(port), MSG_DONTWAIT, (struct sockaddr *)&sa, len);
    close(s);
}

/* A handle is alive while some process holds its socket (closed at death). */
static bool handle_alive(xensim_host *h, uint64_t id)
{
    struct sockaddr_un sa;
    socklen_t len = handle_addr(h, id, &sa);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return true;
    int rc = connect(s, (struct sockaddr *)&sa, len);
    bool alive = rc == 0 || errno != ECONNREFUSED;
    close(s);
    return alive;
}

void sim_port_set_pending(xensim_host *h, uint32_t domid, uint32_t port)
{
    struct sim_port *p = &h->t->dom[domid].port[port];
    if (p->pending)
        return;
    p->pending = 1;
    if (p->owner)
        deliver(h, p->owner, port);
}

void sim_raise_virq(xensim_host *h, uint32_t virq)
{
    for (uint32_t d = 0; d < SIM_MAX_DOMS; d++) {
        if (!h->t->dom[d].exists)
            continue;
        for (uint32_t p = 1; p < SIM_MAX_PORTS; p++) {
            struct sim_port *sp = &h->t->dom[d].port[p];
            if (sp->state == SIM_PORT_VIRQ && sp->virq == virq)
                sim_port_set_pending(h, d, p);
        }
    }
}

int sim_port_alloc(xensim_host *h, uint32_t domid, int hint)
{
    struct sim_domain *d = sim_domain(h, domid);
    if (!d)
        return -1;
    if (d->dying) {
        errno = ESRCH;
        return -1;
    }
    if (hint > 0) {
        if (hint >= SIM_MAX_PORTS) {
            errno = EINVAL;
            return -1;
        }
        if (d->port[hint].state != SIM_PORT_FREE) {
            errno = EEXIST;
            return -1;
        }
        return hint;
    }
    for (int p = 1; p < SIM_MAX_PORTS; p++)
        if (d->port[p].state == SIM_PORT_FREE)
            return p;
    errno = ENOSPC;
    return -1;
}

/* EVTCHNOP_close: the interdomain peer falls back to unbound, waiting for us again. */
void sim_port_close(xensim_host *h, uint32_t domid, uint32_t port)
{
    struct sim_port *p = &h->t->dom[domid].port[port];
    if (p->state == SIM_PORT_INTERDOMAIN && p->remote_dom < SIM_MAX_DOMS &&
        p->remote_port > 0 && p->remote_port < SIM_MAX_PORTS) {
        struct sim_port *peer = &h->t->dom[p->remote_dom].port[p->remote_port];
        if (peer->state == SIM_PORT_INTERDOMAIN && peer->remote_dom == domid &&
            peer->remote_port == port) {
            peer->state = SIM_PORT_UNBOUND;
            peer->remote_port = 0;
        }
    }
    memset(p, 0, sizeof(*p));
}

int xensim_evtchn_alloc_unbound(xensim_host *h, uint32_t domid, uint32_t remote,
                                int port_hint)
{
    sim_lock(h);
    int port = sim_port_alloc(h, domid, port_hint);
    if (port > 0) {
        struct sim_port *p = &h->t->dom[domid].port[port];
        memset(p, 0, sizeof(*p));
        p->state = SIM_PORT_UNBOUND;
        p->remote_dom = remote;
    }
    sim_unlock(h);
    return port;
}

xenevtchn_handle *xensim_evtchn_open_as(xensim_host *h, uint32_t domid)
{
    if (!h) {
        errno = EINVAL;
        return NULL;
    }
    xenevtchn_handle *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->host = h;
    x->domid = domid;
    x->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (x->sock < 0)
        goto fail;
    sim_lock(h);
    x->id = h->t->next_handle++;
    sim_unlock(h);
    struct sockaddr_un sa;
    socklen_t len = handle_addr(h, x->id, &sa);
    if (bind(x->sock, (struct sockaddr *)&sa, len) != 0)
        goto fail;
    return x;
fail:;
    int saved = errno;
    if (x->sock >= 0)
        close(x->sock);
    free(x);
    errno = saved;
    return NULL;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    xenevtchn_handle *x = xensim_evtchn_open_as(sim_env_host(), sim_env_domid());
    if (x && (open_flags & XENEVTCHN_NO_CLOEXEC)) {
        /* daemons hand the fd over across exec for live update */
        int fl = fcntl(x->sock, F_GETFD);
        fcntl(x->sock, F_SETFD, fl & ~FD_CLOEXEC);
    }
    return x;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
                                   unsigned open_flags)
{
    (void)logger, (void)fd, (void)open_flags;
    errno = EOPNOTSUPP; /* no live update on the simulator */
    return NULL;
}

int xenevtchn_close(xenevtchn_handle *x)
{
    if (!x)
        return 0;
    xensim_host *h = x->host;
    sim_lock(h);
    for (uint32_t d = 0; d < SIM_MAX_DOMS; d++) {
        if (!h->t->dom[d].exists)
            continue;
        for (uint32_t p = 1; p < SIM_MAX_PORTS; p++) {
            struct sim_port *sp = &h->t->dom[d].port[p];
            if (sp->state == SIM_PORT_FREE || sp->owner != x->id)
                continue;
            if (sp->claimed) /* the port is the domain's, not this handle's */
                sp->owner = 0, sp->claimed = 0;
            else
                sim_port_close(h, d, p);
        }
    }
    sim_unlock(h);
    close(x->sock);
    free(x);
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *x)
{
    return x->sock;
}

int xenevtchn_restrict(xenevtchn_handle *x, domid_t domid)
{
    (void)x, (void)domid;
    return 0;
}

static struct sim_port *owned_port(xenevtchn_handle *x, evtchn_port_t port)
{
    struct sim_port *p = sim_port(x->host, x->domid, port);
    if (p && (p->state == SIM_PORT_FREE || p->owner != x->id)) {
        errno = ENOTCONN;
        return NULL;
    }
    return p;
}

int xenevtchn_notify(xenevtchn_handle *x, evtchn_port_t port)
{
    xensim_host *h = x->host;
    sim_lock(h);
    struct sim_port *p = owned_port(x, port);
    if (p && p->state == SIM_PORT_INTERDOMAIN)
        sim_port_set_pending(h, p->remote_dom, p->remote_port);
    sim_unlock(h);
    return p ? 0 : -1;
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *x, uint32_t domid)
{
    xensim_host *h = x->host;
    sim_lock(h);
    int port = sim_port_alloc(h, x->domid, 0);
    if (port > 0) {
        struct sim_port *p = &h->t->dom[x->domid].port[port];
        memset(p, 0, sizeof(*p));
        p->state = SIM_PORT_UNBOUND;
        p->remote_dom = domid;
        p->owner = x->id;
    }
    sim_unlock(h);
    return port;
}

/* Xen closes a process's ports when it dies; here a dead owner's port is only
 * noticed when someone needs the channel back. */
static void close_if_owner_dead(xensim_host *h, uint32_t domid, uint32_t port)
{
    struct sim_port *p = &h->t->dom[domid].port[port];
    if (p->state != SIM_PORT_INTERDOMAIN || p->remote_dom >= SIM_MAX_DOMS ||
        p->remote_port == 0 || p->remote_port >= SIM_MAX_PORTS)
        return;
    struct sim_port *peer = &h->t->dom[p->remote_dom].port[p->remote_port];
    if (peer->owner && !peer->claimed && !handle_alive(h, peer->owner))
        sim_port_close(h, p->remote_dom, p->remote_port);
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *x, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    xensim_host *h = x->host;
    int local = -1;
    sim_lock(h);
    struct sim_port *r = sim_port(h, domid, remote_port);
    if (!r)
        goto out;
    if (h->t->dom[domid].dying) {
        errno = ESRCH;
        goto out;
    }
    close_if_owner_dead(h, domid, remote_port);
    /* strict, as Xen: only an unbound port that names the caller's domain */
    if (r->state != SIM_PORT_UNBOUND || r->remote_dom != x->domid) {
        errno = EINVAL;
        goto out;
    }
    local = sim_port_alloc(h, x->domid, 0);
    if (local < 0)
        goto out;
    struct sim_port *l = &h->t->dom[x->domid].port[local];
    memset(l, 0, sizeof(*l));
    l->state = SIM_PORT_INTERDOMAIN;
    l->remote_dom = domid;
    l->remote_port = remote_port;
    l->owner = x->id;
    r->state = SIM_PORT_INTERDOMAIN;
    r->remote_dom = x->domid;
    r->remote_port = (uint32_t)local;
    /* Xen marks the new local port pending so no event sent before the bind is lost */
    sim_port_set_pending(h, x->domid, (uint32_t)local);
out:
    sim_unlock(h);
    return local;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *x, unsigned int virq)
{
    xensim_host *h = x->host;
    sim_lock(h);
    int port = sim_port_alloc(h, x->domid, 0);
    if (port > 0) {
        struct sim_port *p = &h->t->dom[x->domid].port[port];
        memset(p, 0, sizeof(*p));
        p->state = SIM_PORT_VIRQ;
        p->virq = virq;
        p->owner = x->id;
    }
    sim_unlock(h);
    return port;
}

int xenevtchn_unbind(xenevtchn_handle *x, evtchn_port_t port)
{
    xensim_host *h = x->host;
    sim_lock(h);
    struct sim_port *p = owned_port(x, port);
    if (p)
        sim_port_close(h, x->domid, port);
    sim_unlock(h);
    return p ? 0 : -1;
}

xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *x)
{
    uint32_t port;
    ssize_t n;
    do
        n = recv(x->sock, &port, sizeof(port), 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(port)) {
        if (n >= 0)
            errno = EIO;
        return -1;
    }
    xensim_host *h = x->host;
    sim_lock(h);
    struct sim_port *p = sim_port(h, x->domid, port);
    if (p && p->owner == x->id)
        p->pending = 0;
    sim_unlock(h);
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_unmask(xenevtchn_handle *x, evtchn_port_t port)
{
    (void)x, (void)port; /* delivery already re-armed when pending() cleared the bit */
    return 0;
}

int xensim_evtchn_claim(xenevtchn_handle *x, uint32_t port)
{
    xensim_host *h = x->host;
    int rc = -1;
    sim_lock(h);
    struct sim_port *p = sim_port(h, x->domid, port);
    if (!p)
        goto out;
    if (p->state == SIM_PORT_FREE) {
        errno = ENOENT;
        goto out;
    }
    if (p->owner && p->owner != x->id && handle_alive(h, p->owner)) {
        errno = EBUSY;
        goto out;
    }
    if (p->owner != x->id) {
        p->owner = x->id;
        p->claimed = 1;
        if (p->pending)
            deliver(h, x->id, port);
    }
    rc = 0;
out:
    sim_unlock(h);
    return rc;
}
