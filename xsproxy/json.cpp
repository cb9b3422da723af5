// SPDX-License-Identifier: LGPL-2.1-only
#include "json.h"

#include <fmt/format.h>

namespace xsp {

bool valid_utf8(std::string_view s) {
    // The serialiser's own check (strict: no overlong forms, surrogates or > U+10FFFF),
    // so "valid" here means exactly what it would write unchanged.
    try {
        (void)Json(std::string(s)).dump();
        return true;
    } catch (const Json::type_error &) {
        return false;
    }
}

void put_bytes(Json &obj, const std::string &key, std::string_view s) {
    obj[key] = std::string(s);
    if (valid_utf8(s)) return;
    std::string hex;
    for (unsigned char c : s)
        hex += fmt::format("{:02x}", c);
    obj[key + "_hex"] = hex;
}

void put_opt(Json &obj, const std::string &key, std::string_view s) {
    if (s.empty())
        obj[key] = nullptr;
    else
        put_bytes(obj, key, s);
}

std::string json_text(const Json &j) {
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace xsp
