// SPDX-License-Identifier: LGPL-2.1-only
#include "kicker.h"

#include <vector>

namespace xsp {

void Kicker::want(Kickable *k) {
    waiting_.insert(k);
    if (!in_flight_) send_pair();
}

void Kicker::forget(Kickable *k) {
    waiting_.erase(k);
    covered_.erase(k);
}

void Kicker::send_pair() {
    in_flight_ = true;
    ++pairs_;
    covered_.swap(waiting_);
    waiting_.clear();
    // GET_DOMAIN_PATH is the cheapest request xenstored answers: no node lookup.
    static const std::string dom0("0", 2);
    sock_.request(XS_GET_DOMAIN_PATH, dom0, [this](const xsx::Msg &) { on_reply(false); });
    sock_.request(XS_GET_DOMAIN_PATH, dom0, [this](const xsx::Msg &) { on_reply(true); });
}

void Kicker::on_reply(bool final_of_pair) {
    // Copy: kicked() may want() (into waiting_) or forget() (from covered_).
    std::vector<Kickable *> now(covered_.begin(), covered_.end());
    if (final_of_pair) {
        covered_.clear();
        in_flight_ = false;
    }
    for (Kickable *k : now) {
        if (final_of_pair || covered_.count(k)) k->kicked(final_of_pair);
    }
    if (final_of_pair && !in_flight_ && !waiting_.empty()) send_pair();
}

} // namespace xsp
