// SPDX-License-Identifier: LGPL-2.1-only
// The guest's view of its home, of the backend area and of what it may not read,
// direct vs through xsproxy, plus what dom0 sees of a proxied guest's writes.
#include "fixture.h"

using namespace proxytest;

TEST_CASE("home: reads and writes match direct", "[proxy][diff]") {
    differential([](Run &r) {
        r.log("read domid", r.g.read("domid"));
        r.log("read abs domid", r.g.read(r.p("domid")));
        r.log("write data/x", r.g.write("data/x", "hello"));
        r.log("read data/x", r.g.read("data/x"));
        r.log("read abs data/x", r.g.read(r.p("data/x")));
        r.log("write abs data/y", r.g.write(r.p("data/y"), "abs"));
        r.log("mkdir data/d", r.g.mkdir("data/d"));
        r.log("dir data", r.g.directory("data"));
        r.log("perms data/x", r.g.get_perms("data/x"));
        r.log("perms home", r.g.get_perms(home(r.me)));
        r.log("rm data/x", r.g.rm("data/x"));
        r.log("read data/x", r.g.read("data/x"));
        r.log("rm missing", r.g.rm("data/none/deeper"));
        r.log("read empty-dir", r.g.read("data/d"));
        r.log("bad char", r.g.read("data/a.b"));
        r.log("get_domain_path self", r.g.get_domain_path(r.me));
        r.log("get_domain_path 0", r.g.get_domain_path(0));
    });
}

TEST_CASE("through xsproxy the guest is domid 1 and dom0 sees R", "[proxy]") {
    Env env(true);
    auto g = env.guest(R);
    CHECK(g->read("domid").val == "1");
    CHECK(g->get_domain_path(1).val == "/local/domain/1");
    REQUIRE(g->write("data/x", "v").ok());
    REQUIRE(g->write("/local/domain/1/data/abs", "w").ok());
    CHECK(env.dom0_read(home(R) + "/data/x") == "v");
    CHECK(env.dom0_read(home(R) + "/data/abs") == "w");
    CHECK(env.dom0_get_perms(home(R) + "/data/x") == std::vector<std::string>{"n" + std::to_string(R)});
    CHECK(env.dom0_read("/local/domain/1/data/abs") == "ENOENT");
    // The guest sees itself as owner, under its virtual id.
    CHECK(g->get_perms("data/x").val == std::vector<std::string>{"n1"});
    // Perms the guest sets name real R in the store.
    REQUIRE(g->set_perms("data/x", {"n1", "r0"}).ok());
    CHECK(env.dom0_get_perms(home(R) + "/data/x") ==
          std::vector<std::string>{"n" + std::to_string(R), "r0"});
}

TEST_CASE("perms the guest sets on its own nodes match direct", "[proxy][diff]") {
    differential([](Run &r) {
        std::string me = std::to_string(r.me);
        r.log("write", r.g.write("data/p", "v"));
        r.log("set n@ r0", r.g.set_perms("data/p", {"n" + me, "r0"}));
        r.log("get", r.g.get_perms("data/p"));
        r.log("set b@", r.g.set_perms("data/p", {"b" + me}));
        r.log("get", r.g.get_perms("data/p"));
        // Giving the node away to dom0 is refused by xenstored.
        r.log("give away", r.g.set_perms("data/p", {"n0"}));
        r.log("get", r.g.get_perms("data/p"));
        r.log("set empty", r.g.set_perms("data/p", {}));
        r.log("set garbage", r.g.set_perms("data/p", {"x" + me}));
    });
}

namespace {
// The libxl-like backend/frontend pair of a vif of the guest whose real domid is `d`.
void vif_setup(Env &env, std::uint32_t d) {
    std::string be = "/local/domain/0/backend/vif/" + std::to_string(d) + "/0";
    // State 2, not 1: transcripts map the bare number 1 (the guest's virtual domid).
    env.dom0_write(be + "/state", "2");
    env.dom0_write(be + "/mac", "aa:bb");
    env.dom0_set_perms(be, {"n0", "r" + std::to_string(d)});
    env.dom0_set_perms(be + "/state", {"n0", "r" + std::to_string(d)});
    env.dom0_set_perms(be + "/mac", {"n0"});
    std::string fe = home(d) + "/device/vif/0";
    env.dom0_write(fe + "/backend", be);
    env.dom0_write(fe + "/backend-id", "0");
    env.dom0_write(fe + "/state", "2");
    env.dom0_set_perms(fe, {"n" + std::to_string(d), "r0"});
}
} // namespace

TEST_CASE("backend area: readable and watchable like direct", "[proxy][diff][backend]") {
    differential(
        [](Run &r) {
            auto be = r.g.read("device/vif/0/backend");
            r.log("read backend", be);
            r.log("read backend-id", r.g.read("device/vif/0/backend-id"));
            r.log("read be/state", r.g.read(be.val + "/state"));
            r.log("read be/mac (unreadable)", r.g.read(be.val + "/mac"));
            r.log("dir be", r.g.directory(be.val));
            r.log("perms be", r.g.get_perms(be.val));
            r.log("write be/state", r.g.write(be.val + "/state", "9"));
            r.log("watch be/state", r.g.watch(be.val + "/state", "be"));
            r.events(1);
            r.env.dom0_write("/local/domain/0/backend/vif/" + std::to_string(r.real) + "/0/state",
                             "4");
            r.events(1);
            r.log("read be/state", r.g.read(be.val + "/state"));
            r.log("write fe state", r.g.write("device/vif/0/state", "4"));
        },
        vif_setup);
}

