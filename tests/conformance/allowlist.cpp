// SPDX-License-Identifier: LGPL-2.1-only
#include "allowlist.h"

#include <xen/io/xs_wire.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

namespace conf {

namespace {

// A template with its domid placeholders replaced by a canonical number, so that "0{me}"
// is judged as "05" and "{me}" as "5".
std::string sample(const std::string &s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        bool hit = false;
        for (std::string_view ph : {"{me}", "{one}", "{R}", "{x}"})
            if (s.compare(i, ph.size(), ph) == 0) {
                out += '5';
                i += ph.size();
                hit = true;
                break;
            }
        if (!hit) out += s[i++];
    }
    return out;
}

// The domid arguments of a guest request (where xsproxy must parse a domid).
std::vector<std::string> domid_args(const Op &o) {
    std::vector<std::string> out;
    switch (o.type) {
    case XS_GET_DOMAIN_PATH:
    case XS_RELEASE:
    case XS_RESUME:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_INTRODUCE:
        if (!o.args.empty()) out.push_back(sample(o.args[0]));
        break;
    case XS_SET_TARGET:
        for (std::size_t i = 0; i < o.args.size() && i < 2; ++i) out.push_back(sample(o.args[i]));
        break;
    case XS_SET_PERMS:
        for (std::size_t i = 1; i < o.args.size(); ++i)
            if (!o.args[i].empty()) out.push_back(sample(o.args[i].substr(1)));
        break;
    default:
        break;
    }
    return out;
}

// Each differing reply of the step belongs to a guest op with a non-canonical domid that
// xsproxy refused with EINVAL; events must be equal, and third parties may differ only if
// such a refused op was a SET_PERMS (directly, xenstored applied it and fired watches).
bool noncanonical_refused(Target, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *) {
    if (ops.empty() || d.guest.size() != p.guest.size() || p.guest.size() < ops.size()) return false;
    bool any = false, set_perms = false;
    for (std::size_t i = 0; i < p.guest.size(); ++i) {
        if (d.guest[i] == p.guest[i]) continue;
        if (i >= ops.size()) return false; // an event differs
        const Op &o = ops[i];
        if (o.who != Who::guest || o.use_raw || p.guest[i] != "ERR EINVAL") return false;
        bool nc = false;
        for (const auto &a : domid_args(o)) nc = nc || non_canonical_domid(a);
        if (!nc) return false;
        any = true;
        set_perms = set_perms || o.type == XS_SET_PERMS;
    }
    return any && (set_perms || without_repeats(d.others) == without_repeats(p.others));
}

bool is_guest(const std::vector<Op> &ops) { return ops.size() == 1 && ops[0].who == Who::guest; }

// SET_PERMS on an @ name from an unprivileged guest: xenstored EINVAL, xsproxy ENOENT.
bool special_set_perms(Target, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *) {
    return is_guest(ops) && ops[0].type == XS_SET_PERMS && !ops[0].args.empty() &&
           !ops[0].args[0].empty() && ops[0].args[0][0] == '@' && !d.guest.empty() &&
           d.guest[0] == "ERR EINVAL" && !p.guest.empty() && p.guest[0] == "ERR ENOENT";
}

// Within one step, the only difference is a repeated identical event that one side's
// daemon connection coalesced: seen both ways round (direct 2 / proxied 1 and back) for
// two pipelined WRITEs of one node, so it is timing, not xsproxy.
bool coalesced_repeat(Target, const std::vector<Op> &, const Step &d, const Step &p, const Step *) {
    return without_repeats(d.guest) == without_repeats(p.guest) && without_repeats(d.others) == without_repeats(p.others);
}

// The path of a third party's event line ("dom0 ev P | tok").
std::string event_path(const std::string &l) {
    auto at = l.find(" ev ");
    if (at == std::string::npos) return "";
    std::string rest = l.substr(at + 4);
    return rest.substr(0, rest.find(" | "));
}

// `big` is `small` (in order) plus at least one line, and every added line passes `ok`.
template <class Pred>
bool only_extra(const std::vector<std::string> &small, const std::vector<std::string> &big, Pred ok) {
    std::size_t k = 0;
    bool any = false;
    for (const auto &l : big) {
        if (k < small.size() && l == small[k]) ++k;
        else if (!ok(l)) return false;
        else any = true;
    }
    return any && k == small.size();
}

// Privileged rows: the guest's part is as required; the third parties got every event
// they get on C, plus extra events only for proper ancestors of nodes C itself fired for
// in this step (the implicit parents xsproxy created and SET_PERMSed for C's ownership),
// or repeats. The step is a guest mutation or the commit that applies them.
bool fixup_events(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *) {
    unsigned extra = 0;
    if (!privileged_row(row)) return false;
    // The guest's part may also carry a refused non-canonical domid in the same group.
    if (!guest_covers(d.guest, p.guest, extra) && !noncanonical_refused(row, ops, d, Step{p.op, p.guest, d.others}, nullptr))
        return false;
    bool mutation = false;
    for (const auto &o : ops)
        mutation = mutation || (o.who == Who::guest && (o.type == XS_WRITE || o.type == XS_MKDIR ||
                                                        o.type == XS_SET_PERMS || o.type == XS_TRANSACTION_END));
    if (!mutation) return false;
    auto dd = without_repeats(d.others);
    return only_extra(dd, without_repeats(p.others), [&](const std::string &l) {
        std::string ep = event_path(l);
        if (ep.empty()) return false;
        for (const auto &c : dd) {
            std::string cp = event_path(c);
            if (cp.size() > ep.size() && cp.compare(0, ep.size(), ep) == 0 && cp[ep.size()] == '/') return true;
        }
        return false;
    });
}

std::vector<std::string> names_of(const std::string &reply) {
    // "[a b c]" or "part gen=g [a b] end"
    auto open = reply.find('['), close = reply.rfind(']');
    std::vector<std::string> out;
    if (open == std::string::npos || close == std::string::npos || close < open) return out;
    std::string inner = reply.substr(open + 1, close - open - 1);
    for (std::size_t i = 0; i <= inner.size();) {
        auto sp = inner.find(' ', i);
        if (sp == std::string::npos) sp = inner.size();
        if (sp > i) out.push_back(inner.substr(i, sp - i));
        i = sp + 1;
    }
    return out;
}

// oxenstored keeps a node's children sorted by name; C keeps them in creation order, a
// history xsproxy cannot recover. The step differs only in DIRECTORY replies listing the
// same names in another order, or DIRECTORY_PART replies cut from the other order.
bool child_order(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *) {
    if (row != Target::ocaml_priv || without_repeats(d.others) != without_repeats(p.others)) return false;
    // Replies are the first ops.size() guest lines; events follow.
    if (d.guest.size() < ops.size() || p.guest.size() < ops.size()) return false;
    Step fixed = p;
    bool any = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (d.guest[i] == p.guest[i]) continue;
        if (ops[i].who != Who::guest) return false;
        if (ops[i].type == XS_DIRECTORY) {
            auto a = names_of(d.guest[i]), b = names_of(p.guest[i]);
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            if (a != b || a.empty()) return false;
        } else if (ops[i].type == XS_DIRECTORY_PART) {
            auto ends = [](const std::string &l) { return l.size() >= 4 && l.compare(l.size() - 4, 4, " end") == 0; };
            if (d.guest[i].rfind("part gen=g [", 0) != 0 || p.guest[i].rfind("part gen=g [", 0) != 0 ||
                ends(d.guest[i]) != ends(p.guest[i]))
                return false;
        } else {
            // The same group may carry a refused non-canonical domid (noncanonical-domid).
            bool nc = false;
            for (const auto &a : domid_args(ops[i])) nc = nc || non_canonical_domid(a);
            if (!nc || p.guest[i] != "ERR EINVAL" || ops[i].use_raw) return false;
        }
        fixed.guest[i] = d.guest[i];
        any = true;
    }
    unsigned extra = 0;
    return any && guest_covers(d.guest, fixed.guest, extra);
}

