// SPDX-License-Identifier: LGPL-2.1-only
#include "mirrors.h"

#include "log.h"

#include <charconv>

namespace xsp {

namespace {
constexpr std::string_view prefix = "xsproxy-mirror:";
}

std::string mirror_token(std::uint64_t id) { return std::string(prefix) + std::to_string(id); }

std::uint64_t Mirrors::add(const std::string &abs_path, Doorbell bell) {
    std::uint64_t id = next_++;
    by_id_.emplace(id, Entry{abs_path, std::move(bell)});
    std::string body = abs_path;
    body.push_back('\0');
    body += mirror_token(id);
    body.push_back('\0');
    sock_.request(XS_WATCH, std::move(body), [abs_path](const xsx::Msg &r) {
        if (xsx::is_error(r))
            log::warn("mirror watch on {} refused: {}", abs_path, xsx::error_name(r));
    });
    return id;
}

void Mirrors::remove(std::uint64_t id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    std::string body = it->second.path;
    body.push_back('\0');
    body += mirror_token(id);
    body.push_back('\0');
    by_id_.erase(it);
    sock_.request(XS_UNWATCH, std::move(body), nullptr);
}

bool Mirrors::dispatch(const xsx::Msg &event) {
    auto parts = xsx::split_nul(event.body);
    if (parts.size() < 2 || parts[1].substr(0, prefix.size()) != prefix) return false;
    std::string_view num = parts[1].substr(prefix.size());
    std::uint64_t id = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), id);
    if (ec != std::errc() || p != num.data() + num.size()) return true;
    auto it = by_id_.find(id);
    // Events may still arrive for a mirror removed a moment ago.
    if (it == by_id_.end()) return true;
    ++rung_;
    Doorbell bell = it->second.bell;
    bell();
    return true;
}

} // namespace xsp
