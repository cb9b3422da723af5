// SPDX-License-Identifier: LGPL-2.1-only
// `xsproxy-ctl dump`: a session's translation table and state, as text and JSON.
#include "json.h"
#include "session.h"

#include <fmt/format.h>

namespace xsp {

namespace {
std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f)
            out.push_back(static_cast<char>(c));
        else
            out += fmt::format("\\x{:02x}", c);
    }
    return out;
}
} // namespace

void Session::describe(std::string &text, std::string &json) const {
    const auto &map = translator_.map();
    text += fmt::format("domain {} (guest sees domid {})\n", spec_.domid, spec_.virt);
    text += fmt::format("  map                real {} <-> virtual {}; every other domid unchanged\n",
                        map.real, map.virt);
    text += fmt::format("  status             {}\n", failed_ ? "failed: " + failure_ : "ok");
    if (spec_.ring)
        text += fmt::format("  guest ring         gfn {:#x}, port {}\n", spec_.ring_gfn,
                            spec_.ring_port);
    if (!spec_.socket_path.empty())
        text += fmt::format("  guest socket       {}\n", spec_.socket_path);
    text += fmt::format("  rules              {}\n",
                        spec_.rules_file.empty() ? "defaults" : spec_.rules_file);
    json += fmt::format("{{\"domid\":{},\"virt\":{},\"failed\":{},\"failure\":{},", spec_.domid,
                        spec_.virt, failed_ ? "true" : "false", json_str(failure_));
    json += fmt::format("\"ring\":{},\"ring_gfn\":{},\"ring_port\":{},\"socket\":{},\"rules\":{},",
                        spec_.ring ? "true" : "false", spec_.ring_gfn, spec_.ring_port,
                        json_str(spec_.socket_path), json_str(spec_.rules_file));
    upstream_->describe(text, json);
    json += ",\"channels\":[";
    bool first = true;
    for (const auto &[id, c] : chans_) {
        text += fmt::format("  channel {} ({}): {} requests, {} answered locally, {} events, "
                            "{} in flight, backlog {} bytes{}{}\n",
                            id, c.conn->kind(), c.requests, c.local_replies, c.events,
                            c.slots.size(), c.conn->backlog(), c.dead ? ", DEAD" : "",
                            c.resetting ? ", resetting" : "");
        if (!first) json += ",";
        first = false;
        json += fmt::format("{{\"id\":{},\"kind\":\"{}\",\"requests\":{},\"local_replies\":{},"
                            "\"events\":{},\"in_flight\":{},\"backlog\":{},\"dead\":{},"
                            "\"watches\":[",
                            id, c.conn->kind(), c.requests, c.local_replies, c.events,
                            c.slots.size(), c.conn->backlog(), c.dead ? "true" : "false");
        bool wf = true;
        for (const auto &[path, token] : c.watches) {
            text += fmt::format("    watch  upstream {:<40} token {}\n", printable(path),
                                printable(token));
            if (!wf) json += ",";
            wf = false;
            json += fmt::format("{{\"upstream_path\":{},\"upstream_token\":{}}}", json_str(path),
                                json_str(token));
        }
        json += "],\"transactions\":[";
        bool tf = true;
        for (std::uint32_t tx : c.txs) {
            text += fmt::format("    transaction {}\n", tx);
            if (!tf) json += ",";
            tf = false;
            json += std::to_string(tx);
        }
        json += "]}";
    }
    json += "],\"guest_watches\":[";
    first = true;
    for (const xsx::WatchEntry *w : translator_.watches().entries()) {
        text += fmt::format("  guest watch {:<40} token {:<20} -> upstream {}\n",
                            printable(w->guest_path), printable(w->guest_token),
                            printable(w->upstream_path));
        if (!first) json += ",";
        first = false;
        json += fmt::format("{{\"guest_path\":{},\"guest_token\":{},\"upstream_path\":{}}}",
                            json_str(w->guest_path), json_str(w->guest_token),
                            json_str(w->upstream_path));
    }
    json += fmt::format("],\"stale_replies\":{},\"dropped_events\":{}", stale_replies_,
                        dropped_events_);
    text += fmt::format("  stale replies {}, dropped events {}\n", stale_replies_,
                        dropped_events_);
    text += "  rule table:\n";
    std::string rules = rules_.dump();
    std::size_t pos = 0;
    while (pos < rules.size()) {
        auto nl = rules.find('\n', pos);
        if (nl == std::string::npos) nl = rules.size();
        text += "    " + rules.substr(pos, nl - pos) + "\n";
        pos = nl + 1;
    }
    json += ",\"rules_text\":" + json_str(rules) + "}";
}

} // namespace xsp
