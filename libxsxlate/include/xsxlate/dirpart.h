// SPDX-License-Identifier: LGPL-2.1-only
// DIRECTORY_PART on a domid-indexed directory, as a sans-I/O exchange.
//
// Rewriting child names changes their lengths, so the guest's byte offsets cannot be
// forwarded. The exchange fetches the whole child list with upstream DIRECTORY_PART
// requests (restarting when the generation count changes), rewrites it, and answers the
// guest's offset in the guest's view, exactly as xenstored's send_directory_part would
// for that list. Every guest call refetches, so the offsets the guest computes stay
// consistent with the generation it is shown.
//
// The daemon only shuttles: while (!done()) { if (auto r = next_request()) send(*r);
// …; on_reply(reply); } then result(). One upstream request is in flight at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "xsxlate/domid.h"
#include "xsxlate/wire.h"

namespace xsx {

class DirPartExchange {
  public:
    static constexpr unsigned default_max_restarts = 8;

    // guest_req: the guest's DIRECTORY_PART (validated); upstream_path: its path already
    // rewritten for upstream. Upstream requests carry the guest's req_id and tx_id (the
    // daemon may substitute req_ids; on_reply does not look at them).
    DirPartExchange(const Msg &guest_req, std::string upstream_path, DomidMap map,
                    unsigned max_restarts = default_max_restarts);

    // The next upstream request, or nullopt when one is in flight or the exchange is done.
    std::optional<Msg> next_request();
    void on_reply(const Msg &upstream_reply);
    bool done() const { return done_; }
    // The guest's reply (req_id/tx_id of the guest request). Valid once done().
    const Msg &result() const { return result_; }

    unsigned upstream_requests() const { return requests_; }
    unsigned restarts() const { return restarts_; }

  private:
    void finish_error(std::string_view errname);
    void finish_list();

    Msg guest_req_;
    std::string upstream_path_;
    DomidMap map_;
    unsigned max_restarts_;
    std::uint32_t guest_offset_ = 0;
    std::string gen_;
    std::string children_; // upstream list, NUL-terminated names
    bool in_flight_ = false;
    bool done_ = false;
    unsigned requests_ = 0;
    unsigned restarts_ = 0;
    Msg result_;
};

// xenstored's reply for `offset` into a NUL-separated child list (send_directory_part).
std::string directory_part_reply(std::string_view gen, std::string_view children,
                                 std::uint32_t offset);

} // namespace xsx
