#include "allowlist.h"

#include <xen/io/xs_wire.h>

#include <cctype>
#include <string_view>

namespace conf {

namespace {

// A template with its domid placeholders replaced by a canonical number, so that "0{me}"
// is judged as "05" and "{me}" as "5".
std::string sample(const std::string &s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        bool hit = false;
        for (std::string_view ph : {"{me}", "{one}", "{R}", "{x}"})
            if (s.compare(i, ph.size(), ph) == 0) {
                out += '5';
                i += ph.size();
                hit = true;
                break;
            }
        if (!hit) out += s[i++];
    }
    return out;
}

// The domid arguments of a guest request (where xsproxy must parse a domid).
std::vector<std::string> domid_args(const Op &o) {
    std::vector<std::string> out;
    switch (o.type) {
    case XS_GET_DOMAIN_PATH:
    case XS_RELEASE:
    case XS_RESUME:
    case XS_IS_DOMAIN_INTRODUCED:
    case XS_INTRODUCE:
        if (!o.args.empty()) out.push_back(sample(o.args[0]));
        break;
    case XS_SET_TARGET:
        for (std::size_t i = 0; i < o.args.size() && i < 2; ++i) out.push_back(sample(o.args[i]));
        break;
    case XS_SET_PERMS:
        for (std::size_t i = 1; i < o.args.size(); ++i)
            if (!o.args[i].empty()) out.push_back(sample(o.args[i].substr(1)));
        break;
    default:
        break;
    }
    return out;
}

// Each differing reply of the step belongs to a guest op with a non-canonical domid that
// xsproxy refused with EINVAL; events must be equal, and third parties may differ only if
// such a refused op was a SET_PERMS (directly, xenstored applied it and fired watches).
bool noncanonical_refused(const std::vector<Op> &ops, const Step &d, const Step &p) {
    if (ops.empty() || d.guest.size() != p.guest.size() || p.guest.size() < ops.size()) return false;
    bool any = false, set_perms = false;
    for (std::size_t i = 0; i < p.guest.size(); ++i) {
        if (d.guest[i] == p.guest[i]) continue;
        if (i >= ops.size()) return false; // an event differs
        const Op &o = ops[i];
        if (o.who != Who::guest || o.use_raw || p.guest[i] != "ERR EINVAL") return false;
        bool nc = false;
        for (const auto &a : domid_args(o)) nc = nc || non_canonical_domid(a);
        if (!nc) return false;
        any = true;
        set_perms = set_perms || o.type == XS_SET_PERMS;
    }
    return any && (set_perms || d.others == p.others);
}

bool is_guest(const std::vector<Op> &ops) { return ops.size() == 1 && ops[0].who == Who::guest; }

// xenstored takes a single-argument request whose payload is not exactly one
// NUL-terminated string (two strings, or no NUL) and answers from the node it then names
// (ENOENT here); xsproxy's validation refuses it with EINVAL.
bool lax_single_arg(const std::vector<Op> &ops, const Step &d, const Step &p) {
    if (!is_guest(ops) || !ops[0].use_raw) return false;
    const Op &o = ops[0];
    bool one_arg = o.type == XS_READ || o.type == XS_DIRECTORY || o.type == XS_GET_PERMS ||
                   o.type == XS_MKDIR || o.type == XS_RM;
    bool exactly_one = !o.raw.empty() && o.raw.find('\0') == o.raw.size() - 1;
    return one_arg && !exactly_one && !p.guest.empty() && p.guest[0] == "ERR EINVAL" &&
           !d.guest.empty() && d.guest[0] != "ERR EINVAL";
}

// SET_PERMS on an @ name from an unprivileged guest: xenstored EINVAL, xsproxy ENOENT.
bool special_set_perms(const std::vector<Op> &ops, const Step &d, const Step &p) {
    return is_guest(ops) && ops[0].type == XS_SET_PERMS && !ops[0].args.empty() &&
           !ops[0].args[0].empty() && ops[0].args[0][0] == '@' && !d.guest.empty() &&
           d.guest[0] == "ERR EINVAL" && !p.guest.empty() && p.guest[0] == "ERR ENOENT";
}

} // namespace

bool non_canonical_domid(const std::string &s) {
    if (s.empty()) return false;
    bool digits = true;
    for (char c : s) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits) return s.size() > 1 && s[0] == '0'; // "01", "007"
    // What strtol(…, 0) / atoi would still read as a number: sign, space, hex.
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
}

const std::vector<Allowed> &allow_list() {
    // Never destroyed: the report is written from a static destructor.
    static const auto *list = new std::vector<Allowed>{
        {"noncanonical-domid", false,
         "A domid argument spelled non-canonically (\"01\", \"0x1\", \"+1\", \" 1\") is "
         "refused with EINVAL by xsproxy: it cannot tell which domain the guest means "
         "without re-spelling it, and xenstored's own parsers disagree (atoi for "
         "GET_DOMAIN_PATH, strtol base 0 for perms, so \"010\" is 10 or 8). Directly, "
         "xenstored accepts it and acts on whatever number its parser reads.",
         noncanonical_refused},
        {"lax-single-arg-payload", true,
         "BUG (reported): READ/DIRECTORY/GET_PERMS/MKDIR/RM whose payload is not exactly "
         "one NUL-terminated string (\"a\\0b\\0\", or no NUL at all). C xenstored 4.17.7 "
         "does not refuse it (answers ENOENT for an existing node); xsproxy answers EINVAL. "
         "Both are errors to the guest; xsproxy should pass the payload on as xenstored reads it.",
         lax_single_arg},
        {"special-path-set-perms", true,
         "BUG (reported): SET_PERMS on an @ name (@releaseDomain, @introduceDomain, @other) "
         "from the guest: xenstored answers EINVAL, xsproxy ENOENT.",
         special_set_perms},
    };
    return *list;
}

std::string explain(const std::vector<Op> &ops, const Step &d, const Step &p) {
    for (const auto &a : allow_list())
        if (a.match(ops, d, p)) return a.name;
    return "";
}

} // namespace conf
