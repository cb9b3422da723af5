// SPDX-License-Identifier: LGPL-2.1-only
// Per-guest-session translation of requests, replies and watch events.
//
// Sans-I/O: the daemon feeds decoded messages and sends what comes back. Two upstream
// modes (design §4):
//  - ring (default, absolute_upstream = false): xenstored serves a real connection of
//    domain R, so relative paths stay relative (xenstored resolves them against R's home)
//    and tokens pass through unchanged.
//  - privileged (absolute_upstream = true): relative paths are made absolute under
//    /local/domain/R and their event paths made relative again; tokens are xsproxy's own
//    (watch.h), events of other sessions / old generations / unknown watches are dropped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "xsxlate/dirpart.h"
#include "xsxlate/domid.h"
#include "xsxlate/paths.h"
#include "xsxlate/rules.h"
#include "xsxlate/watch.h"
#include "xsxlate/wire.h"

namespace xsx {

// What to do with request types xsproxy does not know (e.g. 4.21's GET/SET_FEATURE,
// GET/SET_QUOTA, types 23–26, which carry domids xsproxy cannot rewrite).
enum class UnknownTypePolicy : std::uint8_t {
    enosys, // answer ENOSYS, as a 4.17 xenstored does (default)
    forward // forward unchanged (only for a toolstack that knows what it is doing)
};

struct TranslatorOptions {
    bool absolute_upstream = false; // privileged upstream (see above)
    std::uint32_t session = 0;      // carried in upstream tokens (privileged mode)
    UnknownTypePolicy unknown_types = UnknownTypePolicy::enosys;
    std::size_t path_max = default_path_max; // xenstored's node-name limit (-M)
};

struct RequestAction {
    enum class Kind : std::uint8_t {
        forward,  // send `msg` upstream
        reply,    // send `msg` to the guest; nothing goes upstream
        exchange, // drive `exchange` (DIRECTORY_PART on a domid-indexed directory)
    };
    Kind kind = Kind::forward;
    Msg msg;
    std::unique_ptr<DirPartExchange> exchange;
};

struct EventAction {
    enum class Kind : std::uint8_t {
        deliver,  // send `msg` (a WATCH_EVENT) to the guest
        drop,     // stale generation, foreign session, unknown watch, too long
        internal, // one of xsproxy's own watches: `token` and `path` tell which
    };
    Kind kind = Kind::drop;
    Msg msg;
    UpstreamToken token;   // internal only
    std::string path;      // internal only: upstream event path
};

class Translator {
  public:
    // `rules` must outlive the translator (RuleSet::defaults() does); the shared_ptr
    // form lets a daemon reload its config while old sessions keep their table.
    Translator(DomidMap map, const RuleSet &rules, TranslatorOptions opt = {});
    Translator(DomidMap map, std::shared_ptr<const RuleSet> rules, TranslatorOptions opt = {});

    // Guest -> upstream. Validates as xenstored would (ENOSYS, EACCES for privileged
    // types, EINVAL for bad arguments or non-canonical domids, E2BIG when rewriting makes
    // the payload exceed 4096) and answers locally where it must.
    RequestAction request(const Msg &guest);
    void request(const Msg &guest, RequestAction &out); // reuses out.msg's buffer

    // Upstream reply -> the guest's reply to `guest_request` (req_id/tx_id preserved).
    // Also updates the watch table for WATCH/UNWATCH/RESET_WATCHES.
    Msg reply(const Msg &guest_request, const Msg &upstream_reply);
    void reply(const Msg &guest_request, const Msg &upstream_reply, Msg &out);

    // Upstream WATCH_EVENT -> what the guest sees.
    EventAction event(const Msg &upstream_event);
    void event(const Msg &upstream_event, EventAction &out);

    // xsproxy's own watches (tokens marked internal; never delivered to the guest).
    Msg internal_watch(std::string_view abs_upstream_path, std::uint32_t id,
                       std::uint32_t req_id = 0) const;
    Msg internal_unwatch(std::string_view abs_upstream_path, std::uint32_t id,
                         std::uint32_t req_id = 0) const;

    // Migration / resume: a new real domid; watch table kept (the daemon re-registers
    // from watches()) and its generation bumped so old-host events are stale.
    void set_map(DomidMap map);
    // The guest's watches as registered (both modes), e.g. to re-register after import.
    const WatchTable &watches() const { return watches_; }
    WatchTable &watches() { return watches_; }
    // Upstream WATCH request re-registering `e` (e.g. after migration or upstream reconnect).
    Msg rewatch(const WatchEntry &e, std::uint32_t req_id = 0) const;

    const DomidMap &map() const { return map_; }
    const RuleSet &rules() const { return *rules_; }
    const TranslatorOptions &options() const { return opt_; }

    // Path helpers in this session's views (relative guest paths resolve to the guest's
    // virtual home for rule lookups).
    std::string path_to_upstream(std::string_view guest_path) const;
    std::string path_to_guest(std::string_view upstream_path) const;

  private:
    struct Impl;
    DomidMap map_;
    std::shared_ptr<const RuleSet> rules_;
    TranslatorOptions opt_;
    WatchTable watches_;
    std::string home_real_; // "/local/domain/R"
    std::string home_virt_; // "/local/domain/V"
    std::string view_;      // scratch: a relative guest path resolved for rule lookups

    friend struct TranslatorAccess;
};

} // namespace xsx
