// SPDX-License-Identifier: LGPL-2.1-only
// Curated scenarios: the rules of xenstore-facts §2–§4 and §9, each as one scenario
// replayed directly and through xsproxy (see engine.h). Paths in {…} are templates.
#include "curated.h"

using namespace conf;

namespace {
const std::string CF = "/local/domain/0/cf/{t}"; // this scenario's dom0 area
const std::string HOME = "/local/domain/{me}";   // the guest's home as it sees it
const std::string RHOME = "/local/domain/{R}";   // the same, as dom0 sees it
} // namespace

TEST_CASE("every guest message type on its own home", "[curated][types]") {
    curated({"message types",
             {g(XS_WRITE, {"data/a", "alpha"}), g(XS_READ, {"data/a"}), g(XS_READ, {HOME + "/data/a"}),
              g(XS_MKDIR, {"data/m"}), g(XS_MKDIR, {"data/m"}), g(XS_DIRECTORY, {"data"}),
              g(XS_DIRECTORY, {HOME}), g(XS_GET_PERMS, {"data/a"}), g(XS_GET_PERMS, {HOME}),
              g(XS_SET_PERMS, {"data/a", "n{me}", "r0"}), g(XS_GET_PERMS, {"data/a"}),
              g(XS_READ, {"domid"}), g(XS_GET_DOMAIN_PATH, {"{me}"}), g(XS_GET_DOMAIN_PATH, {"0"}),
              g(XS_GET_DOMAIN_PATH, {"{one}"}), g(XS_GET_DOMAIN_PATH, {"4242"}),
              g(XS_DIRECTORY_PART, {"data", "0"}), g(XS_WATCH, {"data", "tok"}),
              g(XS_WRITE, {"data/a", "beta"}), g(XS_UNWATCH, {"data", "tok"}), g(XS_UNWATCH, {"data", "tok"}),
              tx_start(1), g(XS_WRITE, {"data/t", "v"}, 1), tx_end(1, true), g(XS_RM, {"data/a"}),
              g(XS_RM, {"data/a"}), g(XS_RM, {"data/nope/deeper"}), g(XS_READ, {"data/a"}),
              g(XS_RESET_WATCHES, {""}), g(XS_READ, {""}), g(XS_READ, {"data//x"}), g(XS_READ, {"data/x."}),
              g(XS_READ, {"data/x/"}), g(XS_WRITE, {"data/bin", std::string("a\0b\xff", 4)}),
              g(XS_READ, {"data/bin"}), g(XS_WRITE, {"data/a", "again"}), g_raw(XS_READ, std::string("data/a\0extra\0", 13)),
              g_raw(XS_READ, "data/a"), g_raw(XS_WRITE, "data/nonul"),
              g_raw(XS_MKDIR, std::string("data/mm\0x\0", 10)), g_raw(XS_RM, std::string("data/a\0x\0", 9)),
              g_raw(XS_RM, "data/a"), g_raw(XS_DIRECTORY, "data"), g(XS_READ, {"data/a"}), g(XS_READ, {"data/mm"})}},
            {{"\"alpha\"", "[n@ r0]", "/local/domain/@", "ERR ENOENT", "ev data | tok", "ERR EINVAL", "ERR ENOMEM"},
             {}});
}

TEST_CASE("owner, default and entry perms on dom0 nodes", "[curated][perms]") {
    curated({"owner/default/entry perms",
             {d0(XS_WRITE, {CF + "/none", "n"}), d0(XS_SET_PERMS, {CF + "/none", "n0"}),
              d0(XS_WRITE, {CF + "/dflt", "d"}), d0(XS_SET_PERMS, {CF + "/dflt", "r0"}),
              d0(XS_WRITE, {CF + "/entry", "e"}), d0(XS_SET_PERMS, {CF + "/entry", "n0", "r{R}"}),
              d0(XS_WRITE, {CF + "/wonly", "w"}), d0(XS_SET_PERMS, {CF + "/wonly", "n0", "w{R}"}),
              d0(XS_WRITE, {CF + "/both", "b"}), d0(XS_SET_PERMS, {CF + "/both", "n0", "b{R}"}),
              d0(XS_WRITE, {CF + "/owned", "o"}), d0(XS_SET_PERMS, {CF + "/owned", "n{R}"}),
              d0(XS_WRITE, {CF + "/other", "x"}), d0(XS_SET_PERMS, {CF + "/other", "r0", "n{R}", "b1"}),
              d0(XS_SET_PERMS, {CF, "r0"}),
              g(XS_READ, {CF + "/none"}), g(XS_READ, {CF + "/dflt"}), g(XS_READ, {CF + "/entry"}),
              g(XS_READ, {CF + "/wonly"}), g(XS_READ, {CF + "/both"}), g(XS_READ, {CF + "/owned"}),
              g(XS_READ, {CF + "/other"}), g(XS_GET_PERMS, {CF + "/entry"}), g(XS_GET_PERMS, {CF + "/other"}),
              g(XS_GET_PERMS, {CF + "/none"}), g(XS_WRITE, {CF + "/dflt", "g"}), g(XS_WRITE, {CF + "/wonly", "g"}),
              g(XS_WRITE, {CF + "/both", "g"}), g(XS_WRITE, {CF + "/owned", "g"}), g(XS_WRITE, {CF + "/other", "g"}),
              g(XS_SET_PERMS, {CF + "/owned", "n{me}", "r{one}"}), g(XS_GET_PERMS, {CF + "/owned"}),
              one(XS_READ, {RHOME.substr(0, 14) + "0/cf/{t}/owned"}), g(XS_SET_PERMS, {CF + "/both", "n{me}"}),
              g(XS_DIRECTORY, {CF}), one(XS_READ, {CF + "/other"}), one(XS_WRITE, {CF + "/other", "one"}),
              g(XS_READ, {CF + "/other"})}},
            {{"ERR EACCES", "\"d\"", "\"e\"", "[n0 r@]", "[n@ r#]"}});
}

