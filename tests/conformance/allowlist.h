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
    // ops: the step's ops (templates); d/p: the step on the direct and proxied host.
    bool (*match)(const std::vector<Op> &ops, const Step &d, const Step &p);
};

const std::vector<Allowed> &allow_list();

// "" if no entry explains the step.
std::string explain(const std::vector<Op> &ops, const Step &d, const Step &p);

// A domid argument spelled other than canonical decimal ("01", "0x1", "+1", " 1").
bool non_canonical_domid(const std::string &s);

} // namespace conf
