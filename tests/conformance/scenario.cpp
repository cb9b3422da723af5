// SPDX-License-Identifier: LGPL-2.1-only
#include "scenario.h"

#include <xen/io/xs_wire.h>
#include <xsxlate/wire.h>

namespace conf {

std::string printable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
        else {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string Op::describe() const {
    static const char *who_name[] = {"guest", "dom0", "one", "host"};
    std::string s = who_name[static_cast<int>(who)];
    s += ' ';
    if (who == Who::host) {
        s += type == introduce_x ? "introduce {x}" : type == destroy_x ? "destroy {x}" : "fill";
    } else {
        s += xsx::type_name(type);
    }
    if (use_raw) {
        std::string r = printable(raw);
        s += " raw[" + (r.size() > 80 ? r.substr(0, 80) + "…(" + std::to_string(raw.size()) + ")" : r) + "]";
    }
    for (const auto &a : args) {
        std::string p = printable(a);
        s += " '" + (p.size() > 80 ? p.substr(0, 60) + "…(" + std::to_string(a.size()) + ")" : p) + "'";
    }
    if (tx > 0) s += " tx=slot" + std::to_string(tx);
    if (tx < 0) s += " tx=unknown";
    if (save) s += " ->slot" + std::to_string(save);
    if (pipe) s += " (pipelined)";
    return s;
}

Op g(std::uint32_t type, std::vector<std::string> args, int tx) {
    Op o;
    o.type = type;
    o.args = std::move(args);
    o.tx = tx;
    return o;
}

Op gp(std::uint32_t type, std::vector<std::string> args, int tx) {
    Op o = g(type, std::move(args), tx);
    o.pipe = true;
    return o;
}

Op g_raw(std::uint32_t type, std::string payload, int tx) {
    Op o = g(type, {}, tx);
    o.raw = std::move(payload);
    o.use_raw = true;
    return o;
}

Op tx_start(int slot) {
    Op o = g(XS_TRANSACTION_START, {""});
    o.save = slot;
    return o;
}

Op tx_end(int slot, bool commit) { return g(XS_TRANSACTION_END, {commit ? "T" : "F"}, slot); }

Op d0(std::uint32_t type, std::vector<std::string> args) {
    Op o;
    o.who = Who::dom0;
    o.type = type;
    o.args = std::move(args);
    return o;
}

Op one(std::uint32_t type, std::vector<std::string> args) {
    Op o = d0(type, std::move(args));
    o.who = Who::one;
    return o;
}

Op host(HostOp op, std::vector<std::string> args) {
    Op o;
    o.who = Who::host;
    o.type = op;
    o.args = std::move(args);
    return o;
}

} // namespace conf
