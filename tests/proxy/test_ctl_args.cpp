// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-ctl's command line as getopt_long parses it: options anywhere, --opt=value,
// -h per command, values with spaces, and usage errors that exit 2 in words and change
// nothing. Each spelling is compared with the plain one on the same daemon.
#include "fixture.h"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#ifndef XSPROXY_CTL_BIN
#error "XSPROXY_CTL_BIN must be defined by the build"
#endif

using namespace proxytest;

namespace {
bool has(const std::string &hay, const std::string &needle) {
    return hay.find(needle) != std::string::npos;
}

// xsproxy-ctl with exactly these arguments (no --control prepended).
CmdResult raw_ctl(const std::vector<std::string> &args, const std::vector<std::string> &env = {}) {
    std::vector<std::string> argv{XSPROXY_CTL_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env, 15000);
}

const std::vector<std::string> commands = {"attach", "detach", "list",   "dump",  "stats",
                                           "status", "export", "resume", "import"};
} // namespace

TEST_CASE("xsproxy-ctl: options anywhere, --opt=value, -c, $XSPROXY_CONTROL",
          "[proxy][ctl][args]") {
    Env env(true);
    auto g = env.guest(R);
    const std::string ctl = env.ctl_path();
    auto plain = env.ctl({"list", "--json"});
    REQUIRE(plain.rc == 0);
    const std::vector<std::vector<std::string>> spellings = {
        {"--control", ctl, "list", "--json"}, {"--control=" + ctl, "list", "--json"},
        {"-c", ctl, "list", "--json"},        {"-c" + ctl, "--json", "list"},
        {"list", "--json", "--control", ctl}, {"--json", "list", "--control=" + ctl},
        {"list", "-c", ctl, "--json"},        {"--json", "--control", ctl, "--", "list"},
        {"--cont", ctl, "list", "--js"}, // unambiguous abbreviations, as getopt_long takes
    };
    for (const auto &s : spellings) {
        auto r = raw_ctl(s);
        INFO(s[0] << " " << s[1] << ": " << r.err);
        CHECK(r.rc == 0);
        CHECK(r.out == plain.out);
    }
    auto by_env = raw_ctl({"list", "--json"}, {"XSPROXY_CONTROL=" + ctl});
    CHECK(by_env.rc == 0);
    CHECK(by_env.out == plain.out);
    // --control wins over the environment.
    auto both = raw_ctl({"list", "--json", "--control", ctl}, {"XSPROXY_CONTROL=/nonexistent"});
    CHECK(both.rc == 0);

    // attach with its options before DOMID, in --opt=value form and mixed: the guest
    // works through it exactly as through the usual spelling.
    REQUIRE(env.host.create_domain(9) == 9);
    auto p = env.host.prepare(9);
    auto at = raw_ctl({"--ring-gfn=" + std::to_string(p.ring_gfn), "attach", "--ring-port",
                       std::to_string(p.store_port), "--upstream=ring",
                       "--shadow-gfn=" + std::to_string(p.shadow_gfn), "9", "--control", ctl,
                       "--shadow-port=" + std::to_string(p.shadow_port), "--virt=1"});
    INFO(at.err);
    REQUIRE(at.rc == 0);
    CHECK(has(at.out, "domain 9 attached"));
    auto g9 = xsguest::attach_xensim(env.host.sim(), 9, p.ring_gfn, p.store_port);
    REQUIRE(g9->connect().ok());
    CHECK(g9->read("domid").val == "1");
    REQUIRE(g9->write("data/x", "v").ok());
    CHECK(env.dom0_read(home(9) + "/data/x") == "v");
    auto d = nlohmann::json::parse(raw_ctl({"dump", "--json", "-c", ctl, "9"}).out);
    CHECK(d["upstream"]["kind"] == "ring");
    CHECK(d["ring_gfn"] == p.ring_gfn);
    CHECK(d["ring_port"] == p.store_port);
}

TEST_CASE("xsproxy-ctl: -h and --help per command exit 0 with that command's usage, "
          "--version, and change nothing",
          "[proxy][ctl][args]") {
    Env env(true);
    auto g = env.guest(R);
    auto before = env.ctl({"list"});
    REQUIRE(before.rc == 0);
    for (const auto &c : commands) {
        for (const auto &h : std::vector<std::vector<std::string>>{
                 {c, "-h"}, {c, "--help"}, {"-h", c}, {"help", c}, {c, std::to_string(R), "-h"}}) {
            auto r = env.ctl(h);
            INFO(h[0] << " " << h[1] << " stderr " << r.err);
            CHECK(r.rc == 0);
            CHECK(r.err.empty());
            CHECK(r.out.rfind("usage: xsproxy-ctl [--control PATH] " + c + " ", 0) == 0);
        }
    }
    auto all = env.ctl({"--help"});
    CHECK(all.rc == 0);
    for (const auto &c : commands)
        CHECK(has(all.out, "  " + c + " "));
    // -h wins over everything else on the line: nothing is sent.
    auto det = env.ctl({"detach", std::to_string(R), "-h"});
    CHECK(det.rc == 0);

    auto v = env.ctl({"--version"});
    CHECK(v.rc == 0);
    CHECK(v.out == "xsproxy-ctl 0.1.0\n");
    CHECK(env.ctl({"list", "-V"}).out == v.out);
    auto status = nlohmann::json::parse(env.ctl({"status", "--json"}).out);
    CHECK("xsproxy-ctl " + status["version"].get<std::string>() + "\n" == v.out);

    CHECK(env.ctl({"list"}).out == before.out);
    CHECK(g->read("domid").val == "1");
}

