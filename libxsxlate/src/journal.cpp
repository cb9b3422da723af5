// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/journal.h"

#include <algorithm>

namespace xsx {

std::string Journal::absolute(std::string_view path) const {
    if (!path.empty() && path[0] == '/') return std::string(path);
    std::string out = "/local/domain/";
    append_domid(out, virt_);
    out.push_back('/');
    out.append(path);
    return out;
}

void Journal::on_reply(std::uint32_t ch, const Msg &req, const Msg &reply) {
    if (is_error(reply)) {
        // A failed END ends the transaction all the same (EAGAIN, ENOSPC, …), except
        // EINVAL on a malformed END, which xenstored rejects before looking at it.
        if (req.type == XS_TRANSACTION_END && error_name(reply) != "EINVAL")
            tx_.erase({ch, req.tx_id});
        return;
    }
    switch (req.type) {
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_SET_PERMS:
        if (req.tx_id) tx_[{ch, req.tx_id}].push_back(req);
        else apply(req);
        return;
    case XS_TRANSACTION_END: {
        auto it = tx_.find({ch, req.tx_id});
        if (it == tx_.end()) return;
        if (req.body.size() >= 1 && req.body[0] == 'T')
            for (const Msg &m : it->second) apply(m);
        tx_.erase(it);
        return;
    }
    case XS_RESET_WATCHES:
        drop_channel(ch); // RESET_WATCHES also ends the connection's transactions
        return;
    default:
        return;
    }
}

void Journal::drop_channel(std::uint32_t ch) {
    for (auto it = tx_.begin(); it != tx_.end();)
        it = it->first.first == ch ? tx_.erase(it) : std::next(it);
}

void Journal::apply(const Msg &req) {
    auto parts = split_nul(req.body);
    if (parts.empty() || parts[0].empty() || parts[0][0] == '@') return;
    std::string path = absolute(parts[0]);
    switch (req.type) {
    case XS_WRITE: {
        Entry &e = nodes_[path];
        e.tombstone = false;
        e.has_value = true;
        std::string_view body = req.body;
        e.value.assign(body.substr(body.find('\0') + 1));
        break;
    }
    case XS_MKDIR: {
        Entry &e = nodes_[path];
        if (e.tombstone) e = Entry{};
        break;
    }
    case XS_RM: {
        // The whole subtree goes, whoever wrote it; the tombstone replays the removal.
        std::string prefix = path + "/";
        for (auto it = nodes_.lower_bound(path); it != nodes_.end();) {
            if (it->first == path || it->first.compare(0, prefix.size(), prefix) == 0)
                it = nodes_.erase(it);
            else
                break;
        }
        nodes_[path].tombstone = true;
        break;
    }
    case XS_SET_PERMS: {
        Entry &e = nodes_[path];
        e.tombstone = false;
        e.perms.assign(parts.begin() + 1, parts.end());
        break;
    }
    default:
        break;
    }
}

std::size_t Journal::bytes() const {
    std::size_t n = 0;
    for (const auto &[p, e] : nodes_) {
        n += p.size() + e.value.size();
        for (const auto &s : e.perms) n += s.size();
    }
    return n;
}

std::vector<Msg> Journal::replay() const {
    auto depth = [](const std::string &p) { return std::count(p.begin(), p.end(), '/'); };
    std::vector<const std::pair<const std::string, Entry> *> tomb, live;
    for (const auto &kv : nodes_) (kv.second.tombstone ? tomb : live).push_back(&kv);
    std::stable_sort(tomb.begin(), tomb.end(),
                     [&](auto *a, auto *b) { return depth(a->first) < depth(b->first); });
    // std::map order already puts a parent before its children.
    std::vector<Msg> out;
    for (auto *kv : tomb) {
        Msg m;
        m.type = XS_RM;
        m.body = with_nul(kv->first);
        out.push_back(std::move(m));
    }
    for (auto *kv : live) {
        const Entry &e = kv->second;
        Msg m;
        if (e.has_value) {
            m.type = XS_WRITE;
            m.body = with_nul(kv->first) + e.value;
        } else {
            m.type = XS_MKDIR;
            m.body = with_nul(kv->first);
        }
        out.push_back(std::move(m));
        if (!e.perms.empty()) {
            Msg p;
            p.type = XS_SET_PERMS;
            p.body = with_nul(kv->first);
            for (const auto &s : e.perms) p.body += with_nul(s);
            out.push_back(std::move(p));
        }
    }
    return out;
}

} // namespace xsx
