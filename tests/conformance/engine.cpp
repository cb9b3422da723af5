// SPDX-License-Identifier: LGPL-2.1-only
#include "engine.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "../proxy/fixture.h"
#include "allowlist.h"
#include "rawxs.h"
#include "report.h"

namespace conf {

using namespace std::chrono_literals;
using proxytest::Env;

std::string letters(unsigned n) {
    std::string s;
    do {
        s.insert(s.begin(), static_cast<char>('a' + n % 26));
        n /= 26;
    } while (n);
    return s;
}

bool RowOutcome::unexplained() const {
    for (const auto &d : diffs)
        if (d.allowed.empty()) return true;
    return false;
}

bool Outcome::identical() const {
    for (const auto &r : rows)
        if (!r.identical()) return false;
    return true;
}

bool Outcome::unexplained() const {
    for (const auto &r : rows)
        if (r.unexplained()) return true;
    return false;
}

const RowOutcome *Outcome::row(Target t) const {
    for (const auto &r : rows)
        if (r.row == t) return &r;
    return nullptr;
}

const char *target_name(Target t) {
    switch (t) {
    case Target::c_direct: return "direct / C xenstored";
    case Target::ocaml_direct: return "direct / oxenstored";
    case Target::c_ring: return "ring / C xenstored";
    case Target::c_priv: return "privileged / C xenstored";
    case Target::ocaml_priv: return "privileged / oxenstored";
    }
    return "?";
}

const char *target_key(Target t) {
    switch (t) {
    case Target::c_direct: return "c-direct";
    case Target::ocaml_direct: return "ocaml-direct";
    case Target::c_ring: return "ring";
    case Target::c_priv: return "c-priv";
    case Target::ocaml_priv: return "ocaml-priv";
    }
    return "?";
}

bool privileged_row(Target t) { return t == Target::c_priv || t == Target::ocaml_priv; }

const std::vector<Target> &selected_rows() {
    static const std::vector<Target> rows = [] {
        std::vector<Target> out;
        const char *e = std::getenv("CONFORMANCE_ROWS");
        std::string want = e && *e ? std::string(",") + e + "," : "";
        for (Target t : all_rows)
            if (want.empty() || want.find(std::string(",") + target_key(t) + ",") != std::string::npos)
                out.push_back(t);
        if (out.empty()) {
            std::fprintf(stderr, "CONFORMANCE_ROWS=%s names no row (ring, c-priv, ocaml-priv)\n", e);
            std::exit(2);
        }
        return out;
    }();
    return rows;
}

namespace {

std::vector<std::string> split_nul(std::string_view s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] == '\0') {
            out.emplace_back(s.substr(start, i - start));
            start = i + 1;
        }
    if (start < s.size()) out.emplace_back(s.substr(start));
    return out;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// The domid map, applied only where a domid stands: the id after /local/domain/ and after
// backend/<type>/, perm entries, domid-valued keys and domid-indexed directory children.
// The guest's own id becomes "@", real domain 1 (as that guest sees it) "#".
struct Mapper {
    std::string me, other;

    std::string id(const std::string &d) const { return d == me ? "@" : d == other ? "#" : d; }

