// SPDX-License-Identifier: LGPL-2.1-only
// Typed arguments of a control request (control_proto.h), with the first error kept.
#pragma once

#include "control_proto.h"

#include <cstdint>
#include <fmt/format.h>
#include <set>
#include <string>

namespace xsp {

// Pulls typed arguments out of a request, collecting the first error. Errors name what
// the operator typed (xsproxy-ctl's --ring-port, DOMID), not the protocol's key=.
struct Args {
    const ControlRequest &req;
    std::string err;
    std::set<std::string> used;

    bool num(const std::string &k, std::uint64_t max, std::uint64_t &out, bool required) {
        auto it = req.args.find(k);
        if (it == req.args.end()) {
            if (required && err.empty())
                err = k == "domid" ? req.verb + " needs a DOMID"
                                   : fmt::format("{} needs --{}", req.verb, k);
            return false;
        }
        used.insert(k);
        if (!parse_number(it->second, max, out)) {
            if (err.empty())
                err = k == "domid"
                          ? fmt::format("'{}' is not a domid (0 to {})", it->second, max)
                          : fmt::format("--{}: '{}' is not a number from 0 to {} (decimal, or "
                                        "hexadecimal with 0x)",
                                        k, it->second, max);
            return false;
        }
        return true;
    }
    std::string str(const std::string &k) {
        auto it = req.args.find(k);
        if (it == req.args.end()) return "";
        used.insert(k);
        return it->second;
    }
    bool finish(const std::set<std::string> &allowed_flags) {
        for (const auto &[k, v] : req.args)
            if (!used.count(k) && err.empty()) err = "unknown option --" + k + " for " + req.verb;
        for (const auto &f : req.flags)
            if (!allowed_flags.count(f) && err.empty())
                err = "unknown option --" + f + " for " + req.verb;
        return err.empty();
    }
};

inline constexpr std::uint64_t domid_max = 0x7FEF;
inline constexpr std::uint64_t port_max = 0xFFFFFFFE;
inline constexpr std::uint64_t gfn_max = (std::uint64_t{1} << 52) - 1;
} // namespace xsp
