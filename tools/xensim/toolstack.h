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

} // namespace xensim