TEST_CASE("EACCES vs ENOENT at several depths", "[curated][perms]") {
    curated({"EACCES vs ENOENT",
             {d0(XS_MKDIR, {CF + "/hid"}), d0(XS_SET_PERMS, {CF + "/hid", "n0"}), d0(XS_MKDIR, {CF + "/open"}),
              d0(XS_SET_PERMS, {CF + "/open", "r0"}), d0(XS_WRITE, {CF + "/open/in/hid", "v"}),
              d0(XS_SET_PERMS, {CF + "/open/in/hid", "n0"}), d0(XS_SET_PERMS, {CF, "r0"}),
              g(XS_READ, {CF + "/hid"}), g(XS_READ, {CF + "/hid/x"}), g(XS_READ, {CF + "/hid/x/y/z"}),
              g(XS_READ, {CF + "/open/x"}), g(XS_READ, {CF + "/open/x/y/z"}), g(XS_READ, {CF + "/open/in/hid/x"}),
              g(XS_READ, {CF + "/open/in/x"}), g(XS_WRITE, {CF + "/open/x", "v"}),
              g(XS_WRITE, {CF + "/open/x/y", "v"}), g(XS_MKDIR, {CF + "/open/x"}), g(XS_MKDIR, {CF + "/open"}),
              g(XS_RM, {CF + "/open/missing"}), g(XS_RM, {CF + "/open/missing/deeper"}),
              g(XS_RM, {CF + "/hid/missing"}), g(XS_DIRECTORY, {CF + "/hid"}), g(XS_DIRECTORY, {CF + "/hid/x"}),
              g(XS_GET_PERMS, {CF + "/hid/x"}), g(XS_GET_PERMS, {CF + "/open/x"}),
              g(XS_READ, {"/local/domain/0/nope/deeper"}), g(XS_READ, {"/local/domain/{one}/nope"}),
              g(XS_READ, {"/local/domain/{one}/sh/{t}/x"}), g(XS_READ, {"/nowhere/at/all"}),
              g(XS_READ, {"/local/domain/{x}/x"}), g(XS_RM, {"/"}), g(XS_RM, {HOME + "/nope/deeper"}),
              g(XS_DIRECTORY_PART, {CF + "/hid", "0"}), g(XS_DIRECTORY_PART, {CF + "/open/zz", "0"})}},
            {{"ERR EACCES", "ERR ENOENT"}});
}

TEST_CASE("implicit parent creation and ownership", "[curated][perms]") {
    curated({"implicit parents",
             {d0(XS_MKDIR, {CF + "/w"}), d0(XS_SET_PERMS, {CF + "/w", "r0", "b{R}", "r1"}),
              g(XS_WRITE, {"data/a/b/c", "v"}), g(XS_GET_PERMS, {"data/a"}), g(XS_GET_PERMS, {"data/a/b"}),
              g(XS_READ, {"data/a/b"}), g(XS_SET_PERMS, {"data", "n{me}", "r{one}", "r0"}),
              g(XS_MKDIR, {"data/x/y"}), g(XS_GET_PERMS, {"data/x"}), g(XS_GET_PERMS, {"data/x/y"}),
              g(XS_WRITE, {CF + "/w/p/q", "v"}), g(XS_GET_PERMS, {CF + "/w"}), g(XS_GET_PERMS, {CF + "/w/p"}),
              g(XS_GET_PERMS, {CF + "/w/p/q"}), d0(XS_WRITE, {RHOME + "/data/dz/dy", "d"}),
              g(XS_GET_PERMS, {"data/dz"}), g(XS_GET_PERMS, {"data/dz/dy"}), one(XS_READ, {RHOME + "/data/x/y"}),
              one(XS_READ, {CF + "/w/p/q"}), one(XS_GET_PERMS, {CF + "/w/p"}),
              d0(XS_WRITE, {CF + "/w/p/q/r/s", "dom0"})}},
            {{"[r0 b@ r#]", "[n@ r# r0]", "[r@ b@ r#]"}});
}

