// SPDX-License-Identifier: LGPL-2.1-only
#include "xen.h"

#include "log.h"

#include <cerrno>
#include <cstring>
#include <event2/event.h>
#include <fmt/format.h>
#include <sys/mman.h>

#include "dominfo.h"

extern "C" {
#include <xenevtchn.h>
#include <xenforeignmemory.h>
}

namespace xsp {

Xen::Xen(event_base *base) : base_(base) {}

Xen::~Xen() {
    if (ev_) event_free(ev_);
    if (xce_) xenevtchn_close(xce_);
    if (fmem_) xenforeignmemory_close(fmem_);
    xsp_xc_close(xch_);
}

namespace {
// The Xen libraries report only errno; say which device that was and what usually
// causes it, so "No such file or directory" on a host without Xen is not a riddle.
std::string open_error(const char *device, const char *lib, int e) {
    std::string msg = fmt::format("cannot open {} ({}): {}", device, lib, std::strerror(e));
    if (e == ENOENT || e == ENODEV || e == ENXIO)
        msg += " (is this a Xen dom0 with the xen kernel modules loaded?)";
    else if (e == EACCES || e == EPERM)
        msg += " (xsproxy must run as root in dom0)";
    return msg;
}
} // namespace

bool Xen::open(std::string &err) {
    fmem_ = xenforeignmemory_open(nullptr, 0);
    if (!fmem_) {
        err = open_error("/dev/xen/privcmd", "xenforeignmemory", errno);
        return false;
    }
    xce_ = xenevtchn_open(nullptr, 0);
    if (!xce_) {
        err = open_error("/dev/xen/evtchn", "xenevtchn", errno);
        return false;
    }
    xch_ = xsp_xc_open();
    if (!xch_) {
        err = open_error("/dev/xen/privcmd", "xencontrol", errno);
        return false;
    }
    ev_ = event_new(base_, xenevtchn_fd(xce_), EV_READ | EV_PERSIST, evtchn_cb, this);
    event_add(ev_, nullptr);
    return true;
}

xenstore_domain_interface *Xen::map_ring(std::uint32_t domid, std::uint64_t gfn,
                                         std::string &err) {
    xen_pfn_t pfn = gfn;
    int perr = 0;
    void *p = xenforeignmemory_map(fmem_, domid, PROT_READ | PROT_WRITE, 1, &pfn, &perr);
    if (!p || perr) {
        err = std::string("cannot map gfn ") + std::to_string(gfn) + " of domain " +
              std::to_string(domid) + ": " + std::strerror(p ? -perr : errno);
        if (p) xenforeignmemory_unmap(fmem_, p, 1);
        return nullptr;
    }
    return static_cast<xenstore_domain_interface *>(p);
}

void Xen::unmap_ring(xenstore_domain_interface *intf) {
    if (intf) xenforeignmemory_unmap(fmem_, intf, 1);
}

int Xen::bind(std::uint32_t domid, std::uint32_t remote_port, PortFn fn, std::string &err) {
    xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(xce_, domid, remote_port);
    if (p < 0) {
        err = "cannot bind event channel " + std::to_string(remote_port) + " of domain " +
              std::to_string(domid) + ": " + std::strerror(errno);
        return -1;
    }
    ports_[p] = std::move(fn);
    return p;
}

void Xen::unbind(int local_port) {
    if (local_port < 0) return;
    ports_.erase(local_port);
    xenevtchn_unbind(xce_, local_port);
}

void Xen::notify(int local_port) {
    if (local_port >= 0) xenevtchn_notify(xce_, local_port);
}

void Xen::evtchn_cb(int, short, void *arg) {
    auto *self = static_cast<Xen *>(arg);
    xenevtchn_port_or_error_t p = xenevtchn_pending(self->xce_);
    if (p < 0) return;
    xenevtchn_unmask(self->xce_, p);
    auto it = self->ports_.find(p);
    // Copy: the callback may unbind (and so erase) its own port.
    if (it != self->ports_.end()) {
        PortFn fn = it->second;
        fn();
    }
}

DomainState Xen::domain_state(std::uint32_t domid) {
    switch (xsp_domain_state(xch_, domid)) {
    case XSP_DOM_RUNNING: return DomainState::running;
    case XSP_DOM_SHUTDOWN: return DomainState::shutdown;
    case XSP_DOM_DYING: return DomainState::dying;
    case XSP_DOM_GONE: break;
    }
    return DomainState::gone;
}

} // namespace xsp
