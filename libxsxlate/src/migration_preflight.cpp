// SPDX-License-Identifier: LGPL-2.1-only
// Pre-flight of an image against the destination xenstored's quotas, run before the
// toolstack's point of no return. It sees only what the image carries: nodes the toolstack
// creates for the domain on the destination count against the same quota, so a pass here
// is necessary, not sufficient.
#include <algorithm>
#include <map>

#include "migration_format.h"
#include "xsxlate/paths.h"

namespace xsx::migration {

namespace {

std::string_view parent_of(std::string_view p) {
    std::size_t slash = p.rfind('/');
    return slash == 0 ? std::string_view("/") : p.substr(0, slash);
}

} // namespace

std::vector<std::string> preflight(const SessionImage &img, const Limits &lim) {
    std::vector<std::string> problems;
    auto n = [](std::size_t v) { return std::to_string(v); };

    std::size_t nodes = 0;
    // Bytes the journal's children add to each parent's record (name + NUL each).
    std::map<std::string_view, std::size_t> child_bytes;
    for (const NodeImage &x : img.journal) {
        if (x.kind != NodeImage::Kind::node) continue;
        ++nodes;
        if (x.path.size() > 1) child_bytes[parent_of(x.path)] += x.path.size() - x.path.rfind('/');
    }
    if (nodes > lim.nodes)
        problems.push_back("the journal holds " + n(nodes) + " nodes, the destination allows " +
                           n(lim.nodes) + " per domain");

    for (const NodeImage &x : img.journal) {
        if (path_too_long(x.path, lim.path_max))
            problems.push_back("node " + x.path + ": path longer than the destination's path-max " +
                               n(lim.path_max));
        if (x.kind != NodeImage::Kind::node) continue;
        // 4.17 C's accounting: a 20-byte header, 8 bytes per perm (a node always has its
        // owner's), the value, the child names; refused when >= the limit.
        auto it = child_bytes.find(x.path);
        std::size_t size = 20 + 8 * std::max<std::size_t>(1, x.perms.size()) + x.value.size() +
                           (it == child_bytes.end() ? 0 : it->second);
        if (size >= lim.node_size)
            problems.push_back("node " + x.path + ": " + n(size) +
                               " bytes of node record reach the destination's node-size " +
                               n(lim.node_size));
    }

    // Compared in both modes: a cooperative guest re-registers the same watches itself.
    // xenstored's checks are '>' (one more than the quota is possible); demand the quota.
    if (img.watches.size() > lim.watches)
        problems.push_back(n(img.watches.size()) + " watches, the destination allows " +
                           n(lim.watches));
    for (const WatchImage &w : img.watches) {
        // Relative paths live below the domain's home, whose prefix is exempt.
        bool too_long = w.path.empty() || w.path[0] != '/' ? w.path.size() > lim.path_max
                                                           : path_too_long(w.path, lim.path_max);
        if (too_long)
            problems.push_back("watch on " + w.path + ": path longer than the destination's path-max " +
                               n(lim.path_max));
    }

    std::map<std::uint32_t, std::size_t> per_channel;
    for (const TransactionImage &t : img.transactions) ++per_channel[t.channel];
    for (const auto &[channel, count] : per_channel) {
        if (count > lim.transactions)
            problems.push_back("channel " + n(channel) + " has " + n(count) +
                               " open transactions, the destination allows " + n(lim.transactions));
    }
    return problems;
}

} // namespace xsx::migration