    std::string paths(std::string_view s) const {
        std::string out;
        std::size_t i = 0;
        auto take_digits = [&](std::size_t from) {
            std::size_t j = from;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            return j;
        };
        while (i < s.size()) {
            static const std::string_view ld = "/local/domain/";
            if (s.compare(i, ld.size(), ld) == 0) {
                out += ld;
                i += ld.size();
                std::size_t j = take_digits(i);
                out += id(std::string(s.substr(i, j - i)));
                i = j;
                continue;
            }
            static const std::string_view be = "backend/";
            if (s.compare(i, be.size(), be) == 0) {
                std::size_t j = i + be.size();
                while (j < s.size() && s[j] != '/' && s[j] != '\0') ++j;
                if (j < s.size() && s[j] == '/') {
                    out += s.substr(i, j + 1 - i);
                    std::size_t k = take_digits(j + 1);
                    out += id(std::string(s.substr(j + 1, k - j - 1)));
                    i = k;
                    continue;
                }
            }
            out += s[i++];
        }
        return out;
    }
};

bool domid_dir(const std::string &path) {
    auto ends = [&](const std::string &suf) {
        return path.size() >= suf.size() && path.compare(path.size() - suf.size(), suf.size(), suf) == 0;
    };
    if (ends("/local/domain")) return true;
    auto slash = path.rfind('/');
    return slash != std::string::npos && slash >= 8 && path.compare(slash - 7, 8, "backend/") == 0;
}

std::string last_component(const std::string &p) {
    auto s = p.rfind('/');
    return s == std::string::npos ? p : p.substr(s + 1);
}

std::string render_reply(std::uint32_t type, const std::string &path, const xsguest::Result<xsx::Msg> &r,
                         const Mapper &m) {
    if (!r.ok()) return "ERR " + r.err;
    const auto &msg = r.val;
    std::string pre = msg.type == type ? "" : std::string("type=") + xsx::type_name(msg.type) + " ";
    switch (type) {
    case XS_READ: {
        static const char *keys[] = {"domid", "frontend-id", "backend-id", "target", "device-model-domid"};
        std::string key = last_component(path);
        for (auto k : keys)
            if (key == k && all_digits(msg.body)) return pre + "\"" + m.id(msg.body) + "\"";
        return pre + "\"" + m.paths(printable(msg.body)) + "\"";
    }
    case XS_DIRECTORY: {
        std::string s = pre + "[";
        bool dd = domid_dir(path);
        auto names = split_nul(msg.body);
        for (std::size_t i = 0; i < names.size(); ++i)
            s += (i ? " " : "") + (dd && all_digits(names[i]) ? m.id(names[i]) : printable(names[i]));
        return s + "]";
    }
    case XS_DIRECTORY_PART: {
        // The generation count is xenstored's global counter: a property of the host,
        // not of the guest's view. Its value is not compared; its presence is.
        auto names = split_nul(msg.body);
        bool complete = msg.body.size() >= 2 && msg.body.compare(msg.body.size() - 2, 2, std::string(2, '\0')) == 0;
        std::string s = pre + "part gen=" + (names.empty() || !all_digits(names[0]) ? "?" : "g") + " [";
        bool dd = domid_dir(path);
        for (std::size_t i = 1; i < names.size(); ++i)
            s += (i > 1 ? " " : "") + (dd && all_digits(names[i]) ? m.id(names[i]) : printable(names[i]));
        return s + "]" + (complete ? " end" : "");
    }
    case XS_GET_PERMS: {
        std::string s = pre + "[";
        auto perms = split_nul(msg.body);
        for (std::size_t i = 0; i < perms.size(); ++i)
            s += (i ? " " : "") + (perms[i].size() > 1 && all_digits(perms[i].substr(1))
                                       ? perms[i].substr(0, 1) + m.id(perms[i].substr(1))
                                       : printable(perms[i]));
        return s + "]";
    }
    default:
        return pre + m.paths(printable(msg.body));
    }
}

std::string expand(std::string s, const std::map<std::string, std::string> &vars) {
    for (const auto &[k, v] : vars)
        for (std::size_t at = 0; (at = s.find(k, at)) != std::string::npos; at += v.size())
            s.replace(at, k.size(), v);
    return s;
}

std::string err_name(int e) { return proxytest::err_name(e); }

} // namespace

// One host of the pair: xenstored (+ xsproxy), a second dom0 connection that watches,
// and real domain 1 on its own ring.
class Side {
  public:
    explicit Side(Target t)
        : env(t != Target::c_direct && t != Target::ocaml_direct,
              t == Target::ocaml_direct || t == Target::ocaml_priv ? xensim::Daemon::ocaml : xensim::Daemon::c,
              t == Target::c_ring ? "ring" : privileged_row(t) ? "privileged" : "") {
        watcher = xensim::open_dom0_xs(env.host.socket_path());
        REQUIRE(env.host.create_domain(1) == 1);
        auto in = env.host.introduce(1);
        one = xsguest::attach_xensim(env.host.sim(), 1, in.ring_gfn, in.store_port, opts());
        REQUIRE(one->connect().ok());
        // Domain 1's shared area, where scenarios put nodes a guest may or may not reach.
        env.dom0_mkdir("/local/domain/1/sh");
        env.dom0_set_perms("/local/domain/1/sh", {"n1"});
    }
    ~Side() {
        one.reset();
        if (watcher) xs_close(watcher);
    }

