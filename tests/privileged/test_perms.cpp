// SPDX-License-Identifier: LGPL-2.1-only
// Item 2 of the backend's brief: every access rule, the guest's view compared with a
// direct ring connection on C xenstored (the profile).
#include "penv.h"

using namespace privtest;

namespace {

std::string perms_str(const xsguest::Result<std::vector<std::string>> &r) {
    if (!r.ok()) return r.err;
    std::string s;
    for (const auto &p : r.val) s += p + " ";
    return s;
}

// dom0 areas the scenarios use: a dom0-only tree, a tree the guest may read, a directory
// the guest may write but does not own, and a node another domain (0) owns with an
// entry for the guest.
void areas(Env &env, std::uint32_t real) {
    std::string g = std::to_string(real);
    env.dom0_write("/local/domain/0/secret/k", "s");
    env.dom0_set_perms("/local/domain/0/secret", {"n0"});
    env.dom0_set_perms("/local/domain/0/secret/k", {"n0"});
    env.dom0_write("/shared/ro/k", "v");
    env.dom0_set_perms("/shared", {"r0"});
    env.dom0_set_perms("/shared/ro", {"r0"});
    env.dom0_set_perms("/shared/ro/k", {"r0"});
    env.dom0_mkdir("/shared/rw");
    env.dom0_set_perms("/shared/rw", {"r0", "b" + g});
    env.dom0_write("/shared/wo", "x");
    env.dom0_set_perms("/shared/wo", {"n0", "w" + g});
}

// Transaction ids as letters: digits would be taken for domids by the transcript map.
std::string tx_name(std::uint32_t id) { return "tx-" + std::string(1, static_cast<char>('a' + id - 1)); }

} // namespace

TEST_CASE("privileged: reads, EACCES vs ENOENT by the nearest existing ancestor", "[privileged][perms]") {
    differential([](Run &r) {
        auto &g = r.g;
        r.log("read domid", g.read("domid"));
        r.log("read home/nope", g.read("nope"));
        r.log("read secret/k", g.read("/local/domain/0/secret/k"));
        r.log("read secret/nope/deeper", g.read("/local/domain/0/secret/nope/deeper"));
        r.log("read secret/nope", g.read("/local/domain/0/secret/nope"));
        r.log("read shared/ro/k", g.read("/shared/ro/k"));
        r.log("read shared/ro/nope/x", g.read("/shared/ro/nope/x"));
        r.log("read shared/wo (write-only)", g.read("/shared/wo"));
        r.log("dir secret", show(g.directory("/local/domain/0/secret").err));
        r.log("dir shared", g.directory("/shared").val.size());
        r.log("perms secret/k", perms_str(g.get_perms("/local/domain/0/secret/k")));
        r.log("perms home", perms_str(g.get_perms(r.p("domid"))));
        r.log("perms shared/ro/nope", perms_str(g.get_perms("/shared/ro/nope")));
        auto dp = g.directory_part("/shared", 0);
        r.log("dirpart shared", dp.ok() ? std::to_string(dp.val.names.size()) + " complete " + show(dp.val.complete) : dp.err);
        r.log("dirpart secret", g.directory_part("/local/domain/0/secret", 0).err);
        r.log("read /", show(g.read("/").ok()));
    }, areas);
}

TEST_CASE("privileged: WRITE and MKDIR, created nodes' ownership and implicit parents", "[privileged][perms]") {
    differential([](Run &r) {
        auto &g = r.g;
        r.log("write data/x", g.write("data/x", "1"));
        r.log("perms data/x", perms_str(g.get_perms("data/x")));
        r.log("mkdir data/a/b/c", g.mkdir("data/a/b/c"));
        for (const char *p : {"data/a", "data/a/b", "data/a/b/c"})
            r.log(std::string("perms ") + p, perms_str(g.get_perms(p)));
        r.log("write home/x (not writable)", g.write("x", "1"));
        r.log("write home/domid (read-only)", g.write("domid", "5"));
        r.log("mkdir home (exists, not writable)", g.mkdir(r.p(""). substr(0, r.p("").size() - 1)));
        r.log("mkdir data (exists)", g.mkdir("data"));
        r.log("write secret/x", g.write("/local/domain/0/secret/x", "1"));
        r.log("write secret/nope/x", g.write("/local/domain/0/secret/nope/x", "1"));
        r.log("write shared/ro/x", g.write("/shared/ro/x", "1"));
        r.log("write shared/rw/n/m", g.write("/shared/rw/n/m", "v"));
        r.log("perms shared/rw/n", perms_str(g.get_perms("/shared/rw/n")));
        r.log("perms shared/rw/n/m", perms_str(g.get_perms("/shared/rw/n/m")));
        r.log("write shared/wo", g.write("/shared/wo", "y"));
        r.log("perms shared/wo (still dom0's)", perms_str(g.get_perms("/shared/wo")));
        r.log("read shared/wo/x (missing, write-only parent)", g.read("/shared/wo/x"));
        r.log("write /top", g.write("/top", "1"));
        r.log("dom0 sees data/a/b owner", r.env.dom0_read(home(r.real) + "/data/a/b"));
    }, areas);
}

