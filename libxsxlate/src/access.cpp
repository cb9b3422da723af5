// SPDX-License-Identifier: LGPL-2.1-only
// C xenstored 4.17's access model (core.c perm_for_conn, get_node, errno_from_parents,
// construct_node, do_rm, do_set_perms), rewritten from the facts, not copied.
#include "xsxlate/access.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace xsx::access {

namespace {

std::optional<unsigned> letter_bits(char c) {
    switch (c) {
    case 'n': return perm_none;
    case 'r': return perm_read;
    case 'w': return perm_write;
    case 'b': return perm_read | perm_write;
    default: return std::nullopt;
    }
}

char bits_letter(unsigned b) {
    switch (b & (perm_read | perm_write)) {
    case perm_read: return 'r';
    case perm_write: return 'w';
    case perm_read | perm_write: return 'b';
    default: return 'n';
    }
}

std::optional<Perm> parse_perm(std::string_view s) {
    if (s.size() < 2) return std::nullopt;
    auto b = letter_bits(s[0]);
    if (!b) return std::nullopt;
    std::uint32_t id = 0;
    auto [p, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), id);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return Perm{*b, id};
}

bool is_owner(const Identity &who, const Acl &acl) {
    return !acl.empty() &&
           (acl[0].id == who.domid || (who.target && acl[0].id == *who.target));
}

// The nearest existing ancestor of chain[0] (index >= 1), or chain.size().
std::size_t nearest_existing(const Chain &chain) {
    for (std::size_t i = 1; i < chain.size(); ++i)
        if (chain[i]) return i;
    return chain.size();
}

Err from_parents(const Identity &who, const Chain &chain, unsigned perm) {
    std::size_t i = nearest_existing(chain);
    // No ACL at the root: xenstored reports corruption and treats it as "no permission".
    if (i == chain.size()) return Err::eacces;
    return (perm_for(who, *chain[i]) & perm) ? Err::enoent : Err::eacces;
}

} // namespace

std::optional<Acl> parse_acl(std::string_view s) {
    Acl acl;
    while (!s.empty()) {
        std::size_t nul = s.find('\0');
        std::string_view one = s.substr(0, nul);
        auto p = parse_perm(one);
        if (!p) return std::nullopt;
        acl.push_back(*p);
        if (nul == s.npos) break;
        s.remove_prefix(nul + 1);
    }
    if (acl.empty()) return std::nullopt;
    return acl;
}

std::string format_acl(const Acl &acl) {
    std::string out;
    for (const Perm &p : acl) {
        out.push_back(bits_letter(p.bits));
        out += std::to_string(p.id);
        out.push_back('\0');
    }
    return out;
}

unsigned perm_for(const Identity &who, const Acl &acl) {
    if (acl.empty()) return perm_none;
    if (is_owner(who, acl)) return perm_read | perm_write | perm_owner;
    for (std::size_t i = 1; i < acl.size(); ++i)
        if (acl[i].id == who.domid || (who.target && acl[i].id == *who.target))
            return acl[i].bits & (perm_read | perm_write);
    return acl[0].bits & (perm_read | perm_write);
}

std::string_view errname(Err e) {
    switch (e) {
    case Err::none: return "";
    case Err::eacces: return "EACCES";
    case Err::enoent: return "ENOENT";
    case Err::eperm: return "EPERM";
    case Err::enospc: return "ENOSPC";
    case Err::einval: return "EINVAL";
    case Err::e2big: return "E2BIG";
    }
    return "EINVAL";
}

std::vector<std::string> ancestors(std::string_view p) {
    std::vector<std::string> out;
    std::string cur(p);
    out.push_back(cur);
    while (cur != "/" && !cur.empty()) {
        cur = parent_of(cur);
        out.push_back(cur);
    }
    return out;
}

std::string parent_of(std::string_view p) {
    std::size_t slash = p.rfind('/');
    if (slash == p.npos || slash == 0) return "/";
    return std::string(p.substr(0, slash));
}

Err check(const Identity &who, const Chain &chain, unsigned perm) {
    if (chain.empty()) return Err::einval;
    if (chain[0]) return (perm_for(who, *chain[0]) & perm) == perm ? Err::none : Err::eacces;
    return from_parents(who, chain, perm);
}

Acl created_acl(const Identity &who, const Acl &parent) {
    Acl acl = parent;
    if (acl.empty()) acl.push_back(Perm{});
    acl[0].id = who.domid;
    return acl;
}

