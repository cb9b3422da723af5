// Xen's test-xenstore through the per-guest socket: filled in by a later commit.
#include <catch2/catch.hpp>