    static xsguest::Options opts() {
        xsguest::Options o;
        o.timeout = 3000ms;
        return o;
    }

    Transcript run(const Scenario &s, std::uint32_t R, std::uint32_t x, const std::string &tag);

    Env env;
    xs_handle *watcher = nullptr;
    std::unique_ptr<xsguest::Client> one;
};

namespace {

struct Runner {
    Side &side;
    xsguest::Client &g;
    std::uint32_t R, x;
    std::map<std::string, std::string> gvars, rvars; // guest view, real view
    Mapper map;
    std::map<int, std::uint32_t> slots;
    bool x_alive = false;
    Transcript t;

    std::vector<std::string> watcher_paths() const {
        return {expand("/local/domain/{R}", rvars), expand("/local/domain/0/cf/{t}", rvars),
                expand("/local/domain/0/backend/vif/{R}", rvars),
                expand("/local/domain/0/backend/vbd/{R}", rvars), expand("/local/domain/1/sh/{t}", rvars),
                "@introduceDomain", "@releaseDomain"};
    }
    std::vector<std::string> one_paths() const {
        return {expand("/local/domain/{R}", rvars), expand("/local/domain/1/sh/{t}", rvars),
                expand("/local/domain/0/cf/{t}", rvars)};
    }

    std::string body_of(const Op &o, const std::map<std::string, std::string> &vars) {
        if (o.use_raw) return expand(o.raw, vars);
        std::string b;
        if (o.type == XS_WRITE && o.args.size() == 2)
            return expand(o.args[0], vars) + '\0' + expand(o.args[1], vars);
        for (const auto &a : o.args) b += expand(a, vars) + '\0';
        return b;
    }
    std::uint32_t tx_of(const Op &o) {
        if (o.tx < 0) return 0x7766;
        if (o.tx == 0) return 0;
        auto it = slots.find(o.tx);
        return it == slots.end() ? 0 : it->second;
    }

    // Everything queued for the guest / the third parties before now has arrived once
    // these round trips complete: xenstored answers each connection in order.
    void barriers(Step &st) {
        g.request(XS_READ, xsx::with_nul(expand("/local/domain/{me}", gvars)));
        for (const auto &e : g.events()) st.guest.push_back("ev " + map.paths(printable(e.path)) + " | " + printable(e.token));
        g.clear_events();
        third_party_barriers(st);
    }
    void third_party_barriers(Step &st) {
        unsigned len = 0;
        free(xs_read(side.watcher, XBT_NULL, "/local/domain/0", &len));
        for (;;) {
            unsigned n = 0;
            char **w = xs_check_watch(side.watcher);
            (void)n;
            if (!w) break;
            st.others.push_back(std::string("dom0 ev ") + w[XS_WATCH_PATH] + " | " + w[XS_WATCH_TOKEN]);
            free(w);
        }
        side.one->request(XS_READ, xsx::with_nul("/local/domain/1"));
        for (const auto &e : side.one->events())
            st.others.push_back("one ev " + printable(e.path) + " | " + printable(e.token));
        side.one->clear_events();
    }

    void guest_group(const std::vector<Op> &ops, Step &st) {
        std::vector<std::uint32_t> ids;
        for (const auto &o : ops) ids.push_back(g.send(o.type, body_of(o, gvars), tx_of(o)));
        bool lost = false;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            // After one lost reply, do not wait the full timeout for each of the rest.
            auto r = lost ? g.wait_reply(ids[i], 100ms) : g.wait_reply(ids[i]);
            lost = lost || r.err == "ETIMEDOUT";
            std::string path = ops[i].args.empty() ? "" : expand(ops[i].args[0], gvars);
            st.guest.push_back(render_reply(ops[i].type, path, r, map));
            if (ops[i].type == XS_TRANSACTION_START && ops[i].save && r.ok())
                slots[ops[i].save] = static_cast<std::uint32_t>(std::strtoul(r.val.body.c_str(), nullptr, 10));
        }
    }