TEST_CASE("RM of a subtree with unreadable children", "[curated][perms][watch]") {
    curated({"rm subtree",
             {g(XS_WRITE, {"data/t/a/deep", "v"}), g(XS_WRITE, {"data/t/b", "v"}),
              d0(XS_WRITE, {RHOME + "/data/t/a/hid", "h"}), d0(XS_SET_PERMS, {RHOME + "/data/t/a/hid", "n0"}),
              d0(XS_SET_PERMS, {RHOME + "/data/t/b", "n0"}), g(XS_READ, {"data/t/b"}),
              g(XS_WATCH, {"data/t/a/hid", "exact"}), g(XS_WATCH, {"data/t", "sub"}),
              g(XS_WATCH, {HOME + "/data/t/a", "absa"}), g(XS_WATCH, {"data/t/b", "bb"}),
              g(XS_RM, {"data/t/b"}), g(XS_RM, {"data/t"}), g(XS_READ, {"data/t/a"}),
              g(XS_DIRECTORY, {"data"}), d0(XS_READ, {RHOME + "/data/t/a/hid"})}},
            {{"ev data/t | sub"}});
}

TEST_CASE("SET_PERMS errors: EPERM, ENOSPC, ENOENT, EINVAL, EACCES", "[curated][perms]") {
    curated({"set_perms errors",
             {g(XS_WRITE, {"data/p", "v"}), d0(XS_WRITE, {CF + "/d0", "v"}), d0(XS_SET_PERMS, {CF + "/d0", "n0", "b{R}"}),
              g(XS_SET_PERMS, {"data/p", "n0"}), g(XS_SET_PERMS, {"data/p", "n{one}"}),
              g(XS_SET_PERMS, {"data/p", "n{me}", "r0", "r{one}", "r{x}", "w0", "b{one}"}),
              g(XS_SET_PERMS, {"data/p", "n{me}", "r0", "r{one}", "r{x}", "w0"}), g(XS_GET_PERMS, {"data/p"}),
              g(XS_SET_PERMS, {"data/missing", "n{me}"}), g(XS_SET_PERMS, {"data/missing/deeper", "n{me}"}),
              g(XS_SET_PERMS, {"data/p"}), g(XS_SET_PERMS, {"data/p", "q{me}"}),
              g(XS_SET_PERMS, {"data/p", "n"}), g(XS_SET_PERMS, {"data/p", "n{me}x"}),
              g(XS_SET_PERMS, {CF + "/d0", "b0"}), g(XS_SET_PERMS, {CF + "/d0", "b{me}"}),
              g(XS_SET_PERMS, {"data/p", "n{me}", "r4000"}), g(XS_GET_PERMS, {"data/p"}),
              g(XS_SET_PERMS, {"@releaseDomain", "n{me}"}), g(XS_SET_PERMS, {"@introduceDomain", "n0", "r{me}"}),
              g(XS_SET_PERMS, {"@other", "n0"}), g(XS_GET_PERMS, {"@releaseDomain"}), g(XS_READ, {"@releaseDomain"})}},
            {{"ERR EPERM", "ERR ENOSPC", "ERR ENOENT", "ERR EINVAL", "ERR EACCES"},
             {"special-path-set-perms"}});
}

TEST_CASE("privileged-only and unknown message types", "[curated][types]") {
    curated({"privileged types",
             {g(XS_INTRODUCE, {"{x}", "1", "5"}), g(XS_RELEASE, {"{me}"}), g(XS_RELEASE, {"{one}"}),
              g(XS_RESUME, {"{me}"}), g(XS_SET_TARGET, {"{me}", "{one}"}), g(XS_IS_DOMAIN_INTRODUCED, {"{me}"}),
              g(XS_IS_DOMAIN_INTRODUCED, {"{one}"}), g(XS_IS_DOMAIN_INTRODUCED, {"0"}),
              g(XS_CONTROL, {"quota", "{me}"}), g(XS_CONTROL, {"print", "x"}), g(20, {""}), g(23, {"{me}"}),
              g(26, {"{me}", "x"}), g(XS_WATCH_EVENT, {"a", "b"}), g(XS_ERROR, {"EINVAL"}), g(0xffff, {""}),
              g(XS_READ, {"domid"})}},
            {{"ERR EACCES", "ERR ENOSYS"}});
}

TEST_CASE("watch filtering: node, parent and old perms", "[curated][watch]") {
    curated({"watch filtering",
             {d0(XS_MKDIR, {CF}), d0(XS_SET_PERMS, {CF, "n0"}), d0(XS_WRITE, {CF + "/open", "o"}),
              d0(XS_SET_PERMS, {CF + "/open", "r0"}), d0(XS_WRITE, {CF + "/hid", "h"}),
              d0(XS_SET_PERMS, {CF + "/hid", "n0"}), g(XS_WATCH, {CF, "cf"}), g(XS_WATCH, {"/local/domain/0", "dz"}),
              d0(XS_WRITE, {CF + "/open", "o2"}), d0(XS_WRITE, {CF + "/hid", "h2"}),
              d0(XS_WRITE, {CF + "/open/kid", "k"}), d0(XS_SET_PERMS, {CF + "/open/kid", "n0"}),
              d0(XS_WRITE, {CF + "/open/kid", "k2"}), d0(XS_WRITE, {CF + "/hid/kid", "k"}),
              d0(XS_SET_PERMS, {CF + "/open", "n0"}), d0(XS_WRITE, {CF + "/open", "o3"}),
              d0(XS_SET_PERMS, {CF + "/hid", "n0", "r{R}"}), d0(XS_WRITE, {CF + "/hid", "h3"}),
              d0(XS_RM, {CF + "/hid/kid"}), d0(XS_SET_PERMS, {CF + "/hid", "n0"}), d0(XS_RM, {CF + "/hid"}),
              d0(XS_MKDIR, {CF + "/open"}), d0(XS_MKDIR, {CF + "/newdir"}), d0(XS_RM, {CF + "/open"}),
              g(XS_UNWATCH, {CF, "cf"}), d0(XS_WRITE, {CF + "/again", "a"})}},
            {{"ev /local/domain/0/cf/"}});
}

