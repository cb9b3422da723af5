// SPDX-License-Identifier: LGPL-2.1-only
#include "priv_upstream.h"

#include "log.h"
#include "priv_util.h"
#include "xsxlate/dirpart.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <event2/event.h>
#include <fmt/format.h>

namespace xsp {

namespace acc = xsx::access;
using priv::acl_of;
using priv::first_arg;
using priv::z;

std::size_t PrivUpstream::open_transactions_ = 0;

namespace {

std::uint64_t now_ms() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

constexpr std::size_t acl_cache_max = 8192;
constexpr std::size_t read_paths_max = 1024;
// Node counting walks stop here (a guest home has tens of nodes; C caps it at 1000).
constexpr std::size_t count_walk_max = 4096;
// Events waiting for their ACLs: beyond this many lookups in flight (a guest watching a
// busy subtree it cannot read), events are decided from the cache alone (counted).
constexpr std::size_t max_lookups_inflight = 64;

} // namespace

PrivUpstream::PrivUpstream(event_base *base, Xen &xen, XsSocket &shared, ShadowSpec shadow,
                           PrivOptions opt, UpstreamSink &sink)
    : base_(base), xen_(xen), shared_(shared), shadow_(shadow), opt_(std::move(opt)),
      sink_(sink), rate_(opt_.quotas.write_rate, opt_.quotas.write_burst),
      nodes_(fmt::format("/local/domain/{}", shadow_.domid)) {
    who_.domid = shadow_.domid;
    home_ = fmt::format("/local/domain/{}", shadow_.domid);
    rate_timer_ = evtimer_new(base_, rate_cb, this);
}

PrivUpstream::~PrivUpstream() {
    *alive_ = false;
    open_transactions_ -= std::min(open_transactions_, tx_g2u_.size());
    if (rate_timer_) event_free(rate_timer_);
}

void PrivUpstream::start(std::function<void(const std::string &)> done) {
    sock_ = std::make_unique<PrivSocket>(base_, opt_.xenstored_socket);
    std::string err;
    if (!sock_->connect(err)) {
        done("privileged socket: " + err);
        return;
    }
    sock_->on_event([this](const xsx::Msg &ev) { on_event(ev); });
    sock_->on_failure([this](const std::string &why) {
        failed_ = true;
        sink_.upstream_failed(why);
    });
    auto finish_start = [this, done](const std::string &e) {
        if (!e.empty()) {
            done(e);
            return;
        }
        // A stub domain acts with its target's rights too (SET_TARGET); libxl records it.
        sock_->request(XS_READ, z(home_ + "/target"), [this, done](const xsx::Msg &r) {
            std::uint32_t t = 0;
            if (!xsx::is_error(r) &&
                std::from_chars(r.body.data(), r.body.data() + r.body.size(), t).ec == std::errc())
                who_.target = t;
            // The node quota's base: nodes R owns in its home (node_count.h).
            recount([this, done] {
                ready_ = true;
                done("");
                pump();
            });
        });
    };
    // R stays known to the daemon (ownership, accounting, @releaseDomain, RELEASE clean-up):
    // introduce it on the shadow ring as the ring backend does, but never use that ring.
    shared_.request(XS_IS_DOMAIN_INTRODUCED, z(std::to_string(shadow_.domid)),
                    [this, finish_start](const xsx::Msg &r) {
        if (!xsx::is_error(r) && r.body.substr(0, 1) == "T") return finish_start("");
        if (!shadow_.gfn || !shadow_.port) {
            log::warn("domain {}: no shadow ring given; the daemon will not know it", shadow_.domid);
            return finish_start("");
        }
        std::string body = fmt::format("{}{}{}{}{}{}", shadow_.domid, '\0', shadow_.gfn, '\0',
                                       shadow_.port, '\0');
        shared_.request(XS_INTRODUCE, std::move(body), [this, finish_start](const xsx::Msg &ir) {
            if (xsx::is_error(ir))
                return finish_start(fmt::format("xenstored refused INTRODUCE of domain {}: {}",
                                                shadow_.domid, xsx::error_name(ir)));
            finish_start("");
        });
    });
}

bool PrivUpstream::can_send() const {
    return ready_ && !failed_ && queue_.size() < opt_.quotas.outstanding;
}

void PrivUpstream::send(const xsx::Msg &m, std::uint64_t tag) {
    ++stats_.requests;
    Op op;
    op.m = m;
    op.tag = tag;
    queue_.push_back(std::move(op));
    pump();
}

void PrivUpstream::set_output_blocked(bool blocked) {
    if (output_blocked_ == blocked) return;
    output_blocked_ = blocked;
    if (blocked) return;
    while (!held_events_.empty() && !output_blocked_) {
        xsx::Msg ev = std::move(held_events_.front());
        held_events_.pop_front();
        sink_.upstream_event(std::move(ev));
    }
    pump();
}

bool PrivUpstream::is_mutation(std::uint32_t type) const {
    return type == XS_WRITE || type == XS_MKDIR || type == XS_RM || type == XS_SET_PERMS;
}

bool PrivUpstream::rate_limited(const xsx::Msg &m) {
    // C xenstored's write-rate limit (wrl_apply_debit_*): a write outside a transaction
    // is charged while some transaction is open; writes inside one are charged at its
    // commit, and only while another transaction is open too.
    bool charged = false;
    if (is_mutation(m.type) && m.tx_id == 0) charged = open_transactions_ > 0;
    else if (m.type == XS_TRANSACTION_END && m.body.substr(0, 1) == "T")
        charged = open_transactions_ > 1;
    if (!charged) return false;
    std::uint64_t now = now_ms();
    if (rate_.take(now)) return false;
    if (!rate_armed_) {
        ++stats_.rate_waits;
        std::uint64_t ms = rate_.ready_in_ms(now);
        timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
        evtimer_add(rate_timer_, &tv);
        rate_armed_ = true;
    }
    return true;
}

void PrivUpstream::rate_cb(int, short, void *arg) {
    auto *self = static_cast<PrivUpstream *>(arg);
    self->rate_armed_ = false;
    self->pump();
}

void PrivUpstream::pump() {
    if (busy_ || !ready_ || failed_ || output_blocked_ || queue_.empty()) return;
    if (rate_limited(queue_.front().m)) return;
    busy_ = true;
    run(queue_.front());
}

void PrivUpstream::finish(xsx::Msg reply) {
    Op op = std::move(queue_.front());
    queue_.pop_front();
    busy_ = false;
    reply.req_id = op.m.req_id;
    reply.tx_id = op.m.tx_id;
    std::shared_ptr<bool> alive = alive_;
    emit(std::make_shared<Out>(Out{std::move(reply), op.tag, false, true, true}));
    if (!*alive) return;
    if (can_send()) sink_.upstream_writable();
    pump();
}

xsx::Msg PrivUpstream::error(const xsx::Msg &m, std::string_view name) const {
    return xsx::reply_error(m, name);
}

void PrivUpstream::batch(std::vector<Up> reqs, std::function<void(Replies &)> k) {
    ++stats_.round_trips;
    stats_.upstream_msgs += reqs.size();
    auto replies = std::make_shared<Replies>(reqs.size());
    auto left = std::make_shared<std::size_t>(reqs.size());
    auto cont = std::make_shared<std::function<void(Replies &)>>(std::move(k));
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        sock_->request(reqs[i].type, std::move(reqs[i].body),
                       [replies, left, cont, i](const xsx::Msg &r) {
                           (*replies)[i] = r;
                           if (--*left == 0) (*cont)(*replies);
                       },
                       reqs[i].tx, reqs[i].big);
    }
}

