// SPDX-License-Identifier: LGPL-2.1-only
// Upstream -> guest: replies (keyed by the guest's request) and watch events.
#include "translator_common.h"

namespace xsx {

Msg Translator::reply(const Msg &guest_request, const Msg &upstream_reply) {
    Msg m;
    reply(guest_request, upstream_reply, m);
    return m;
}

void Translator::reply(const Msg &req, const Msg &up, Msg &out) {
    out.type = up.type;
    out.req_id = req.req_id;
    out.tx_id = req.tx_id;
    std::string &body = out.body;
    body.clear();
    const bool ok = up.type != XS_ERROR;
    std::string_view rest;
    std::string_view path = first_arg(req.body, &rest);

    // Watch bookkeeping follows what upstream decided.
    switch (req.type) {
    case XS_WATCH:
        if (opt_.absolute_upstream) {
            std::string_view key = Impl::guest_view(*this, path);
            std::string_view token = first_arg(rest);
            if (!ok) watches_.erase(key, token);
            else if (WatchEntry *e = watches_.find(key, token)) e->confirmed = true;
        } else if (ok) {
            std::string up_path;
            Impl::path_up(*this, path, up_path);
            std::string key(Impl::guest_view(*this, path));
            if (WatchEntry *e = watches_.add(std::move(key), std::string(path),
                                             std::string(first_arg(rest)), std::move(up_path),
                                             Impl::is_relative(path)))
                e->confirmed = true;
        }
        break;
    case XS_UNWATCH:
        if (ok) watches_.erase(Impl::guest_view(*this, path), first_arg(rest));
        break;
    case XS_RESET_WATCHES:
        watches_.finish_reset();
        break;
    default: break;
    }

    if (!ok || up.type != req.type) {
        body.assign(up.body); // errors carry no domid
        return;
    }

    switch (req.type) {
    case XS_READ: {
        PathComps pc;
        ValueKind k = ValueKind::none;
        if (split_path(Impl::guest_view(*this, path), pc)) k = rules_->value_kind(pc);
        std::optional<domid_t> d;
        if (k == ValueKind::domid && (d = parse_domid(up.body))) {
            append_domid(body, map_.to_guest(*d));
        } else if (k == ValueKind::path && !Impl::is_relative(up.body)) {
            rewrite_path(*rules_, map_, Dir::to_guest, up.body, body);
        } else {
            body.assign(up.body);
        }
        break;
    }
    case XS_GET_PERMS: Impl::rewrite_perms_to_guest(*this, up.body, body); break;
    case XS_GET_DOMAIN_PATH: {
        std::string_view rest_up;
        std::string_view p = first_arg(up.body, &rest_up);
        rewrite_path(*rules_, map_, Dir::to_guest, p, body);
        if (p.size() < up.body.size()) body.push_back('\0');
        body.append(rest_up);
        break;
    }
    case XS_DIRECTORY: {
        PathComps pc;
        if (!map_.identity() && split_path(Impl::guest_view(*this, path), pc) &&
            rules_->children_are_domids(pc))
            Impl::rewrite_children(*this, up.body, body);
        else
            body.assign(up.body);
        break;
    }
    default: body.assign(up.body); break;
    }

    // xenstored's send_reply: a reply that does not fit becomes E2BIG.
    if (body.size() > payload_max) {
        out.type = XS_ERROR;
        body.assign("E2BIG", 6);
    }
}

EventAction Translator::event(const Msg &upstream_event) {
    EventAction a;
    event(upstream_event, a);
    return a;
}

void Translator::event(const Msg &ev, EventAction &out) {
    out.kind = EventAction::Kind::drop;
    out.path.clear();
    out.msg.type = XS_WATCH_EVENT;
    out.msg.req_id = ev.req_id;
    out.msg.tx_id = ev.tx_id;
    std::string &body = out.msg.body;
    body.clear();
    if (ev.type != XS_WATCH_EVENT) return;

    std::string_view b = ev.body;
    std::size_t n1 = b.find('\0');
    if (n1 == b.npos) return;
    std::size_t n2 = b.find('\0', n1 + 1);
    if (n2 == b.npos) return;
    std::string_view path = b.substr(0, n1), token = b.substr(n1 + 1, n2 - n1 - 1);

    if (!opt_.absolute_upstream) {
        // Ring upstream: relative watches yield relative paths, which carry no domid.
        if (Impl::is_relative(path)) body.append(path);
        else rewrite_path(*rules_, map_, Dir::to_guest, path, body);
        body.push_back('\0');
        body.append(token);
        body.push_back('\0');
    } else {
        auto t = decode_token(token);
        if (!t) return; // not ours
        if (t->internal) {
            out.kind = EventAction::Kind::internal;
            out.token = *t;
            out.path.assign(path);
            return;
        }
        const WatchEntry *e = watches_.lookup(*t);
        if (!e) return; // stale generation, other session, unwatched
        if (e->relative) {
            // Registered as /local/domain/R/<rel>: give the guest <rel>/… again.
            std::string_view home = home_real_;
            if (path.size() <= home.size() + 1 || path.substr(0, home.size()) != home ||
                path[home.size()] != '/')
                return;
            body.append(path.substr(home.size() + 1));
        } else {
            rewrite_path(*rules_, map_, Dir::to_guest, path, body);
        }
        body.push_back('\0');
        body.append(e->guest_token);
        body.push_back('\0');
    }
    // xenstored silently drops an event that does not fit (send_event).
    if (body.size() > payload_max) return;
    out.kind = EventAction::Kind::deliver;
}

} // namespace xsx