TEST_CASE("@ watches, granted and not, with domain introduction and death", "[curated][watch][domain]") {
    curated({"special watches",
             {g(XS_WATCH, {"@introduceDomain", "intro"}), g(XS_WATCH, {"@releaseDomain", "rel"}),
              g(XS_WATCH, {"@releaseDomain/{x}", "relx"}), g(XS_WATCH, {"@other", "oth"}),
              g(XS_GET_DOMAIN_PATH, {"{x}"}), g(XS_READ, {"/local/domain/{x}/domid"}), host(introduce_x),
              g(XS_READ, {"/local/domain/{x}/domid"}), g(XS_DIRECTORY, {"/local/domain/{x}"}),
              d0(XS_SET_PERMS, {"@releaseDomain", "n0", "r{R}"}), host(destroy_x),
              d0(XS_SET_PERMS, {"@releaseDomain", "n0"}), g(XS_READ, {"/local/domain/{x}/domid"}),
              g(XS_UNWATCH, {"@releaseDomain", "rel"}), g(XS_UNWATCH, {"@releaseDomain", "rel"})}},
            {{"ev @releaseDomain | rel", "ev @introduceDomain | intro"}});
}

TEST_CASE("@introduceDomain granted fires for a new domain", "[curated][watch][domain]") {
    curated({"introduce granted",
             {d0(XS_SET_PERMS, {"@introduceDomain", "n0", "r{R}"}), g(XS_WATCH, {"@introduceDomain", "intro"}),
              host(introduce_x), d0(XS_SET_PERMS, {"@introduceDomain", "n0"}), host(destroy_x)}},
            {{"ev @introduceDomain | intro"}});
}

TEST_CASE("RESET_WATCHES drops watches and transactions", "[curated][watch][tx]") {
    curated({"reset watches",
             {g(XS_WATCH, {"data", "a"}), g(XS_WATCH, {HOME + "/data", "b"}), tx_start(1),
              g(XS_WRITE, {"data/x", "tx"}, 1), g(XS_RESET_WATCHES, {""}), g(XS_WRITE, {"data/y", "v"}),
              g(XS_READ, {"data/x"}, 1), tx_end(1, true), g(XS_READ, {"data/x"}), g(XS_UNWATCH, {"data", "a"}),
              g(XS_WATCH, {"data", "a"}), g(XS_WATCH, {HOME + "/data", "a"}), d0(XS_WRITE, {RHOME + "/data/z", "d"}),
              g_raw(XS_RESET_WATCHES, ""), g_raw(XS_RESET_WATCHES, std::string("x\0", 2))}},
            {{"ev data | a", "ERR ENOENT"}});
}

TEST_CASE("transactions: isolation, commit, abort, EAGAIN, nesting", "[curated][tx]") {
    curated({"transactions",
             {g(XS_WRITE, {"data/c", "zero"}), g(XS_WATCH, {"data", "w"}), tx_start(1), g(XS_READ, {"data/c"}, 1),
              g(XS_WRITE, {"data/t", "in"}, 1), g(XS_READ, {"data/t"}, 1), g(XS_DIRECTORY, {"data"}, 1),
              g(XS_READ, {"data/t"}), d0(XS_READ, {RHOME + "/data/t"}), tx_end(1, true), g(XS_READ, {"data/t"}),
              tx_start(2), g(XS_READ, {"data/c"}, 2), d0(XS_WRITE, {RHOME + "/data/c", "dom0"}),
              g(XS_WRITE, {"data/c", "guest"}, 2), tx_end(2, true), g(XS_READ, {"data/c"}), tx_start(3),
              g(XS_WRITE, {"data/blind", "w"}, 3), d0(XS_WRITE, {RHOME + "/data/c", "again"}), tx_end(3, true),
              tx_start(4), g(XS_TRANSACTION_START, {""}, 4), g(XS_TRANSACTION_END, {"X"}, 4),
              g_raw(XS_TRANSACTION_END, "T", 4), g(XS_READ, {"data/c"}, 4), tx_end(4, false), tx_end(4, false),
              g(XS_READ, {"data/c"}, -1), g(XS_TRANSACTION_END, {"T"}), g(XS_WATCH, {"data/w2", "x"}, 3),
              tx_start(5), g(XS_MKDIR, {"data/m/n"}, 5), g(XS_RM, {"data/t"}, 5), g(XS_SET_PERMS, {"data/c", "n{me}", "r{one}"}, 5),
              g(XS_GET_PERMS, {"data/c"}, 5), g(XS_GET_PERMS, {"data/c"}), tx_end(5, true), g(XS_GET_PERMS, {"data/c"}),
              tx_start(6), g(XS_READ, {"data/c"}, 6), one(XS_READ, {RHOME + "/data/c"}), tx_end(6, true),
              tx_start(7), g(XS_DIRECTORY, {"data"}, 7), d0(XS_WRITE, {RHOME + "/data/new", "n"}), g(XS_WRITE, {"data/z", "z"}, 7),
              tx_end(7, true)}},
            {{"ERR EAGAIN", "ERR EBUSY", "ev data | w"}});
}

