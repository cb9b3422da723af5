// SPDX-License-Identifier: LGPL-2.1-only
// Internal: the migration stream's constants and the pieces encode, decode and the tests
// share. The layout is documented in docs/migration.md; keep the two in step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "xsxlate/migration.h"

namespace xsx::migration::detail {

inline constexpr std::string_view ident = "xenstore";
inline constexpr std::size_t header_size = 16;      // ident, version, flags
inline constexpr std::uint32_t stream_version = 1;  // Xen's framing version we write
inline constexpr std::uint32_t flag_big_endian = 1; // header flags bit0
inline constexpr std::uint32_t format_version = 1;  // xsproxy's, inside SESSION

// Record types. END is Xen's; ours sit in a private range ('x' 's' << 16 | n) far from
// Xen's small integers so a Xen stream is recognised as foreign, not misread.
enum : std::uint32_t {
    rec_end = 0,
    rec_base = 0x78730000,
    rec_session = rec_base + 1,
    rec_node = rec_base + 2,
    rec_watch = rec_base + 3,
    rec_transaction = rec_base + 4,
    rec_ring = rec_base + 5,
    rec_partial_input = rec_base + 6,
    rec_pending_output = rec_base + 7,
    rec_checksum = rec_base + 8,
};
inline constexpr std::uint32_t xen_last_type = 8; // WATCH_DATA_EXTENDED

// Fixed body prefixes.
inline constexpr std::size_t session_fixed = 28;
inline constexpr std::size_t node_fixed = 12;
inline constexpr std::size_t watch_fixed = 8;
inline constexpr std::size_t transaction_size = 8;
inline constexpr std::size_t ring_fixed = 16;
inline constexpr std::size_t checksum_size = 4;

// Field ranges.
inline constexpr std::size_t path_max = 3072;     // XENSTORE_ABS_PATH_MAX
inline constexpr std::size_t value_max = 4096;    // XENSTORE_PAYLOAD_MAX
inline constexpr std::size_t token_max = 4096;
inline constexpr std::size_t perms_max = 5;       // 4.17's default -A quota
inline constexpr std::size_t page_size = 4096;
inline constexpr std::size_t rules_max = 1 << 20;
inline constexpr std::size_t msg_header = 16;     // struct xsd_sockmsg
inline constexpr std::uint32_t ring_flag_present = 1;
inline constexpr std::uint8_t node_flag_value = 1;

const char *record_name(std::uint32_t type);

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib's crc32(); `crc` chains.
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

// encode() with a choice of record endianness (encode() writes little-endian); lets the
// tests prove the decoder honours the header flag.
std::string encode_as(const SessionImage &img, bool big_endian);

} // namespace xsx::migration::detail