void PrivUpstream::run(Op &op) {
    const xsx::Msg &m = op.m;
    if (m.type == XS_WATCH || m.type == XS_UNWATCH) return run_watch(op); // NOTID
    if (m.type == XS_TRANSACTION_START) return run_tx_start(op);
    if (m.tx_id) {
        auto it = tx_g2u_.find(m.tx_id);
        if (it == tx_g2u_.end()) return finish(error(m, "ENOENT")); // C, not oxenstored's EIO
        op.tx = it->second;
    }
    // C 4.17 takes '@' names only in WATCH and UNWATCH (and SET_PERMS from a privileged
    // connection); oxenstored keeps them as ordinary nodes that anyone may read.
    bool path_op = m.type == XS_READ || m.type == XS_DIRECTORY || m.type == XS_DIRECTORY_PART ||
                   m.type == XS_GET_PERMS || (is_mutation(m.type) && m.type != XS_SET_PERMS);
    if (path_op && first_arg(m.body).substr(0, 1) == "@") return finish(error(m, "EINVAL"));
    switch (m.type) {
    case XS_READ:
    case XS_DIRECTORY:
    case XS_DIRECTORY_PART:
    case XS_GET_PERMS: return run_read(op);
    case XS_WRITE:
    case XS_MKDIR:
    case XS_RM:
    case XS_SET_PERMS: return run_mutation(op);
    case XS_TRANSACTION_END: return run_tx_end(op);
    case XS_RESET_WATCHES: return run_reset(op);
    default: return run_forward(op);
    }
}