TEST_CASE("quotas: 129 watches then E2BIG, 11 transactions then ENOSPC", "[curated][quota]") {
    Scenario s{"watch and transaction quotas", {}};
    for (int i = 0; i < 131; ++i) s.ops.push_back(gp(XS_WATCH, {"data/w" + letters(i), "q"}));
    s.ops.back().pipe = false;
    for (int i = 1; i <= 12; ++i) s.ops.push_back(tx_start(i));
    s.ops.push_back(tx_end(3, false));
    s.ops.push_back(tx_start(13));
    s.ops.push_back(g(XS_RESET_WATCHES, {""}));
    s.ops.push_back(g(XS_WATCH, {"data/after", "q"}));
    s.ops.push_back(tx_start(14));
    curated(s, {{"ERR E2BIG", "ERR ENOSPC"}});
}

TEST_CASE("quotas: node count and node size", "[curated][quota]") {
    curated({"node quotas",
             {g(XS_WRITE, {"data/big", std::string(2000, 'v')}), g(XS_WRITE, {"data/big", std::string(2030, 'v')}),
              g(XS_WRITE, {"data/big", std::string(3000, 'v')}), g(XS_READ, {"data/big"}),
              host(fill, {RHOME + "/fill", "1000"}), g(XS_WRITE, {"data/over", "v"}), g(XS_MKDIR, {"data/overdir"}),
              tx_start(1), g(XS_WRITE, {"data/overtx", "v"}, 1), tx_end(1, true), g(XS_WRITE, {"fill/na", "w"}),
              g(XS_RM, {"fill/nb"}), g(XS_WRITE, {"data/over", "v"}), g(XS_RM, {"fill"}), g(XS_WRITE, {"data/over", "v"})}},
            {{"ERR ENOSPC"}});
}

TEST_CASE("DIRECTORY_PART on large directories", "[curated][wire]") {
    const std::string pad(70, 'n');
    Scenario s{"directory part", {d0(XS_MKDIR, {CF + "/big"}), d0(XS_SET_PERMS, {CF + "/big", "n0", "r{R}"})}};
    for (unsigned i = 0; i < 80; ++i) s.ops.push_back(d0(XS_WRITE, {CF + "/big/" + pad + letters(i + 26), "v"}));
    for (auto o : {g(XS_DIRECTORY, {CF + "/big"}), g(XS_DIRECTORY_PART, {CF + "/big", "0"}),
                   g(XS_DIRECTORY_PART, {CF + "/big", "4020"}), g(XS_DIRECTORY_PART, {CF + "/big", "4026"}),
                   g(XS_DIRECTORY_PART, {CF + "/big", "5840"}), g(XS_DIRECTORY_PART, {CF + "/big", "100000"}),
                   g(XS_DIRECTORY_PART, {CF + "/big", "x"}), g(XS_DIRECTORY_PART, {CF + "/big"}),
                   g(XS_DIRECTORY_PART, {"/local/domain", "0"}), g(XS_DIRECTORY, {"/local/domain"}),
                   g(XS_DIRECTORY_PART, {"data/missing", "0"}), g(XS_DIRECTORY_PART, {"/local/domain/0", "0"})})
        s.ops.push_back(o);
    for (unsigned i = 0; i < 30; ++i) s.ops.push_back(gp(XS_WRITE, {"data/big/" + pad + letters(i + 26), "v"}));
    s.ops.back().pipe = false;
    s.ops.push_back(g(XS_DIRECTORY_PART, {"data/big", "0"}));
    s.ops.push_back(g(XS_DIRECTORY, {"data/big"}));
    curated(s, {{"ERR E2BIG", "part gen=g", "end"}});
}

