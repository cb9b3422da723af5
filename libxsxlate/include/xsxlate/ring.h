// SPDX-License-Identifier: LGPL-2.1-only
// Byte transfer over one xenstore ring page (xs_wire.h), for either role.
//
// Sans-I/O: these functions only touch the shared page; the caller decides when to
// notify the event channel. The peer is untrusted: indexes are copied once and
// validated (prod - cons <= XENSTORE_RING_SIZE) before any data is trusted, and a
// message may be split anywhere, including across the wrap (callers parse a stream).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
#include <xen/io/xs_wire.h>
}

namespace xsx::ring {

enum class Dir {
    req, // guest -> server: guest produces, server consumes
    rsp, // server -> guest: server produces, guest consumes
};

struct Xfer {
    std::size_t n = 0;     // bytes moved
    bool bad_index = false; // prod - cons > ring size: a protocol violation by the peer
    bool was_full = false;  // consumer: the ring was full before (producer may be waiting)
    bool was_empty = false; // producer: the consumer had caught up (it may be idle)
};

// Copy up to `max` bytes out of ring `d` and advance its consumer index.
Xfer consume(xenstore_domain_interface *intf, Dir d, void *out, std::size_t max);

// Copy up to `len` bytes into ring `d` and advance its producer index.
Xfer produce(xenstore_domain_interface *intf, Dir d, const void *in, std::size_t len);

// Copy up to `max` bytes starting `skip` bytes past the consumer index, without
// consuming them (a server that commits only once a request has really been taken).
Xfer peek(const xenstore_domain_interface *intf, Dir d, std::size_t skip, void *out,
          std::size_t max);
// Advance the consumer index by n bytes already peeked.
Xfer advance(xenstore_domain_interface *intf, Dir d, std::size_t n);

// Bytes readable / writable right now; -1 if the indexes are inconsistent.
long readable(const xenstore_domain_interface *intf, Dir d);
long writable(const xenstore_domain_interface *intf, Dir d);

// Index and field access with the ordering the protocol needs.
std::uint32_t load(const volatile std::uint32_t &field);
void store(volatile std::uint32_t &field, std::uint32_t v);

} // namespace xsx::ring
