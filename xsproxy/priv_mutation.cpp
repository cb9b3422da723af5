// SPDX-License-Identifier: LGPL-2.1-only
// The privileged backend's mutations: WRITE, MKDIR, RM, SET_PERMS.
//
// Outside a guest transaction each runs in a wrapper transaction of its own, opened for
// it and never idle: [GET_PERMS of the node and every ancestor, sizes] -> decide with
// C's rules (access.h) -> [op, SET_PERMS of every created level, END T, fence]. A
// conflicting change of anything checked fails the commit with EAGAIN: the request is
// checked again from a fresh snapshot, at most `eagain_retries` times, then runs
// unwrapped (same steps, no transaction; counted).
#include "log.h"
#include "priv_upstream.h"
#include "priv_util.h"

#include <charconv>

namespace xsp {

namespace acc = xsx::access;
using priv::acl_of;
using priv::first_arg;
using priv::z;

void PrivUpstream::run_mutation(Op &op) {
    const xsx::Msg &m = op.m;
    std::string path(first_arg(m.body));
    if (m.type == XS_SET_PERMS && !path.empty() && path[0] == '@') {
        // '@' nodes belong to dom0: refused whatever the daemon would allow a socket.
        std::string_view rest;
        first_arg(m.body, &rest);
        acc::SetPermsArgs a{{}, true};
        for (auto p : xsx::split_nul(rest)) a.perm_strings.push_back(p);
        acc::Err e = acc::check_set_perms(
            who_, {}, a, [this](std::uint32_t d) { return xen_.domain_exists(d); },
            opt_.quotas.perms);
        ++stats_.denied;
        return finish(error(m, acc::errname(e)));
    }
    if (op.tx == 0 && !op.unwrapped) {
        batch({{XS_TRANSACTION_START, std::string(1, '\0'), 0}}, [this, &op](Replies &r) {
            std::uint32_t id = 0;
            const std::string &b = r[0].body;
            if (xsx::is_error(r[0]) ||
                std::from_chars(b.data(), b.data() + b.size(), id).ec != std::errc() || !id) {
                ++stats_.unwrapped_fallbacks;
                op.unwrapped = true;
                return run_mutation(op);
            }
            ++stats_.wrapped;
            op.tx = id;
            op.wrapper = true;
            run_mutation(op);
        });
        return;
    }
    auto anc = acc::ancestors(path);
    std::vector<Up> reqs;
    // In the guest's own transaction the checks read live what it has not accessed yet,
    // as C's transaction reads a node at its first access, and inside it what it has
    // (its own view). A wrapper transaction reads everything inside: there a conflict
    // only costs a retry, and it makes the check atomic.
    bool guest_tx = op.tx && !op.wrapper;
    auto in = [&](const std::string &p) { return !guest_tx || touched(op.tx, p) ? op.tx : 0; };
    for (const auto &a : anc) reqs.push_back({XS_GET_PERMS, z(a), in(a)});
    if (m.type == XS_WRITE || m.type == XS_SET_PERMS) {
        reqs.push_back({XS_READ, z(path), in(path)});
        reqs.push_back({XS_DIRECTORY, z(path), in(path)});
    }
    if ((m.type == XS_WRITE || m.type == XS_MKDIR) && anc.size() > 1) {
        // The parent gains a child name when the node is created: its size counts too.
        reqs.push_back({XS_READ, z(anc[1]), in(anc[1])});
        reqs.push_back({XS_DIRECTORY, z(anc[1]), in(anc[1])});
    }
    // What an act inside the guest's transaction rests on must also be read inside it, or
    // oxenstored, replaying the transaction's requests at a conflicting commit as the
    // socket's owner (dom0), would commit an act whose check no longer holds. C's
    // transaction itself holds what it read for the request, act or not: hold() says what,
    // and it is read inside with the act, or before a refusal or an unchanged OK.
    op.held.clear();
    batch(std::move(reqs), [this, &op, path](Replies &r) { mutation_checked(op, path, r); });
}

void PrivUpstream::hold(Op &op, const std::vector<std::string> &anc, const Replies &r, bool walked) {
    op.held.clear();
    if (!op.tx || op.wrapper) return;
    // C's get_node reads the node (recorded even when missing: a later creation fails the
    // commit, and the node stays missing in the transaction's view); when that fails
    // (missing, or no permission) errno_from_parents reads up to the nearest existing
    // ancestor, and a create's construct_node walks the same levels.
    std::size_t top = 0;
    if (walked) {
        top = 1;
        while (top + 1 < anc.size() && xsx::is_error(r[top])) ++top;
    }
    for (std::size_t i = 0; i <= top && i < anc.size(); ++i)
        if (!touched(op.tx, anc[i])) op.held.emplace_back(anc[i], r[i]);
}

std::vector<xsx::Msg> PrivUpstream::held_reads(Op &op, std::vector<Up> &acts) {
    std::vector<xsx::Msg> live;
    std::vector<Up> reads;
    for (const auto &[p, answer] : op.held) {
        reads.push_back({XS_GET_PERMS, z(p), op.tx});
        live.push_back(answer);
        tx_accessed_[op.tx].insert(p);
    }
    acts.insert(acts.begin(), reads.begin(), reads.end());
    op.held.clear();
    return live;
}

// A reply after the transaction's reads of what C holds for the request (no act).
void PrivUpstream::finish_holding(Op &op, xsx::Msg reply) {
    std::vector<Up> reads;
    held_reads(op, reads);
    if (reads.empty()) return finish(std::move(reply));
    batch(std::move(reads), [this, reply = std::move(reply)](Replies &) { finish(reply); });
}

// An OK that changes nothing: MKDIR of an existing node, RM of a missing one whose parent
// exists.
void PrivUpstream::succeed_unchanged(Op &op) {
    if (op.wrapper) batch({{XS_TRANSACTION_END, z("F"), op.tx}}, [](Replies &) {});
    finish_holding(op, xsx::reply_ok(op.m));
}

void PrivUpstream::refuse(Op &op, std::string_view err, bool quota) {
    if (quota) ++stats_.quota_refusals;
    else ++stats_.denied;
    if (op.wrapper) batch({{XS_TRANSACTION_END, z("F"), op.tx}}, [](Replies &) {});
    finish_holding(op, error(op.m, err));
}

// The count follows the guest's own creates and removals; dom0 (or a domain R granted
// write) may remove R's nodes behind its back. Before refusing on it, count again.
void PrivUpstream::recount_and_retry(Op &op) {
    op.recounted = true;
    if (op.wrapper) {
        batch({{XS_TRANSACTION_END, z("F"), op.tx}}, [](Replies &) {});
        op.tx = 0;
        op.wrapper = false;
    }
    recount([this, &op] { run_mutation(op); });
}

bool PrivUpstream::differ(const xsx::Msg &live, const xsx::Msg &inside) {
    // C reads a node live at a transaction's first access and fails the commit if it
    // changes afterwards. On C the two answers agree unless the node changed in between;
    // on oxenstored the inside one is the transaction's start-time snapshot. If they
    // differ, the replay could match a state the decision never saw (changed and changed
    // back), so the caller refuses the commit.
    return live.type != inside.type || live.body != inside.body;
}

bool PrivUpstream::touched(std::uint32_t tx, const std::string &path) const {
    if (auto a = tx_accessed_.find(tx); a != tx_accessed_.end() && a->second.count(path)) return true;
    auto it = tx_touched_.find(tx);
    if (it == tx_touched_.end()) return false;
    for (const auto &root : it->second)
        if (xsx::is_under(path, root)) return true;
    return false;
}

namespace {
std::size_t body_len(const xsx::Msg &r) { return xsx::is_error(r) ? 0 : r.body.size(); }
} // namespace

void PrivUpstream::mutation_checked(Op &op, const std::string &path, Replies &r) {
    const xsx::Msg &m = op.m;
    auto anc = acc::ancestors(path);
    acc::Chain chain;
    for (std::size_t i = 0; i < anc.size(); ++i) {
        if (xsx::is_error(r[i]) && !priv::missing(r[i], anc[i])) {
            if (op.wrapper) batch({{XS_TRANSACTION_END, z("F"), op.tx}}, [](Replies &) {});
            return finish(r[i]);
        }
        chain.push_back(acl_of(r[i]));
        if (chain.back()) remember_acl(anc[i], *chain.back());
    }
    // What C's get_node reads for this request: the node, and the walk up when it fails.
    unsigned need = m.type == XS_SET_PERMS ? acc::perm_write | acc::perm_owner : acc::perm_write;
    hold(op, anc, r, !chain[0] || (acc::perm_for(who_, *chain[0]) & need) != need);
    std::size_t extra = anc.size(); // index of the first non-GET_PERMS reply
    std::string_view rest;
    first_arg(m.body, &rest);
    const auto &q = opt_.quotas;
    Plan plan;

    switch (m.type) {
    case XS_WRITE:
    case XS_MKDIR: {
        acc::Create c = acc::check_create(who_, chain);
        if (c.err != acc::Err::none) return refuse(op, acc::errname(c.err), false);
        if (m.type == XS_MKDIR && c.exists) return succeed_unchanged(op);
        if (m.type == XS_WRITE) {
            std::size_t nperms = c.exists ? chain[0]->size() : c.acl.size();
            std::size_t children = c.exists ? body_len(r[extra + 1]) : 0;
            if (acc::node_size(nperms, rest.size(), children) >= q.node_size)
                return refuse(op, "ENOSPC", true);
            extra += 2;
        }
        std::uint32_t gtx = op.wrapper ? 0 : op.tx;
        if (c.levels && nodes_.total_in(gtx) + c.levels > q.nodes)
            return op.recounted ? refuse(op, "ENOSPC", true) : recount_and_retry(op);
        plan.acts.push_back({m.type, m.body, op.tx});
        // C: each created level copies the level above with the creator as owner. Both
        // daemons give a privileged writer's new nodes an exact copy of the parent's
        // ACL, so only a parent R does not own needs fixing up.
        plan.fixups = c.levels && c.acl != *chain[c.levels];
        for (std::size_t k = c.levels; k-- > 0;) {
            if (plan.fixups)
                plan.acts.push_back({XS_SET_PERMS, z(anc[k]) + acc::format_acl(c.acl), op.tx});
            plan.created.emplace_back(anc[k], c.acl);
        }
        if (!c.levels) return act(op, path, std::move(plan));
        // The existing ancestor that gains a child: its record grows by the name.
        const std::string &grows = anc[c.levels];
        std::size_t name = priv::basename(anc[c.levels - 1]).size() + 1;
        std::size_t nperms = chain[c.levels]->size();
        auto check_parent = [this, &op, path, name, nperms](Plan plan, std::size_t value,
                                                            std::size_t children) {
            if (acc::node_size(nperms, value, children + name) >= opt_.quotas.node_size)
                return refuse(op, "ENOSPC", true);
            act(op, path, std::move(plan));
        };
        if (c.levels == 1)
            return check_parent(std::move(plan), body_len(r[extra]), body_len(r[extra + 1]));
        batch({{XS_READ, z(grows), op.tx}, {XS_DIRECTORY, z(grows), op.tx}},
              [check_parent, plan = std::move(plan)](Replies &rr) mutable {
                  check_parent(std::move(plan), body_len(rr[0]), body_len(rr[1]));
              });
        return;
    }
    case XS_RM: {
        acc::Remove rm = acc::check_rm(who_, chain, path == "/");
        if (rm.err != acc::Err::none) return refuse(op, acc::errname(rm.err), false);
        if (rm.noop) return succeed_unchanged(op);
        plan.acts.push_back({m.type, m.body, op.tx});
        // The subtree goes without per-node checks (as in C); its nodes leave R's count
        // (outside the home the count knows them by path: no walk).
        if (!nodes_.rm_needs_walk(path)) return act(op, path, std::move(plan));
        count_owned(path, op.tx, [this, &op, path, plan = std::move(plan)](std::size_t n) mutable {
            plan.removed = n;
            act(op, path, std::move(plan));
        });
        return;
    }
    case XS_SET_PERMS: {
        acc::SetPermsArgs a;
        for (auto p : xsx::split_nul(rest)) a.perm_strings.push_back(p);
        // C checks the arguments, and that the owner exists, before it reads the node.
        {
            acc::Acl acl;
            bool args_ok = !a.perm_strings.empty() && a.perm_strings.size() <= q.perms;
            for (auto p : a.perm_strings)
                if (auto one = acc::parse_acl(p)) acl.push_back((*one)[0]);
                else args_ok = false;
            if (!args_ok || !xen_.domain_exists(acl[0].id)) op.held.clear();
        }
        acc::Err e = acc::check_set_perms(
            who_, chain, a, [this](std::uint32_t d) { return xen_.domain_exists(d); }, q.perms);
        if (e != acc::Err::none) return refuse(op, acc::errname(e), e == acc::Err::enospc);
        if (acc::node_size(a.perm_strings.size(), body_len(r[extra]), body_len(r[extra + 1])) >=
            q.node_size)
            return refuse(op, "ENOSPC", true);
        plan.acts.push_back({m.type, m.body, op.tx});
        acc::Acl acl;
        for (auto p : a.perm_strings)
            if (auto one = acc::parse_acl(p)) acl.push_back((*one)[0]);
        plan.created.emplace_back(path, acl);
        plan.set_acl = true;
        return act(op, path, std::move(plan));
    }
    default: return finish(error(m, "EINVAL"));
    }
}

void PrivUpstream::act(Op &op, const std::string &path, Plan plan) {
    if (op.wrapper) plan.acts.push_back({XS_TRANSACTION_END, z("T"), op.tx});
    FixupWindow w;
    if (plan.fixups) {
        w.targets.insert(path);
        for (const auto &[p, acl] : plan.created)
            if (p != path) w.parents.insert(p);
    }
    bool window = plan.fixups && (op.wrapper || op.tx == 0);
    if (plan.fixups && !window) {
        // Inside a guest transaction the events come with the guest's commit.
        FixupWindow &t = tx_fixups_[op.tx];
        t.targets.insert(w.targets.begin(), w.targets.end());
        t.parents.insert(w.parents.begin(), w.parents.end());
    }
    if (window) {
        fixups_ = std::move(w);
        // The daemon queues a commit's events before it reads the next request.
        plan.acts.push_back({XS_GET_DOMAIN_PATH, z(std::to_string(who_.domid)), 0});
    }
    if (op.tx && !op.wrapper) {
        auto &t = tx_touched_[op.tx];
        t.insert(path);
        for (const auto &[p, acl] : plan.created) t.insert(p);
    }
    // The nodes the act rests on, read inside the transaction just before it (see
    // run_mutation); an answer that differs from the one decided on dooms the commit.
    std::vector<xsx::Msg> live = held_reads(op, plan.acts);
    auto created = plan.created;
    bool set_acl = plan.set_acl;
    std::size_t removed = plan.removed;
    batch(std::move(plan.acts), [this, &op, path, created, set_acl, removed, window,
                                 live](Replies &r) {
        if (window) {
            fixups_.reset();
            r.pop_back(); // the fence
        }
        for (std::size_t i = 0; i < live.size(); ++i)
            if (differ(live[i], r[i])) tx_doomed_.insert(op.tx);
        r.erase(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(live.size()));
        if (op.wrapper) {
            const xsx::Msg &end = r.back();
            if (xsx::error_name(end) == "EAGAIN") {
                // Something checked changed under us: check again from a fresh snapshot.
                ++stats_.eagain_retries;
                op.tx = 0;
                op.wrapper = false;
                if (++op.attempts >= opt_.eagain_retries) {
                    ++stats_.unwrapped_fallbacks;
                    op.unwrapped = true;
                }
                return run_mutation(op);
            }
            if (xsx::is_error(end) && !xsx::is_error(r[0])) return finish(end);
        }
        if (!xsx::is_error(r[0])) {
            // Inside a guest transaction the effects count from its commit (tx_ended()).
            std::uint32_t gtx = op.wrapper ? 0 : op.tx;
            for (const auto &[p, acl] : created) {
                if (gtx) tx_acls_[gtx].emplace_back(p, acl);
                else remember_acl(p, acl);
                if (!set_acl) nodes_.created(gtx, p);
            }
            if (op.m.type == XS_RM) {
                nodes_.removed(gtx, path, removed);
                // The subtree is gone; its cached ACLs with it.
                for (auto it = acl_cache_.begin(); it != acl_cache_.end();) {
                    it = xsx::is_under(it->first, path) ? acl_cache_.erase(it) : std::next(it);
                }
            }
        }
        finish(r[0]);
    });
}

} // namespace xsp
