// SPDX-License-Identifier: LGPL-2.1-only
// Transactions, big directories, pipelining and quotas: direct vs through xsproxy.
#include "fixture.h"

using namespace proxytest;

TEST_CASE("transactions commit and abort like direct", "[proxy][diff][tx]") {
    differential([](Run &r) {
        r.log("write base", r.g.write("data/base", "zero"));
        r.log("watch", r.g.watch("data", "w"));
        r.events(1);
        auto tx = r.g.transaction_start();
        r.log("tx start", tx.ok() && tx.val != 0);
        r.log("tx write", r.g.write("data/t", "in-tx", tx.val));
        r.log("tx read", r.g.read("data/t", tx.val));
        r.log("tx dir", r.g.directory("data", tx.val));
        r.log("outside read", r.g.read("data/t"));
        r.lines.push_back("dom0 sees " + r.env.dom0_read(home(r.real) + "/data/t"));
        r.events(0);
        r.log("commit", r.g.transaction_end(tx.val, true));
        r.log("read", r.g.read("data/t"));
        r.events(1);
        r.log("ended tx read", r.g.read("data/t", tx.val));
        auto tx2 = r.g.transaction_start();
        r.log("tx2 write", r.g.write("data/never", "x", tx2.val));
        r.log("tx2 abort", r.g.transaction_end(tx2.val, false));
        r.log("read never", r.g.read("data/never"));
        r.events(0);
        r.log("unknown tx", r.g.read("data/base", 0x7766));
        r.log("end unknown tx", r.g.transaction_end(0x7766, true));
        // A transaction inside a transaction: header tx_id on TRANSACTION_START.
        auto tx3 = r.g.transaction_start();
        r.log("nested start", r.g.request(XS_TRANSACTION_START, xsx::with_nul(""), tx3.val).err);
        r.log("tx3 abort", r.g.transaction_end(tx3.val, false));
    });
}

TEST_CASE("transaction conflict with a dom0 write gives EAGAIN like direct",
          "[proxy][diff][tx]") {
    differential([](Run &r) {
        r.log("write c", r.g.write("data/c", "zero"));
        auto tx = r.g.transaction_start();
        r.log("tx read", r.g.read("data/c", tx.val));
        r.env.dom0_write(home(r.real) + "/data/c", "dom0");
        r.log("tx write", r.g.write("data/c", "guest", tx.val));
        r.log("commit", r.g.transaction_end(tx.val, true));
        r.log("read", r.g.read("data/c"));
        auto tx2 = r.g.transaction_start();
        r.log("retry read", r.g.read("data/c", tx2.val));
        r.log("retry write", r.g.write("data/c", "guest", tx2.val));
        r.log("retry commit", r.g.transaction_end(tx2.val, true));
        r.log("read", r.g.read("data/c"));
        r.lines.push_back("dom0 sees " + r.env.dom0_read(home(r.real) + "/data/c"));
    });
}

TEST_CASE("DIRECTORY_PART on a big directory like direct", "[proxy][diff][wire]") {
    const std::string pad(70, 'n');
    differential(
        [&](Run &r) {
            // A guest's own directory is capped by the entry-size quota (the child list
            // is one entry): how far it gets is part of the transcript.
            std::vector<std::uint32_t> ids;
            for (char a = 'a'; a < 'a' + 4; ++a)
                for (char b = 'a'; b < 'a' + 10; ++b)
                    ids.push_back(r.g.send(XS_WRITE, "data/big/" + pad + a + b + '\0' + "v"));
            int ok = 0;
            std::string err;
            for (auto id : ids) {
                auto x = r.g.wait_reply(id);
                ok += x.ok();
                if (!x.ok() && err.empty()) err = x.err;
            }
            r.lines.push_back("own writes ok " + std::to_string(ok) + " then " + err);
            // dom0's readable directory of ~6.5 KiB of names: several chunks.
            const std::string big = "/local/domain/0/big";
            auto whole = r.g.directory(big);
            r.log("dir", whole.ok() ? std::to_string(whole.val.size()) + " names" : whole.err);
            auto parts = r.g.directory_by_parts(big);
            r.log("by parts", parts.ok() ? std::to_string(parts.val.size()) + " names" : parts.err);
            auto first = r.g.directory_part(big, 0);
            r.log("first part ok", first.ok());
            r.log("first part complete", first.val.complete);
            r.log("first part count", first.val.names.size());
            std::size_t off = 0;
            for (auto &n : first.val.names) off += n.size() + 1;
            auto second = r.g.directory_part(big, off);
            r.log("second part count", second.val.names.size());
            r.log("second part first name == parts[k]",
                  !second.val.names.empty() && parts.val.size() > first.val.names.size() &&
                      second.val.names[0] == parts.val[first.val.names.size()]);
            r.log("same generation", second.val.gen == first.val.gen);
            auto past = r.g.directory_part(big, 100000);
            r.log("past end", past.ok() ? "names " + std::to_string(past.val.names.size()) +
                                              (past.val.complete ? " complete" : "")
                                        : past.err);
            r.log("missing", r.g.directory_part("data/nothere", 0).err);
            r.log("unreadable", r.g.directory_part("/local/domain/0", 0).err);
        },
        [&](Env &env, std::uint32_t d) {
            env.dom0_mkdir("/local/domain/0/big");
            env.dom0_set_perms("/local/domain/0/big", {"n0", "r" + std::to_string(d)});
            for (char a = 'a'; a < 'a' + 8; ++a)
                for (char b = 'a'; b < 'a' + 10; ++b)
                    env.dom0_write("/local/domain/0/big/" + pad + a + b, "v");
        });
}

