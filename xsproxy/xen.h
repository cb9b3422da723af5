// SPDX-License-Identifier: LGPL-2.1-only
// The Xen library handles xsproxy holds: foreign memory for ring pages, one event
// channel handle for every guest's store port (dispatched by local port, so 1000
// guests cost one fd), and libxenctrl for domain state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

extern "C" {
#include <xen/io/xs_wire.h>
}

struct event_base;
struct event;
typedef struct xenforeignmemory_handle xenforeignmemory_handle;
typedef struct xenevtchn_handle xenevtchn_handle;

namespace xsp {

enum class DomainState { running, shutdown, dying, gone };

class Xen {
  public:
    using PortFn = std::function<void()>;

    explicit Xen(event_base *base);
    ~Xen();
    Xen(const Xen &) = delete;
    Xen &operator=(const Xen &) = delete;

    bool open(std::string &err);

    // Map one page of `domid` by gfn (a store ring page).
    xenstore_domain_interface *map_ring(std::uint32_t domid, std::uint64_t gfn,
                                        std::string &err);
    void unmap_ring(xenstore_domain_interface *intf);

    // Bind to `remote_port` of `domid`; `fn` runs when the guest signals it.
    // Returns the local port or -1.
    int bind(std::uint32_t domid, std::uint32_t remote_port, PortFn fn, std::string &err);
    void unbind(int local_port);
    void notify(int local_port);

    DomainState domain_state(std::uint32_t domid);
    bool domain_exists(std::uint32_t domid) { return domain_state(domid) != DomainState::gone; }

  private:
    static void evtchn_cb(int fd, short what, void *arg);

    event_base *base_;
    xenforeignmemory_handle *fmem_ = nullptr;
    xenevtchn_handle *xce_ = nullptr;
    void *xch_ = nullptr;
    event *ev_ = nullptr;
    std::unordered_map<int, PortFn> ports_;
};

} // namespace xsp
