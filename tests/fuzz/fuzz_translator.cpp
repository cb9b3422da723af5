// SPDX-License-Identifier: LGPL-2.1-only
// libFuzzer: the translator, both upstream modes. The input chooses the map and mode,
// then is a stream of frames used alternately as guest requests, upstream replies and
// upstream events. Invariants: nothing above 4096 reaches either side, replies keep the
// guest's req_id/tx_id, DIRECTORY_PART exchanges finish, path rewrites are reversible.
#include <cstdint>
#include <cstdlib>

#include "xsxlate/xsxlate.h"

namespace {

void check_size(const xsx::Msg &m) {
    if (m.body.size() > xsx::payload_max) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    if (size < 3) return 0;
    static const xsx::DomidMap maps[] = {{5, 1}, {1, 1}, {12345, 1}, {7, 5}, {1, 42}};
    xsx::TranslatorOptions o;
    o.absolute_upstream = data[0] & 1;
    o.unknown_types = (data[0] & 2) ? xsx::UnknownTypePolicy::forward : xsx::UnknownTypePolicy::enosys;
    o.session = data[1];
    xsx::Translator t(maps[(data[0] >> 2) % 5], xsx::RuleSet::defaults(), o);

    xsx::Decoder d;
    d.feed(data + 2, size - 2);
    xsx::Msg last_guest;
    int n = 0;
    while (d.has_msg() && n < 64) {
        xsx::Msg m = d.pop();
        switch (n++ % 3) {
        case 0: {
            last_guest = m;
            xsx::RequestAction a = t.request(m);
            check_size(a.msg);
            if (a.kind == xsx::RequestAction::Kind::reply &&
                (a.msg.req_id != m.req_id || a.msg.tx_id != m.tx_id))
                std::abort();
            if (a.kind == xsx::RequestAction::Kind::exchange) {
                // Drive it with the following frames as replies; it must finish or wait.
                int steps = 0;
                while (!a.exchange->done() && d.has_msg() && steps++ < 32) {
                    auto r = a.exchange->next_request();
                    if (!r) std::abort();
                    check_size(*r);
                    a.exchange->on_reply(d.pop());
                }
                if (a.exchange->done()) check_size(a.exchange->result());
            }
            // reversibility of the path argument
            std::string_view b = m.body;
            std::string_view p = b.substr(0, b.find('\0'));
            if (!p.empty() && (p[0] == '/' || p[0] == '@')) {
                std::string u = t.path_to_upstream(p);
                if (t.path_to_guest(u) != p) std::abort();
            }
            break;
        }
        case 1: {
            xsx::Msg g = t.reply(last_guest, m);
            check_size(g);
            if (g.req_id != last_guest.req_id || g.tx_id != last_guest.tx_id) std::abort();
            break;
        }
        default: {
            m.type = XS_WATCH_EVENT;
            xsx::EventAction e = t.event(m);
            if (e.kind == xsx::EventAction::Kind::deliver) check_size(e.msg);
            break;
        }
        }
    }
    return 0;
}