// ---- reads ------------------------------------------------------------------------

void PrivUpstream::run_read(Op &op) {
    const xsx::Msg &m = op.m;
    std::string path(first_arg(m.body));
    std::vector<Up> reqs{{XS_GET_PERMS, z(path), op.tx}};
    bool dirpart = m.type == XS_DIRECTORY_PART;
    if (dirpart && no_dirpart_) reqs.push_back({XS_DIRECTORY, z(path), op.tx, true});
    else if (m.type != XS_GET_PERMS) reqs.push_back({m.type, m.body, op.tx});
    batch(std::move(reqs), [this, &op, path, dirpart](Replies &r) {
        const xsx::Msg &m = op.m;
        if (priv::missing(r[0], path)) return run_read_missing(op, path);
        if (xsx::is_error(r[0])) return finish(r[0]);
        auto acl = acl_of(r[0]);
        if (!acl) return finish(error(m, "EINVAL"));
        remember_acl(path, *acl);
        if (!(acc::perm_for(who_, *acl) & acc::perm_read)) {
            ++stats_.denied;
            return finish(error(m, "EACCES"));
        }
        note_read(path);
        if (m.type == XS_GET_PERMS) return finish(r[0]);
        if (dirpart) {
            std::string_view rest;
            first_arg(m.body, &rest);
            std::uint32_t off = 0;
            std::string_view o = first_arg(rest);
            std::from_chars(o.data(), o.data() + o.size(), off);
            if (no_dirpart_) {
                if (xsx::is_error(r[1])) return finish(r[1]);
                ++stats_.dirpart_emulated;
                return finish(xsx::reply_body(
                    m, xsx::directory_part_reply(acc::children_generation(r[1].body), r[1].body, off)));
            }
            if (xsx::error_name(r[1]) == "ENOSYS") {
                no_dirpart_ = true; // oxenstored: emulate from DIRECTORY from now on
                return run_dirpart_emulated(op, path, off);
            }
        }
        finish(r[1]);
    });
}

void PrivUpstream::run_dirpart_emulated(Op &op, const std::string &path, std::uint32_t off) {
    batch({{XS_DIRECTORY, z(path), op.tx, true}}, [this, &op, off](Replies &r) {
        if (xsx::is_error(r[0])) return finish(r[0]);
        ++stats_.dirpart_emulated;
        finish(xsx::reply_body(
            op.m, xsx::directory_part_reply(acc::children_generation(r[0].body), r[0].body, off)));
    });
}

void PrivUpstream::run_read_missing(Op &op, const std::string &path) {
    auto anc = acc::ancestors(path);
    std::vector<Up> reqs;
    // Outside the guest's transaction first: C reads, inside it, only the levels up to
    // the nearest existing one, and reads above that inside would make the guest's
    // commit conflict where C's does not (a new domain under /local/domain, say).
    for (std::size_t i = 1; i < anc.size(); ++i) reqs.push_back({XS_GET_PERMS, z(anc[i]), 0});
    batch(std::move(reqs), [this, &op, anc](Replies &r) {
        auto decide = [this, &op, anc](const Replies &rs) {
            acc::Chain chain{std::nullopt};
            for (std::size_t i = 0; i < rs.size(); ++i) {
                chain.push_back(acl_of(rs[i]));
                if (chain.back()) remember_acl(anc[i + 1], *chain.back());
            }
            acc::Err e = acc::check(who_, chain, acc::perm_read);
            if (e == acc::Err::eacces) ++stats_.denied;
            finish(error(op.m, e == acc::Err::none ? "ENOENT" : acc::errname(e)));
        };
        if (!op.tx) return decide(r);
        std::size_t k = 0;
        while (k < r.size() && xsx::is_error(r[k])) ++k;
        std::vector<Up> again;
        for (std::size_t i = 0; i <= k && i < r.size(); ++i) again.push_back({XS_GET_PERMS, z(anc[i + 1]), op.tx});
        auto rr = std::make_shared<Replies>(r);
        batch(std::move(again), [this, &op, anc, rr, decide](Replies &in_tx) {
            // C's transaction reads a node it has not accessed yet from the live store
            // and keeps that copy: the inside answer counts where this transaction
            // already accessed the node (on oxenstored the inside answer of a node it
            // never accessed is its start-time snapshot).
            for (std::size_t i = 0; i < in_tx.size(); ++i) {
                if (touched(op.tx, anc[i + 1])) (*rr)[i] = in_tx[i];
                tx_accessed_[op.tx].insert(anc[i + 1]);
            }
            decide(*rr);
        });
    });
}

