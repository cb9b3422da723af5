// SPDX-License-Identifier: LGPL-2.1-only
// A bare dom0 wire-protocol client on xenstored's unix socket: the reference round trip,
// and the dom0 writer of the watch class (sending without waiting lets the guest's event
// be timed from the moment the write leaves, not from when dom0 got its reply).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <xsxlate/wire.h>

namespace bench {

class RawSock {
  public:
    explicit RawSock(const std::string &path); // throws std::runtime_error
    ~RawSock();
    RawSock(const RawSock &) = delete;
    RawSock &operator=(const RawSock &) = delete;

    void send(std::uint32_t type, std::string_view body);
    xsx::Msg recv(); // next reply, blocking; throws on EOF
    xsx::Msg call(std::uint32_t type, std::string_view body) {
        send(type, body);
        return recv();
    }

  private:
    int fd_ = -1;
    std::uint32_t next_id_ = 1;
    xsx::Decoder dec_;
};

} // namespace bench
