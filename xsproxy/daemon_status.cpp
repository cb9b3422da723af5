// SPDX-License-Identifier: LGPL-2.1-only
// `xsproxy-ctl status`: what an operator checks first — which xsproxy, how long it has
// run, which xenstored it serves (and which daemon that is), and its sessions by backend
// and state.
#include "control_args.h"
#include "daemon.h"
#include "json.h"
#include "xenstored_probe.h"

#include <fmt/format.h>

#ifndef XSPROXY_VERSION
#error "XSPROXY_VERSION comes from meson (project version)"
#endif

namespace xsp {

namespace {
const SessionState all_states[] = {
    SessionState::attaching, SessionState::ok,     SessionState::exporting, SessionState::paused,
    SessionState::dead,      SessionState::failed, SessionState::recovering};

std::string uptime_text(long long s) {
    return fmt::format("{}d {:02}:{:02}:{:02} ({} s)", s / 86400, s / 3600 % 24, s / 60 % 60,
                       s % 60, s);
}
} // namespace

void Daemon::cmd_status(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    if (!a.finish({"json"})) return reply(false, a.err);
    long long up = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - started_at_)
                       .count();
    XenstoredIdentity xs = identify_xenstored(cfg_.xenstored_socket);
    Json by_upstream = Json::object(), by_state = Json::object();
    by_upstream["ring"] = 0;
    by_upstream["privileged"] = 0;
    for (SessionState st : all_states)
        by_state[state_name(st)] = 0;
    for (const auto &[d, s] : sessions_) {
        by_upstream[s->upstream_kind()] = by_upstream[s->upstream_kind()].get<int>() + 1;
        const char *st = state_name(s->status().state);
        by_state[st] = by_state[st].get<int>() + 1;
    }
    if (req.flags.count("json")) {
        Json j = Json::object();
        j["version"] = XSPROXY_VERSION;
        j["uptime_s"] = up;
        Json x = Json::object();
        x["socket"] = cfg_.xenstored_socket;
        put_opt(x, "daemon", xs.daemon);
        x["pid"] = xs.pid ? Json(xs.pid) : Json(nullptr);
        put_opt(x, "program", xs.program);
        put_opt(x, "error", xs.err);
        j["xenstored"] = std::move(x);
        j["control"] = cfg_.control_socket;
        j["default_upstream"] = cfg_.upstream;
        Json sj = Json::object();
        sj["total"] = sessions_.size();
        sj["by_upstream"] = std::move(by_upstream);
        sj["by_state"] = std::move(by_state);
        j["sessions"] = std::move(sj);
        return reply(true, json_text(j) + "\n");
    }
    std::string daemon = xs.daemon.empty()
                             ? "unknown (" + xs.err + ")"
                             : fmt::format("{} (pid {}{}{})", xs.daemon, xs.pid,
                                           xs.program.empty() ? "" : ", ", xs.program);
    auto counts = [](const Json &o, bool skip_zero) {
        std::string out;
        for (const auto &[k, v] : o.items()) {
            if (skip_zero && v.get<int>() == 0) continue;
            out += fmt::format("{}{} {}", out.empty() ? "" : ", ", k, v.get<int>());
        }
        return out;
    };
    std::string text = fmt::format("version            {}\n", XSPROXY_VERSION);
    text += fmt::format("uptime             {}\n", uptime_text(up));
    text += fmt::format("xenstored socket   {}\n", cfg_.xenstored_socket);
    text += fmt::format("xenstored daemon   {}\n", daemon);
    text += fmt::format("control socket     {}\n", cfg_.control_socket);
    text += fmt::format("default upstream   {}\n", cfg_.upstream);
    text +=
        fmt::format("sessions           {} ({})\n", sessions_.size(), counts(by_upstream, false));
    if (!sessions_.empty()) text += fmt::format("session states     {}\n", counts(by_state, true));
    reply(true, text);
}

} // namespace xsp
