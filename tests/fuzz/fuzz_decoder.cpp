// SPDX-License-Identifier: LGPL-2.1-only
// libFuzzer: the frame decoder, fed in input-chosen pieces, plus validate_request on
// every frame and an encode/decode round trip.
#include <cstdint>
#include <cstdlib>

#include "xsxlate/validate.h"
#include "xsxlate/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 1) return 0;
    std::size_t piece = 1 + data[0] % 37;
    xsx::Decoder d;
    for (std::size_t off = 1; off < size; off += piece) {
        d.feed(data + off, std::min(piece, size - off));
        while (d.has_msg()) {
            xsx::Msg m = d.pop();
            if (m.body.size() > xsx::payload_max) std::abort();
            (void)xsx::validate_request(m);
            xsx::Decoder again;
            again.feed(xsx::encode(m));
            if (!again.has_msg() || !(again.pop() == m)) std::abort();
        }
    }
    return 0;
}
