// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/ring.h"

#include <atomic>
#include <cstring>

namespace xsx::ring {

namespace {

struct View {
    volatile char *buf;
    volatile std::uint32_t *cons;
    volatile std::uint32_t *prod;
};

View view(xenstore_domain_interface *intf, Dir d) {
    if (d == Dir::req) return {intf->req, &intf->req_cons, &intf->req_prod};
    return {intf->rsp, &intf->rsp_cons, &intf->rsp_prod};
}

bool sane(std::uint32_t cons, std::uint32_t prod) {
    return static_cast<std::uint32_t>(prod - cons) <= XENSTORE_RING_SIZE;
}

} // namespace

std::uint32_t load(const volatile std::uint32_t &field) {
    return __atomic_load_n(&field, __ATOMIC_ACQUIRE);
}

void store(volatile std::uint32_t &field, std::uint32_t v) {
    __atomic_store_n(&field, v, __ATOMIC_RELEASE);
}

long readable(const xenstore_domain_interface *intf, Dir d) {
    View v = view(const_cast<xenstore_domain_interface *>(intf), d);
    std::uint32_t cons = load(*v.cons), prod = load(*v.prod);
    if (!sane(cons, prod)) return -1;
    return static_cast<long>(prod - cons);
}

long writable(const xenstore_domain_interface *intf, Dir d) {
    long r = readable(intf, d);
    return r < 0 ? -1 : XENSTORE_RING_SIZE - r;
}

Xfer consume(xenstore_domain_interface *intf, Dir d, void *out, std::size_t max) {
    View v = view(intf, d);
    Xfer x;
    // One copy of each index: the peer may change them while we work.
    std::uint32_t cons = load(*v.cons), prod = load(*v.prod);
    if (!sane(cons, prod)) {
        x.bad_index = true;
        return x;
    }
    std::uint32_t avail = prod - cons;
    x.was_full = avail == XENSTORE_RING_SIZE;
    std::size_t n = avail < max ? avail : max;
    auto *dst = static_cast<unsigned char *>(out);
    // Data must be read after prod (acquire above), in at most two pieces around the wrap.
    for (std::size_t done = 0; done < n;) {
        std::uint32_t off = MASK_XENSTORE_IDX(cons + done);
        std::size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > n - done) chunk = n - done;
        std::memcpy(dst + done, const_cast<const char *>(v.buf) + off, chunk);
        done += chunk;
    }
    // The data copy must complete before the peer may overwrite it.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    store(*v.cons, cons + static_cast<std::uint32_t>(n));
    x.n = n;
    return x;
}

Xfer peek(const xenstore_domain_interface *intf, Dir d, std::size_t skip, void *out,
          std::size_t max) {
    View v = view(const_cast<xenstore_domain_interface *>(intf), d);
    Xfer x;
    std::uint32_t cons = load(*v.cons), prod = load(*v.prod);
    std::uint32_t avail = prod - cons;
    if (!sane(cons, prod) || skip > avail) {
        x.bad_index = true;
        return x;
    }
    std::size_t n = avail - skip < max ? avail - skip : max;
    auto *dst = static_cast<unsigned char *>(out);
    for (std::size_t done = 0; done < n;) {
        std::uint32_t off = MASK_XENSTORE_IDX(cons + skip + done);
        std::size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > n - done) chunk = n - done;
        std::memcpy(dst + done, const_cast<const char *>(v.buf) + off, chunk);
        done += chunk;
    }
    x.n = n;
    return x;
}

Xfer advance(xenstore_domain_interface *intf, Dir d, std::size_t n) {
    View v = view(intf, d);
    Xfer x;
    std::uint32_t cons = load(*v.cons), prod = load(*v.prod);
    if (!sane(cons, prod) || n > static_cast<std::uint32_t>(prod - cons)) {
        x.bad_index = true;
        return x;
    }
    x.was_full = prod - cons == XENSTORE_RING_SIZE;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    store(*v.cons, cons + static_cast<std::uint32_t>(n));
    x.n = n;
    return x;
}

Xfer produce(xenstore_domain_interface *intf, Dir d, const void *in, std::size_t len) {
    View v = view(intf, d);
    Xfer x;
    std::uint32_t cons = load(*v.cons), prod = load(*v.prod);
    if (!sane(cons, prod)) {
        x.bad_index = true;
        return x;
    }
    std::uint32_t used = prod - cons;
    x.was_empty = used == 0;
    std::size_t space = XENSTORE_RING_SIZE - used;
    std::size_t n = len < space ? len : space;
    auto *src = static_cast<const unsigned char *>(in);
    for (std::size_t done = 0; done < n;) {
        std::uint32_t off = MASK_XENSTORE_IDX(prod + done);
        std::size_t chunk = XENSTORE_RING_SIZE - off;
        if (chunk > n - done) chunk = n - done;
        std::memcpy(const_cast<char *>(v.buf) + off, src + done, chunk);
        done += chunk;
    }
    // Publish data before the index (release store).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    store(*v.prod, prod + static_cast<std::uint32_t>(n));
    x.n = n;
    return x;
}

} // namespace xsx::ring