// ---- watches, transactions, the rest ----------------------------------------------

void PrivUpstream::run_watch(Op &op) {
    const xsx::Msg &m = op.m;
    auto parts = xsx::split_nul(m.body);
    if (parts.size() < 2) return finish(error(m, "EINVAL"));
    std::pair<std::string, std::string> key{std::string(parts[0]), std::string(parts[1])};
    bool watch = m.type == XS_WATCH;
    // C counts watches per connection; the check is '>' (so quota + 1 fit).
    if (watch && watches_.size() > opt_.quotas.watches) {
        ++stats_.quota_refusals;
        return finish(error(m, "E2BIG"));
    }
    // The event WATCH queues follows its reply on this connection: the first event with
    // this token is the initial one, delivered whatever the permissions.
    if (watch) initial_pending_.insert(key.second);
    // Seed the delivery policy: the watched node's ACL, and the node counts as read when
    // the guest could read it (its subtree is then "its own area", docs/design.md).
    bool seed = watch && !key.first.empty() && key.first[0] == '/';
    std::vector<Up> reqs;
    if (seed) reqs.push_back({XS_GET_PERMS, z(key.first), 0});
    reqs.push_back({m.type, m.body, 0});
    batch(std::move(reqs), [this, &op, key, watch, seed](Replies &all) {
        if (seed) {
            if (auto acl = acl_of(all[0])) {
                remember_acl(key.first, *acl);
                if (acc::perm_for(who_, *acl) & acc::perm_read) note_read(key.first);
            }
        }
        Replies r{all.back()};
        bool ok = !xsx::is_error(r[0]);
        if (watch && ok) watches_.insert(key);
        if (watch && !ok) initial_pending_.erase(key.second);
        if (!watch && ok) {
            watches_.erase(key);
            initial_pending_.erase(key.second);
        }
        finish(r[0]);
    });
}

void PrivUpstream::run_tx_start(Op &op) {
    const xsx::Msg &m = op.m;
    if (m.tx_id) return finish(error(m, tx_g2u_.count(m.tx_id) ? "EBUSY" : "ENOENT"));
    if (tx_g2u_.size() > opt_.quotas.transactions) {
        ++stats_.quota_refusals;
        return finish(error(m, "ENOSPC"));
    }
    batch({{XS_TRANSACTION_START, m.body, 0}}, [this, &op](Replies &r) {
        std::uint32_t up = 0;
        if (xsx::is_error(r[0])) return finish(r[0]);
        std::from_chars(r[0].body.data(), r[0].body.data() + r[0].body.size(), up);
        std::uint32_t g = tx_ids_.next(tx_in_use_);
        tx_in_use_.insert(g);
        tx_g2u_[g] = up;
        ++open_transactions_;
        finish(xsx::reply_body(op.m, z(std::to_string(g))));
    });
}

