// SPDX-License-Identifier: LGPL-2.1-only
// Property tests: to_guest(to_upstream(m)) == m over generated messages, for several
// maps (R == V, R swapping with an existing real V, large R), both upstream modes.
#include <catch2/catch.hpp>

#include <random>

#include "helpers.h"

using namespace xsx;
using xt::msg;

namespace {

struct Gen {
    std::mt19937 rng;
    explicit Gen(std::uint32_t seed) : rng(seed) {}
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

    std::string domid() {
        static const char *d[] = {"0", "1", "5", "7", "42", "12345", "32752", "65535", "01", "0x1", "1a"};
        return d[pick(std::size(d))];
    }
    std::string comp() {
        static const char *c[] = {"local", "domain", "backend", "vif", "vbd", "device", "libxl", "data",
                                  "vchan", "device-model", "frontend", "backend-id", "frontend-id",
                                  "domid", "target", "image", "console", "state", "memory", "x_y", "@a"};
        if (pick(3) == 0) return domid();
        return c[pick(std::size(c))];
    }
    // Absolute paths biased towards the shapes the rules know.
    std::string abs_path() {
        static const char *prefix[] = {"/local/domain/", "/local/domain/0/backend/vif/", "/libxl/",
                                       "/local/domain/3/device-model/", "/xenops/domain/", "/",
                                       "/local/domain/7/data/vchan/"};
        std::string p = prefix[pick(std::size(prefix))];
        if (p != "/") p += domid();
        else p += comp();
        for (std::size_t n = pick(5); n > 0; --n) p += "/" + comp();
        return p;
    }
    std::string rel_path() {
        std::string p = comp();
        for (std::size_t n = pick(4); n > 0; --n) p += "/" + comp();
        return p;
    }
    std::string path() {
        switch (pick(4)) {
        case 0: return rel_path();
        case 1: return pick(2) ? "@releaseDomain/" + domid() : "@introduceDomain";
        default: return abs_path();
        }
    }
};

const DomidMap maps[] = {{5, 1}, {1, 1}, {12345, 1}, {7, 5}, {1, 42}, {0x7FEF, 1}};

// A store stand-in: what upstream holds is whatever was forwarded.
std::string forward_body(Translator &t, const Msg &m) {
    RequestAction a = t.request(m);
    REQUIRE(a.kind == RequestAction::Kind::forward);
    return a.msg.body;
}

} // namespace

TEST_CASE("property: path round trip", "[roundtrip]") {
    Gen g(0xC0FFEE);
    for (const DomidMap &m : maps) {
        for (int i = 0; i < 3000; ++i) {
            std::string p = g.path();
            std::string u = rewrite_path(RuleSet::defaults(), m, Dir::to_upstream, p);
            INFO(p << " -> " << u);
            REQUIRE(rewrite_path(RuleSet::defaults(), m, Dir::to_guest, u) == p);
            if (m.identity()) REQUIRE(u == p);
        }
    }
}

TEST_CASE("property: WRITE then READ returns what the guest wrote", "[roundtrip]") {
    Gen g(12345);
    for (bool abs_up : {false, true}) {
        for (const DomidMap &m : maps) {
            TranslatorOptions o;
            o.absolute_upstream = abs_up;
            Translator t(m, RuleSet::defaults(), o);
            for (int i = 0; i < 2000; ++i) {
                std::string p = g.pick(2) ? g.abs_path() : g.rel_path();
                std::string keyish[] = {"domid", "target", "backend-id", "frontend-id", "backend", "frontend"};
                if (g.pick(2)) p += "/" + keyish[g.pick(6)];
                std::string v;
                switch (g.pick(3)) {
                case 0: v = g.domid(); break;
                case 1: v = g.abs_path(); break;
                default: v = "free text " + g.domid(); break;
                }
                Msg w = msg(XS_WRITE, "", 1);
                w.body = p + '\0' + v;
                RequestAction a = t.request(w);
                if (a.kind == RequestAction::Kind::reply) {
                    // only a domid-valued key with a non-canonical value may be refused
                    REQUIRE(error_name(a.msg) == "EINVAL");
                    REQUIRE_FALSE(parse_domid(v).has_value());
                    continue;
                }
                std::string stored = a.msg.body.substr(a.msg.body.find('\0') + 1);
                Msg r = msg(XS_READ, "", 2);
                r.body = p + '\0';
                std::string up_read = forward_body(t, r);
                REQUIRE(up_read.substr(0, up_read.size() - 1) == a.msg.body.substr(0, a.msg.body.find('\0')));
                Msg reply = t.reply(r, Msg{XS_READ, 99, 0, stored});
                INFO(p << " = " << v << " stored " << stored);
                REQUIRE(reply.body == v);
            }
        }
    }
}

