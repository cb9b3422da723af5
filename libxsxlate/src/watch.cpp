// SPDX-License-Identifier: LGPL-2.1-only
#include <algorithm>
#include "xsxlate/watch.h"

namespace xsx {

namespace {

void put_hex8(std::string &out, std::uint32_t v) {
    static constexpr char hex[] = "0123456789abcdef";
    for (int shift = 28; shift >= 0; shift -= 4) out.push_back(hex[(v >> shift) & 0xF]);
}

bool get_hex8(std::string_view s, std::uint32_t &v) {
    v = 0;
    for (char c : s) {
        unsigned d;
        if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
        else return false;
        v = (v << 4) | d;
    }
    return true;
}

} // namespace

void encode_token_to(const UpstreamToken &t, std::string &out) {
    out.append(t.internal ? "xsp:i:" : "xsp:g:");
    put_hex8(out, t.session);
    out.push_back(':');
    put_hex8(out, t.generation);
    out.push_back(':');
    put_hex8(out, t.watch_id);
}

std::string encode_token(const UpstreamToken &t) {
    std::string s;
    s.reserve(token_len);
    encode_token_to(t, s);
    return s;
}

std::optional<UpstreamToken> decode_token(std::string_view s) {
    if (s.size() != token_len || s.substr(0, 4) != "xsp:" || s[5] != ':' || s[14] != ':' ||
        s[23] != ':')
        return std::nullopt;
    UpstreamToken t;
    if (s[4] == 'i') t.internal = true;
    else if (s[4] != 'g') return std::nullopt;
    if (!get_hex8(s.substr(6, 8), t.session) || !get_hex8(s.substr(15, 8), t.generation) ||
        !get_hex8(s.substr(24, 8), t.watch_id))
        return std::nullopt;
    return t;
}

WatchEntry *WatchTable::add(std::string canonical_guest_path, std::string guest_path,
                            std::string guest_token, std::string upstream_path, bool relative) {
    auto key = std::make_pair(std::move(canonical_guest_path), guest_token);
    if (by_key_.find(key) != by_key_.end()) return nullptr;
    std::uint32_t id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    WatchEntry e{id, std::move(guest_path), std::move(guest_token), std::move(upstream_path),
                 relative, false};
    by_key_.emplace(std::move(key), id);
    return &by_id_.emplace(id, std::move(e)).first->second;
}

WatchEntry *WatchTable::find(std::string_view canonical_guest_path, std::string_view guest_token) {
    auto it = by_key_.find(std::make_pair(std::string(canonical_guest_path), std::string(guest_token)));
    if (it == by_key_.end()) return nullptr;
    return find_id(it->second);
}

WatchEntry *WatchTable::find_id(std::uint32_t id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

bool WatchTable::erase(std::string_view canonical_guest_path, std::string_view guest_token) {
    auto it = by_key_.find(std::make_pair(std::string(canonical_guest_path), std::string(guest_token)));
    if (it == by_key_.end()) return false;
    by_id_.erase(it->second);
    by_key_.erase(it);
    return true;
}

void WatchTable::reset() {
    by_id_.clear();
    by_key_.clear();
    resetting_.clear();
    reset_pending_ = false;
    ++generation_;
}

void WatchTable::begin_reset() {
    // Resets may be pipelined: each adds the watches live at its request.
    for (auto &[id, e] : by_id_)
        if (std::find(resetting_.begin(), resetting_.end(), id) == resetting_.end()) resetting_.push_back(id);
    // Their keys are free at once: a WATCH of the same path and token behind the reset
    // is a new watch, not EEXIST.
    for (auto it = by_key_.begin(); it != by_key_.end();) it = by_key_.erase(it);
    reset_pending_ = true;
    ++generation_;
}

void WatchTable::finish_reset() {
    for (std::uint32_t id : resetting_) by_id_.erase(id);
    resetting_.clear();
    reset_pending_ = false;
}

WatchEntry *WatchTable::lookup(const UpstreamToken &t) {
    if (t.internal || t.session != session_) return nullptr;
    bool old = reset_pending_ && t.generation < generation_ &&
               std::find(resetting_.begin(), resetting_.end(), t.watch_id) != resetting_.end();
    if (t.generation != generation_ && !old) return nullptr;
    if (!old && std::find(resetting_.begin(), resetting_.end(), t.watch_id) != resetting_.end()) return nullptr;
    return find_id(t.watch_id);
}

std::vector<const WatchEntry *> WatchTable::entries() const {
    std::vector<const WatchEntry *> v;
    v.reserve(by_id_.size());
    for (const auto &[id, e] : by_id_)
        if (std::find(resetting_.begin(), resetting_.end(), id) == resetting_.end()) v.push_back(&e);
    return v;
}

} // namespace xsx