// oxenstored's transactions are snapshots taken at TRANSACTION_START; C 4.17 reads the
// current store for nodes a transaction has not touched yet. The privileged backend maps
// the guest's transactions onto the daemon's, so reads inside one see oxenstored's
// snapshot: the step's replies differ from C's exactly as a direct guest's do there.
bool tx_snapshot(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *od) {
    if (row != Target::ocaml_priv || !od) return false;
    // A commit oxenstored refuses (EAGAIN where C commits) fires nothing: third parties
    // then see what they see on oxenstored directly.
    if (without_repeats(d.others) != without_repeats(p.others) && without_repeats(od->others) != without_repeats(p.others))
        return false;
    bool in_tx = false;
    for (const auto &o : ops) in_tx = in_tx || (o.who == Who::guest && o.tx > 0);
    if (!in_tx || d.guest.size() < ops.size() || p.guest.size() < ops.size() || od->guest.size() < ops.size())
        return false;
    Step fixed = p;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (d.guest[i] == p.guest[i]) continue;
        if (ops[i].tx <= 0) return false;
        // oxenstored has no DIRECTORY_PART (ENOSYS directly); xsproxy emulates it from a
        // DIRECTORY read in the same transaction, i.e. from the same snapshot.
        bool emulated = ops[i].type == XS_DIRECTORY_PART && od->guest[i] == "ERR ENOSYS";
        if (p.guest[i] != od->guest[i] && !emulated) return false;
        fixed.guest[i] = d.guest[i];
    }
    unsigned extra = 0;
    return guest_covers(d.guest, fixed.guest, extra);
}

