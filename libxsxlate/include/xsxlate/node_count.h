// SPDX-License-Identifier: LGPL-2.1-only
// The node quota's count for the privileged upstream: how many nodes domain R owns.
//
// C xenstored counts, per domain, every node the domain owns wherever it is
// (domain_entry_inc/dec on create, remove and owner change), and a transaction's changes
// count at its commit. xsproxy cannot afford a walk of the whole store, so it counts
// R's home by walking it, plus every node R created elsewhere through this session
// (kept by path, so that removing it, or an ancestor, takes exactly those out again and a
// recount can check they still exist). Nodes dom0 hands R outside its home are not
// counted (docs/threat-model.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace xsx::access {

class NodeCount {
  public:
    explicit NodeCount(std::string home) : home_(std::move(home)) {}

    std::size_t total() const { return home_nodes_ + outside_.size(); }
    // What the count would be once transaction `tx` commits (for its quota checks).
    std::size_t total_in(std::uint32_t tx) const;

    // The home's walk; `outside_still_owned`: the remembered outside nodes found still
    // existing and owned by R (the others are forgotten).
    void recount(std::size_t home_nodes, const std::set<std::string> &outside_still_owned);
    const std::set<std::string> &outside() const { return outside_; }

    // RM of `path` needs the home's nodes under it counted (a walk) only inside the home.
    bool rm_needs_walk(const std::string &path) const;

    // Effects of R's acts. tx 0: applied now; otherwise held until commit(tx).
    // removed: `home_nodes` = R's nodes under `path` inside its home (from the walk).
    void created(std::uint32_t tx, const std::string &path);
    void removed(std::uint32_t tx, const std::string &path, std::size_t home_nodes);
    void commit(std::uint32_t tx);
    void abort(std::uint32_t tx) { pending_.erase(tx); }
    void abort_all() { pending_.clear(); }

  private:
    struct Effect {
        bool create;
        std::string path;
        std::size_t home_nodes;
    };
    void apply(const Effect &e);
    std::ptrdiff_t delta(const Effect &e) const;

    std::string home_;
    std::size_t home_nodes_ = 0;
    std::set<std::string> outside_;
    std::map<std::uint32_t, std::vector<Effect>> pending_;
};

} // namespace xsx::access
