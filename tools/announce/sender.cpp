// SPDX-License-Identifier: LGPL-2.1-only
#include "sender.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace xsannounce {

namespace {

std::string err(const std::string &what, int e) { return what + ": " + std::strerror(e); }

} // namespace

RawSocket::RawSocket(const std::string &ifname) : ifname_(ifname) {
    if (ifname.empty() || ifname.size() >= IFNAMSIZ)
        throw AnnounceError("invalid interface name '" + ifname + "'");
    // Protocol 0: this socket only transmits; it must not queue every frame the
    // interface receives.
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        int e = errno;
        if (e == EPERM || e == EACCES)
            throw AnnounceError("raw AF_PACKET socket refused (needs root or CAP_NET_RAW)");
        throw AnnounceError(err("socket(AF_PACKET)", e));
    }
    ifindex_ = int(if_nametoindex(ifname.c_str()));
    if (ifindex_ == 0) {
        int e = errno;
        ::close(fd_);
        fd_ = -1;
        if (e == ENODEV || e == ENXIO)
            throw AnnounceError("no such interface '" + ifname + "'");
        throw AnnounceError(err("interface '" + ifname + "'", e));
    }
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = 0;
    sll.sll_ifindex = ifindex_;
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&sll), sizeof sll) < 0) {
        int e = errno;
        ::close(fd_);
        fd_ = -1;
        throw AnnounceError(err("bind to '" + ifname + "'", e));
    }
}

RawSocket::~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
}

void RawSocket::send(const std::vector<uint8_t> &frame) {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);
    ssize_t n = ::sendto(fd_, frame.data(), frame.size(), 0,
                         reinterpret_cast<sockaddr *>(&to), sizeof to);
    if (n < 0) {
        int e = errno;
        if (e == ENETDOWN)
            throw AnnounceError("interface '" + ifname_ + "' is down");
        throw AnnounceError(err("send on '" + ifname_ + "'", e));
    }
    if (std::size_t(n) != frame.size())
        throw AnnounceError("short send on '" + ifname_ + "'");
}

std::vector<std::vector<uint8_t>> round_frames(const Target &t) {
    std::vector<std::vector<uint8_t>> out{rarp_frame(t.mac)};
    for (const auto &ip : t.ips) out.push_back(garp_frame(t.mac, ip));
    return out;
}

std::size_t announce(const std::vector<Target> &targets, const Backoff &b,
                     const std::function<void(unsigned)> &sleep_ms) {
    std::vector<RawSocket> socks;
    std::vector<std::vector<std::vector<uint8_t>>> frames;
    socks.reserve(targets.size());
    for (const auto &t : targets) {
        socks.emplace_back(t.ifname);
        frames.push_back(round_frames(t));
    }
    auto delays = backoff_delays(b);
    std::size_t sent = 0;
    for (unsigned r = 0; r < b.rounds; ++r) {
        if (r > 0) {
            if (sleep_ms)
                sleep_ms(delays[r - 1]);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(delays[r - 1]));
        }
        for (std::size_t i = 0; i < socks.size(); ++i)
            for (const auto &f : frames[i]) {
                socks[i].send(f);
                ++sent;
            }
    }
    return sent;
}

} // namespace xsannounce
