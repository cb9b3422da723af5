// SPDX-License-Identifier: LGPL-2.1-only
// Frames a migrated guest would have sent itself had it known it moved: the RARP
// QEMU's announce-self builds, plus a gratuitous ARP per IPv4 address. Pure: bytes out,
// no I/O, so the layout is unit-testable field by field.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xsannounce {

using Mac = std::array<uint8_t, 6>;
using Ipv4 = std::array<uint8_t, 4>; // network order, as on the wire

inline constexpr uint16_t ethertype_arp = 0x0806;
inline constexpr uint16_t ethertype_rarp = 0x8035;
inline constexpr uint16_t arp_op_request = 1;
inline constexpr uint16_t arp_op_reverse_request = 3; // RFC 903
// Ethernet minimum without FCS: short frames are padded like QEMU pads them, so the
// bytes on the wire do not depend on whether a driver pads.
inline constexpr std::size_t frame_len = 60;

// "aa:bb:cc:dd:ee:ff" (also '-' separated), hex case-insensitive. Rejects broadcast
// and multicast addresses: a guest's unicast MAC is the only thing worth announcing.
std::optional<Mac> parse_mac(std::string_view s);
// Dotted quad, exactly four decimal parts 0..255, no leading '+', no trailing junk.
std::optional<Ipv4> parse_ipv4(std::string_view s);
std::string format_mac(const Mac &mac);
std::string format_ipv4(const Ipv4 &ip);

// RARP "reverse request": sender and target hardware address = mac, both protocol
// addresses 0, to the broadcast address. Switches learn mac's new port from it.
std::vector<uint8_t> rarp_frame(const Mac &mac);
// Gratuitous ARP request: sender IP = target IP = ip, target hardware 0. Neighbours
// with a cache entry for ip refresh it to mac.
std::vector<uint8_t> garp_frame(const Mac &mac, const Ipv4 &ip);

struct Backoff {
    unsigned rounds = 5;      // QEMU's announce-rounds
    unsigned initial_ms = 50; // announce-initial
    unsigned step_ms = 100;   // announce-step
    unsigned max_ms = 550;    // announce-max
};
// Delay before each round after the first (rounds-1 entries): initial, initial+step, …
// capped at max, the schedule of QEMU's qemu_announce_timer_step.
std::vector<unsigned> backoff_delays(const Backoff &b);

} // namespace xsannounce
