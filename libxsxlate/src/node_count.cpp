// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/node_count.h"

#include "xsxlate/paths.h"

#include <algorithm>

namespace xsx::access {

std::size_t NodeCount::total_in(std::uint32_t tx) const {
    std::ptrdiff_t n = static_cast<std::ptrdiff_t>(total());
    if (auto it = pending_.find(tx); it != pending_.end())
        for (const Effect &e : it->second) n += delta(e);
    return static_cast<std::size_t>(std::max<std::ptrdiff_t>(n, 0));
}

void NodeCount::recount(std::size_t home_nodes, const std::set<std::string> &still) {
    home_nodes_ = home_nodes;
    std::set<std::string> kept;
    for (const auto &p : outside_)
        if (still.count(p)) kept.insert(p);
    outside_ = std::move(kept);
}

bool NodeCount::rm_needs_walk(const std::string &path) const { return is_under(path, home_); }

void NodeCount::created(std::uint32_t tx, const std::string &path) {
    Effect e{true, path, 0};
    if (tx) pending_[tx].push_back(std::move(e));
    else apply(e);
}

void NodeCount::removed(std::uint32_t tx, const std::string &path, std::size_t home_nodes) {
    Effect e{false, path, home_nodes};
    if (tx) pending_[tx].push_back(std::move(e));
    else apply(e);
}

void NodeCount::commit(std::uint32_t tx) {
    auto it = pending_.find(tx);
    if (it == pending_.end()) return;
    for (const Effect &e : it->second) apply(e);
    pending_.erase(it);
}

std::ptrdiff_t NodeCount::delta(const Effect &e) const {
    if (e.create) return 1;
    if (is_under(e.path, home_)) return -static_cast<std::ptrdiff_t>(e.home_nodes);
    std::ptrdiff_t n = 0;
    for (const auto &p : outside_)
        if (is_under(p, e.path)) --n;
    if (is_under(home_, e.path)) n -= static_cast<std::ptrdiff_t>(home_nodes_);
    return n;
}

void NodeCount::apply(const Effect &e) {
    if (e.create) {
        if (is_under(e.path, home_)) ++home_nodes_;
        else outside_.insert(e.path);
        return;
    }
    if (is_under(e.path, home_)) {
        home_nodes_ -= std::min(home_nodes_, e.home_nodes);
        return;
    }
    // Outside the home: exactly the remembered nodes below go; the home with them if
    // it was below.
    for (auto it = outside_.lower_bound(e.path); it != outside_.end() && it->compare(0, e.path.size(), e.path) == 0;)
        it = is_under(*it, e.path) ? outside_.erase(it) : std::next(it);
    if (is_under(home_, e.path)) home_nodes_ = 0;
}

} // namespace xsx::access
