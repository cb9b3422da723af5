// SPDX-License-Identifier: LGPL-2.1-only
// Per-type request validation, as C xenstored (4.17) applies it before touching the store.
//
// Kept apart from the decoder: framing errors (len > 4096) are fatal for a connection,
// argument errors are ordinary EINVAL/ENOSYS replies and the connection lives on.
#pragma once

#include <cstdint>
#include <string_view>

#include "xsxlate/wire.h"

namespace xsx {

// Types a 4.17 xenstored implements (XS_TYPE_COUNT == 23; 20 was XS_RESTRICT, removed).
// WATCH_EVENT and ERROR are server-to-client only and count as unknown in a request.
bool is_known_request_type(std::uint32_t type);

// Types that xenstored refuses with EACCES on an unprivileged connection before the
// handler runs (XS_FLAG_PRIV). IS_DOMAIN_INTRODUCED is privileged in 4.17 C.
bool is_privileged_type(std::uint32_t type);

// Argument shape of a guest request. Returns "" when acceptable, else the error name
// xenstored would send: "ENOSYS" for unknown types, "EINVAL" for malformed payloads.
// Only syntax is checked here (string counts, NUL placement, T/F, 4.17's two-argument
// WATCH); paths, domids and perms are checked where they are rewritten.
std::string_view validate_request(const Msg &m);

// DIRECTORY, READ, GET_PERMS, MKDIR, RM: one path argument naming a node.
bool is_single_arg_node_type(std::uint32_t type);

} // namespace xsx
