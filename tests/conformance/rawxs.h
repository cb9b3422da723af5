// SPDX-License-Identifier: LGPL-2.1-only
// A minimal dom0 client on xenstored's unix socket that takes replies of any size: the
// final-state walk lists directories oxenstored answers whole (over 4096 bytes), which
// libxenstore refuses by dropping its connection.
#pragma once

#include <cstdint>
#include <string>

namespace conf {

class RawXs {
  public:
    explicit RawXs(const std::string &socket_path);
    ~RawXs();
    RawXs(const RawXs &) = delete;
    RawXs &operator=(const RawXs &) = delete;

    bool ok() const { return fd_ >= 0; }
    // One request outside any transaction. Returns false with err set ("ENOENT", …) on
    // an error reply or a broken connection.
    bool call(std::uint32_t type, const std::string &body, std::string &reply, std::string &err);

  private:
    int fd_ = -1;
    std::uint32_t next_id_ = 1;
};

} // namespace conf