TEST_CASE("path-length limits after rewriting", "[curated][paths]") {
    // Templates expand to the same real path on both hosts: the proxied guest spells
    // itself 1 and xsproxy rewrites to R, so these probe xenstored's limits at the real
    // length (home: relative part <= 2048; elsewhere: whole path <= 2048).
    const std::string rel2048(2048, 'p'), rel2049(2049, 'p');
    // "/local/domain/0/backend/vif/" + R ("20" with one pair per test case) + "/" = 31.
    const std::string be = "/local/domain/0/backend/vif/{me}/";
    curated({"path length",
             {g(XS_WRITE, {HOME + "/" + rel2048.substr(0, 2047), "v"}), g(XS_READ, {rel2048.substr(0, 2047)}),
              g(XS_READ, {rel2048}), g(XS_READ, {rel2049}), g(XS_READ, {HOME + "/" + rel2048.substr(0, 2047)}),
              g(XS_READ, {HOME + "/" + rel2049.substr(0, 2048)}), g(XS_READ, {HOME + "/" + rel2049}),
              g(XS_WATCH, {rel2049, "long"}), g(XS_WATCH, {rel2048.substr(0, 2047), "long"}),
              g(XS_READ, {be + std::string(2017, 'q')}), g(XS_READ, {be + std::string(2018, 'q')}),
              g(XS_READ, {be + std::string(2016, 'q')}), g(XS_WATCH, {be + std::string(2018, 'q'), "be"}),
              g(XS_READ, {CF + "/" + std::string(2030, 'c')}), g(XS_WATCH, {"@" + std::string(2047, 'a'), "at"}),
              g(XS_WATCH, {"@" + std::string(2048, 'a'), "at"}), g(XS_READ, {"/local/domain/" + std::string(2040, '9')})}},
            {{"ERR EINVAL"}});
}

TEST_CASE("non-canonical domid spellings: the documented divergence", "[curated][domid]") {
    auto o = curated({"non-canonical domids",
                      {g(XS_WRITE, {"data/p", "v"}), g(XS_GET_DOMAIN_PATH, {"01"}), g(XS_GET_DOMAIN_PATH, {"0x1"}),
                       g(XS_GET_DOMAIN_PATH, {"+1"}), g(XS_GET_DOMAIN_PATH, {"0{me}"}), g(XS_GET_DOMAIN_PATH, {" {me}"}),
                       // {x} is never created here: xenstored stores such an entry as
                       // ignored, so the state after the restore is the same both ways.
                       g(XS_SET_PERMS, {"data/p", "n{me}", "r0{x}"}), g(XS_SET_PERMS, {"data/p", "n{me}"}),
                       g(XS_SET_PERMS, {"data/p", "n{me}", "r+{x}"}), g(XS_SET_PERMS, {"data/p", "n{me}"}),
                       g(XS_GET_PERMS, {"data/p"}), g(XS_IS_DOMAIN_INTRODUCED, {"01"}), g(XS_RELEASE, {"0{me}"}),
                       g(XS_GET_DOMAIN_PATH, {"{one}"}), g(XS_READ, {"data/p"})}},
                     {{"ERR EACCES"}, {"noncanonical-domid"}});
    // Exactly the non-canonical requests differ: 5 GET_DOMAIN_PATH and 2 SET_PERMS. The
    // privileged ones are EACCES both ways (xsproxy checks privilege before domids).
    for (const auto &r : o.rows) {
        INFO(target_name(r.row));
        CHECK(r.diffs.size() == 7);
    }
}

TEST_CASE("real domain 1 next to the guest: areas, perms, watches", "[curated][domid]") {
    curated({"domain one",
             {d0(XS_WRITE, {"/local/domain/1/sh/{t}/open", "o"}), d0(XS_SET_PERMS, {"/local/domain/1/sh/{t}/open", "n1", "r{R}"}),
              d0(XS_WRITE, {"/local/domain/1/sh/{t}/hid", "h"}), d0(XS_SET_PERMS, {"/local/domain/1/sh/{t}", "n1", "r{R}"}),
              g(XS_READ, {"/local/domain/{one}/sh/{t}/open"}), g(XS_READ, {"/local/domain/{one}/sh/{t}/hid"}),
              g(XS_GET_PERMS, {"/local/domain/{one}/sh/{t}/open"}), g(XS_DIRECTORY, {"/local/domain/{one}/sh/{t}"}),
              g(XS_READ, {"/local/domain/{one}/domid"}), g(XS_GET_DOMAIN_PATH, {"{one}"}),
              g(XS_WATCH, {"/local/domain/{one}/sh/{t}", "one"}), one(XS_WRITE, {"/local/domain/1/sh/{t}/open", "o2"}),
              one(XS_WRITE, {"/local/domain/1/sh/{t}/new", "n"}), one(XS_SET_PERMS, {"/local/domain/1/sh/{t}/new", "n1", "b{R}"}),
              g(XS_WRITE, {"/local/domain/{one}/sh/{t}/new", "g"}), g(XS_WRITE, {"/local/domain/{one}/sh/{t}/open", "g"}),
              g(XS_WRITE, {"data/g", "v"}), g(XS_SET_PERMS, {"data/g", "n{me}", "r{one}"}), one(XS_READ, {RHOME + "/data/g"}),
              one(XS_WRITE, {RHOME + "/data/g", "no"}), g(XS_SET_PERMS, {"data/g", "n{me}", "b{one}"}),
              one(XS_WRITE, {RHOME + "/data/g", "yes"}), g(XS_READ, {"data/g"}), g(XS_GET_PERMS, {"data/g"}),
              one(XS_GET_PERMS, {RHOME + "/data/g"}), one(XS_READ, {RHOME + "/domid"})}},
            {{"\"o\"", "ev /local/domain/#/sh/"}});
}

