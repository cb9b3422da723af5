// SPDX-License-Identifier: LGPL-2.1-only
#include "frames.h"

#include <charconv>
#include <cstdio>

namespace xsannounce {

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void put16(std::vector<uint8_t> &f, std::size_t at, uint16_t v) {
    f[at] = uint8_t(v >> 8);
    f[at + 1] = uint8_t(v);
}

// Ethernet header + the fixed part of an ARP/RARP body for Ethernet/IPv4.
std::vector<uint8_t> arp_like(uint16_t ethertype, uint16_t op, const Mac &mac) {
    std::vector<uint8_t> f(frame_len, 0);
    for (std::size_t i = 0; i < 6; ++i) {
        f[i] = 0xff;      // broadcast destination
        f[6 + i] = mac[i]; // the guest's MAC as source: that is what switches learn
    }
    put16(f, 12, ethertype);
    put16(f, 14, 1);      // hardware type Ethernet
    put16(f, 16, 0x0800); // protocol type IPv4
    f[18] = 6;
    f[19] = 4;
    put16(f, 20, op);
    for (std::size_t i = 0; i < 6; ++i) f[22 + i] = mac[i]; // sender hardware address
    return f;
}

} // namespace

std::optional<Mac> parse_mac(std::string_view s) {
    if (s.size() != 17) return std::nullopt;
    Mac mac{};
    char sep = s[2];
    if (sep != ':' && sep != '-') return std::nullopt;
    for (std::size_t i = 0; i < 6; ++i) {
        int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && s[3 * i + 2] != sep) return std::nullopt;
        mac[i] = uint8_t(hi << 4 | lo);
    }
    if (mac[0] & 1) return std::nullopt; // group bit: broadcast or multicast
    return mac;
}

std::optional<Ipv4> parse_ipv4(std::string_view s) {
    Ipv4 ip{};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i > 0) {
            if (pos >= s.size() || s[pos] != '.') return std::nullopt;
            ++pos;
        }
        std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start || pos - start > 3) return std::nullopt;
        unsigned v = 0;
        std::from_chars(s.data() + start, s.data() + pos, v);
        if (v > 255) return std::nullopt;
        ip[i] = uint8_t(v);
    }
    if (pos != s.size()) return std::nullopt;
    return ip;
}

std::string format_mac(const Mac &m) {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                  m[4], m[5]);
    return buf;
}

std::string format_ipv4(const Ipv4 &ip) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    return buf;
}

std::vector<uint8_t> rarp_frame(const Mac &mac) {
    auto f = arp_like(ethertype_rarp, arp_op_reverse_request, mac);
    // Sender IP (28..31) stays 0: the guest "asks" for its address, as QEMU does.
    for (std::size_t i = 0; i < 6; ++i) f[32 + i] = mac[i]; // target hardware address
    return f;                                                 // target IP (38..41) 0
}

std::vector<uint8_t> garp_frame(const Mac &mac, const Ipv4 &ip) {
    auto f = arp_like(ethertype_arp, arp_op_request, mac);
    for (std::size_t i = 0; i < 4; ++i) {
        f[28 + i] = ip[i]; // sender IP
        f[38 + i] = ip[i]; // target IP = sender IP: gratuitous; target hw (32..37) 0
    }
    return f;
}

std::vector<unsigned> backoff_delays(const Backoff &b) {
    std::vector<unsigned> d;
    for (unsigned r = 1; r < b.rounds; ++r) {
        unsigned long long ms = b.initial_ms + (unsigned long long)(r - 1) * b.step_ms;
        d.push_back(ms > b.max_ms ? b.max_ms : unsigned(ms));
    }
    return d;
}

} // namespace xsannounce