TEST_CASE("privileged: RM rules", "[privileged][perms]") {
    differential([](Run &r) {
        auto &g = r.g;
        r.log("write data/t/u", g.write("data/t/u", "1"));
        r.log("rm data/t", g.rm("data/t"));
        r.log("read data/t/u", g.read("data/t/u"));
        r.log("rm data/missing (parent exists)", g.rm("data/missing"));
        r.log("rm data/mA/mB (parent missing)", g.rm("data/mA/mB"));
        r.log("rm domid (read-only)", g.rm("domid"));
        r.log("rm secret/k", g.rm("/local/domain/0/secret/k"));
        r.log("rm secret/nope", g.rm("/local/domain/0/secret/nope"));
        r.log("rm secret/nope/deeper", g.rm("/local/domain/0/secret/nope/deeper"));
        r.log("rm shared/ro/nope", g.rm("/shared/ro/nope"));
        r.log("rm shared/wo (write entry)", g.rm("/shared/wo"));
        r.log("rm /", g.rm("/"));
        r.log("dom0 shared/wo", r.env.dom0_read("/shared/wo"));
    }, areas);
}

TEST_CASE("privileged: SET_PERMS rules", "[privileged][perms]") {
    differential([](Run &r) {
        auto &g = r.g;
        std::string me = std::to_string(r.me);
        r.log("write data/y", g.write("data/y", "1"));
        r.log("set_perms data/y n@ r0", g.set_perms("data/y", {"n" + me, "r0"}));
        r.log("perms data/y", perms_str(g.get_perms("data/y")));
        r.log("set_perms owner change", g.set_perms("data/y", {"n0"}));
        r.log("set_perms 6 entries", g.set_perms("data/y", {"n" + me, "r0", "r0", "r0", "r0", "r0"}));
        r.log("set_perms 5 entries", g.set_perms("data/y", {"n" + me, "r0", "r0", "r0", "r0"}));
        r.log("set_perms unknown owner", g.set_perms("data/y", {"n42"}));
        r.log("set_perms unknown entry", g.set_perms("data/y", {"n" + me, "r42"}));
        r.log("perms data/y", perms_str(g.get_perms("data/y")));
        r.log("set_perms domid (not owner)", g.set_perms("domid", {"n" + me}));
        r.log("set_perms shared/rw (writable, not owner)", g.set_perms("/shared/rw", {"r0", "b" + me}));
        r.log("set_perms missing data/zz", g.set_perms("data/zz", {"n" + me}));
        r.log("set_perms missing secret/zz", g.set_perms("/local/domain/0/secret/zz", {"n0"}));
        r.log("set_perms @releaseDomain", g.set_perms("@releaseDomain", {"n0", "r" + me}));
        r.log("set_perms @introduceDomain", g.set_perms("@introduceDomain", {"n" + me}));
        r.log("set_perms data/y n@ b0 (give dom0 rw)", g.set_perms("data/y", {"n" + me, "b0"}));
        r.log("set_perms data/y n@ (read back)", perms_str(g.get_perms("data/y")));
        r.log("set_perms data/y r@ (default read)", g.set_perms("data/y", {"r" + me}));
    }, areas);
}

TEST_CASE("privileged: privileged-only request types get EACCES", "[privileged][perms]") {
    differential([](Run &r) {
        auto &g = r.g;
        std::string me = std::to_string(r.me);
        for (std::uint32_t t : {XS_INTRODUCE, XS_RELEASE, XS_RESUME, XS_SET_TARGET, XS_IS_DOMAIN_INTRODUCED, XS_CONTROL}) {
            auto rep = g.request(t, me + std::string(1, '\0') + "0" + std::string(1, '\0') + "5" + std::string(1, '\0'));
            r.log(std::string("type ") + xsx::type_name(t), rep.ok() ? (xsx::is_error(rep.val) ? std::string(xsx::error_name(rep.val)) : "OK") : rep.err);
        }
        r.log("get_domain_path 0", g.get_domain_path(0));
        r.log("get_domain_path self", g.get_domain_path(r.me));
    });
}

TEST_CASE("privileged: transactions map onto upstream ones with C's ids and errors", "[privileged][tx]") {
    differential([](Run &r) {
        auto &g = r.g;
        auto t1 = g.transaction_start();
        r.log("start", t1.ok() ? tx_name(t1.val) : t1.err);
        r.log("write in tx", g.write("data/tx", "v", t1.val));
        r.log("read outside", g.read("data/tx"));
        r.log("read inside", g.read("data/tx", t1.val));
        r.log("write secret in tx", g.write("/local/domain/0/secret/x", "1", t1.val));
        r.log("commit", g.transaction_end(t1.val, true));
        r.log("read after", g.read("data/tx"));
        r.log("perms after", perms_str(g.get_perms("data/tx")));
        auto t2 = g.transaction_start();
        r.log("start 2", t2.ok() ? tx_name(t2.val) : t2.err);
        r.log("read in tx2", g.read("data/tx", t2.val));
        r.env.dom0_write(home(r.real) + "/data/tx", "dom0");
        r.log("write in tx2", g.write("data/tx2", "x", t2.val));
        r.log("commit tx2 (conflict)", g.transaction_end(t2.val, true));
        r.log("end again", g.transaction_end(t2.val, true));
        r.log("read unknown tx", g.read("data/tx", 99));
        r.log("end unknown tx", g.transaction_end(99, false));
        auto t3 = g.transaction_start();
        r.log("start 3", t3.ok() ? tx_name(t3.val) : t3.err);
        r.log("abort 3", g.transaction_end(t3.val, false));
        auto nested = g.request(XS_TRANSACTION_START, std::string(1, '\0'), 5);
        r.log("start with unknown tx", nested.ok() ? std::string(xsx::error_name(nested.val)) : nested.err);
    }, areas);
}
