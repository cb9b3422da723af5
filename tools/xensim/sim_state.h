// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Internal to libxensim: the layout of a simulated host's shared table and the
 * helpers every part of the library uses. One table file per host (DIR/table),
 * mmap'd MAP_SHARED by every process acting on that host; all mutation happens
 * under sim_lock() (a process-local mutex plus flock on the table, because flock
 * alone does not exclude threads sharing one open file description).
 */
#ifndef XENSIM_SIM_STATE_H
#define XENSIM_SIM_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <xenforeignmemory.h>

#include "xensim.h"

#define SIM_MAGIC "XENSIM02"
#define SIM_MAX_DOMS 2048     /* domids 0..2047: 1000 guests behind one xsproxy */
#define SIM_MAX_PORTS 4096    /* ports 1..4095 per domain (dom0 binds two per proxied guest); 0 is invalid as on Xen */
#define SIM_NR_GRANTS 64
#define SIM_PAGE_SIZE 4096
#define SIM_VIRQ_DOM_EXC 3

enum sim_port_state {
    SIM_PORT_FREE = 0,
    SIM_PORT_UNBOUND = 1,     /* waiting for remote_dom to bind_interdomain */
    SIM_PORT_INTERDOMAIN = 2, /* connected to (remote_dom, remote_port) */
    SIM_PORT_VIRQ = 3,
};

struct sim_port {
    uint8_t state;
    uint8_t pending;
    uint8_t claimed; /* owner took delivery via xensim_evtchn_claim, did not bind */
    uint8_t pad;
    uint32_t virq;
    uint32_t remote_dom;
    uint32_t remote_port;
    uint64_t owner; /* handle id that receives notifications; 0 = nobody */
};

struct sim_domain {
    uint8_t exists, shutdown, crashed, dying, paused, pad[3];
    uint32_t reason;
    uint32_t pad2;
    uint64_t grant[SIM_NR_GRANTS]; /* gfn + 1; 0 = entry not in use */
    struct sim_port port[SIM_MAX_PORTS];
};

struct sim_table {
    char magic[8];
    uint32_t version;
    uint32_t pad;
    char instance[24];   /* random; names the host's abstract sockets */
    uint64_t next_handle;
    struct sim_domain dom[SIM_MAX_DOMS];
};

struct xensim_host {
    char *dir;
    int fd;
    struct sim_table *t;
    pthread_mutex_t mu;
};

/* lock.c / host.c */
void sim_lock(xensim_host *h);
void sim_unlock(xensim_host *h);
/* The host named by $XENSIM_STATE (cached per directory; never closed). */
xensim_host *sim_env_host(void);
/* $XENSIM_DOMID, default 0. */
uint32_t sim_env_domid(void);
/* Live domain (exists and not reaped) or NULL + errno = ESRCH. */
struct sim_domain *sim_domain(xensim_host *h, uint32_t domid);
struct sim_port *sim_port(xensim_host *h, uint32_t domid, uint32_t port);

/* evtchn.c, called with the lock held */
int sim_port_alloc(xensim_host *h, uint32_t domid, int hint);
void sim_port_close(xensim_host *h, uint32_t domid, uint32_t port);
void sim_port_set_pending(xensim_host *h, uint32_t domid, uint32_t port);
void sim_raise_virq(xensim_host *h, uint32_t virq);

/* memory.c */
int sim_page_path(xensim_host *h, uint32_t domid, uint64_t gfn, char *buf, size_t len);
/* Maps `n` pages (domid[i], gfn[i]) contiguously; err[i] gets -errno per page when
 * err != NULL (then failed pages stay inaccessible), else any failure fails the call. */
void *sim_map_pages(xensim_host *h, size_t n, const uint32_t *domids,
                    const uint64_t *gfns, int prot, int *err);

void *sim_foreign_map(xensim_host *h, uint32_t dom, int prot, size_t pages,
                      const xen_pfn_t arr[], int err[]);

#endif
