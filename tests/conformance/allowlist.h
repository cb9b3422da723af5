// SPDX-License-Identifier: LGPL-2.1-only
// Named, explained divergences between a guest on its ring directly and the same guest
// through xsproxy. A differing step is accepted only if an entry here matches it exactly;
// the comparison itself is never loosened. Each entry is documented in docs/conformance.md.
#pragma once

#include <string>
#include <vector>

#include "engine.h"

namespace conf {

struct Allowed {
    const char *name;
    // false: intended and unavoidable (documented). true: an xsproxy bug reported to the
    // lead; the entry matches only the exact observed pair, so a fix makes it stale.
    bool bug;
    const char *why;
    // row: the backend and daemon compared; ops: the step's ops (templates); d/p: the
    // step in the C profile and through xsproxy; od: the step run directly on the row's
    // daemon (oxenstored rows only, else null).
    bool (*match)(Target row, const std::vector<Op> &ops, const Step &d, const Step &p, const Step *od);
};

const std::vector<Allowed> &allow_list();

// "" if no entry explains the step.
std::string explain(Target row, const std::vector<Op> &ops, const Step &d, const Step &p,
                    const Step *od = nullptr);

// A guest's event line ("ev …") or a third party's ("dom0 ev …", "one ev …").
bool is_event(const std::string &line);
// The lines without repeats of an earlier identical non-@ event line: xenstored drops an
// event identical to one still pending on the same connection (xenstore-facts §2.4), so
// whether a repeat survives depends only on when the daemon wrote the first one out.
std::vector<std::string> without_repeats(const std::vector<std::string> &lines);
// Privileged rows: the guest's replies (everything but events) identical, and every event
// of the C profile delivered within the step (order within a step not compared: a
// privileged connection gets a committed transaction's events in the daemon's order);
// `extra` counts the events beyond the C profile's.
bool guest_covers(const std::vector<std::string> &ref, const std::vector<std::string> &got, unsigned &extra);

// A domid argument spelled other than canonical decimal ("01", "0x1", "+1", " 1").
bool non_canonical_domid(const std::string &s);

} // namespace conf