TEST_CASE("property: SET_PERMS then GET_PERMS round trip", "[roundtrip]") {
    Gen g(777);
    for (const DomidMap &m : maps) {
        Translator t(m, RuleSet::defaults());
        for (int i = 0; i < 1000; ++i) {
            std::string perms;
            for (std::size_t n = 1 + g.pick(5); n > 0; --n) {
                perms += "rwbn"[g.pick(4)];
                perms += domid_str(static_cast<unsigned>(g.pick(3) ? g.pick(10) : g.pick(65536)));
                perms += '\0';
            }
            Msg s = msg(XS_SET_PERMS, "", 1);
            s.body = "data" + std::string(1, '\0') + perms;
            std::string up = forward_body(t, s);
            std::string up_perms = up.substr(up.find('\0') + 1);
            Msg gp = msg(XS_GET_PERMS, "data|", 2);
            REQUIRE(t.reply(gp, Msg{XS_GET_PERMS, 0, 0, up_perms}).body == perms);
        }
    }
}

TEST_CASE("property: WATCH then WATCH_EVENT returns the guest's path and token", "[roundtrip]") {
    Gen g(4242);
    for (bool abs_up : {false, true}) {
        for (const DomidMap &m : maps) {
            TranslatorOptions o;
            o.absolute_upstream = abs_up;
            Translator t(m, RuleSet::defaults(), o);
            for (int i = 0; i < 1000; ++i) {
                std::string p = g.path();
                std::string token = "tok" + std::to_string(i) + (g.pick(2) ? std::string("\x01\xff", 2) : "");
                Msg w = msg(XS_WATCH, "", 1);
                w.body = p + '\0' + token + '\0';
                RequestAction a = t.request(w);
                REQUIRE(a.kind == RequestAction::Kind::forward);
                t.reply(w, msg(XS_WATCH, "OK|"));
                auto parts = split_nul(a.msg.body);
                // the initial event and one for a child
                for (std::string suffix : {"", "/child"}) {
                    Msg ev{XS_WATCH_EVENT, 0, 0, std::string(parts[0]) + suffix + '\0' + std::string(parts[1]) + '\0'};
                    EventAction e = t.event(ev);
                    INFO(p << suffix);
                    REQUIRE(e.kind == EventAction::Kind::deliver);
                    REQUIRE(e.msg.body == p + suffix + '\0' + token + '\0');
                }
            }
        }
    }
}

TEST_CASE("property: DIRECTORY children round trip in domid-indexed dirs", "[roundtrip]") {
    Gen g(99);
    for (const DomidMap &m : maps) {
        Translator t(m, RuleSet::defaults());
        for (int i = 0; i < 500; ++i) {
            std::string guest_list;
            for (std::size_t n = g.pick(8); n > 0; --n) guest_list += g.domid() + '\0';
            std::string up_list;
            for (auto c : split_nul(guest_list)) {
                auto d = parse_domid(c);
                up_list += d ? domid_str(m.to_upstream(*d)) : std::string(c);
                up_list += '\0';
            }
            Msg d = msg(XS_DIRECTORY, "/local/domain|");
            REQUIRE(t.reply(d, Msg{XS_DIRECTORY, 0, 0, up_list}).body == guest_list);
        }
    }
}

TEST_CASE("property: GET_DOMAIN_PATH round trip", "[roundtrip]") {
    for (const DomidMap &m : maps) {
        Translator t(m, RuleSet::defaults());
        for (unsigned d : {0u, 1u, 5u, 7u, 42u, 12345u, 0x7FEFu, 0x7FF0u, 65535u}) {
            Msg q = msg(XS_GET_DOMAIN_PATH, domid_str(d) + "|");
            std::string up = forward_body(t, q);
            unsigned real = *parse_domid(up.substr(0, up.size() - 1));
            Msg r = t.reply(q, Msg{XS_GET_DOMAIN_PATH, 0, 0, domain_path(real) + '\0'});
            REQUIRE(r.body == domain_path(d) + '\0');
        }
    }
}
