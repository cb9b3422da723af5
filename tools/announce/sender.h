// SPDX-License-Identifier: LGPL-2.1-only
// Sending the announce frames: one raw AF_PACKET socket per interface, rounds spaced
// by QEMU's back-off, every target served in the same round.
#pragma once

#include "frames.h"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xsannounce {

// A failure the operator can act on; the message names the interface and the cause.
struct AnnounceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// AF_PACKET socket bound to one interface. Throws AnnounceError for a missing
// interface, missing CAP_NET_RAW, or any other socket failure.
class RawSocket {
public:
    explicit RawSocket(const std::string &ifname);
    ~RawSocket();
    RawSocket(RawSocket &&o) noexcept : fd_(o.fd_), ifindex_(o.ifindex_), ifname_(std::move(o.ifname_)) { o.fd_ = -1; }
    RawSocket(const RawSocket &) = delete;
    RawSocket &operator=(const RawSocket &) = delete;
    RawSocket &operator=(RawSocket &&) = delete;

    void send(const std::vector<uint8_t> &frame);
    const std::string &ifname() const { return ifname_; }

private:
    int fd_ = -1;
    int ifindex_ = 0;
    std::string ifname_;
};

struct Target {
    std::string ifname; // where the frames are transmitted
    Mac mac{};
    std::vector<Ipv4> ips;
};

// The frames of one round for one target: RARP first (what QEMU sends), then one
// gratuitous ARP per IP in the order given.
std::vector<std::vector<uint8_t>> round_frames(const Target &t);

// Open every target's socket first (so a bad interface fails before anything is sent),
// then run b.rounds rounds. sleep_ms is injectable for tests; frames sent are counted.
std::size_t announce(const std::vector<Target> &targets, const Backoff &b,
                     const std::function<void(unsigned)> &sleep_ms = {});

} // namespace xsannounce