TEST_CASE("xsproxy-ctl: values with spaces and non-ASCII bytes reach the daemon whole",
          "[proxy][ctl][args]") {
    Env env(true);
    const std::string dir = env.host.state_dir() + "/a dir ü";
    REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    const std::string sock = dir + "/guest sock";
    auto g = env.guest(R, {}, true, {"--socket", sock});
    REQUIRE(g->write("data/x", "v").ok());
    // The per-guest socket exists under that name and serves the guest's view.
    auto rd = run({"xenstore-read", "data/x"}, {"XENSTORED_PATH=" + sock});
    CHECK(rd.rc == 0);
    CHECK(rd.out == "v\n");
    auto d = nlohmann::json::parse(env.ctl({"dump", std::to_string(R), "--json"}).out);
    CHECK(d["socket"] == sock);
    CHECK(has(env.ctl({"dump", std::to_string(R)}).out,
              "guest socket       " + env.host.state_dir() + "/a dir \\xc3\\xbc/guest sock"));

    // export -o "…/a b": the stream is written under exactly that name.
    const std::string file = dir + "/stream one";
    auto ex = env.ctl({"export", std::to_string(R), "--mode", "cooperative", "-o", file});
    INFO(ex.err);
    REQUIRE(ex.rc == 0);
    struct stat st {};
    CHECK(::stat(file.c_str(), &st) == 0);
    CHECK(st.st_size > 0);
    auto ex2 = env.ctl({"resume", std::to_string(R)});
    CHECK(ex2.rc == 0);
    auto ex3 = env.ctl({"export", std::to_string(R), "--mode=cooperative", "--file=" + file + "2"});
    CHECK(ex3.rc == 0);
    CHECK(::stat((file + "2").c_str(), &st) == 0);
    CHECK(env.ctl({"resume", std::to_string(R)}).rc == 0);
    CHECK(g->read("data/x").val == "v");
}

TEST_CASE("xsproxy-ctl: unknown commands and options, bad values: exit 2, said in words, "
          "nothing changed",
          "[proxy][ctl][args]") {
    Env env(true);
    auto g = env.guest(R);
    REQUIRE(env.host.create_domain(9) == 9);
    auto before = env.ctl({"list"});
    REQUIRE(before.rc == 0);
    struct Bad {
        std::vector<std::string> args;
        std::string msg;
    };
    const std::string r = std::to_string(R);
    const std::vector<Bad> bad = {
        {{"frobnicate"}, "unknown command 'frobnicate'"},
        {{"--json", "frobnicate"}, "unknown command 'frobnicate'"},
        {{"list", "--bogus"}, "unknown option '--bogus' for list"},
        {{"detach", r, "--json"}, "unknown option '--json' for detach"},
        {{"list", "-o", "x"}, "unknown option '-o' for list"},
        {{"list", "--json=yes"}, "option '--json' takes no value"},
        {{"export", r, "--mode", "cooperative", "-o"}, "option '-o' needs a value"},
        {{"export", r, "--mode", "cooperative", "--file="}, "option '--file' needs a value"},
        {{"attach", "9", "--ring-gfn"}, "option '--ring-gfn' needs a value"},
        {{"attach", "9", "--virt", "1", "--virt", "2"}, "option '--virt' given twice"},
        {{"detach", r, "extra"}, "unexpected argument 'extra'"},
        {{"detach", "-7"}, "'-7' is not a domid"},
        {{"detach", "0x"}, "'0x' is not a domid"},
        {{"dump"}, "dump needs a DOMID"},
        {{"--control"}, "option '--control' needs a value"},
    };
    for (const auto &b : bad) {
        auto res = env.ctl(b.args);
        INFO(b.args[0] << " stderr " << res.err);
        CHECK(res.rc == 2);
        CHECK(res.out.empty());
        CHECK(res.err.rfind("xsproxy-ctl: " + b.msg, 0) == 0);
        CHECK(has(res.err, "usage: xsproxy-ctl"));
    }
    // Refused by the daemon (exit 1): in words, never the protocol's key=value.
    const std::vector<Bad> refused = {
        {{"attach", "9", "--ring-gfn", "100"}, "attach needs --ring-port"},
        {{"attach", "9", "--ring-gfn", "zz", "--ring-port", "5", "--shadow-gfn", "101",
          "--shadow-port", "6"},
         "--ring-gfn: 'zz' is not a number"},
        {{"attach", "9", "--ring-gfn", "100", "--ring-port", "5", "--shadow-gfn", "101",
          "--shadow-port", "6", "--upstream", "fast"},
         "--upstream: ring, privileged or auto, not 'fast'"},
        {{"attach", "9", "--ring-gfn", "100", "--ring-port", "-5", "--shadow-gfn", "101",
          "--shadow-port", "6"},
         "--ring-port: '-5' is not a number"},
        {{"export", r, "-o", "/tmp/x"}, "export needs --mode cooperative or --mode noncooperative"},
    };
    for (const auto &b : refused) {
        auto res = env.ctl(b.args);
        INFO(b.args[0] << " stderr " << res.err);
        CHECK(res.rc == 1);
        CHECK(has(res.err, "xsproxy-ctl: error: " + b.msg));
        CHECK_FALSE(has(res.err, "="));
    }
    CHECK(env.ctl({"list"}).out == before.out);
    CHECK(g->read("domid").val == "1");
    REQUIRE(g->write("data/after", "v").ok());
}