TEST_CASE("backend path is translated to the guest's id", "[proxy][backend]") {
    Env env(true);
    auto g = env.guest(R);
    vif_setup(env, R);
    CHECK(g->read("device/vif/0/backend").val == "/local/domain/0/backend/vif/1/0");
    CHECK(g->read("device/vif/0/backend-id").val == "0");
    CHECK(g->read("/local/domain/0/backend/vif/1/0/state").val == "2");
    REQUIRE(g->watch("/local/domain/0/backend/vif/1/0/state", "tok").ok());
    REQUIRE(g->wait_event("/local/domain/0/backend/vif/1/0/state", "tok"));
    env.dom0_write("/local/domain/0/backend/vif/" + std::to_string(R) + "/0/state", "4");
    CHECK(g->wait_event("/local/domain/0/backend/vif/1/0/state", "tok"));
    CHECK(g->read("/local/domain/0/backend/vif/1/0/state").val == "4");
}

TEST_CASE("areas the guest may not read: same errors as direct", "[proxy][diff]") {
    differential(
        [](Run &r) {
            r.log("read /local/domain/0/name", r.g.read("/local/domain/0/name"));
            r.log("read /local/domain/0/nothere", r.g.read("/local/domain/0/nothere"));
            r.log("read /local/domain/0/a/b/c", r.g.read("/local/domain/0/a/b/c"));
            r.log("dir /local/domain", r.g.directory("/local/domain"));
            r.log("dir /", r.g.directory("/"));
            r.log("read /tool/secret", r.g.read("/tool/secret"));
            r.log("read /tool/secret/x", r.g.read("/tool/secret/x"));
            r.log("write /tool/secret", r.g.write("/tool/secret", "x"));
            r.log("mkdir /tool/mine", r.g.mkdir("/tool/mine"));
            r.log("rm /tool/secret", r.g.rm("/tool/secret"));
            r.log("perms /tool/secret", r.g.get_perms("/tool/secret"));
            r.log("set_perms /tool/secret", r.g.set_perms("/tool/secret", {"n0"}));
            r.log("read /nowhere", r.g.read("/nowhere"));
            r.log("read other domain 5", r.g.read("/local/domain/5/name"));
            r.log("write other domain 5", r.g.write("/local/domain/5/data/x", "y"));
            r.log("read /vm", r.g.read("/vm"));
            r.log("read readable /tool/pub", r.g.read("/tool/pub"));
            r.log("read readable /tool/pub/sub (missing)", r.g.read("/tool/pub/sub"));
        },
        [](Env &env, std::uint32_t d) {
            env.dom0_write("/tool/secret", "s");
            env.dom0_write("/tool/pub", "p");
            env.dom0_set_perms("/tool/pub", {"n0", "r" + std::to_string(d)});
            REQUIRE(env.host.create_domain(5) == 5);
            env.host.introduce(5);
        });
}

TEST_CASE("privileged-only request types are EACCES like direct", "[proxy][diff]") {
    differential([](Run &r) {
        using namespace std::string_literals;
        r.log("INTRODUCE", r.g.request(XS_INTRODUCE, "5\0"s "1\0"s "1\0"s).err);
        r.log("RELEASE", r.g.request(XS_RELEASE, xsx::with_nul("5")).err);
        r.log("IS_DOMAIN_INTRODUCED 0",
              r.g.request(XS_IS_DOMAIN_INTRODUCED, xsx::with_nul("0")).err);
        r.log("SET_TARGET", r.g.request(XS_SET_TARGET, "5\0"s "0\0"s).err);
        r.log("RESUME", r.g.request(XS_RESUME, xsx::with_nul("5")).err);
        r.log("still alive", r.g.read("domid"));
    });
}

namespace {
std::string answer(const xsguest::Result<xsx::Msg> &m) {
    return m.ok() ? "\"" + m.val.body + "\"" : m.err;
}
} // namespace

TEST_CASE("bogus and unusual requests are answered like direct", "[proxy][diff][wire]") {
    differential([](Run &r) {
        r.log("write", r.g.write("data/x", "v"));
        r.log("WRITE no value sep", r.g.request(XS_WRITE, "data/y").err);
        r.log("WATCH one string", r.g.request(XS_WATCH, xsx::with_nul("data")).err);
        r.log("client WATCH_EVENT",
              r.g.request(XS_WATCH_EVENT, xsx::with_nul("data/x") + xsx::with_nul("t")).err);
        r.log("CONTROL", r.g.request(XS_CONTROL, xsx::with_nul("print") + xsx::with_nul("hi")).err);
        r.log("unknown type 99", r.g.request(99, xsx::with_nul("data/x")).err);
        r.log("path too long", r.g.read("data/" + std::string(3000, 'l')));
        r.log("trailing slash", r.g.read("data/x/"));
        r.log("double slash", r.g.read("data//x"));
        r.log("still fine", r.g.read("data/x"));
        r.log("broken", r.g.broken());
    });
}

// A READ whose body is not exactly one NUL-terminated string is ENOENT from C xenstored
// 4.17; the ring upstream forwards it untouched so xenstored answers for R itself.
TEST_CASE("malformed READ bodies are answered like direct", "[proxy][diff][wire]") {
    differential([](Run &r) {
        using namespace std::string_literals;
        r.log("write", r.g.write("data/x", "v"));
        r.log("READ without NUL", answer(r.g.request(XS_READ, "data/x")));
        r.log("READ two strings", answer(r.g.request(XS_READ, "data/x\0data/x\0"s)));
        r.log("READ empty body", answer(r.g.request(XS_READ, "")));
        r.log("still fine", r.g.read("data/x"));
    });
}
