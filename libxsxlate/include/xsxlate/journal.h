// SPDX-License-Identifier: LGPL-2.1-only
// The journal of what a guest wrote, carried across migration.
//
// Not "the nodes the real domid owns": those include toolstack keys (backend,
// backend-id, …) and ACLs naming third parties that may be unrelated domains on the
// destination. The journal holds, in the guest's own view (absolute paths under its
// virtual domid, perm strings as the guest wrote them), the current value of every node
// the guest wrote or created, the ACLs it set, and tombstones for nodes it deleted.
// Writes inside a transaction count only once the transaction commits.
#pragma once

#include "xsxlate/domid.h"
#include "xsxlate/wire.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace xsx {

class Journal {
  public:
    struct Entry {
        bool tombstone = false;
        bool has_value = false; // false: created by MKDIR (or only its ACL was set)
        std::string value;
        std::vector<std::string> perms; // empty: the guest never set an ACL here
    };

    explicit Journal(domid_t virt = 1) : virt_(virt) {}

    // Every guest request of channel `ch` with its reply (guest view). Only successful
    // mutations and transaction ends matter; everything else is ignored.
    void on_reply(std::uint32_t ch, const Msg &guest_req, const Msg &guest_reply);
    // A channel went away or reset: its open transactions will never commit.
    void drop_channel(std::uint32_t ch);

    const std::map<std::string, Entry> &entries() const { return nodes_; }
    std::map<std::string, Entry> &entries() { return nodes_; }
    std::size_t pending_transactions() const { return tx_.size(); }
    std::size_t bytes() const;
    domid_t virt() const { return virt_; }

    // Requests that recreate the journal (guest view): tombstones first, shallow paths
    // first, then nodes parents-first; each node's SET_PERMS right after it.
    std::vector<Msg> replay() const;

  private:
    void apply(const Msg &req);
    std::string absolute(std::string_view path) const;

    domid_t virt_;
    std::map<std::string, Entry> nodes_;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<Msg>> tx_;
};

} // namespace xsx
