// SPDX-License-Identifier: LGPL-2.1-only
#include "generator.h"

#include <xen/io/xs_wire.h>

#include <optional>
#include <utility>
#include <random>

namespace conf {

namespace {

struct Gen {
    std::mt19937_64 rng;
    // Draws for the third-party interleavings inside transactions, apart from `rng` so that
    // adding them left every other generated step as it was.
    std::mt19937_64 conflict_rng;
    bool x_introduced = false, x_destroyed = false;
    // The path of the guest's last mutation inside a transaction (empty: none since).
    std::optional<std::pair<std::string, std::string>> tx_mutated;

    unsigned pick(unsigned n) { return static_cast<unsigned>(rng() % n); }
    bool chance(unsigned percent) { return pick(100) < percent; }
    template <class T> const T &one_of(const std::vector<T> &v) { return v[pick(static_cast<unsigned>(v.size()))]; }

    // Paths as the guest writes them, with their dom0 (real) spelling alongside.
    struct Path {
        std::string guest, real;
    };
    Path path() {
        std::string tail;
        unsigned depth = 1 + pick(3);
        for (unsigned i = 0; i < depth; ++i) tail += std::string(i ? "/" : "") + "abc"[pick(3)];
        switch (pick(7)) {
        case 0:
        case 1: return {"data/" + tail, "/local/domain/{R}/data/" + tail};
        case 2: return {"/local/domain/{me}/data/" + tail, "/local/domain/{R}/data/" + tail};
        case 3: return {"/local/domain/0/backend/vif/{me}/0/" + tail, "/local/domain/0/backend/vif/{R}/0/" + tail};
        case 4:
        case 5: return {"/local/domain/0/cf/{t}/" + tail, "/local/domain/0/cf/{t}/" + tail};
        default: return {"/local/domain/{one}/sh/{t}/" + tail, "/local/domain/1/sh/{t}/" + tail};
        }
    }
    std::string value() {
        std::string v;
        for (unsigned i = 0, n = pick(6); i < n; ++i) v += static_cast<char>('a' + pick(26));
        return v;
    }
    // A perm list as the guest spells it ({me}/{one}) or as dom0 does ({R}/1).
    std::vector<std::string> perms(const std::string &path, bool real) {
        std::string me = real ? "{R}" : "{me}", one = real ? "1" : "{one}";
        std::vector<std::string> ids{"0", me, one, "{x}"};
        std::vector<std::string> out{path};
        std::string letters = "nrwb";
        // The owner: dom0 rarely names a domain that does not exist ({x} before its
        // introduction), which C refuses and oxenstored stores; the guest mostly itself.
        std::string owner = real ? (chance(5) ? "{x}" : ids[pick(3)]) : (chance(70) ? me : ids[pick(4)]);
        out.push_back(letters[pick(4)] + owner);
        for (unsigned i = 0, n = pick(4); i < n; ++i) out.push_back(letters[pick(4)] + ids[pick(4)]);
        return out;
    }
    std::string token() { return std::string("t") + "abc"[pick(3)]; }

    Op guest_op(int open_slots) {
        Path p = path();
        int tx = open_slots && chance(30) ? 1 + static_cast<int>(pick(static_cast<unsigned>(open_slots))) : 0;
        Op o = guest_op(p, tx);
        bool mutation = o.type == XS_WRITE || o.type == XS_MKDIR || o.type == XS_RM || o.type == XS_SET_PERMS;
        if (tx && mutation) tx_mutated = std::make_pair(p.real, p.guest);
        return o;
    }
    Op guest_op(const Path &p, int tx) {
        switch (pick(21)) {
        case 0: case 1: case 2: return g(XS_WRITE, {p.guest, value()}, tx);
        case 3: case 4: return g(XS_READ, {p.guest}, tx);
        case 5: return g(XS_MKDIR, {p.guest}, tx);
        case 6: return g(XS_RM, {p.guest}, tx);
        case 7: return g(XS_DIRECTORY, {p.guest.substr(0, p.guest.rfind('/'))}, tx);
        case 8: return g(XS_GET_PERMS, {p.guest}, tx);
        case 9: { Op o = g(XS_SET_PERMS, perms(p.guest, false), tx); return o; }
        case 10: case 11: return g(XS_WATCH, {chance(80) ? p.guest : one_of<std::string>({"@releaseDomain", "@introduceDomain"}), token()});
        case 12: return g(XS_UNWATCH, {p.guest, token()});
        case 13: return g(XS_DIRECTORY_PART, {p.guest.substr(0, p.guest.rfind('/')), chance(80) ? "0" : "2"}, tx);
        case 14:
            return g(XS_GET_DOMAIN_PATH,
                     {one_of<std::string>({"{me}", "{one}", "0", "{x}", "0{me}", "01", "+{x}"})}, tx);
        case 15: return g(XS_RESET_WATCHES, {""});
        case 16: {
            // Privileged-only types: EACCES for a guest, before any argument is looked at.
            static const std::uint32_t types[] = {XS_INTRODUCE, XS_RELEASE, XS_IS_DOMAIN_INTRODUCED,
                                                  XS_SET_TARGET, XS_RESUME};
            std::uint32_t t = types[pick(5)];
            return g(t, {one_of<std::string>({"{me}", "{one}", "0", "{x}", "0{me}"})}, tx);
        }
        default: return g(XS_READ, {"domid"}, tx);
        }
    }

