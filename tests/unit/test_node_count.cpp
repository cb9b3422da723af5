// SPDX-License-Identifier: LGPL-2.1-only
// The privileged upstream's node quota count (node_count.h): C counts every node a
// domain owns, and a transaction's changes at its commit.
#include <catch2/catch.hpp>

#include "xsxlate/node_count.h"

using xsx::access::NodeCount;

TEST_CASE("node count: nodes created outside the home count, and leave exactly once", "[node-count]") {
    NodeCount c("/local/domain/7");
    c.recount(10, {});
    c.created(0, "/local/domain/7/data/x");
    c.created(0, "/shared/rw/a");
    c.created(0, "/shared/rw/a/b");
    CHECK(c.total() == 13);
    // A recount walks the home only: the outside nodes still exist and stay counted.
    c.recount(11, c.outside());
    CHECK(c.total() == 13);
    // Removing a subtree outside the home takes out exactly R's remembered nodes there.
    CHECK_FALSE(c.rm_needs_walk("/shared/rw/a"));
    c.removed(0, "/shared/rw/a", 0);
    CHECK(c.total() == 11);
    c.removed(0, "/shared/rw/a", 0); // gone already: nothing more leaves
    CHECK(c.total() == 11);
    // Inside the home the walk's figure is what leaves.
    CHECK(c.rm_needs_walk("/local/domain/7/data"));
    c.removed(0, "/local/domain/7/data", 2);
    CHECK(c.total() == 9);
}

TEST_CASE("node count: a sibling sharing a prefix is not below", "[node-count]") {
    NodeCount c("/local/domain/7");
    c.created(0, "/shared/ab");
    c.created(0, "/shared/a/x");
    c.removed(0, "/shared/a", 0);
    CHECK(c.outside() == std::set<std::string>{"/shared/ab"});
    // The home goes with an ancestor.
    c.recount(5, c.outside());
    c.removed(0, "/local/domain", 0);
    CHECK(c.total() == 1);
}

TEST_CASE("node count: a recount forgets outside nodes that are gone or not R's", "[node-count]") {
    NodeCount c("/local/domain/7");
    c.created(0, "/shared/a");
    c.created(0, "/shared/b");
    c.recount(3, {"/shared/b"});
    CHECK(c.total() == 4);
}

TEST_CASE("node count: a transaction's creates and removals count at its commit only", "[node-count]") {
    NodeCount c("/local/domain/7");
    c.recount(4, {});
    c.created(5, "/local/domain/7/data/t");
    c.created(5, "/shared/t");
    CHECK(c.total() == 4);
    CHECK(c.total_in(5) == 6);
    CHECK(c.total_in(6) == 4);
    c.abort(5);
    CHECK(c.total_in(5) == 4);
    c.created(6, "/shared/u");
    c.removed(6, "/local/domain/7/data", 3);
    CHECK(c.total_in(6) == 2);
    c.commit(6);
    CHECK(c.total() == 2);
    CHECK(c.outside() == std::set<std::string>{"/shared/u"});
}
