// SPDX-License-Identifier: LGPL-2.1-only
// Guest -> upstream: validation and rewriting of every request type.
#include "translator_common.h"
#include "xsxlate/validate.h"

namespace xsx {

namespace {

void set_reply(RequestAction &out, const Msg &guest, std::string_view errname) {
    out.kind = RequestAction::Kind::reply;
    out.exchange.reset();
    out.msg.type = XS_ERROR;
    out.msg.req_id = guest.req_id;
    out.msg.tx_id = guest.tx_id;
    out.msg.body.assign(errname);
    out.msg.body.push_back('\0');
}

bool perm_letter(char c) { return c == 'r' || c == 'w' || c == 'b' || c == 'n'; }

} // namespace

RequestAction Translator::request(const Msg &guest) {
    RequestAction a;
    request(guest, a);
    return a;
}

void Translator::request(const Msg &guest, RequestAction &out) {
    out.kind = RequestAction::Kind::forward;
    out.exchange.reset();
    out.msg.type = guest.type;
    out.msg.req_id = guest.req_id;
    out.msg.tx_id = guest.tx_id;
    std::string &body = out.msg.body;
    body.clear();

    if (!is_known_request_type(guest.type)) {
        if (opt_.unknown_types == UnknownTypePolicy::forward && guest.type >= XS_TYPE_COUNT &&
            guest.type != XS_INVALID) {
            body.assign(guest.body);
            return;
        }
        return set_reply(out, guest, "ENOSYS");
    }
    // The guest is never privileged; xenstored checks this before the arguments.
    if (is_privileged_type(guest.type)) return set_reply(out, guest, "EACCES");
    // A single-argument request whose payload is not exactly one string names no node:
    // 4.17 C xenstored treats the name as absent and answers from that (ENOENT for a
    // READ), whatever the bytes. On a ring upstream xenstored gives R's exact answer, so
    // forward it untouched; nothing in it can address a domain.
    if (!opt_.absolute_upstream && is_single_arg_node_type(guest.type) &&
        !validate_request(guest).empty()) {
        body.assign(guest.body);
        return;
    }
    // On a privileged upstream the bytes cannot go to the daemon as they are (a relative
    // name would be dom0's): answer as 4.17 C does for the absent name, measured by the
    // conformance suite: ENOENT for the reads, ENOMEM for MKDIR and RM.
    if (opt_.absolute_upstream && is_single_arg_node_type(guest.type) && !validate_request(guest).empty())
        return set_reply(out, guest, guest.type == XS_MKDIR || guest.type == XS_RM ? "ENOMEM" : "ENOENT");
    if (auto e = validate_request(guest); !e.empty()) return set_reply(out, guest, e);

    std::string_view rest;
    std::string_view path = first_arg(guest.body, &rest);

    switch (guest.type) {
    case XS_TRANSACTION_START:
    case XS_TRANSACTION_END:
        body.assign(guest.body);
        return;

    case XS_RESET_WATCHES:
        // The old watches go with the reply: events queued before the reset (a WATCH's
        // initial event among them) still reach the guest, as on C.
        watches_.begin_reset();
        body.assign(guest.body);
        return;

    case XS_GET_DOMAIN_PATH: {
        auto d = parse_domid(path);
        if (!d) return set_reply(out, guest, "EINVAL");
        append_domid(body, map_.to_upstream(*d));
        body.push_back('\0');
        return;
    }

    case XS_DIRECTORY:
    case XS_READ:
    case XS_GET_PERMS:
    case XS_MKDIR:
    case XS_RM:
    case XS_DIRECTORY_PART:
    case XS_WRITE:
    case XS_SET_PERMS:
    case XS_WATCH:
    case XS_UNWATCH: break;
    default: return set_reply(out, guest, "ENOSYS"); // unreachable: known types handled
    }

    // Path-carrying requests.
    Impl::path_up(*this, path, body);
    std::size_t up_len = body.size();
    if (Impl::too_long_upstream(*this, path, std::string_view(body).substr(0, up_len)))
        return set_reply(out, guest, "EINVAL");
    body.push_back('\0');

    switch (guest.type) {
    case XS_DIRECTORY_PART: {
        PathComps pc;
        if (!map_.identity() && split_path(Impl::guest_view(*this, path), pc) &&
            rules_->children_are_domids(pc)) {
            out.kind = RequestAction::Kind::exchange;
            out.exchange = std::make_unique<DirPartExchange>(guest, body.substr(0, up_len), map_);
            body.clear();
            return;
        }
        body.append(rest); // the offset, as the guest wrote it
        break;
    }
    case XS_WRITE: {
        PathComps pc;
        ValueKind k = ValueKind::none;
        if (split_path(Impl::guest_view(*this, path), pc)) k = rules_->value_kind(pc);
        if (k == ValueKind::domid) {
            auto d = parse_domid(rest);
            if (!d) return set_reply(out, guest, "EINVAL");
            append_domid(body, map_.to_upstream(*d));
        } else if (k == ValueKind::path && !Impl::is_relative(rest)) {
            rewrite_path(*rules_, map_, Dir::to_upstream, rest, body);
        } else {
            body.append(rest);
        }
        break;
    }
    case XS_SET_PERMS: {
        // Every perm "<r|w|b|n><canonical domid>": xenstored's strtol(…, 0) would read
        // "r0x1" or "r01" as a domid the rewrite never saw.
        while (!rest.empty()) {
            std::size_t nul = rest.find('\0');
            if (nul == rest.npos) break; // bytes after the last NUL are ignored upstream too
            std::string_view p = rest.substr(0, nul);
            rest.remove_prefix(nul + 1);
            std::optional<domid_t> d;
            if (p.size() >= 2 && perm_letter(p[0])) d = parse_domid(p.substr(1));
            if (!d) return set_reply(out, guest, "EINVAL");
            body.push_back(p[0]);
            append_domid(body, map_.to_upstream(*d));
            body.push_back('\0');
        }
        break;
    }
    case XS_WATCH:
    case XS_UNWATCH: {
        std::string_view token = first_arg(rest);
        if (!opt_.absolute_upstream) {
            // Ring upstream: xenstored scopes tokens to R's connection; it checks EEXIST
            // and ENOENT itself, and the table follows its replies.
            body.append(token);
            body.push_back('\0');
            break;
        }
        std::string_view key = Impl::guest_view(*this, path);
        if (guest.type == XS_WATCH) {
            WatchEntry *e = watches_.add(std::string(key), std::string(path), std::string(token),
                                         body.substr(0, up_len), Impl::is_relative(path));
            if (!e) return set_reply(out, guest, "EEXIST");
            encode_token_to(watches_.token_for(*e), body);
        } else {
            WatchEntry *e = watches_.find(key, token);
            if (!e) return set_reply(out, guest, "ENOENT");
            encode_token_to(watches_.token_for(*e), body);
        }
        body.push_back('\0');
        break;
    }
    default: break; // one-argument requests: the path is all
    }

    if (body.size() > payload_max) return set_reply(out, guest, "E2BIG");
}

} // namespace xsx