    std::string perms_of(const std::string &path) {
        unsigned n = 0;
        xs_permissions *got = xs_get_permissions(side.env.host.xs(), XBT_NULL, path.c_str(), &n);
        if (!got) return "[ERR " + err_name(errno) + "]";
        // Entries for domains that do not exist grant nothing (C flags them IGNORE,
        // oxenstored keeps or drops them): not compared, as in the final state.
        std::string out = "[";
        for (unsigned i = 0; i < n; ++i)
            if (i == 0 || domain_exists(got[i].id)) out += (i ? " " : "") + perm_str(got[i]);
        free(got);
        return out + "]";
    }

    std::string perm_str(const xs_permissions &p) {
        char c = 'n';
        if ((p.perms & XS_PERM_READ) && (p.perms & XS_PERM_WRITE)) c = 'b';
        else if (p.perms & XS_PERM_READ) c = 'r';
        else if (p.perms & XS_PERM_WRITE) c = 'w';
        return c + std::to_string(p.id);
    }

    std::string dom0_op(const Op &o) {
        xs_handle *h = side.env.host.xs();
        std::vector<std::string> a;
        for (const auto &s : o.args) a.push_back(expand(s, rvars));
        auto res = [](bool ok) { return ok ? std::string("OK") : "ERR " + err_name(errno); };
        switch (o.type) {
        case XS_WRITE:
            return res(xs_write(h, XBT_NULL, a.at(0).c_str(), a.at(1).data(), static_cast<unsigned>(a.at(1).size())));
        case XS_MKDIR: return res(xs_mkdir(h, XBT_NULL, a.at(0).c_str()));
        case XS_RM: return res(xs_rm(h, XBT_NULL, a.at(0).c_str()));
        case XS_SET_PERMS: {
            std::vector<xs_permissions> p;
            for (std::size_t i = 1; i < a.size(); ++i) {
                xs_permissions e{static_cast<unsigned>(std::strtoul(a[i].c_str() + 1, nullptr, 10)), XS_PERM_NONE};
                if (a[i][0] == 'r') e.perms = XS_PERM_READ;
                if (a[i][0] == 'w') e.perms = XS_PERM_WRITE;
                if (a[i][0] == 'b') e.perms = static_cast<decltype(e.perms)>(XS_PERM_READ | XS_PERM_WRITE);
                p.push_back(e);
            }
            std::string out = res(xs_set_permissions(h, XBT_NULL, a.at(0).c_str(), p.data(), static_cast<unsigned>(p.size())));
            // What the daemon stored: C and oxenstored differ on ACLs naming a domain
            // that does not exist, and everything the guest then sees follows from it.
            return out + " " + perms_of(a.at(0));
        }
        case XS_READ: {
            unsigned len = 0;
            char *v = static_cast<char *>(xs_read(h, XBT_NULL, a.at(0).c_str(), &len));
            if (!v) return res(false);
            std::string out = "\"" + printable(std::string_view(v, len)) + "\"";
            free(v);
            return out;
        }
        default:
            return "unsupported dom0 op";
        }
    }

    std::string host_op(const Op &o) {
        auto &host = side.env.host;
        switch (o.type) {
        case introduce_x:
            if (host.create_domain(static_cast<int>(x)) != static_cast<int>(x)) return "create failed";
            host.introduce(x);
            x_alive = true;
            return "introduced";
        case destroy_x: {
            if (!x_alive) return "no such domain";
            host.destroy(x);
            x_alive = false;
            return wait_released(x) ? "released" : "still introduced";
        }
        case fill: {
            std::string base = expand(o.args.at(0), rvars);
            unsigned n = static_cast<unsigned>(std::stoul(o.args.at(1)));
            unsigned ok = 0;
            for (unsigned i = 0; i < n; ++i) {
                std::string p = base + "/n" + letters(i);
                ok += xs_write(host.xs(), XBT_NULL, p.c_str(), "v", 1);
            }
            return ok == n ? "filled" : "fill failed";
        }
        }
        return "unsupported host op";
    }

