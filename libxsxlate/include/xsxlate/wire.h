// SPDX-License-Identifier: LGPL-2.1-only
// xsd_sockmsg framing (xs_wire.h): messages in and out of a byte stream.
//
// The decoder accepts bytes in arbitrary pieces — a ring delivers a message split at
// any byte — and reports a header whose len exceeds XENSTORE_PAYLOAD_MAX as a protocol
// error, which xenstored treats as fatal for the connection (it never resynchronises).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include <xen/io/xs_wire.h>
}

namespace xsx {

constexpr std::size_t header_size = sizeof(xsd_sockmsg); // 16
constexpr std::size_t payload_max = XENSTORE_PAYLOAD_MAX; // 4096

struct Msg {
    std::uint32_t type = 0;
    std::uint32_t req_id = 0;
    std::uint32_t tx_id = 0;
    std::string body; // payload; header len == body.size()

    bool operator==(const Msg &) const = default;
};

// Header + payload, native endianness (both ends of a ring share a machine).
std::string encode(const Msg &m);
void encode_to(const Msg &m, std::string &out);

class Decoder {
  public:
    enum class State { ok, too_long };

    // Consume all of `data`; complete messages become available through pop().
    // After a protocol error further input is ignored.
    void feed(const void *data, std::size_t len);
    void feed(std::string_view s) { feed(s.data(), s.size()); }
    bool has_msg() const { return !ready_.empty(); }
    Msg pop();
    State state() const { return state_; }
    // Bytes of an incomplete message held (partial input, e.g. for migration).
    const std::string &partial() const { return buf_; }
    void reset();

  private:
    std::string buf_;
    std::deque<Msg> ready_;
    State state_ = State::ok;
};

// Payload helpers. Strings are NUL-terminated in the payload.
std::vector<std::string_view> split_nul(std::string_view body); // pieces between NULs
std::string with_nul(std::string_view s);

// "OK\0", "E<NAME>\0" replies echo the request's req_id and tx_id.
Msg reply_ok(const Msg &req);
Msg reply_error(const Msg &req, std::string_view errname); // errname like "EINVAL"
Msg reply_body(const Msg &req, std::string body);
bool is_error(const Msg &m);
std::string_view error_name(const Msg &m); // "" if not XS_ERROR

const char *type_name(std::uint32_t type); // "READ", … or "UNKNOWN"

} // namespace xsx
