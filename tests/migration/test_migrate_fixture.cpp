#include "test_migrate_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#ifndef XSPROXY_BIN
#error "XSPROXY_BIN must be defined by the build"
#endif
#ifndef XSPROXY_CTL_BIN
#error "XSPROXY_CTL_BIN must be defined by the build"
#endif

namespace migtest {

namespace {

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::string err_name(int e) {
    const char *n = strerrorname_np(e);
    return n ? n : "E?" + std::to_string(e);
}

std::string perm_string(const xs_permissions &p) {
    char c = 'n';
    if ((p.perms & XS_PERM_READ) && (p.perms & XS_PERM_WRITE)) c = 'b';
    else if (p.perms & XS_PERM_READ) c = 'r';
    else if (p.perms & XS_PERM_WRITE) c = 'w';
    return c + std::to_string(p.id);
}

std::string join(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

} // namespace

std::string home(std::uint32_t d) { return "/local/domain/" + std::to_string(d); }

std::string tmpfile(const std::string &name) {
    static std::string dir = [] {
        char t[] = "/tmp/xsproxy-migtest-XXXXXX";
        if (!::mkdtemp(t)) throw std::runtime_error("mkdtemp");
        return std::string(t);
    }();
    return dir + "/" + name;
}

CmdResult run(const std::vector<std::string> &argv, int timeout_ms) {
    std::string out_path = tmpfile("out." + std::to_string(::getpid()));
    std::string err_path = tmpfile("err." + std::to_string(::getpid()));
    CmdResult r;
    pid_t pid = ::fork();
    if (pid == 0) {
        int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(o, 1);
        ::dup2(e, 2);
        std::vector<char *> a;
        for (const auto &s : argv) a.push_back(const_cast<char *>(s.c_str()));
        a.push_back(nullptr);
        ::execvp(a[0], a.data());
        _exit(127);
    }
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (::waitpid(pid, &status, WNOHANG) == pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            status = -1;
            break;
        }
        std::this_thread::sleep_for(1ms);
    }
    if (status != -1 && WIFEXITED(status)) r.rc = WEXITSTATUS(status);
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
}

Site::Site() {
    ctl_path = host.state_dir() + "/xsproxy.ctl";
    proxy.emplace(host.spawn({XSPROXY_BIN, "-x", host.socket_path(), "-s", ctl_path, "-l",
                              "info"},
                             {}, 0, host.state_dir() + "/xsproxy.log"));
    auto deadline = std::chrono::steady_clock::now() + 10s;
    struct stat st {};
    while (::stat(ctl_path.c_str(), &st) != 0) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(5ms);
    }
}

Site::~Site() {
    if (proxy) proxy->stop();
}

CmdResult Site::ctl(const std::vector<std::string> &args) {
    std::vector<std::string> argv{XSPROXY_CTL_BIN, "--control", ctl_path};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

xensim::Proxied Site::build(std::uint32_t domid, int port_hint) {
    REQUIRE(host.create_domain(static_cast<int>(domid)) == static_cast<int>(domid));
    return host.prepare(domid, port_hint);
}

std::vector<std::string> Site::ring_args(const xensim::Proxied &p) const {
    return {"--ring-gfn",   std::to_string(p.ring_gfn),   "--ring-port",
            std::to_string(p.store_port),                  "--shadow-gfn",
            std::to_string(p.shadow_gfn), "--shadow-port", std::to_string(p.shadow_port)};
}

void Site::attach(const xensim::Proxied &p) {
    std::vector<std::string> a{"attach", std::to_string(p.domid)};
    auto ra = ring_args(p);
    a.insert(a.end(), ra.begin(), ra.end());
    auto r = ctl(a);
    INFO("attach: rc " << r.rc << " out " << r.out << " err " << r.err);
    REQUIRE(r.rc == 0);
}

CmdResult Site::export_session(std::uint32_t domid, const std::string &mode,
                               const std::string &file) {
    return ctl({"export", std::to_string(domid), "--mode", mode, "-o", file});
}

CmdResult Site::import_session(const xensim::Proxied &p, const std::string &file, bool check) {
    std::vector<std::string> a{"import", std::to_string(p.domid), "-i", file};
    auto ra = ring_args(p);
    a.insert(a.end(), ra.begin(), ra.end());
    if (check) a.push_back("--check");
    return ctl(a);
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

std::string Site::read(const std::string &path) {
    unsigned len = 0;
    void *v = xs_read(host.xs(), XBT_NULL, path.c_str(), &len);
    if (!v) return err_name(errno);
    std::string out(static_cast<char *>(v), len);
    std::free(v);
    return out;
}

void Site::write(const std::string &path, const std::string &value) {
    INFO("dom0 write " << path);
    REQUIRE(xs_write(host.xs(), XBT_NULL, path.c_str(), value.data(),
                     static_cast<unsigned>(value.size())));
}

std::vector<std::string> Site::perms(const std::string &path) {
    unsigned n = 0;
    xs_permissions *p = xs_get_permissions(host.xs(), XBT_NULL, path.c_str(), &n);
    if (!p) return {err_name(errno)};
    std::vector<std::string> out;
    for (unsigned i = 0; i < n; ++i) out.push_back(perm_string(p[i]));
    std::free(p);
    return out;
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

std::string Site::log() const { return slurp(host.state_dir() + "/xsproxy.log"); }

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