    bool wait_released(std::uint32_t d) {
        for (int i = 0; i < 300; ++i) {
            if (!xs_is_domain_introduced(side.env.host.xs(), d)) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    // dom0's view of the scenario's areas at the end: nodes, values and perms.
    bool domain_exists(unsigned d) { return d == 0 || xs_is_domain_introduced(side.env.host.xs(), d); }

    // dom0's view over a connection that takes replies of any size (rawxs.h).
    void walk(RawXs &x, const std::string &path, std::vector<std::string> &out) {
        std::string v, err;
        if (!x.call(XS_READ, path + '\0', v, err)) {
            if (err != "ENOENT") out.push_back(path + " ERR " + err);
            return;
        }
        std::string line = path + " = \"" + printable(v) + "\"";
        std::string perms;
        if (x.call(XS_GET_PERMS, path + '\0', perms, err)) {
            line += " [";
            auto ps = split_nul(perms);
            for (std::size_t i = 0; i < ps.size(); ++i) {
                // An entry for a domain that does not exist grants nothing on C (it is
                // flagged IGNORE and still listed); oxenstored drops it when the domain
                // dies. Neither is the guest's doing: such entries are not compared.
                if (i > 0 && ps[i].size() > 1 && !domain_exists(static_cast<unsigned>(std::strtoul(ps[i].c_str() + 1, nullptr, 10))))
                    continue;
                line += (i ? " " : "") + ps[i];
            }
            line += "]";
        }
        out.push_back(line);
        std::string names;
        std::vector<std::string> kids;
        if (x.call(XS_DIRECTORY, path + '\0', names, err)) kids = split_nul(names);
        else if (err == "E2BIG") { // C xenstored: the list does not fit a reply; read it in parts
            for (std::size_t off = 0;;) {
                if (!x.call(XS_DIRECTORY_PART, path + '\0' + std::to_string(off) + '\0', names, err)) return;
                auto part = split_nul(names.substr(names.find('\0') + 1)); // after the generation
                for (const auto &n : part) {
                    if (n.empty()) break; // the terminating empty name of the last part
                    kids.push_back(n);
                    off += n.size() + 1;
                }
                if (part.empty() || (names.size() >= 2 && names.compare(names.size() - 2, 2, std::string(2, '\0')) == 0))
                    break;
            }
        } else
            return;
        std::sort(kids.begin(), kids.end());
        for (const auto &k : kids) walk(x, path + "/" + k, out);
    }
};

} // namespace

Transcript Side::run(const Scenario &s, std::uint32_t R, std::uint32_t x, const std::string &tag) {
    bool proxied = env.proxied();
    static const bool trace = std::getenv("CONFORMANCE_TRACE") != nullptr;
    auto guest = env.guest(R, opts());
    std::uint32_t me = proxied ? 1 : R, one_seen = proxied ? R : 1;
    Runner r{*this, *guest, R, x, {}, {}, {std::to_string(me), std::to_string(one_seen)}, {}, false, {}};
    r.gvars = {{"{me}", std::to_string(me)}, {"{one}", std::to_string(one_seen)}, {"{R}", std::to_string(R)},
               {"{t}", tag}, {"{x}", std::to_string(x)}};
    r.rvars = {{"{me}", std::to_string(R)}, {"{one}", "1"}, {"{R}", std::to_string(R)}, {"{t}", tag},
               {"{x}", std::to_string(x)}};

    // Domain 1's shared area is the only node scenarios share: give every run the same
    // ACL on it (scenarios change it, and the daemons store some ACLs differently).
    {
        xs_permissions n1{1, XS_PERM_NONE};
        xs_mkdir(env.host.xs(), XBT_NULL, "/local/domain/1/sh");
        if (!xs_set_permissions(env.host.xs(), XBT_NULL, "/local/domain/1/sh", &n1, 1))
            std::fprintf(stderr, "conformance: resetting /local/domain/1/sh on %s: %s\n", proxied ? "proxied" : "direct",
                         std::strerror(errno));
    }
    // Third parties start watching this scenario's areas; their initial events are step 0.
    Step setup{"third parties watch", {}, {}};
    for (const auto &p : r.watcher_paths()) xs_watch(watcher, p.c_str(), ("d0-" + tag).c_str());
    for (const auto &p : r.one_paths()) one->watch(p, "one-" + tag);
    r.barriers(setup);
    std::sort(setup.others.begin(), setup.others.end()); // libxenstore's reader thread may reorder initial events
    r.t.push_back(setup);

    std::vector<Op> group;
    for (std::size_t i = 0; i < s.ops.size(); ++i) {
        const Op &o = s.ops[i];
        Step st;
        st.op = o.describe();
        if (trace) std::fprintf(stderr, "%s %s\n", proxied ? "proxy " : "direct", st.op.c_str());
        if (o.who == Who::guest) {
            group.push_back(o);
            if (o.pipe && i + 1 < s.ops.size() && s.ops[i + 1].who == Who::guest) continue;
            st.op.clear();
            for (const auto &q : group) st.op += (st.op.empty() ? "" : " ; ") + q.describe();
            r.guest_group(group, st);
            group.clear();
        } else if (o.who == Who::dom0) {
            st.others.push_back("dom0 -> " + r.dom0_op(o));
        } else if (o.who == Who::one) {
            std::string path = o.args.empty() ? "" : expand(o.args[0], r.rvars);
            auto rep = one->request(o.type, r.body_of(o, r.rvars));
            std::string line = "one -> " + render_reply(o.type, path, rep, Mapper{"-", "-"});
            // Who owns what domain 1 created: C makes it the creator, oxenstored copies
            // the parent's ACL; the guest's later view follows from it.
            if ((o.type == XS_WRITE || o.type == XS_MKDIR) && rep.ok()) line += " " + r.perms_of(path);
            st.others.push_back(line);
        } else {
            st.others.push_back("host -> " + r.host_op(o));
        }
        r.barriers(st);
        r.t.push_back(st);
    }

    Step fin{"final state", {}, {}};
    const auto &gs = guest->stats();
    fin.guest.push_back("guest ring: broken=" + std::string(guest->broken() ? guest->broken_reason() : "no") +
                        " unmatched=" + std::to_string(gs.unmatched) + " bad_echo=" + std::to_string(gs.bad_echo));
    RawXs walker(env.host.socket_path());
    for (const auto &p : r.watcher_paths())
        if (p[0] != '@') r.walk(walker, p, fin.others);
    r.t.push_back(fin);

    // Tear down: third parties stop watching, the guest's domain dies.
    for (const auto &p : r.watcher_paths()) xs_unwatch(watcher, p.c_str(), ("d0-" + tag).c_str());
    for (const auto &p : r.one_paths()) one->unwatch(p, "one-" + tag);
    guest.reset();
    env.host.destroy(R);
    if (r.x_alive) env.host.destroy(x);
    r.wait_released(R);
    if (r.x_alive) r.wait_released(x);
    // Drain what the deaths fired, so that the next scenario starts quiet.
    Step drain;
    r.third_party_barriers(drain);
    return r.t;
}

HostSet::HostSet(const std::vector<Target> &rows) : rows_(rows) {
    std::vector<Target> targets{Target::c_direct};
    for (Target t : rows)
        if (t == Target::ocaml_priv) targets.push_back(Target::ocaml_direct);
    targets.insert(targets.end(), rows.begin(), rows.end());
    for (Target t : targets) sides_.emplace_back(t, std::make_unique<Side>(t));
}

HostSet::~HostSet() = default;

namespace {
std::string join(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &l : v) s += (s.empty() ? "" : "\n      ") + l;
    return s;
}

std::vector<Op> ops_of_step(const Scenario &s, std::size_t step) {
    // Step 0 is the third parties' set-up; then one step per op or pipelined group.
    std::size_t k = 1;
    std::vector<Op> group;
    for (std::size_t i = 0; i < s.ops.size(); ++i) {
        group.push_back(s.ops[i]);
        bool more = s.ops[i].who == Who::guest && s.ops[i].pipe && i + 1 < s.ops.size() &&
                    s.ops[i + 1].who == Who::guest;
        if (more) continue;
        if (k == step) return group;
        group.clear();
        ++k;
    }
    return {};
}

Divergence diverge(const Scenario &s, Target row, std::size_t i, const Step &d, const Step &p,
                   const Step *od = nullptr) {
    Divergence dv{s.name, row, i, d.op, "", "", explain(row, ops_of_step(s, i), d, p, od)};
    dv.direct = "guest: " + join(d.guest) + "\n    others: " + join(d.others);
    dv.proxied = "guest: " + join(p.guest) + "\n    others: " + join(p.others);
    return dv;
}

Step at(const Transcript &t, std::size_t i) { return i < t.size() ? t[i] : Step{"<missing>", {}, {}}; }

RowOutcome compare_ring(const Scenario &s, const Transcript &ref, const Transcript &got) {
    RowOutcome r{Target::c_ring, {}, 0, 0, 0};
    for (std::size_t i = 0; i < std::max(ref.size(), got.size()); ++i) {
        Step d = at(ref, i), p = at(got, i);
        if (d.guest == p.guest && d.others == p.others) continue;
        r.diffs.push_back(diverge(s, Target::c_ring, i, d, p));
    }
    return r;
}

// daemon_ref: the same scenario directly on the row's daemon (what third parties see
// there without xsproxy); equal to ref on C xenstored.
RowOutcome compare_priv(const Scenario &s, Target row, const Transcript &ref, const Transcript &daemon_ref,
                        const Transcript &got) {
    RowOutcome r{row, {}, 0, 0, 0};
    for (std::size_t i = 0; i < std::max(ref.size(), got.size()); ++i) {
        Step d = at(ref, i), p = at(got, i), od = at(daemon_ref, i);
        unsigned extra = 0;
        bool guest_ok = guest_covers(d.guest, p.guest, extra);
        bool others_c = without_repeats(d.others) == without_repeats(p.others);
        bool others_daemon = !others_c && &daemon_ref != &ref && without_repeats(od.others) == without_repeats(p.others);
        // A third party's own request answered by oxenstored's rules (its new node
        // copies the parent's ACL, owner included; C makes the creator the owner): the
        // same events, another result line. The daemon's doing, not xsproxy's.
        if (!others_c && !others_daemon && &daemon_ref != &ref && d.op.rfind("guest ", 0) != 0) {
            auto strip = [](const std::vector<std::string> &v) {
                std::vector<std::string> out;
                for (const auto &l : without_repeats(v))
                    if (l.rfind("one -> ", 0) != 0 && l.rfind("dom0 -> ", 0) != 0) out.push_back(l);
                return out;
            };
            others_daemon = strip(d.others) == strip(p.others);
            // Domain 1 created a node and oxenstored gave it the parent's owner: what
            // domain 1 itself is then told (its own events) follows from that too.
            auto line_of = [](const std::vector<std::string> &v) {
                for (const auto &l : v)
                    if (l.rfind("one -> ", 0) == 0) return l;
                return std::string();
            };
            bool one_create = d.op.rfind("one WRITE ", 0) == 0 || d.op.rfind("one MKDIR ", 0) == 0;
            if (!others_daemon && one_create && line_of(d.others) != line_of(p.others)) {
                auto no_one = [&](const std::vector<std::string> &v) {
                    std::vector<std::string> out;
                    for (const auto &l : strip(v))
                        if (l.rfind("one ev ", 0) != 0) out.push_back(l);
                    return out;
                };
                others_daemon = no_one(d.others) == no_one(p.others);
            }
        }
        // Once a third party's own action came out as the daemon has it (not as on C),
        // the final state descends from that, and from no other run.
        others_daemon = others_daemon || (!others_c && r.daemon_steps > 0 && d.op == "final state");
        if (guest_ok && (others_c || others_daemon)) {
            r.extra_events += extra;
            r.max_extra_step = std::max(r.max_extra_step, extra);
            r.daemon_steps += others_daemon;
            // dom0's or a third party's own action came out differently on this daemon:
            // from here on the guest lives in another store than the C profile's guest,
            // and nothing later can be compared with it. Counted, not hidden.
            // (A third party's read changes nothing: counted, the comparison goes on.)
            bool reads = d.op.find(" READ ") != std::string::npos || d.op.find(" GET_PERMS ") != std::string::npos ||
                         d.op.find(" DIRECTORY ") != std::string::npos;
            if (others_daemon && !reads && d.op != "final state" && d.op.rfind("guest ", 0) != 0) {
                if (std::getenv("CONFORMANCE_VOIDS"))
                    std::fprintf(stderr, "void at %s\n  C:  %s\n  %s: %s\n", d.op.c_str(), join(d.others).c_str(),
                                 target_key(row), join(p.others).c_str());
                r.void_from = i;
                break;
            }
            continue;
        }
        r.diffs.push_back(diverge(s, row, i, d, p, &daemon_ref != &ref ? &od : nullptr));
        // An allowed difference that left another store behind (a commit the daemon
        // refused, a snapshot read the guest acted on): nothing later is comparable.
        const std::string &why = r.diffs.back().allowed;
        if (why == "oxenstored-extra-eagain" || why == "oxenstored-transaction-snapshot") {
            r.void_from = i;
            break;
        }
    }
    return r;
}
} // namespace

