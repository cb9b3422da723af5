// SPDX-License-Identifier: LGPL-2.1-only
// Domids: strict parsing and the per-guest transposition (R V).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xsx {

using domid_t = std::uint16_t;

constexpr unsigned domid_first_reserved = 0x7FF0; // DOMID_FIRST_RESERVED
constexpr unsigned domid_self = 0x7FF0;

// Canonical decimal only: "0" or [1-9][0-9]*, value <= 65535. Rejects "01", "0x1", " 1",
// "1abc", "+1", "" — every spelling the daemons' strtol/atoi/strtoul would also accept
// must not slip past the rewrite and name a real domain.
std::optional<domid_t> parse_domid(std::string_view s);

// Appends the canonical decimal spelling.
void append_domid(std::string &out, unsigned d);
std::string domid_str(unsigned d);

// The transposition (R V): real R <-> virtual V; everything else, 0 and the reserved
// ids (>= 0x7FF0) included, is a fixed point. Being an involution, to_upstream and
// to_guest are the same function; both names exist so call sites say which view they hold.
struct DomidMap {
    domid_t real = 0;
    domid_t virt = 1;

    // A usable map: R and V are ordinary domids (not 0, not reserved).
    // R == V is valid and makes the map the identity.
    constexpr bool valid() const {
        return real != 0 && virt != 0 && real < domid_first_reserved &&
               virt < domid_first_reserved;
    }
    constexpr bool identity() const { return real == virt; }
    constexpr domid_t swap(domid_t d) const {
        return d == virt ? real : d == real ? virt : d;
    }
    constexpr domid_t to_upstream(domid_t d) const { return swap(d); }
    constexpr domid_t to_guest(domid_t d) const { return swap(d); }
    bool operator==(const DomidMap &) const = default;
};

} // namespace xsx