// A guest commit oxenstored refuses with EAGAIN where C commits, caused by the reads
// xsproxy makes inside the guest's transaction to decide like C (see priv_mutation.cpp).
bool extra_eagain(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *) {
    if (row != Target::ocaml_priv || d.guest.size() < ops.size() || p.guest.size() < ops.size()) return false;
    Step fixed = p;
    bool any = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (d.guest[i] == p.guest[i]) continue;
        if (ops[i].who != Who::guest || ops[i].type != XS_TRANSACTION_END || d.guest[i] != "OK\\x00" ||
            p.guest[i] != "ERR EAGAIN")
            return false;
        fixed.guest[i] = d.guest[i];
        any = true;
    }
    unsigned extra = 0;
    if (!any || !guest_covers(d.guest, fixed.guest, extra)) return false;
    // The refused commit fired nothing; everything else the third parties saw is C's.
    std::vector<std::string> rest;
    for (const auto &l : without_repeats(d.others))
        if (!is_event(l)) rest.push_back(l);
    std::vector<std::string> got;
    auto all_d = without_repeats(d.others);
    for (const auto &l : without_repeats(p.others)) {
        if (!is_event(l)) got.push_back(l);
        else if (std::find(all_d.begin(), all_d.end(), l) == all_d.end()) return false;
    }
    return rest == got;
}

// C xenstored, privileged backend: a guest RM runs in xsproxy's wrapper transaction, and
// C's commit of a removal filters third parties' events otherwise than a direct RM does.
bool c_commit_removal(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *) {
    unsigned extra = 0;
    bool rm = false;
    for (const auto &o : ops) rm = rm || (o.who == Who::guest && o.type == XS_RM);
    if (row != Target::c_priv || !rm || !guest_covers(d.guest, p.guest, extra)) return false;
    // Only a third domain's event may be missing.
    return only_extra(without_repeats(p.others), without_repeats(d.others),
                      [](const std::string &l) { return l.rfind("one ev ", 0) == 0; });
}

// C 4.17 answers EINVAL to GET_PERMS of an '@' name even on a privileged socket, so on C
// xenstored the privileged backend cannot learn whether dom0 granted the guest
// @introduceDomain / @releaseDomain: such events go by configuration (special_events).
bool c_special_acl(Target row, const std::vector<Op> &, const Step &d, const Step &p, const Step *) {
    if (row != Target::c_priv || without_repeats(d.others) != without_repeats(p.others)) return false;
    std::vector<std::string> dg, pg;
    for (const auto &l : d.guest)
        if (l.rfind("ev @", 0) != 0) dg.push_back(l);
    for (const auto &l : p.guest)
        if (l.rfind("ev @", 0) != 0) pg.push_back(l);
    return dg == pg && d.guest.size() > dg.size();
}

} // namespace

bool is_event(const std::string &l) { return l.rfind("ev ", 0) == 0 || l.find(" ev ") != std::string::npos; }

std::vector<std::string> without_repeats(const std::vector<std::string> &lines) {
    std::vector<std::string> out;
    for (const auto &l : lines) {
        bool special = l.rfind("ev @", 0) == 0 || l.find(" ev @") != std::string::npos;
        if (is_event(l) && !special && std::find(out.begin(), out.end(), l) != out.end()) continue;
        out.push_back(l);
    }
    return out;
}

bool guest_covers(const std::vector<std::string> &ref, const std::vector<std::string> &got, unsigned &extra) {
    std::vector<std::string> rr, re, gr, ge;
    for (const auto &l : without_repeats(ref)) (is_event(l) ? re : rr).push_back(l);
    for (const auto &l : without_repeats(got)) (is_event(l) ? ge : gr).push_back(l);
    if (rr != gr) return false;
    std::multiset<std::string> left(ge.begin(), ge.end());
    for (const auto &e : re) {
        auto it = left.find(e);
        if (it == left.end()) return false;
        left.erase(it);
    }
    extra = static_cast<unsigned>(left.size());
    return true;
}

bool non_canonical_domid(const std::string &s) {
    if (s.empty()) return false;
    bool digits = true;
    for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) return s.size() > 1 && s[0] == '0'; // "01", "007"
    // What strtol(…, 0) / atoi would still read as a number: sign, space, hex.
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
}

