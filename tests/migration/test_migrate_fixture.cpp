// SPDX-License-Identifier: LGPL-2.1-only
#include "test_migrate_fixture.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace migtest {

namespace {

std::string join(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

} // namespace

std::string tmpfile(const std::string &name) {
    static std::string dir = [] {
        char t[] = "/tmp/xsproxy-migtest-XXXXXX";
        if (!::mkdtemp(t)) throw std::runtime_error("mkdtemp");
        return std::string(t);
    }();
    return dir + "/" + name;
}

// info, not debug: a failing migration check prints the whole log.
Site::Site() : Env(true, xensim::Daemon::c, "", "info") {}

xensim::Proxied Site::build(std::uint32_t domid, int port_hint) {
    REQUIRE(host.create_domain(static_cast<int>(domid)) == static_cast<int>(domid));
    return host.prepare(domid, port_hint);
}

CmdResult Site::export_session(std::uint32_t domid, const std::string &mode,
                               const std::string &file) {
    // Export and import move a whole session: more time than other commands on a busy host.
    return ctl({"export", std::to_string(domid), "--mode", mode, "-o", file}, 15000);
}

CmdResult Site::import_session(const xensim::Proxied &p, const std::string &file, bool check) {
    std::vector<std::string> a{"import", std::to_string(p.domid), "-i", file};
    auto ra = proxytest::ring_args(p);
    a.insert(a.end(), ra.begin(), ra.end());
    if (check) a.push_back("--check");
    return ctl(a, 15000);
}

void Site::add_vif(std::uint32_t domid) {
    xs_handle *xs = host.xs();
    std::string fe = home(domid) + "/device/vif/0";
    std::string be = "/local/domain/0/backend/vif/" + std::to_string(domid) + "/0";
    for (int tries = 0;; ++tries) {
        REQUIRE(tries < 16);
        xs_transaction_t t = xs_transaction_start(xs);
        REQUIRE(t != XBT_NULL);
        xs_permissions fe_perms[2] = {{domid, XS_PERM_NONE}, {0, XS_PERM_READ}};
        xs_permissions be_perms[2] = {{0, XS_PERM_NONE}, {domid, XS_PERM_READ}};
        REQUIRE(xs_mkdir(xs, t, fe.c_str()));
        REQUIRE(xs_set_permissions(xs, t, fe.c_str(), fe_perms, 2));
        REQUIRE(xs_mkdir(xs, t, be.c_str()));
        REQUIRE(xs_set_permissions(xs, t, be.c_str(), be_perms, 2));
        auto w = [&](const std::string &p, const std::string &v) {
            REQUIRE(xs_write(xs, t, p.c_str(), v.data(), static_cast<unsigned>(v.size())));
        };
        w(fe + "/backend", be);
        w(fe + "/backend-id", "0");
        w(fe + "/state", "1");
        w(fe + "/handle", "0");
        w(fe + "/mac", "00:16:3e:00:00:01");
        w(be + "/frontend", fe);
        w(be + "/frontend-id", std::to_string(domid));
        w(be + "/online", "1");
        w(be + "/state", "1");
        w(be + "/handle", "0");
        w(be + "/mac", "00:16:3e:00:00:01");
        if (xs_transaction_end(xs, t, false)) return;
        REQUIRE(errno == EAGAIN);
    }
}

Tree Site::tree(const std::string &root) {
    Tree t;
    std::vector<std::string> todo{root};
    while (!todo.empty()) {
        std::string p = todo.back();
        todo.pop_back();
        t[p] = read(p) + "|" + join(perms(p));
        unsigned n = 0;
        char **names = xs_directory(host.xs(), XBT_NULL, p.c_str(), &n);
        if (!names) continue;
        for (unsigned i = 0; i < n; ++i)
            todo.push_back((p == "/" ? "" : p) + "/" + names[i]);
        std::free(names);
    }
    return t;
}

View guest_view(xsguest::Client &g) {
    View v;
    auto dp = g.get_domain_path(1);
    v.domain_path = dp.ok() ? dp.val : dp.err;
    std::vector<std::string> todo{"/local/domain/1"};
    while (!todo.empty()) {
        std::string p = todo.back();
        todo.pop_back();
        auto val = g.read(p);
        auto perms = g.get_perms(p);
        v.nodes[p] = (val.ok() ? val.val : val.err) + "|" + (perms.ok() ? join(perms.val) : perms.err);
        auto dir = g.directory(p);
        if (!dir.ok()) continue;
        for (const auto &n : dir.val) todo.push_back(p + "/" + n);
    }
    return v;
}

std::string show(const Tree &t) {
    std::ostringstream os;
    for (const auto &[k, v] : t) os << k << " = " << v << "\n";
    return os.str();
}

Guest boot(Site &s, std::uint32_t domid) {
    Guest g{&s, s.build(domid), nullptr};
    s.attach(g.dom);
    g.client = xsguest::attach_xensim(s.host.sim(), domid, g.dom.ring_gfn, g.dom.store_port);
    auto st = g.client->connect();
    INFO("boot: " << st);
    REQUIRE(st.ok());
    s.add_vif(domid);
    return g;
}

std::pair<CmdResult, CmdResult> migrate(Guest &g, Site &dst, std::uint32_t new_domid,
                                        const std::string &mode, const std::string &file) {
    std::pair<CmdResult, CmdResult> r;
    r.first = g.site->export_session(g.dom.domid, mode, file);
    INFO("export: rc " << r.first.rc << " out " << r.first.out << " err " << r.first.err);
    REQUIRE(r.first.rc == 0);
    std::string name = g.site->read(home(g.dom.domid) + "/name");
    xensim::Proxied nd = dst.build(new_domid, static_cast<int>(g.dom.store_port));
    REQUIRE(nd.store_port == g.dom.store_port);
    dst.write(home(new_domid) + "/name", name); // the domain keeps its name
    dst.add_vif(new_domid);
    r.second = dst.import_session(nd, file);
    INFO("import: rc " << r.second.rc << " out " << r.second.out << " err " << r.second.err);
    REQUIRE(r.second.rc == 0);
    // The guest never learns it moved: same client, new page and port.
    auto t = xsguest::xensim_transport(dst.host.sim(), new_domid, nd.ring_gfn, nd.store_port);
    if (mode == "cooperative") g.client->resume(std::move(t)); // suspended and resumed
    else g.client->rebind(std::move(t));                       // never learns it moved
    auto d = g.site->ctl({"detach", std::to_string(g.dom.domid)});
    INFO("detach on the source: " << d.out << d.err);
    CHECK(d.rc == 0);
    g.site->host.destroy(g.dom.domid);
    g.site = &dst;
    g.dom = nd;
    return r;
}

std::vector<xsguest::Event> collect_events(xsguest::Client &g, std::chrono::milliseconds quiet) {
    std::vector<xsguest::Event> out;
    while (auto e = g.next_event(quiet)) out.push_back(*e);
    return out;
}

} // namespace migtest
