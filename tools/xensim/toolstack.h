// SPDX-License-Identifier: LGPL-2.1-only
// What libxl does around xenstore when it builds a domain, done on a simulated host.
#pragma once

#include <cstdint>
#include <string>

// libxenstore's header has no extern "C" guard of its own
extern "C" {
#include <xenstore.h>
}

#include "xensim.h"

namespace xensim {

// The store ring of an HVM guest lives in the special-page region; any gfn works.
constexpr uint64_t store_ring_gfn = 0xfeffc;

struct Introduced {
    uint32_t domid;
    uint64_t ring_gfn;
    uint32_t store_port; // the domain's unbound port, remote dom0, bound by xenstored
};

// A dom0 connection to the host's daemon over its socket (XS_OPEN_SOCKETONLY);
// throws std::runtime_error.
xs_handle *open_dom0_xs(const std::string &socket_path);

// libxl-like: zero a ring page and seed grant 1 with it, allocate the store port,
// write /local/domain/N and its basic nodes, then XS_INTRODUCE. The domain must
// exist. Throws std::runtime_error.
Introduced introduce_domain(xensim_host *h, xs_handle *xs, uint32_t domid);

// The toolstack's part when xsproxy serves the guest's ring (docs/toolstack.md): the
// guest's store page and port are handed to xsproxy, and a second page of the domain
// (the shadow ring) plus a second unbound port are what xenstored gets introduced to —
// by xsproxy, not here. Grant 1 is seeded with the *shadow* page, since C xenstored maps
// grant 1. The domain nodes are written as for introduce_domain().
constexpr uint64_t shadow_ring_gfn = 0xfeffb;

struct Proxied {
    uint32_t domid;
    uint64_t ring_gfn;
    uint32_t store_port;
    uint64_t shadow_gfn;
    uint32_t shadow_port;
};

// store_port_hint > 0: keep that store port number (a restored domain keeps its port).
Proxied prepare_proxied_domain(xensim_host *h, xs_handle *xs, uint32_t domid,
                               int store_port_hint = 0);

} // namespace xensim
