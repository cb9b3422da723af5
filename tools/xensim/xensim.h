// SPDX-License-Identifier: LGPL-2.1-only
/*
 * xensim: the simulated hypervisor — control API for tests, the CLI and harnesses.
 *
 * Production code (xsproxy, the daemons) never includes this: it calls the real Xen
 * library API (xenevtchn_*, xenforeignmemory_*, xengnttab_*, xc_*), which libxensim.so
 * implements when LD_PRELOADed. Those calls act on the host named by $XENSIM_STATE, as
 * the domain named by $XENSIM_DOMID (default 0).
 *
 * This header is for what only a toolstack or the guest itself does on real Xen:
 * creating domains and their memory, seeding grant entries, allocating a domain's
 * unbound ports, and — for a simulated guest — owning its own ports and pages.
 * All functions return -1 and set errno on failure unless stated otherwise.
 */
#ifndef XENSIM_H
#define XENSIM_H

#include <stdint.h>
#include <stdio.h>

/* Xen's library headers carry no extern "C" guards of their own. */
#ifdef __cplusplus
extern "C" {
#endif

#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>

typedef struct xensim_host xensim_host;

/* Create a fresh host state in `dir` (created if missing; must not hold a host). */
int xensim_host_init(const char *dir);
xensim_host *xensim_host_open(const char *dir); /* NULL + errno */
void xensim_host_close(xensim_host *h);
const char *xensim_host_dir(const xensim_host *h);

/* Domains. domid < 0 picks the lowest free domid >= 1. Returns the domid. */
int xensim_domain_create(xensim_host *h, int domid);
/* Xen's SHUTDOWN_* reason (suspend = 2). Raises VIRQ_DOM_EXC. */
int xensim_domain_shutdown(xensim_host *h, uint32_t domid, int reason);
int xensim_domain_crash(xensim_host *h, uint32_t domid);
/* Clears shutdown (xc_domain_resume). */
int xensim_domain_resume(xensim_host *h, uint32_t domid);
/* Marks the domain dying, raises VIRQ_DOM_EXC; its ports are closed and the domid
 * becomes free for reuse once the domain is reaped (the next create of that domid, or
 * xensim_domain_reap). */
int xensim_domain_destroy(xensim_host *h, uint32_t domid);
int xensim_domain_reap(xensim_host *h, uint32_t domid);

/* Guest memory: 4096-byte pages addressed by gfn. populate creates a zeroed page. */
int xensim_page_populate(xensim_host *h, uint32_t domid, uint64_t gfn);
void *xensim_page_map(xensim_host *h, uint32_t domid, uint64_t gfn); /* NULL + errno */
int xensim_page_unmap(void *addr);

/* Grant table: entry `ref` of `domid` names one of its gfns (ref 1 = xenstore). */
int xensim_grant_set(xensim_host *h, uint32_t domid, uint32_t ref, uint64_t gfn);

/* xc_evtchn_alloc_unbound: a new unbound port of `domid` that `remote` may bind.
 * port_hint > 0 asks for that exact port number (restore keeps the store port). */
int xensim_evtchn_alloc_unbound(xensim_host *h, uint32_t domid, uint32_t remote,
                                int port_hint);

/* A xenevtchn handle that acts as `domid` on host h (a simulated guest's kernel). */
xenevtchn_handle *xensim_evtchn_open_as(xensim_host *h, uint32_t domid);
/* Take delivery of the handle's domain's existing port (as a guest kernel owns the
 * store port its toolstack allocated): notifications sent to `port` then wake this
 * handle, and xenevtchn_notify(handle, port) signals the port's peer. */
int xensim_evtchn_claim(xenevtchn_handle *xce, uint32_t port);

/* Added: the other Xen library handles, acting on host h rather than $XENSIM_STATE
 * (a test process can drive several hosts). Close them with the Xen library's own
 * close function. xensim_xc_open_as returns an xc_interface *. */
xengnttab_handle *xensim_gnttab_open_as(xensim_host *h);
xenforeignmemory_handle *xensim_fmem_open_as(xensim_host *h);
struct xc_interface_core *xensim_xc_open_as(xensim_host *h);

/* Human-readable dump of domains and ports. */
void xensim_dump(xensim_host *h, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
