// SPDX-License-Identifier: LGPL-2.1-only
// Attach an xsguest Client as the kernel of a simulated guest on a xensim host.
//
// The toolstack side (harness) has already created the domain, populated its store
// page, seeded grant 1, allocated the store port for the server's domain and
// INTRODUCEd it. The guest only needs what a real guest gets from start_info /
// HVM_PARAM_STORE_PFN / HVM_PARAM_STORE_EVTCHN: the page's gfn and the port.
#pragma once

#include <cstdint>
#include <memory>

#include "xsguest/client.h"

extern "C" {
#include "xensim.h"
}

namespace xsguest {

// Maps the store page and takes delivery of the store port as `domid`. Throws
// std::system_error if the simulator refuses.
std::unique_ptr<Client> attach_xensim(xensim_host *host, std::uint32_t domid,
                                      std::uint64_t store_gfn, evtchn_port_t store_port,
                                      Options opt = {});

// The same mapping and port as a bare Transport, e.g. for Client::rebind after a
// migration to another host.
Transport xensim_transport(xensim_host *host, std::uint32_t domid, std::uint64_t store_gfn,
                           evtchn_port_t store_port);

} // namespace xsguest
