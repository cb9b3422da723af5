// SPDX-License-Identifier: LGPL-2.1-only
#include "session.h"

#include "guest_ring.h"
#include "guest_socket.h"
#include "log.h"

#include <charconv>
#include <event2/event.h>
#include <fmt/format.h>

namespace xsp {

namespace {

constexpr int seq_bits = 40;
constexpr std::uint64_t seq_mask = (std::uint64_t{1} << seq_bits) - 1;
constexpr std::uint64_t internal_tag = 0; // seqs start at 1
// A channel keeps at most this many requests in flight (xenstored's own outstanding
// quota, 20, applies upstream; this only bounds xsproxy's memory per channel).
constexpr std::size_t max_slots = 64;
// Output the ring guest has not taken yet; beyond it xsproxy stops reading replies from
// the shadow ring, so xenstored's own outstanding-request accounting (a reply counts
// until it is in a ring) reaches the guest. Zero: at most what one ring and one decoded
// message hold is buffered in xsproxy.
constexpr std::size_t ring_backlog_max = 0;
// A socket client that stops reading is dropped rather than stall the guest.
constexpr std::size_t socket_backlog_max = 1024 * 1024;

std::uint64_t make_tag(int ch, std::uint64_t seq) {
    return (static_cast<std::uint64_t>(ch) << seq_bits) | seq;
}

constexpr std::string_view ring_escape = "xsproxy-ring:";
constexpr std::string_view sock_prefix = "xsproxy-sock";

void set_token(xsx::Msg &m, std::string_view token) {
    auto parts = xsx::split_nul(m.body);
    if (parts.empty()) return;
    std::string body(parts[0]);
    body.push_back('\0');
    body.append(token);
    body.push_back('\0');
    m.body = std::move(body);
}

} // namespace

Session::Session(Services &svc, SessionSpec spec, xsx::RuleSet rules)
    : svc_(svc), spec_(std::move(spec)), rules_(std::move(rules)),
      translator_(xsx::DomidMap{static_cast<xsx::domid_t>(spec_.domid), spec_.virt}, rules_),
      journal_(spec_.virt) {
    if (spec_.upstream == "privileged")
        use_privileged();
    else
        upstream_ = std::make_unique<RingUpstream>(svc_.base, svc_.xen, svc_.sock, svc_.kicker,
                                                   svc_.mirrors, spec_.shadow, *this);
}

// The privileged backend needs the translator's absolute mode: the daemon sees a socket,
// not R, so relative paths become absolute under R's home and tokens are xsproxy's own.
void Session::use_privileged() {
    xsx::DomidMap map = translator_.map();
    xsx::TranslatorOptions o = translator_.options();
    o.absolute_upstream = true;
    o.session = spec_.domid;
    translator_ = xsx::Translator(map, rules_, o);
    PrivOptions po = spec_.priv;
    if (po.xenstored_socket.empty()) po.xenstored_socket = svc_.sock.path();
    upstream_ = std::make_unique<PrivUpstream>(svc_.base, svc_.xen, svc_.sock, spec_.shadow,
                                               std::move(po), *this);
}

void Session::fallback_cb(int, short, void *arg) {
    auto *self = static_cast<Session *>(arg);
    self->use_privileged();
    self->start(std::move(self->fallback_done_));
}

Session::~Session() {
    if (quiesce_timer_) event_free(quiesce_timer_);
}

void Session::start(std::function<void(const std::string &)> done) {
    upstream_->start([this, done = std::move(done)](const std::string &err) {
        if (!err.empty() && spec_.upstream == "auto" && std::string_view(upstream_->kind()) == "ring") {
            // The ring backend relies on C xenstored's main loop (its probe failed, e.g.
            // oxenstored); the privileged one works on any daemon. Switch outside the ring
            // backend's own callback: switching destroys it.
            log::info("domain {}: ring upstream unavailable ({}); using the privileged upstream",
                      spec_.domid, err);
            fallback_done_ = done;
            event_base_once(svc_.base, -1, EV_TIMEOUT, fallback_cb, this, nullptr);
            return;
        }
        if (!err.empty()) {
            done(err);
            return;
        }
        std::string e;
        if (spec_.ring) {
            auto ring = std::make_unique<GuestRing>(svc_.xen, *this, 0, spec_.domid,
                                                    spec_.ring_gfn, spec_.ring_port);
            GuestRing *r = ring.get();
            Channel c;
            c.id = 0;
            c.conn = std::move(ring);
            chans_.emplace(0, std::move(c));
            if (import_) {
                const auto &img = *import_;
                if (img.mode == xsx::migration::Mode::noncooperative && img.ring.present)
                    r->restore(img.ring.page, img.partial_input, img.pending_output);
            }
            // The journal and watches go upstream before anything the guest sends next.
            if (import_) replay_import();
            if (!r->start(e)) {
                chans_.erase(0);
                done("guest ring: " + e);
                return;
            }
        }
        if (import_ && !spec_.ring) replay_import();
        if (!spec_.socket_path.empty()) {
            socket_ = std::make_unique<GuestSocketServer>(svc_.base, *this);
            if (!socket_->listen(spec_.socket_path, e)) {
                done("guest socket: " + e);
                return;
            }
        }
        started_ = true;
        done("");
    });
}

int Session::add_channel(std::unique_ptr<GuestConn> conn) {
    int id = next_ch_++;
    Channel c;
    c.id = id;
    c.conn = std::move(conn);
    chans_.emplace(id, std::move(c));
    return id;
}

Session::Channel *Session::chan(int ch) {
    auto it = chans_.find(ch);
    return it == chans_.end() ? nullptr : &it->second;
}

Session::Slot *Session::slot(Channel &c, std::uint64_t seq) {
    for (auto &s : c.slots)
        if (s.seq == seq) return &s;
    return nullptr;
}

bool Session::guest_can_accept(int ch) {
    Channel *c = chan(ch);
    if (!c || c->dead || c->resetting || c->closing || failed_ || paused_) return false;
    return upstream_->can_send() && c->slots.size() < max_slots;
}

std::string Session::up_token(int ch, std::string_view token) const {
    if (ch == 0) {
        // Escape only guest tokens that could be mistaken for a socket client's tag.
        if (token.substr(0, 8) == "xsproxy-") return std::string(ring_escape) + std::string(token);
        return std::string(token);
    }
    return fmt::format("{}{}:{}", sock_prefix, ch, token);
}

void Session::guest_request(int ch, xsx::Msg m) {
    Channel *c = chan(ch);
    if (!c) return;
    ++c->requests;
    Slot &s = c->slots.emplace_back();
    s.seq = c->next_seq++;
    s.guest_req = m;
    c->commits.emplace_back(s.seq, false);
    xsx::RequestAction a = translator_.request(m);
    switch (a.kind) {
    case xsx::RequestAction::Kind::reply: {
        ++c->local_replies;
        s.reply = std::move(a.msg);
        s.ready = true;
        std::uint64_t seq = s.seq;
        flush(*c);
        mark_taken(*c, seq);
        return;
    }
    case xsx::RequestAction::Kind::exchange:
        s.exchange = std::move(a.exchange);
        if (auto r = s.exchange->next_request()) send_up(*c, s.seq, *r);
        return;
    case xsx::RequestAction::Kind::forward:
        break;
    }
    forward(*c, s, std::move(a.msg));
}

void Session::forward(Channel &c, Slot &s, xsx::Msg up) {
    const xsx::Msg &m = s.guest_req;
    int ch = c.id;
    if (c.tx_mapped && !map_tx(c, s, up)) return;
    if (m.type == XS_RESET_WATCHES && others_have_state(ch)) {
        // A RESET_WATCHES upstream would clear every channel of this connection.
        clean_upstream(c);
        s.ok_on_reply = true;
        up.type = XS_GET_DOMAIN_PATH;
        up.body = fmt::format("{}{}", spec_.domid, '\0');
    } else if (m.type == XS_WATCH || m.type == XS_UNWATCH) {
        auto parts = xsx::split_nul(up.body);
        if (parts.size() >= 2) {
            std::string tok = up_token(ch, parts[1]);
            s.up_watch = {std::string(parts[0]), tok};
            set_token(up, tok);
        }
    }
    send_up(c, s.seq, up);
}

void Session::send_up(Channel &c, std::uint64_t seq, const xsx::Msg &up) {
    upstream_->send(up, make_tag(c.id, seq));
    if (!upstream_->reports_consumption()) mark_taken(c, seq);
}

void Session::mark_taken(Channel &c, std::uint64_t seq) {
    for (auto &e : c.commits)
        if (e.first == seq) e.second = true;
    while (!c.commits.empty() && c.commits.front().second) {
        c.commits.pop_front();
        c.conn->commit();
    }
}

void Session::upstream_consumed(std::uint64_t tag) {
    if (tag == internal_tag || (tag & restart_tag_bit)) return;
    if (Channel *c = chan(static_cast<int>(tag >> seq_bits))) mark_taken(*c, tag & seq_mask);
}

void Session::track(Channel &c, const Slot &s, const xsx::Msg &r) {
    bool ok = !xsx::is_error(r);
    switch (s.guest_req.type) {
    case XS_WATCH:
        if (ok) c.watches.insert(s.up_watch);
        break;
    case XS_UNWATCH:
        if (ok) c.watches.erase(s.up_watch);
        break;
    case XS_TRANSACTION_START:
        if (ok) {
            std::uint32_t id = 0;
            std::string_view b = r.body;
            std::from_chars(b.data(), b.data() + b.size(), id);
            if (id) c.txs.insert(id);
        }
        break;
    case XS_TRANSACTION_END:
        // Every END past argument validation ends the transaction, whatever the outcome.
        if (xsx::error_name(r) != "EINVAL") {
            std::uint32_t u = s.guest_req.tx_id;
            if (auto it = c.tx_g2u.find(u); it != c.tx_g2u.end()) {
                u = it->second;
                c.tx_u2g.erase(u);
                c.tx_g2u.erase(it);
            }
            c.txs.erase(u);
        }
        break;
    case XS_RESET_WATCHES:
        if (ok && !s.ok_on_reply) {
            c.watches.clear();
            c.txs.clear();
            c.stale_txs.clear();
            c.tx_g2u.clear();
            c.tx_u2g.clear();
        }
        break;
    default:
        break;
    }
}

void Session::upstream_reply(std::uint64_t tag, xsx::Msg reply) {
    if (tag & restart_tag_bit) {
        on_restart_reply(tag, reply);
        return;
    }
    if (tag == internal_tag) {
        if (xsx::is_error(reply))
            log::debug("domain {}: internal request got {}", spec_.domid, xsx::error_name(reply));
        return;
    }
    Channel *c = chan(static_cast<int>(tag >> seq_bits));
    Slot *s = c ? slot(*c, tag & seq_mask) : nullptr;
    if (!s) {
        ++stale_replies_;
        return;
    }
    if (s->exchange) {
        s->exchange->on_reply(reply);
        if (!s->exchange->done()) {
            if (auto r = s->exchange->next_request()) upstream_->send(*r, tag);
            return;
        }
        s->reply = s->exchange->result();
        s->exchange.reset();
    } else if (s->ok_on_reply) {
        s->reply = xsx::reply_ok(s->guest_req);
    } else {
        track(*c, *s, reply);
        xsx::Msg gr = translator_.reply(s->guest_req, reply);
        if (s->guest_req.type == XS_TRANSACTION_START && c->tx_mapped) on_start_reply(*c, *s, gr);
        // Orphans too: the request took effect upstream even if nobody hears the answer.
        journal_.on_reply(static_cast<std::uint32_t>(c->id), s->guest_req, gr);
        if (!s->orphan) s->reply = std::move(gr);
    }
    s->ready = true;
    flush(*c);
    maybe_finish_reset(*c);
    quiesce_check();
}

void Session::flush(Channel &c) {
    if (c.flushing) return; // the running flush picks up what became ready
    c.flushing = true;
    while (!c.slots.empty() && c.slots.front().ready) {
        Slot s = std::move(c.slots.front());
        c.slots.pop_front();
        if (!s.orphan && !c.dead) c.conn->send(s.reply);
    }
    c.flushing = false;
    update_output_block();
}

void Session::upstream_event(xsx::Msg ev) {
    auto parts = xsx::split_nul(ev.body);
    int ch = 0;
    if (parts.size() >= 2) {
        std::string_view tok = parts[1];
        std::string_view rest;
        if (tok.substr(0, ring_escape.size()) == ring_escape) {
            rest = tok.substr(ring_escape.size());
        } else if (tok.substr(0, sock_prefix.size()) == sock_prefix) {
            std::string_view num = tok.substr(sock_prefix.size());
            auto colon = num.find(':');
            int n = 0;
            if (colon != std::string_view::npos &&
                std::from_chars(num.data(), num.data() + colon, n).ec == std::errc()) {
                ch = n;
                rest = num.substr(colon + 1);
            }
        } else {
            rest = tok;
        }
        if (rest.data() != tok.data()) {
            std::string path(parts[0]);
            std::string token(rest);
            ev.body = path;
            ev.body.push_back('\0');
            ev.body += token;
            ev.body.push_back('\0');
        }
    }
    Channel *c = chan(ch);
    if (!c || c->dead || c->resetting || c->closing) {
        ++dropped_events_;
        return;
    }
    xsx::EventAction a = translator_.event(ev);
    if (a.kind != xsx::EventAction::Kind::deliver) {
        ++dropped_events_;
        return;
    }
    ++c->events;
    c->conn->send(a.msg);
    update_output_block();
}

bool Session::others_have_state(int ch) const {
    for (const auto &[id, c] : chans_)
        if (id != ch && (!c.watches.empty() || !c.txs.empty())) return true;
    return false;
}

void Session::send_internal(std::uint32_t type, std::string body, std::uint32_t tx_id) {
    xsx::Msg m;
    m.type = type;
    m.tx_id = tx_id;
    m.body = std::move(body);
    upstream_->send(m, internal_tag);
}

void Session::clean_upstream(Channel &c) {
    if (!others_have_state(c.id)) {
        // Exactly what xenstored does to a connection that resets: one request.
        if (!c.watches.empty() || !c.txs.empty())
            send_internal(XS_RESET_WATCHES, std::string(1, '\0'));
    } else {
        for (const auto &[path, token] : c.watches)
            send_internal(XS_UNWATCH, path + '\0' + token + '\0');
        for (std::uint32_t tx : c.txs) send_internal(XS_TRANSACTION_END, std::string("F", 2), tx);
    }
    c.watches.clear();
    c.txs.clear();
}

void Session::guest_reset(int ch, bool closed) {
    Channel *c = chan(ch);
    if (!c) return;
    journal_.drop_channel(static_cast<std::uint32_t>(ch));
    c->commits.clear();
    if (translator_.options().absolute_upstream) forget_watches(*c);
    else translator_.watches().reset();
    for (auto &s : c->slots) s.orphan = true;
    c->resetting = true;
    c->closing = closed;
    maybe_finish_reset(*c);
}

void Session::maybe_finish_reset(Channel &c) {
    if (!c.resetting) return;
    // Drop orphans that were answered locally or never went upstream.
    while (!c.slots.empty() && c.slots.front().ready) c.slots.pop_front();
    if (!c.slots.empty()) return; // requests it sent are still creating state upstream
    clean_upstream(c);
    c.resetting = false;
    if (c.closing) {
        chans_.erase(c.id);
        return;
    }
    c.conn->pump();
}

void Session::guest_failed(int ch, const std::string &why) {
    Channel *c = chan(ch);
    if (!c) return;
    log::warn("domain {}: channel {} stopped: {}", spec_.domid, ch, why);
    c->dead = true;
    c->dead_reason = why;
    c->commits.clear();
    for (auto &s : c->slots) s.orphan = true;
    c->resetting = true;
    maybe_finish_reset(*c);
}

void Session::guest_drained(int) { update_output_block(); }

void Session::update_output_block() {
    // While quiescing for an export, replies must keep arriving: they travel in the stream.
    bool block = false;
    if (paused_) {
        upstream_->set_output_blocked(false);
        return;
    }
    for (auto it = chans_.begin(); it != chans_.end();) {
        Channel &c = it->second;
        std::size_t b = c.conn->backlog();
        if (c.id != 0 && b > socket_backlog_max) {
            log::warn("domain {}: socket client {} not reading; dropped", spec_.domid, c.id);
            c.closing = true;
            // Its close is handled when the connection object reports it.
        }
        if (c.id == 0 && b > ring_backlog_max) block = true;
        ++it;
    }
    upstream_->set_output_blocked(block);
}

void Session::pump_all() {
    for (auto &[id, c] : chans_)
        if (!c.dead) c.conn->pump();
}

void Session::upstream_writable() { pump_all(); }

void Session::upstream_failed(const std::string &why) {
    if (failed_) return;
    failed_ = true;
    failure_ = why;
    log::error("domain {}: upstream failed: {}", spec_.domid, why);
}

// Privileged upstream: one watch table serves every channel; a resetting channel drops
// only its own watches (found by their upstream tokens) so the others keep theirs.
void Session::forget_watches(Channel &c) {
    auto &table = translator_.watches();
    for (const auto &[path, token] : c.watches) {
        std::string_view tok = token;
        if (tok.substr(0, ring_escape.size()) == ring_escape) tok.remove_prefix(ring_escape.size());
        else if (c.id != 0 && tok.find(':') != tok.npos) tok.remove_prefix(tok.find(':') + 1);
        auto t = xsx::decode_token(tok);
        const xsx::WatchEntry *e = t ? table.find_id(t->watch_id) : nullptr;
        if (!e) continue;
        std::string key = e->relative ? translator_.path_to_guest(e->upstream_path) : e->guest_path;
        std::string gtok = e->guest_token;
        table.erase(key, gtok);
    }
}

} // namespace xsp