TEST_CASE("many pipelined requests complete in order like direct", "[proxy][diff][ring]") {
    differential([](Run &r) {
        constexpr int n = 80;
        std::vector<std::uint32_t> w, rd;
        for (int i = 0; i < n; ++i)
            w.push_back(r.g.send(XS_WRITE, "data/p" + std::string(1, char('a' + i % 26)) +
                                               std::string(i / 26 + 2, 'x') + '\0' + "v"));
        for (int i = 0; i < n; ++i)
            rd.push_back(r.g.send(XS_READ, xsx::with_nul("data/p" +
                                                         std::string(1, char('a' + i % 26)) +
                                                         std::string(i / 26 + 2, 'x'))));
        // Errors mixed in: every 10th an unreadable read.
        std::vector<std::uint32_t> bad;
        for (int i = 0; i < 8; ++i) bad.push_back(r.g.send(XS_READ, xsx::with_nul("/tool/nope")));
        r.log("in flight", r.g.in_flight());
        int ok = 0;
        for (int i = n - 1; i >= 0; --i) {
            auto x = r.g.wait_reply(rd[i]);
            ok += x.ok() && x.val.body == "v" && x.val.req_id == rd[i];
        }
        for (auto id : w) ok += r.g.wait_reply(id).ok();
        r.log("ok replies", ok);
        for (auto id : bad) r.log("bad read", r.g.wait_reply(id).err);
        r.log("unmatched", r.g.stats().unmatched);
        r.log("bad echo", r.g.stats().bad_echo);
        r.log("dir count", r.g.directory("data").val.size());
    });
}

TEST_CASE("quotas: watches, transactions, value size like direct", "[proxy][diff][quota]") {
    differential([](Run &r) {
        // Count how many watches are accepted before the first refusal.
        std::vector<std::uint32_t> ids;
        for (int i = 0; i < 200; ++i)
            ids.push_back(r.g.send(XS_WATCH, xsx::with_nul("data/w" + std::string(i / 26 + 2, 'q') +
                                                           char('a' + i % 26)) +
                                                 xsx::with_nul("t")));
        int accepted = 0;
        std::string first_err;
        for (auto id : ids) {
            auto x = r.g.wait_reply(id);
            if (x.ok()) ++accepted;
            else if (first_err.empty()) first_err = x.err;
        }
        r.lines.push_back("watches accepted " + std::to_string(accepted) + " then " + first_err);
        r.g.clear_events();
        // Transactions open at once.
        std::vector<std::uint32_t> txs;
        std::string tx_err;
        for (int i = 0; i < 30; ++i) {
            auto t = r.g.transaction_start();
            if (t.ok()) txs.push_back(t.val);
            else if (tx_err.empty()) tx_err = t.err;
        }
        r.lines.push_back("transactions " + std::to_string(txs.size()) + " then " + tx_err);
        for (auto t : txs) r.g.transaction_end(t, false);
        r.log("big value 2048", r.g.write("data/v", std::string(2048, 'v')));
        r.log("big value 4000", r.g.write("data/v", std::string(4000, 'v')));
        r.log("read back size", r.g.read("data/v").val.size());
        r.log("still works", r.g.write("data/ok", "fine"));
    });
}