void PrivUpstream::run_tx_end(Op &op) {
    // A transaction one of whose decisions rested on a node that changed since it started
    // is not committed (hold()): the guest gets EAGAIN, as C's generation check gives.
    bool doomed = op.m.body == z("T") && tx_doomed_.count(op.tx);
    std::vector<Up> reqs{{XS_TRANSACTION_END, doomed ? z("F") : op.m.body, op.tx}};
    auto fx = tx_fixups_.find(op.tx);
    bool window = fx != tx_fixups_.end() && op.m.body.substr(0, 1) == "T" && !doomed;
    if (window) {
        // The guest's commit fires its events, our fix-ups' among them (see act()).
        fixups_ = std::move(fx->second);
        reqs.push_back({XS_GET_DOMAIN_PATH, z(std::to_string(who_.domid)), 0});
    }
    if (fx != tx_fixups_.end()) tx_fixups_.erase(fx);
    tx_touched_.erase(op.tx);
    tx_accessed_.erase(op.tx);
    batch(std::move(reqs), [this, &op, window, doomed](Replies &r) {
        if (window) fixups_.reset();
        // Every END past argument validation ends the transaction, whatever the outcome.
        if (xsx::error_name(r[0]) != "EINVAL") {
            tx_g2u_.erase(op.m.tx_id);
            tx_in_use_.erase(op.m.tx_id);
            if (open_transactions_) --open_transactions_;
            tx_ended(op.tx, !doomed && op.m.body == z("T") && !xsx::is_error(r[0]));
        }
        if (doomed && !xsx::is_error(r[0])) {
            ++stats_.tx_doomed;
            return finish(error(op.m, "EAGAIN"));
        }
        finish(r[0]);
    });
}

void PrivUpstream::tx_ended(std::uint32_t tx, bool committed) {
    tx_doomed_.erase(tx);
    auto acls = tx_acls_.find(tx);
    if (committed) {
        nodes_.commit(tx);
        if (acls != tx_acls_.end())
            for (const auto &[p, acl] : acls->second) remember_acl(p, acl);
    } else {
        nodes_.abort(tx);
    }
    if (acls != tx_acls_.end()) tx_acls_.erase(acls);
}

void PrivUpstream::run_reset(Op &op) {
    // Emulated on this guest's socket: its watches and transactions go, nothing else.
    std::vector<Up> reqs;
    for (const auto &[path, token] : watches_) reqs.push_back({XS_UNWATCH, z(path) + z(token), 0});
    for (const auto &[g, u] : tx_g2u_) reqs.push_back({XS_TRANSACTION_END, z("F"), u});
    open_transactions_ -= std::min(open_transactions_, tx_g2u_.size());
    // Events already queued stay queued, as on C; an initial event the daemon has not
    // sent yet still comes (it was queued before the UNWATCH) and stays initial.
    watches_.clear();
    tx_g2u_.clear();
    tx_in_use_.clear();
    tx_fixups_.clear();
    tx_touched_.clear();
    tx_accessed_.clear();
    tx_doomed_.clear();
    tx_acls_.clear();
    nodes_.abort_all();
    if (reqs.empty()) return finish(xsx::reply_ok(op.m));
    batch(std::move(reqs), [this, &op](Replies &) { finish(xsx::reply_ok(op.m)); });
}

void PrivUpstream::run_forward(Op &op) {
    batch({{op.m.type, op.m.body, op.tx}}, [this](Replies &r) { finish(r[0]); });
}

// ---- events -----------------------------------------------------------------------

void PrivUpstream::on_event(const xsx::Msg &ev) {
    ++stats_.events_in;
    auto parts = xsx::split_nul(ev.body);
    if (parts.size() < 2) return;
    std::string path(parts[0]);
    auto o = std::make_shared<Out>(Out{ev, 0, true, true, true});
    if (auto it = initial_pending_.find(std::string(parts[1])); it != initial_pending_.end()) {
        initial_pending_.erase(it);
        ++stats_.events_delivered;
        return emit(o);
    }
    if (fixups_) {
        const std::string tok(parts[1]);
        bool suppress = fixups_->parents.count(path) > 0 && !fixups_->targets.count(path);
        if (fixups_->targets.count(path) && !fixups_->seen.insert({path, tok}).second)
            suppress = true;
        if (suppress) {
            ++stats_.fixup_events_suppressed;
            return;
        }
    }
    acc::EventFacts f;
    f.special = !path.empty() && path[0] == '@';
    f.special_granted = opt_.special_events;
    if (!f.special) {
        f.in_own_area = in_own_area(path);
        f.node = cached_acl(path);
        f.parent = cached_acl(acc::parent_of(path));
    }
    acc::Delivery d = acc::watch_policy(who_, f);
    // Only a known grant is final: a cached refusal may be stale, and an unknown ACL is
    // asked of the daemon now (C decides with the perms of the moment of the event).
    bool can_ask = !(f.special && no_special_perms_) && lookups_inflight_ < max_lookups_inflight;
    if ((d.deliver && !d.uncertain) || !can_ask) {
        if (!can_ask && !(d.deliver && !d.uncertain)) ++stats_.lookups_skipped;
        decided(*o, d);
        return emit(o);
    }
    o->ready = false;
    emit(o);
    look_up(o, path, std::move(f));
}

