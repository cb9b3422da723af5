// SPDX-License-Identifier: LGPL-2.1-only
// `xsproxy-ctl list` and `dump`: a session's state, translation table and counters, as
// text and as JSON (json.h: UTF-8 kept, other bytes marked, absent values null).
#include "json.h"
#include "session.h"

#include <fmt/format.h>

namespace xsp {

namespace {
// Text output is for terminals: guest bytes that are not printable ASCII are escaped
// (\xNN) so a hostile token cannot move the cursor or fake a line. JSON keeps them.
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

std::string with_reason(const SessionStatus &st) {
    std::string s = state_name(st.state);
    if (!st.reason.empty()) s += ": " + printable(st.reason);
    return s;
}

Json nullable(std::uint64_t v, bool present) {
    return present ? Json(v) : Json(nullptr);
}
} // namespace

const char *state_name(SessionState s) {
    switch (s) {
    case SessionState::attaching:
        return "attaching";
    case SessionState::ok:
        return "ok";
    case SessionState::exporting:
        return "exporting";
    case SessionState::paused:
        return "paused";
    case SessionState::dead:
        return "dead";
    case SessionState::failed:
        return "failed";
    case SessionState::recovering:
        return "recovering";
    }
    return "?";
}

// The most severe condition wins: a failed upstream serves nobody, a dead ring serves
// only socket clients, and only a session still able to serve is exporting or paused.
SessionStatus Session::status() const {
    if (!started_)
        return {SessionState::attaching,
                fmt::format("starting the {} upstream", upstream_->kind())};
    if (failed_) return {SessionState::failed, "upstream: " + failure_};
    if (auto it = chans_.find(0); it != chans_.end() && it->second.dead)
        return {SessionState::dead, "guest ring: " + it->second.dead_reason};
    if (quiesce_done_)
        return {SessionState::exporting,
                fmt::format("waiting for {} requests in flight", in_flight())};
    if (paused_)
        return {SessionState::paused,
                pause_reason_.empty() ? std::string("not reading the guest") : pause_reason_};
    return {SessionState::ok, ""};
}

void Session::summary(std::string &text, Json &row) const {
    std::size_t watches = 0, txs = 0;
    for (const auto &[id, c] : chans_) {
        watches += c.watches.size();
        txs += c.txs.size();
    }
    SessionStatus st = status();
    text += fmt::format("{:>6} {:>6}  {:<10} {:>8} {:>7} {:>4}  {}\n", spec_.domid, spec_.virt,
                        upstream_->kind(), chans_.size(), watches, txs, with_reason(st));
    row = Json::object();
    row["domid"] = spec_.domid;
    row["virt"] = spec_.virt;
    row["upstream"] = upstream_->kind();
    row["channels"] = chans_.size();
    row["watches"] = watches;
    row["transactions"] = txs;
    row["state"] = state_name(st.state);
    put_opt(row, "reason", st.reason);
}

void Session::describe(std::string &text, Json &json) const {
    const auto &map = translator_.map();
    SessionStatus st = status();
    text += fmt::format("domain {} (guest sees domid {})\n", spec_.domid, spec_.virt);
    text += fmt::format("  map                real {} <-> virtual {}; every other domid unchanged\n",
                        map.real, map.virt);
    text += fmt::format("  state              {}\n", with_reason(st));
    if (spec_.ring)
        text += fmt::format("  guest ring         gfn {:#x}, port {}\n", spec_.ring_gfn,
                            spec_.ring_port);
    if (!spec_.socket_path.empty())
        text += fmt::format("  guest socket       {}\n", printable(spec_.socket_path));
    text += fmt::format("  rules              {}\n",
                        spec_.rules_file.empty() ? "defaults" : printable(spec_.rules_file));
    json = Json::object();
    json["domid"] = spec_.domid;
    json["virt"] = spec_.virt;
    json["state"] = state_name(st.state);
    put_opt(json, "reason", st.reason);
    json["ring"] = spec_.ring;
    json["ring_gfn"] = nullable(spec_.ring_gfn, spec_.ring);
    json["ring_port"] = nullable(spec_.ring_port, spec_.ring);
    put_opt(json, "socket", spec_.socket_path);
    put_opt(json, "rules", spec_.rules_file);
    // The backends write their counters as a JSON fragment (numbers and fixed words);
    // parsed here so the whole answer comes out of one serialiser.
    std::string up;
    upstream_->describe(text, up);
    json.update(Json::parse("{" + up + "}"));
    Json &channels = json["channels"] = Json::array();
    for (const auto &[id, c] : chans_) {
        text +=
            fmt::format("  channel {} ({}): {} requests, {} answered locally, {} events, "
                        "{} in flight, backlog {} bytes{}{}\n",
                        id, c.conn->kind(), c.requests, c.local_replies, c.events, c.slots.size(),
                        c.conn->backlog(), c.dead ? ", DEAD: " + printable(c.dead_reason) : "",
                        c.resetting ? ", resetting" : "");
        Json cj = Json::object();
        cj["id"] = id;
        cj["kind"] = c.conn->kind();
        cj["requests"] = c.requests;
        cj["local_replies"] = c.local_replies;
        cj["events"] = c.events;
        cj["in_flight"] = c.slots.size();
        cj["backlog"] = c.conn->backlog();
        cj["dead"] = c.dead;
        if (c.dead) put_opt(cj, "dead_reason", c.dead_reason);
        Json &watches = cj["watches"] = Json::array();
        for (const auto &[path, token] : c.watches) {
            text += fmt::format("    watch  upstream {:<40} token {}\n", printable(path),
                                printable(token));
            Json w = Json::object();
            put_bytes(w, "upstream_path", path);
            put_bytes(w, "upstream_token", token);
            watches.push_back(std::move(w));
        }
        Json &txs = cj["transactions"] = Json::array();
        for (std::uint32_t tx : c.txs) {
            text += fmt::format("    transaction {}\n", tx);
            txs.push_back(tx);
        }
        channels.push_back(std::move(cj));
    }
    Json &gw = json["guest_watches"] = Json::array();
    for (const xsx::WatchEntry *w : translator_.watches().entries()) {
        text += fmt::format("  guest watch {:<40} token {:<20} -> upstream {}\n",
                            printable(w->guest_path), printable(w->guest_token),
                            printable(w->upstream_path));
        Json wj = Json::object();
        put_bytes(wj, "guest_path", w->guest_path);
        put_bytes(wj, "guest_token", w->guest_token);
        put_bytes(wj, "upstream_path", w->upstream_path);
        gw.push_back(std::move(wj));
    }
    json["stale_replies"] = stale_replies_;
    json["dropped_events"] = dropped_events_;
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
    put_bytes(json, "rules_text", rules);
}

} // namespace xsp