Create check_create(const Identity &who, const Chain &chain) {
    Create c;
    Err e = check(who, chain, perm_write);
    if (!chain.empty() && chain[0]) {
        c.exists = true;
        c.err = e;
        return c;
    }
    if (e != Err::enoent) {
        c.err = e;
        return c;
    }
    // ENOENT with a writable nearest ancestor: xenstored creates the missing levels.
    c.levels = nearest_existing(chain);
    c.acl = created_acl(who, *chain[c.levels]);
    return c;
}

Remove check_rm(const Identity &who, const Chain &chain, bool is_root) {
    Remove r;
    r.err = check(who, chain, perm_write);
    if (r.err == Err::enoent) {
        // "Didn't exist already? Fine, if parent exists."
        if (chain.size() > 1 && chain[1]) {
            r.err = Err::none;
            r.noop = true;
        }
        return r;
    }
    if (r.err == Err::none && is_root) r.err = Err::einval;
    return r;
}

Err check_set_perms(const Identity &who, const Chain &chain, const SetPermsArgs &a,
                    const std::function<bool(std::uint32_t)> &domain_exists,
                    std::size_t max_perms) {
    if (a.perm_strings.empty()) return Err::einval;
    if (a.perm_strings.size() > max_perms) return Err::enospc;
    Acl acl;
    for (std::string_view s : a.perm_strings) {
        auto p = parse_perm(s);
        if (!p) return Err::einval;
        acl.push_back(*p);
    }
    // domain_alloc_permrefs flags an owner xenstored does not know and Xen does not have.
    if (domain_exists && !domain_exists(acl[0].id)) return Err::enoent;
    // '@' nodes belong to dom0 (n0): WRITE|OWNER is never granted to a guest.
    if (a.special) return Err::eacces;
    Err e = check(who, chain, perm_write | perm_owner);
    if (e != Err::none) return e;
    if (acl[0].id != (*chain[0])[0].id) return Err::eperm;
    return Err::none;
}

std::size_t node_size(std::size_t nperms, std::size_t value_len, std::size_t children_len) {
    return record_header + 8 * nperms + value_len + children_len;
}

void WriteRate::refill(std::uint64_t now) {
    if (!started_) {
        started_ = true;
        last_ms_ = now;
        return;
    }
    if (now > last_ms_) {
        credit_ = std::min(burst_, credit_ + rate_ * static_cast<double>(now - last_ms_) / 1000.0);
        last_ms_ = now;
    }
}

bool WriteRate::take(std::uint64_t now) {
    refill(now);
    if (credit_ < 1.0) return false;
    credit_ -= 1.0;
    return true;
}

std::uint64_t WriteRate::ready_in_ms(std::uint64_t now) {
    refill(now);
    if (credit_ >= 1.0) return 0;
    return static_cast<std::uint64_t>((1.0 - credit_) * 1000.0 / rate_) + 1;
}

std::uint32_t TxIds::next(const std::set<std::uint32_t> &in_use) {
    do {
        ++last_;
    } while (last_ == 0 || in_use.count(last_));
    return last_;
}

Delivery watch_policy(const Identity &who, const EventFacts &f) {
    if (f.initial) return {true, false};
    auto readable = [&](const std::optional<Acl> &a) {
        return a && (perm_for(who, *a) & perm_read);
    };
    // C's check_perms_special: the '@' node's ACL; unknown (C 4.17 will not tell a
    // privileged socket) means configuration decides.
    if (f.special) {
        if (f.special_granted) return {true, false};
        if (f.special_acl) return {readable(f.special_acl), false};
        return {false, true};
    }
    // C's watch_permitted: old perms, current perms or the parent's grant READ.
    if (readable(f.old_node) || readable(f.node) || readable(f.parent)) return {true, false};
    // Looked up and something is still there: the answer is C's, not a guess.
    if (f.looked_up && (f.node || f.parent)) return {false, false};
    bool known = f.node && f.parent;
    // Inside its own areas the guest never misses an event (spurious ones are allowed:
    // xenstore.txt); elsewhere an unknown ACL means no.
    if (f.in_own_area) return {true, true};
    return {false, !known};
}

std::string children_generation(std::string_view children) {
    // FNV-1a: equal lists give equal generations; a change almost surely changes it.
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : children) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[24];
    int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(h >> 1));
    return std::string(buf, static_cast<std::size_t>(n));
}

} // namespace xsx::access