void PrivUpstream::look_up(std::shared_ptr<Out> o, std::string path, acc::EventFacts f) {
    ++stats_.event_lookups;
    ++lookups_inflight_;
    std::vector<Up> reqs{{XS_GET_PERMS, z(path), 0}};
    if (!f.special) reqs.push_back({XS_GET_PERMS, z(acc::parent_of(path)), 0});
    batch(std::move(reqs), [this, o, path, f](Replies &r) mutable {
        --lookups_inflight_;
        if (f.special) {
            if (auto acl = acl_of(r[0])) f.special_acl = acl;
            else no_special_perms_ = true;
        } else {
            f.looked_up = true;
            f.old_node = f.node;
            f.node = acl_of(r[0]);
            f.parent = acl_of(r[1]);
            if (f.node) remember_acl(path, *f.node);
            if (f.parent) remember_acl(acc::parent_of(path), *f.parent);
        }
        decided(*o, acc::watch_policy(who_, f));
        o->ready = true;
        flush();
    });
}

void PrivUpstream::decided(Out &o, const acc::Delivery &d) {
    if (d.uncertain) ++(d.deliver ? stats_.uncertain_delivered : stats_.uncertain_denied);
    ++(d.deliver ? stats_.events_delivered : stats_.events_denied);
    o.deliver = d.deliver;
}

void PrivUpstream::emit(std::shared_ptr<Out> o) {
    out_.push_back(std::move(o));
    flush();
}

void PrivUpstream::flush() {
    // Handing one over can bring the next one here (the session unblocks, our queue
    // runs, a reply is made at once): the running flush sends it, in order.
    if (flushing_) return;
    flushing_ = true;
    std::shared_ptr<bool> alive = alive_;
    while (*alive && !out_.empty() && out_.front()->ready) {
        std::shared_ptr<Out> o = std::move(out_.front());
        out_.pop_front();
        if (!o->event) sink_.upstream_reply(o->tag, std::move(o->msg));
        else if (o->deliver) deliver(std::move(o->msg));
    }
    if (*alive) flushing_ = false;
}

void PrivUpstream::deliver(xsx::Msg ev) {
    if (!output_blocked_) return sink_.upstream_event(std::move(ev));
    // A guest that does not read loses its oldest events beyond the cap, as C drops
    // events left pending too long; other guests are not affected.
    if (held_events_.size() >= opt_.event_backlog) {
        held_events_.pop_front();
        ++stats_.events_dropped;
    }
    held_events_.push_back(std::move(ev));
}

bool PrivUpstream::in_own_area(const std::string &path) const {
    auto under = [&](const std::string &root) {
        return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                                path[root.size()] == '/');
    };
    if (under(home_)) return true;
    for (const auto &p : read_paths_)
        if (under(p)) return true;
    return false;
}

void PrivUpstream::remember_acl(const std::string &path, const acc::Acl &acl) {
    if (acl_cache_.size() >= acl_cache_max && !acl_cache_.count(path)) acl_cache_.clear();
    acl_cache_[path] = acl;
}

std::optional<acc::Acl> PrivUpstream::cached_acl(const std::string &path) const {
    auto it = acl_cache_.find(path);
    if (it == acl_cache_.end()) return std::nullopt;
    return it->second;
}

void PrivUpstream::note_read(const std::string &path) {
    if (read_paths_.size() < read_paths_max) read_paths_.insert(path);
}

// Nodes R owns under `root` (node quota accounting), one round trip per tree level.
void PrivUpstream::count_owned(const std::string &root, std::uint32_t tx,
                               std::function<void(std::size_t)> done) {
    auto c = std::make_shared<Count>();
    c->level = {root};
    c->tx = tx;
    c->done = std::move(done);
    count_level(c);
}