Outcome HostSet::run(const Scenario &s, const std::string &kind, std::vector<std::pair<Target, Transcript>> *out,
                     bool record_it) {
    std::uint32_t R = next_domid_, x = next_domid_ + 1;
    next_domid_ += 2;
    std::string tag = letters(next_tag_++);
    std::map<Target, Transcript> t;
    for (auto &[target, side] : sides_) t[target] = side->run(s, R, x, tag);
    const Transcript &ref = t[Target::c_direct];
    Outcome o{s.name, ref.size(), {}, {}, false};
    for (Target row : rows_) {
        if (row == Target::c_ring) o.rows.push_back(compare_ring(s, ref, t[row]));
        else {
            Target dref = row == Target::ocaml_priv ? Target::ocaml_direct : Target::c_direct;
            o.rows.push_back(compare_priv(s, row, ref, t[dref], t[row]));
        }
    }
    if (t.count(Target::ocaml_direct)) {
        o.daemons_compared = true;
        const Transcript &oc = t[Target::ocaml_direct];
        for (std::size_t i = 0; i < std::max(ref.size(), oc.size()); ++i) {
            Step d = at(ref, i), p = at(oc, i);
            if (without_repeats(d.guest) != without_repeats(p.guest))
                o.daemon_diffs.push_back(diverge(s, Target::ocaml_direct, i, d, p));
        }
    }
    for (auto &[target, side] : sides_) {
        if (target == Target::c_direct || target == Target::ocaml_direct) continue;
        // A reply that never came through xsproxy leaves its session in an unknown state:
        // later runs on this set would only time out. Retire the set.
        bool timed_out = false;
        for (const auto &st : t[target])
            for (const auto &l : st.guest)
                if (l == "ERR ETIMEDOUT") timed_out = proxy_dead_ = true;
        // xsproxy must survive every scenario; if it did not, say so with its last words.
        bool exited = !side->env.proxy_process().running();
        if (exited || timed_out) {
            std::string log;
            if (FILE *f = std::fopen((side->env.host.state_dir() + "/xsproxy.log").c_str(), "r")) {
                char buf[4096];
                std::size_t n;
                while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) log.append(buf, n);
                std::fclose(f);
            }
            if (log.size() > 6000) log = log.substr(log.size() - 6000);
            for (auto &r : o.rows)
                if (r.row == target)
                    r.diffs.push_back({s.name, target, t[target].size(), exited ? "xsproxy exited" : "a reply through xsproxy never came",
                                       "", "log tail:\n" + log, ""});
            proxy_dead_ = true;
        }
    }
    if (std::getenv("CONFORMANCE_SHOW")) {
        for (const auto &[target, tr] : t)
            for (const auto &st : tr) {
                std::fprintf(stderr, "%-12s| %s\n", target_key(target), st.op.c_str());
                for (const auto &l : st.guest) std::fprintf(stderr, "%-12s|   g: %s\n", target_key(target), l.c_str());
                for (const auto &l : st.others) std::fprintf(stderr, "%-12s|   o: %s\n", target_key(target), l.c_str());
            }
    }
    if (out)
        for (auto &[target, tr] : t) out->emplace_back(target, tr);
    if (record_it) record(kind, o);
    return o;
}

std::string format(const Outcome &o) {
    std::ostringstream os;
    for (const auto &r : o.rows) {
        os << "scenario '" << o.scenario << "' [" << target_name(r.row) << "]: " << o.steps << " steps, "
           << r.diffs.size() << " differing";
        if (privileged_row(r.row)) os << ", " << r.extra_events << " extra events";
        os << "\n";
        for (const auto &d : r.diffs) {
            os << "  step " << d.step << ": " << d.op << (d.allowed.empty() ? "  [UNEXPLAINED]" : "  [allowed: " + d.allowed + "]")
               << "\n    C profile " << d.direct << "\n    proxied   " << d.proxied << "\n";
        }
    }
    return os.str();
}

} // namespace conf
