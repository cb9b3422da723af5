// SPDX-License-Identifier: LGPL-2.1-only
// Several guests behind one xsproxy, and the --virt choices of attach.
#include "fixture.h"

using namespace proxytest;

TEST_CASE("two proxied guests both see themselves as 1, isolated", "[proxy][multi]") {
    Env env(true);
    auto a = env.guest(R);
    auto b = env.guest(8);
    CHECK(a->read("domid").val == "1");
    CHECK(b->read("domid").val == "1");
    REQUIRE(a->watch("data", "wa").ok());
    REQUIRE(a->wait_event("data", "wa"));
    REQUIRE(b->watch("data", "wb").ok());
    REQUIRE(b->wait_event("data", "wb"));

    REQUIRE(a->write("data/who", "a").ok());
    REQUIRE(b->write("/local/domain/1/data/who", "b").ok());
    CHECK(a->read("data/who").val == "a");
    CHECK(b->read("data/who").val == "b");
    CHECK(env.dom0_read(home(R) + "/data/who") == "a");
    CHECK(env.dom0_read(home(8) + "/data/who") == "b");
    CHECK(a->wait_event("data/who", "wa"));
    CHECK(b->wait_event("data/who", "wb"));
    // Neither hears the other's writes.
    a->clear_events();
    REQUIRE(b->write("data/again", "b").ok());
    CHECK_FALSE(a->wait_event_if([](const xsguest::Event &e) { return e.token == "wa"; }, 300ms));
    // Each other's homes are unreadable (real 8 is 8 to guest 7 and vice versa).
    CHECK(a->read("/local/domain/8/data/who").err == "EACCES");
    CHECK(b->read("/local/domain/" + std::to_string(R) + "/data/who").err == "EACCES");
}

TEST_CASE("attach --virt birth: the guest keeps its real domid", "[proxy][multi]") {
    Env env(true);
    auto g = env.guest(R, {}, true, {"--virt", "birth"});
    CHECK(g->read("domid").val == std::to_string(R));
    CHECK(g->get_domain_path(R).val == home(R));
    REQUIRE(g->write(home(R) + "/data/x", "v").ok());
    CHECK(env.dom0_read(home(R) + "/data/x") == "v");
    CHECK(g->get_perms("data/x").val == std::vector<std::string>{"n" + std::to_string(R)});
    // Domain 1 is just another domain here: its path is not the guest's.
    CHECK(g->get_domain_path(1).val == "/local/domain/1");
    CHECK(g->read("/local/domain/1/data/x").err == "EACCES");
}

TEST_CASE("attach --virt N: the guest sees itself as N", "[proxy][multi]") {
    Env env(true);
    auto g = env.guest(R, {}, true, {"--virt", "3"});
    CHECK(g->read("domid").val == "3");
    CHECK(g->get_domain_path(3).val == "/local/domain/3");
    REQUIRE(g->write("/local/domain/3/data/x", "v").ok());
    CHECK(env.dom0_read(home(R) + "/data/x") == "v");
    CHECK(g->get_perms("data/x").val == std::vector<std::string>{"n3"});
    auto d = env.ctl({"dump", std::to_string(R)});
    CHECK(d.rc == 0);
}