    // Between a guest's act inside its transaction and its commit, a third party changes
    // what the act relied on: the node's or its parent's perms (revocation, a grant, an
    // owner change), its value, its existence — dom0, or real domain 1 on its own ring.
    // Every such commit must fail where C's fails (issue 16: oxenstored replays a
    // conflicting transaction as the socket's owner). Drawn from `rng`: callers swap the
    // conflict stream in.
    Op conflict_on(const std::string &real) {
        std::string parent = real.substr(0, real.rfind('/'));
        switch (pick(7)) {
        case 0: case 1: return d0(XS_SET_PERMS, perms(real, true));
        case 2: return d0(XS_SET_PERMS, perms(parent, true));
        case 3: return d0(XS_WRITE, {real, value()});
        case 4: return d0(XS_RM, {real});
        case 5: return d0(XS_MKDIR, {real});
        default: return one(XS_WRITE, {real, value()});
        }
    }
    // Right after a random guest mutation inside a transaction, sometimes.
    std::optional<Op> conflict_op() {
        auto last = std::exchange(tx_mutated, std::nullopt);
        if (!last || conflict_rng() % 100 >= 30) return std::nullopt;
        std::swap(rng, conflict_rng);
        Op o = conflict_on(last->first);
        std::swap(rng, conflict_rng);
        return o;
    }
    // A whole episode: start, one guest mutation, the third party's change, commit.
    std::vector<Op> conflict_episode(int slot) {
        std::swap(rng, conflict_rng);
        Path p = path();
        std::vector<Op> out{tx_start(slot)};
        switch (pick(5)) {
        case 0: case 1: out.push_back(g(XS_WRITE, {p.guest, value()}, slot)); break;
        case 2: out.push_back(g(XS_MKDIR, {p.guest}, slot)); break;
        case 3: out.push_back(g(XS_RM, {p.guest}, slot)); break;
        default: out.push_back(g(XS_SET_PERMS, perms(p.guest, false), slot)); break;
        }
        out.push_back(conflict_on(p.real));
        out.push_back(tx_end(slot, true));
        std::swap(rng, conflict_rng);
        return out;
    }

    Op third_party_op() {
        Path p = path();
        switch (pick(10)) {
        case 0: case 1: case 2: return d0(XS_WRITE, {p.real, value()});
        case 3: return d0(XS_RM, {p.real});
        case 4: case 5: return d0(XS_SET_PERMS, perms(p.real, true));
        case 6: return d0(XS_MKDIR, {p.real});
        case 7: return one(XS_WRITE, {p.real, value()});
        case 8: return one(XS_READ, {p.real});
        default:
            if (!x_introduced) { x_introduced = true; return host(introduce_x); }
            if (!x_destroyed) { x_destroyed = true; return host(destroy_x); }
            return d0(XS_WRITE, {p.real, value()});
        }
    }
};

} // namespace

Scenario generate(std::uint64_t seed, unsigned index) {
    Gen gen;
    gen.rng.seed(seed * 1000003u + index);
    gen.conflict_rng.seed(seed * 7919u + index + 1);
    Scenario s{"generated seed " + std::to_string(seed) + " case " + std::to_string(index), {}};
    // dom0 set-up: its area and a backend directory, with random perms.
    s.ops.push_back(d0(XS_MKDIR, {"/local/domain/0/cf/{t}"}));
    s.ops.push_back(d0(XS_SET_PERMS, gen.perms("/local/domain/0/cf/{t}", true)));
    s.ops.push_back(d0(XS_MKDIR, {"/local/domain/0/backend/vif/{R}/0"}));
    s.ops.push_back(d0(XS_SET_PERMS, gen.perms("/local/domain/0/backend/vif/{R}/0", true)));
    if (gen.chance(50)) s.ops.push_back(d0(XS_SET_PERMS, gen.perms("/local/domain/1/sh", true)));
    int open = 0;
    for (unsigned i = 0, n = 10 + gen.pick(20); i < n; ++i) {
        unsigned k = gen.pick(100);
        if (k < 18) {
            s.ops.push_back(gen.third_party_op());
        } else if (k < 24 && open < 3) {
            s.ops.push_back(tx_start(++open));
        } else if (k < 29 && open > 0) {
            s.ops.push_back(tx_end(open--, gen.chance(70)));
        } else {
            Op o = gen.guest_op(open);
            o.pipe = gen.chance(25);
            s.ops.push_back(o);
            if (auto c = gen.conflict_op()) s.ops.push_back(*c);
        }
    }
    // Half the cases end with a whole episode: last, because where the daemons' commit
    // rules differ (oxenstored's snapshot) the rest of a case cannot be compared.
    if (open < 3 && gen.conflict_rng() % 100 < 50)
        for (Op &o : gen.conflict_episode(open + 1)) s.ops.push_back(o);
    return s;
}

Scenario shrink(const Scenario &s, const std::function<bool(const Scenario &)> &fails, unsigned max_runs) {
    std::vector<Op> cur = s.ops;
    std::size_t n = 2;
    unsigned runs = 0;
    auto test = [&](const std::vector<Op> &ops) {
        ++runs;
        return fails(Scenario{s.name + " (shrunk)", ops});
    };
    while (cur.size() >= 2 && runs < max_runs) {
        std::size_t chunk = (cur.size() + n - 1) / n;
        bool reduced = false;
        for (std::size_t start = 0; start < cur.size() && runs < max_runs; start += chunk) {
            // Complement: everything but this chunk.
            std::vector<Op> comp(cur.begin(), cur.begin() + static_cast<std::ptrdiff_t>(start));
            comp.insert(comp.end(), cur.begin() + static_cast<std::ptrdiff_t>(std::min(cur.size(), start + chunk)), cur.end());
            if (!comp.empty() && test(comp)) {
                cur = comp;
                n = std::max<std::size_t>(n - 1, 2);
                reduced = true;
                break;
            }
        }
        if (!reduced) {
            if (n >= cur.size()) break;
            n = std::min(cur.size(), n * 2);
        }
    }
    return Scenario{s.name + " (shrunk)", cur};
}

} // namespace conf