TEST_CASE("PV vif frontend/backend handshake", "[curated][pv]") {
    const std::string be = "/local/domain/0/backend/vif/{R}/0", fe = RHOME + "/device/vif/0";
    curated({"vif handshake",
             {d0(XS_MKDIR, {be}), d0(XS_SET_PERMS, {be, "n0", "r{R}"}), d0(XS_MKDIR, {fe}),
              d0(XS_SET_PERMS, {fe, "n{R}", "r0"}), d0(XS_WRITE, {be + "/frontend", fe}),
              d0(XS_WRITE, {be + "/frontend-id", "{R}"}), d0(XS_WRITE, {be + "/online", "1"}), d0(XS_WRITE, {be + "/state", "1"}),
              d0(XS_WRITE, {be + "/mac", "00:16:3e:00:00:01"}), d0(XS_WRITE, {be + "/handle", "0"}),
              d0(XS_SET_PERMS, {be, "n0", "r{R}"}), d0(XS_WRITE, {fe + "/backend", be}),
              d0(XS_WRITE, {fe + "/backend-id", "0"}), d0(XS_WRITE, {fe + "/state", "1"}),
              d0(XS_WRITE, {fe + "/handle", "0"}), d0(XS_WRITE, {fe + "/mac", "00:16:3e:00:00:01"}),
              d0(XS_SET_PERMS, {fe, "n{R}", "r0"}), d0(XS_WRITE, {be + "/state", "2"}),
              g(XS_DIRECTORY, {"device/vif"}), g(XS_READ, {"device/vif/0/backend"}),
              g(XS_READ, {"device/vif/0/backend-id"}), g(XS_GET_PERMS, {"device/vif/0"}),
              g(XS_WATCH, {"/local/domain/0/backend/vif/{me}/0/state", "be-state"}),
              g(XS_READ, {"/local/domain/0/backend/vif/{me}/0/state"}),
              g(XS_READ, {"/local/domain/0/backend/vif/{me}/0/frontend"}),
              g(XS_READ, {"/local/domain/0/backend/vif/{me}/0/frontend-id"}),
              g(XS_READ, {"/local/domain/0/backend/vif/{me}/0/feature-rx-copy"}), tx_start(1),
              g(XS_WRITE, {"device/vif/0/tx-ring-ref", "8"}, 1), g(XS_WRITE, {"device/vif/0/rx-ring-ref", "9"}, 1),
              g(XS_WRITE, {"device/vif/0/event-channel", "10"}, 1), g(XS_WRITE, {"device/vif/0/request-rx-copy", "1"}, 1),
              g(XS_WRITE, {"device/vif/0/state", "3"}, 1), tx_end(1, true), d0(XS_READ, {fe + "/event-channel"}),
              d0(XS_WRITE, {be + "/state", "4"}), g(XS_WRITE, {"device/vif/0/state", "4"}),
              g(XS_DIRECTORY, {"/local/domain/0/backend/vif"}), g(XS_DIRECTORY, {"/local/domain/0/backend/vif/{me}"}),
              d0(XS_WRITE, {be + "/state", "5"}), g(XS_WRITE, {"device/vif/0/state", "6"}),
              d0(XS_WRITE, {be + "/state", "6"}), d0(XS_RM, {be}), g(XS_READ, {"/local/domain/0/backend/vif/{me}/0/state"})}},
            {{"\"/local/domain/0/backend/vif/@/0\"", "\"@\"", "ev /local/domain/0/backend/vif/@/0/state | be-state"}});
}

TEST_CASE("PV vbd frontend/backend handshake", "[curated][pv]") {
    const std::string be = "/local/domain/0/backend/vbd/{R}/51712", fe = RHOME + "/device/vbd/51712";
    curated({"vbd handshake",
             {d0(XS_MKDIR, {be}), d0(XS_SET_PERMS, {be, "n0", "r{R}"}), d0(XS_MKDIR, {fe}),
              d0(XS_SET_PERMS, {fe, "n{R}", "r0"}), d0(XS_WRITE, {be + "/frontend", fe}),
              d0(XS_WRITE, {be + "/frontend-id", "{R}"}), d0(XS_WRITE, {be + "/params", "/dev/vg/disk"}), d0(XS_WRITE, {be + "/state", "1"}),
              d0(XS_WRITE, {be + "/dev", "xvda"}), d0(XS_SET_PERMS, {be, "n0", "r{R}"}),
              d0(XS_WRITE, {fe + "/backend", be}), d0(XS_WRITE, {fe + "/backend-id", "0"}),
              d0(XS_WRITE, {fe + "/state", "1"}), d0(XS_WRITE, {fe + "/virtual-device", "51712"}),
              d0(XS_WRITE, {fe + "/device-type", "disk"}), d0(XS_SET_PERMS, {fe, "n{R}", "r0"}),
              d0(XS_WRITE, {be + "/sectors", "2097152"}), d0(XS_WRITE, {be + "/sector-size", "512"}),
              d0(XS_WRITE, {be + "/feature-flush-cache", "1"}), d0(XS_WRITE, {be + "/state", "2"}),
              g(XS_WATCH, {"device/vbd/51712/backend", "fe"}), g(XS_READ, {"device/vbd/51712/backend"}),
              g(XS_WATCH, {"/local/domain/0/backend/vbd/{me}/51712/state", "bst"}),
              g(XS_READ, {"/local/domain/0/backend/vbd/{me}/51712/sectors"}), tx_start(1),
              g(XS_WRITE, {"device/vbd/51712/ring-ref", "8"}, 1), g(XS_WRITE, {"device/vbd/51712/event-channel", "11"}, 1),
              g(XS_WRITE, {"device/vbd/51712/protocol", "x86_64-abi"}, 1), g(XS_WRITE, {"device/vbd/51712/state", "3"}, 1),
              tx_end(1, true), d0(XS_WRITE, {be + "/state", "4"}), g(XS_WRITE, {"device/vbd/51712/state", "4"}),
              g(XS_DIRECTORY, {"/local/domain/0/backend/vbd/{me}/51712"}), g(XS_GET_PERMS, {"/local/domain/0/backend/vbd/{me}/51712"}),
              g(XS_WRITE, {"device/vbd/51712/state", "5"}), d0(XS_WRITE, {be + "/state", "6"}),
              g(XS_WRITE, {"device/vbd/51712/state", "6"}), g(XS_UNWATCH, {"/local/domain/0/backend/vbd/{me}/51712/state", "bst"})}},
            {{"\"/local/domain/0/backend/vbd/@/51712\"", "[n0 r@]"}});
}