// The node count again: a walk of the home, and the nodes R created elsewhere checked
// to be still there and still R's (dom0 may have removed or taken them).
void PrivUpstream::recount(std::function<void()> done) {
    count_owned(home_, 0, [this, done](std::size_t n) {
        std::vector<std::string> outside(nodes_.outside().begin(), nodes_.outside().end());
        if (outside.empty()) {
            nodes_.recount(n, {});
            return done();
        }
        std::vector<Up> reqs;
        for (const auto &p : outside) reqs.push_back({XS_GET_PERMS, z(p), 0});
        batch(std::move(reqs), [this, n, outside, done](Replies &r) {
            std::set<std::string> still;
            for (std::size_t i = 0; i < r.size(); ++i)
                if (auto acl = acl_of(r[i]); acl && (*acl)[0].id == who_.domid) still.insert(outside[i]);
            nodes_.recount(n, still);
            done();
        });
    });
}

void PrivUpstream::count_level(std::shared_ptr<Count> c) {
    if (c->level.empty() || c->seen >= count_walk_max) {
        auto done = std::move(c->done);
        return done(c->owned);
    }
    std::vector<Up> reqs;
    for (const auto &p : c->level) {
        reqs.push_back({XS_GET_PERMS, z(p), c->tx});
        reqs.push_back({XS_DIRECTORY, z(p), c->tx});
    }
    batch(std::move(reqs), [this, c](Replies &r) {
        std::vector<std::string> next;
        for (std::size_t i = 0; i < c->level.size(); ++i) {
            if (auto acl = acl_of(r[2 * i]); acl && (*acl)[0].id == who_.domid) ++c->owned;
            if (xsx::is_error(r[2 * i + 1])) continue;
            const std::string &p = c->level[i];
            for (auto ch : xsx::split_nul(r[2 * i + 1].body))
                next.push_back((p == "/" ? "" : p) + "/" + std::string(ch));
        }
        c->seen += c->level.size();
        c->level = std::move(next);
        count_level(c);
    });
}

void PrivUpstream::describe(std::string &text, std::string &json) const {
    const Stats &s = stats_;
    text += fmt::format("  upstream           privileged (own socket to {}, {})\n",
                        opt_.xenstored_socket, ready_ ? "ready" : "starting");
    text += fmt::format("  privileged state   queued {} busy {} watches {} transactions {} owned-nodes {}\n",
                        queue_.size(), busy_, watches_.size(), tx_g2u_.size(), nodes_.total());
    text += fmt::format("  privileged traffic requests {} round-trips {} upstream-msgs {} wrapped {} eagain-retries "
                        "{} unwrapped-fallbacks {}\n",
                        s.requests, s.round_trips, s.upstream_msgs, s.wrapped, s.eagain_retries,
                        s.unwrapped_fallbacks);
    text += fmt::format("  privileged checks  denied {} quota-refusals {} rate-waits {} dirpart-emulated {} "
                        "fixup-events-suppressed {} tx-doomed {}\n",
                        s.denied, s.quota_refusals, s.rate_waits, s.dirpart_emulated,
                        s.fixup_events_suppressed, s.tx_doomed);
    text += fmt::format("  privileged events  in {} delivered {} denied {} uncertain-delivered {} "
                        "uncertain-denied {} dropped {} acl-lookups {} lookups-skipped {}\n",
                        s.events_in, s.events_delivered, s.events_denied, s.uncertain_delivered,
                        s.uncertain_denied, s.events_dropped, s.event_lookups, s.lookups_skipped);
    json += fmt::format(
        "\"upstream\":{{\"kind\":\"privileged\",\"requests\":{},\"round_trips\":{},"
        "\"upstream_msgs\":{},\"wrapped\":{},\"eagain_retries\":{},\"unwrapped_fallbacks\":{},"
        "\"denied\":{},\"quota_refusals\":{},\"rate_waits\":{},\"events_in\":{},"
        "\"events_delivered\":{},\"events_denied\":{},\"uncertain_delivered\":{},"
        "\"uncertain_denied\":{},\"events_dropped\":{},\"event_lookups\":{},\"lookups_skipped\":{},"
        "\"tx_doomed\":{},\"owned_nodes\":{}}}",
        s.requests, s.round_trips, s.upstream_msgs, s.wrapped, s.eagain_retries,
        s.unwrapped_fallbacks, s.denied, s.quota_refusals, s.rate_waits, s.events_in,
        s.events_delivered, s.events_denied, s.uncertain_delivered, s.uncertain_denied,
        s.events_dropped, s.event_lookups, s.lookups_skipped, s.tx_doomed, nodes_.total());
}

} // namespace xsp
