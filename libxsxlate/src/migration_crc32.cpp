// SPDX-License-Identifier: LGPL-2.1-only
// CRC-32 for the migration stream's CHECKSUM record, by hand to keep libxsxlate free of
// dependencies (zlib would do the same arithmetic).
#include <array>

#include "migration_format.h"

namespace xsx::migration::detail {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto table = make_table();

} // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
    crc = ~crc;
    for (unsigned char b : bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

const char *record_name(std::uint32_t type) {
    switch (type) {
    case rec_end: return "END";
    case rec_session: return "SESSION";
    case rec_node: return "NODE";
    case rec_watch: return "WATCH";
    case rec_transaction: return "TRANSACTION";
    case rec_ring: return "RING";
    case rec_partial_input: return "PARTIAL_INPUT";
    case rec_pending_output: return "PENDING_OUTPUT";
    case rec_checksum: return "CHECKSUM";
    // Xen's, named so a foreign stream is reported in its own vocabulary.
    case 1: return "GLOBAL_DATA";
    case 2: return "CONNECTION_DATA";
    case 3: return "WATCH_DATA";
    case 4: return "TRANSACTION_DATA";
    case 5: return "NODE_DATA";
    case 6: return "GLOBAL_QUOTA_DATA";
    case 7: return "DOMAIN_DATA";
    case 8: return "WATCH_DATA_EXTENDED";
    default: return "unknown";
    }
}

} // namespace xsx::migration::detail
