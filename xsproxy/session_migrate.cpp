// SPDX-License-Identifier: LGPL-2.1-only
// Migration of a session: quiesce and export on the source, import on the destination,
// and the transaction bookkeeping a non-cooperative import needs. See docs/migration.md.
#include "guest_ring.h"
#include "log.h"
#include "session.h"
#include "xsxlate/paths.h"

#include <charconv>
#include <event2/event.h>
#include <fmt/format.h>

namespace xsp {

namespace mig = xsx::migration;

namespace {
// In-flight requests must drain before an export; a guest stuck behind xenstored's own
// back-pressure must not hold the toolstack's migration for ever.
constexpr int quiesce_timeout_ms = 2000;
constexpr std::string_view ring_escape = "xsproxy-ring:";

std::uint32_t parse_u32(std::string_view s) {
    std::uint32_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}
} // namespace

void Session::pause(bool paused) {
    paused_ = paused;
    if (!paused_) {
        pause_reason_.clear();
        for (auto &[id, c] : chans_) c.conn->freeze(false);
        pump_all();
    }
}

void Session::freeze() {
    for (auto &[id, c] : chans_) c.conn->freeze(true);
}

std::size_t Session::in_flight() const {
    std::size_t n = 0;
    for (const auto &[id, c] : chans_) n += c.slots.size();
    return n;
}

void Session::quiesce(std::function<void(const std::string &)> done) {
    pause(true);
    quiesce_done_ = std::move(done);
    if (!quiesce_timer_) quiesce_timer_ = evtimer_new(svc_.base, quiesce_timeout, this);
    timeval tv{quiesce_timeout_ms / 1000, (quiesce_timeout_ms % 1000) * 1000};
    evtimer_add(quiesce_timer_, &tv);
    quiesce_check();
}

void Session::quiesce_check() {
    if (!quiesce_done_ || in_flight() != 0) return;
    evtimer_del(quiesce_timer_);
    auto done = std::move(quiesce_done_);
    quiesce_done_ = nullptr;
    done("");
}

void Session::quiesce_timeout(int, short, void *arg) {
    auto *self = static_cast<Session *>(arg);
    if (!self->quiesce_done_) return;
    auto done = std::move(self->quiesce_done_);
    self->quiesce_done_ = nullptr;
    done(fmt::format("{} requests still in flight after {} ms", self->in_flight(),
                     quiesce_timeout_ms));
}

mig::SessionImage Session::export_image(mig::Mode mode) const {
    mig::SessionImage img;
    img.mode = mode;
    img.virt = spec_.virt;
    img.source_domid = static_cast<std::uint16_t>(spec_.domid);
    img.rules_text = rules_.dump();
    for (const auto &[path, e] : journal_.entries()) {
        mig::NodeImage n;
        n.kind = e.tombstone ? mig::NodeImage::Kind::tombstone : mig::NodeImage::Kind::node;
        n.path = path;
        n.has_value = e.has_value && !e.tombstone;
        if (n.has_value) n.value = e.value;
        if (!e.tombstone) n.perms = e.perms;
        img.journal.push_back(std::move(n));
    }
    // Only the guest's own ring migrates; per-guest socket clients are dom0 tools.
    auto it = chans_.find(0);
    if (it == chans_.end()) return img;
    const Channel &c = it->second;
    for (const auto &[upath, utok] : c.watches) {
        std::string_view tok = utok;
        if (tok.substr(0, ring_escape.size()) == ring_escape) tok.remove_prefix(ring_escape.size());
        img.watches.push_back({0, translator_.path_to_guest(upath), std::string(tok)});
    }
    for (std::uint32_t u : c.txs) {
        auto g = c.tx_u2g.find(u);
        img.transactions.push_back({0, g == c.tx_u2g.end() ? u : g->second});
    }
    for (std::uint32_t g : c.stale_txs) img.transactions.push_back({0, g});
    if (const auto *ring = dynamic_cast<const GuestRing *>(c.conn.get())) {
        GuestRing::Snapshot snap = ring->snapshot();
        img.ring.present = !snap.page.empty();
        img.ring.page = std::move(snap.page);
        img.ring.req_cons = snap.req_cons;
        img.ring.rsp_prod = snap.rsp_prod;
        img.ring.server_features = snap.server_features;
        img.partial_input = std::move(snap.partial_input);
        img.pending_output = std::move(snap.pending_output);
    }
    return img;
}

void Session::set_import(mig::SessionImage img) {
    import_ = std::make_unique<mig::SessionImage>(std::move(img));
    for (const auto &n : import_->journal) {
        xsx::Journal::Entry e;
        e.tombstone = n.kind == mig::NodeImage::Kind::tombstone;
        e.has_value = n.has_value;
        e.value = n.value;
        e.perms = n.perms;
        journal_.entries()[n.path] = std::move(e);
    }
}

bool Session::is_toolstack_key(const std::string &guest_path) const {
    xsx::PathComps comps;
    if (!xsx::split_path(guest_path, comps)) return false;
    // Keys whose values are domids or paths (backend, backend-id, frontend-id, domid, …)
    // belong to the toolstack, which writes them afresh on the destination.
    return rules_.value_kind(comps) != xsx::ValueKind::none;
}

void Session::replay_import() {
    mig::SessionImage &img = *import_;
    unsigned sent = 0, skipped = 0;
    const std::string device_dir = fmt::format("/local/domain/{}/device/", spec_.virt);
    for (xsx::Msg m : journal_.replay()) {
        auto parts = xsx::split_nul(m.body);
        std::string path(parts.empty() ? std::string_view() : parts[0]);
        if (is_toolstack_key(path)) {
            log::info("domain {}: import: toolstack key {} not imported", spec_.domid, path);
            ++skipped;
            continue;
        }
        // A cooperative guest renegotiates its devices after resume; its old frontend
        // nodes (state 4, stale ring-refs) would mislead the destination's backends.
        if (img.mode == mig::Mode::cooperative && path.compare(0, device_dir.size(), device_dir) == 0) {
            ++skipped;
            continue;
        }
        if (m.type == XS_SET_PERMS) {
            // Only entries for the guest itself and dom0 mean the same on this host; any
            // other domid may name an unrelated domain here.
            std::string body = xsx::with_nul(path);
            bool owner_ok = true;
            for (std::size_t i = 1; i < parts.size(); ++i) {
                auto d = xsx::parse_domid(parts[i].substr(1));
                bool keep = d && (*d == spec_.virt || *d == 0);
                if (!keep) {
                    log::info("domain {}: import: ACL entry {} on {} dropped", spec_.domid,
                              parts[i], path);
                    if (i == 1) owner_ok = false;
                    continue;
                }
                body += xsx::with_nul(parts[i]);
            }
            if (!owner_ok) continue;
            m.body = std::move(body);
        }
        xsx::RequestAction a = translator_.request(m);
        if (a.kind != xsx::RequestAction::Kind::forward) {
            log::warn("domain {}: import: {} {} refused locally", spec_.domid,
                      xsx::type_name(m.type), path);
            continue;
        }
        upstream_->send(a.msg, 0);
        ++sent;
    }
    Channel *c0 = chan(0);
    if (img.mode == mig::Mode::noncooperative && c0) {
        // Re-registered watches fire once each: legal, and it makes the guest re-read.
        for (const auto &w : img.watches) {
            if (w.channel != 0) continue;
            Slot &s = c0->slots.emplace_back();
            s.seq = c0->next_seq++;
            s.orphan = true;
            s.guest_req.type = XS_WATCH;
            s.guest_req.body = xsx::with_nul(w.path) + xsx::with_nul(w.token);
            xsx::RequestAction a = translator_.request(s.guest_req);
            if (a.kind == xsx::RequestAction::Kind::forward) {
                forward(*c0, s, std::move(a.msg));
            } else {
                s.ready = true;
            }
        }
        c0->tx_mapped = true;
        for (const auto &t : img.transactions)
            if (t.channel == 0) c0->stale_txs.insert(t.guest_tx_id);
    }
    log::info("domain {}: imported {} journal requests ({} toolstack or device keys skipped), {} "
              "watches, {} stale transactions ({} mode)",
              spec_.domid, sent, skipped,
              img.mode == mig::Mode::noncooperative ? img.watches.size() : 0,
              c0 ? c0->stale_txs.size() : 0,
              img.mode == mig::Mode::noncooperative ? "non-cooperative" : "cooperative");
    import_.reset();
}

// Requests in a stale transaction run in a replacement one; END of a stale transaction
// is EAGAIN, as after any conflict. Returns false if `s` was answered or held here.
bool Session::map_tx(Channel &c, Slot &s, xsx::Msg &up) {
    std::uint32_t g = s.guest_req.tx_id;
    if (g == 0 || s.guest_req.type == XS_TRANSACTION_START) return true;
    if (c.stale_txs.count(g)) {
        auto it = c.tx_g2u.find(g);
        if (s.guest_req.type == XS_TRANSACTION_END) {
            if (it != c.tx_g2u.end()) {
                send_internal(XS_TRANSACTION_END, std::string("F", 2), it->second);
                c.txs.erase(it->second);
                c.tx_u2g.erase(it->second);
                c.tx_g2u.erase(it);
            }
            c.stale_txs.erase(g);
            s.reply = xsx::reply_error(s.guest_req, "EAGAIN");
            s.ready = true;
            std::uint64_t seq = s.seq;
            flush(c);
            mark_taken(c, seq);
            return false;
        }
        if (it == c.tx_g2u.end()) {
            bool starting = false;
            for (const auto &o : c.slots) starting |= o.held && o.guest_req.tx_id == g;
            if (!starting) {
                xsx::Msg start;
                start.type = XS_TRANSACTION_START;
                start.body = std::string(1, '\0');
                std::uint64_t tag = restart_tag_bit |
                                    (static_cast<std::uint64_t>(c.id) << 32) | g;
                upstream_->send(start, tag);
            }
            s.held = true;
            s.held_msg = std::move(up);
            return false;
        }
        up.tx_id = it->second;
        return true;
    }
    if (auto it = c.tx_g2u.find(g); it != c.tx_g2u.end()) up.tx_id = it->second;
    return true;
}

void Session::on_restart_reply(std::uint64_t tag, const xsx::Msg &reply) {
    Channel *c = chan(static_cast<int>((tag & ~restart_tag_bit) >> 32));
    std::uint32_t g = static_cast<std::uint32_t>(tag & 0xffffffffu);
    if (!c) return;
    if (xsx::is_error(reply)) {
        // The replacement could not start (e.g. the transaction quota): the held requests
        // get that answer, as a request in a failed transaction would.
        std::vector<std::uint64_t> answered;
        for (auto &s : c->slots)
            if (s.held && s.guest_req.tx_id == g) {
                s.held = false;
                s.reply = xsx::reply_error(s.guest_req, xsx::error_name(reply));
                s.ready = true;
                answered.push_back(s.seq);
            }
        flush(*c);
        for (std::uint64_t seq : answered) mark_taken(*c, seq);
        return;
    }
    std::uint32_t u = parse_u32(reply.body);
    c->tx_g2u[g] = u;
    c->tx_u2g[u] = g;
    c->txs.insert(u);
    release_held(*c, g);
}

void Session::release_held(Channel &c, std::uint32_t g) {
    std::uint32_t u = c.tx_g2u[g];
    for (auto &s : c.slots) {
        if (!s.held || s.guest_req.tx_id != g) continue;
        s.held = false;
        xsx::Msg up = std::move(s.held_msg);
        up.tx_id = u;
        send_up(c, s.seq, up);
    }
}

void Session::on_start_reply(Channel &c, Slot &, xsx::Msg &gr) {
    if (xsx::is_error(gr)) return;
    std::uint32_t u = parse_u32(gr.body);
    std::uint32_t g = u;
    auto taken = [&](std::uint32_t id) { return c.stale_txs.count(id) || c.tx_g2u.count(id); };
    if (taken(g)) {
        g = u;
        for (std::uint32_t id : c.stale_txs) g = std::max(g, id);
        for (const auto &kv : c.tx_g2u) g = std::max(g, kv.first);
        ++g;
    }
    c.tx_g2u[g] = u;
    c.tx_u2g[u] = g;
    gr.body = fmt::format("{}{}", g, '\0');
}

} // namespace xsp