TEST_CASE("watches: relative, absolute, duplicates, tokens, unwatch", "[curated][watch]") {
    curated({"watch basics",
             {g(XS_WATCH, {"data", "rel"}), g(XS_WATCH, {HOME + "/data", "rel"}), g(XS_WATCH, {HOME + "/data", "abs"}),
              g(XS_WATCH, {"data/missing/deep", "deep"}), g(XS_WATCH, {"/local/domain/0/cf", "hidden"}),
              g(XS_WATCH, {"/", "root"}), g(XS_WATCH, {"data", std::string("tok\x01\xfe", 5)}),
              g(XS_WATCH, {"data", "/local/domain/1/data"}), g(XS_WATCH, {"data", ""}), g(XS_WATCH, {"data"}),
              g(XS_WATCH, {"data", "a", "1"}), g(XS_WRITE, {"data/x", "v"}), g(XS_MKDIR, {"data/x"}),
              g(XS_MKDIR, {"data/y"}), g(XS_RM, {"data/x"}), d0(XS_WRITE, {RHOME + "/data/d0", "d"}),
              d0(XS_WRITE, {CF + "/x", "v"}), g(XS_UNWATCH, {HOME + "/data", "rel"}), g(XS_UNWATCH, {"data", "rel"}),
              g(XS_UNWATCH, {"data", "abs"}), g(XS_UNWATCH, {"data", "nope"}), g(XS_WRITE, {"data/x", "v"}),
              g(XS_WATCH, {"..", "dots"}), g(XS_WATCH, {"data/", "slash"})}},
            {{"ev data | rel", "ev /local/domain/@/data | abs", "ERR EEXIST"}});
}

// A long pipelined burst once lost replies under load: xsproxy stopped noticing what
// xenstored took from the shadow ring once more than a ring's worth went between two looks.
TEST_CASE("pipelined requests of every kind, errors and watches interleaved", "[curated][ring]") {
    Scenario s{"pipelining", {d0(XS_WRITE, {CF + "/v", "d0"}), d0(XS_SET_PERMS, {CF, "r0"})}};
    for (int i = 0; i < 40; ++i) {
        std::string n = "data/p" + letters(static_cast<unsigned>(i));
        s.ops.push_back(gp(XS_WRITE, {n, "v" + letters(static_cast<unsigned>(i))}));
        s.ops.push_back(gp(XS_READ, {n}));
        if (i % 5 == 0) s.ops.push_back(gp(XS_READ, {"/local/domain/0/nope"}));
        if (i % 7 == 0) s.ops.push_back(gp(XS_WATCH, {n, "w" + letters(static_cast<unsigned>(i))}));
        if (i % 9 == 0) s.ops.push_back(gp(XS_GET_PERMS, {CF + "/v"}));
        if (i % 11 == 0) s.ops.push_back(gp(XS_DIRECTORY, {"data"}));
    }
    s.ops.push_back(gp(XS_GET_DOMAIN_PATH, {"{me}"}));
    s.ops.push_back(gp(XS_TRANSACTION_START, {""}));
    s.ops.push_back(g(XS_RM, {"data"}));
    curated(s, {{"ev data/pa | wa", "ERR EACCES"}});
}

// After a guest INTRODUCE with one argument (xenstored: EACCES, the privilege check comes
// first), replies through xsproxy once stopped (same cause as the burst above).
TEST_CASE("malformed INTRODUCE from the guest, then ordinary requests", "[curated][types]") {
    curated({"short introduce",
             {g(XS_INTRODUCE, {"{me}"}), g(XS_READ, {"domid"}), g(XS_WRITE, {"data/a", "v"}), g(XS_READ, {"data/a"})}},
            {{"ERR EACCES", "\"@\""}});
}
