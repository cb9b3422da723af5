// SPDX-License-Identifier: LGPL-2.1-only
// libFuzzer: the migration stream decoder. It must never crash; a stream it accepts must
// re-encode to the very same bytes (the format has one spelling per image) and decode to
// the same image. Random bytes rarely carry a right CRC, so when the first input byte is
// odd the target first rewrites every CHECKSUM record's CRC to match, to let mutations
// reach the field checks behind the checksum.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "migration_format.h"
#include "xsxlate/migration.h"

namespace {

namespace d = xsx::migration::detail;

std::uint32_t get32(const std::string &s, std::size_t at, bool big) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        int k = big ? i : 3 - i;
        v = v << 8 | std::uint8_t(s[at + std::size_t(k)]);
    }
    return v;
}

void reseal(std::string &s) {
    if (s.size() < d::header_size) return;
    bool big = s[15] & 1;
    std::size_t off = d::header_size;
    while (off + 8 <= s.size()) {
        std::uint32_t type = get32(s, off, big), len = get32(s, off + 4, big);
        if (len > s.size() - off - 8) return;
        if (type == d::rec_checksum && len == 4) {
            std::uint32_t crc = d::crc32(std::string_view(s).substr(0, off));
            for (int i = 0; i < 4; ++i) {
                int shift = big ? 8 * (3 - i) : 8 * i;
                s[off + 8 + std::size_t(i)] = char(crc >> shift);
            }
        }
        off += 8 + len + (8 - len % 8) % 8;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 1) return 0;
    std::string s(reinterpret_cast<const char *>(data) + 1, size - 1);
    if (data[0] & 1) reseal(s);
    xsx::migration::SessionImage img;
    std::string err;
    if (!xsx::migration::decode(s, img, err)) {
        if (err.empty()) std::abort();
        return 0;
    }
    bool big = std::uint8_t(s[15]) & 1;
    std::string again = d::encode_as(img, big);
    if (again != s) std::abort();
    xsx::migration::SessionImage img2;
    if (!xsx::migration::decode(again, img2, err) || !(img2 == img)) std::abort();
    return 0;
}