const std::vector<Allowed> &allow_list() {
    // Never destroyed: the report is written from a static destructor.
    static const auto *list = new std::vector<Allowed>{
        {"noncanonical-domid", false,
         "A domid argument spelled non-canonically (\"01\", \"0x1\", \"+1\", \" 1\") is "
         "refused with EINVAL by xsproxy: it cannot tell which domain the guest means "
         "without re-spelling it, and xenstored's own parsers disagree (atoi for "
         "GET_DOMAIN_PATH, strtol base 0 for perms, so \"010\" is 10 or 8). Directly, "
         "xenstored accepts it and acts on whatever number its parser reads.",
         noncanonical_refused},
        {"special-path-set-perms", true,
         "BUG (reported): SET_PERMS on an @ name (@releaseDomain, @introduceDomain, @other) "
         "from the guest: xenstored answers EINVAL, xsproxy ENOENT.",
         special_set_perms},
        {"pending-event-coalescing", false,
         "xenstored drops a watch event identical (path and token) to one still pending on "
         "the same connection, except for @ names (xenstore-facts §2.4). Two quick changes "
         "of one node therefore give a watcher one or two events depending on whether the "
         "daemon had written the first one out, which is timing: it was seen both ways "
         "round (two events directly and one through xsproxy, and the reverse) for the "
         "same generated case. A step whose only difference is such a repeat is accepted. "
         "Watchers must re-read on every event anyway (xenstore.txt: watches may fire "
         "spuriously), so a lost repeat carries no information.",
         coalesced_repeat},
        {"privileged-fixup-events", false,
         "Privileged backend: C gives the nodes an unprivileged guest creates (and their "
         "implicit parents) the guest as owner. A privileged socket's new nodes copy the "
         "parent's ACL, so xsproxy SET_PERMSes the created levels inside the same upstream "
         "transaction, and the daemon fires watches for those SET_PERMS: third parties "
         "watching the area get an extra event for an implicit parent (and, on oxenstored, "
         "which does not merge a commit's events per node, a repeat for the node). The "
         "guest's own view is unaffected (xsproxy suppresses those events for it). No "
         "request can set a new node's owner without firing a watch, so this is the cost of "
         "C's ownership rule on a privileged connection; spurious events are allowed by "
         "xenstore.txt.",
         fixup_events},
        {"oxenstored-child-order", false,
         "Privileged backend on oxenstored: DIRECTORY lists a node's children sorted by "
         "name (oxenstored's store), where C lists them in creation order; DIRECTORY_PART, "
         "emulated from DIRECTORY, cuts its parts from that order. The names are the same. "
         "xsproxy cannot recover creation order for nodes it did not create. Neither "
         "xenstore.txt nor libxenstore promises an order.",
         child_order},
        {"c-special-acl-unreadable", false,
         "Privileged backend on C xenstored: dom0 granted the guest an '@' name "
         "(SET_PERMS @releaseDomain n0 rR) and C delivers that event to the guest's ring; "
         "C 4.17 refuses GET_PERMS of '@' names (EINVAL, even to a privileged socket), so "
         "xsproxy cannot see the grant and delivers '@' events beyond the initial one only "
         "when configuration grants them (`special_events`). On oxenstored the '@' ACL is "
         "readable and the decision is C's. C xenstored hosts normally use the ring "
         "backend, which is exact.",
         c_special_acl},
        {"oxenstored-transaction-snapshot", false,
         "Privileged backend on oxenstored: a guest transaction is an oxenstored "
         "transaction, which reads a snapshot taken at TRANSACTION_START; C 4.17 reads the "
         "current store for nodes the transaction has not touched yet. A read inside a "
         "transaction of a node changed outside it since then answers as oxenstored does "
         "for a direct guest (checked: the reply equals the direct oxenstored run's); a "
         "commit oxenstored's stricter conflict check refuses with EAGAIN where C commits "
         "is the same difference (Linux retries on EAGAIN). "
         "Emulating C's read-through would need xsproxy to read outside the transaction and "
         "then lose the commit-time conflict check on that node.",
         tx_snapshot},
        {"oxenstored-extra-eagain", false,
         "Privileged backend on oxenstored: to decide a guest's request inside its "
         "transaction as C does, xsproxy reads there what C's transaction reads (the node "
         "and, when it is missing, its ancestors up to the nearest existing one). "
         "oxenstored fails a commit when another commit changed any path the transaction "
         "read, so a commit C accepts can get EAGAIN, where a direct guest's "
         "would not. EAGAIN is a transaction outcome every client must handle (Linux's "
         "xenbus users retry the whole transaction); nothing was committed. Counted here.",
         extra_eagain},
        {"c-commit-removal-events", false,
         "Privileged backend on C xenstored: a guest RM runs inside xsproxy's wrapper "
         "transaction (check and act atomic). Observed: C 4.17 delivers the removal's event "
         "to another domain that may read only the removed node's parent when the RM is "
         "direct, but not when the same RM is committed by a transaction. The guest's own "
         "view and dom0's are unchanged; only another unprivileged domain misses that "
         "event. C hosts normally run the exact ring backend.",
         c_commit_removal},
    };
    return *list;
}

std::string explain(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *od) {
    for (const auto &a : allow_list())
        if (a.match(row, ops, d, p, od)) return a.name;
    return "";
}

} // namespace conf
