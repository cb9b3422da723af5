// SPDX-License-Identifier: LGPL-2.1-only
// Levelled logging to stderr or syslog. fmt-formatted; cheap when the level is off.
#pragma once

#include <fmt/format.h>
#include <string_view>

namespace xsp::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3 };

void init(std::string_view ident, bool use_syslog, Level level);
Level level();
bool parse_level(std::string_view s, Level &out);
void write(Level l, std::string_view msg);

template <typename... Args> void at(Level l, fmt::format_string<Args...> f, Args &&...args) {
    if (l <= level()) write(l, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void error(fmt::format_string<Args...> f, Args &&...a) {
    at(Level::error, f, std::forward<Args>(a)...);
}
template <typename... Args> void warn(fmt::format_string<Args...> f, Args &&...a) {
    at(Level::warn, f, std::forward<Args>(a)...);
}
template <typename... Args> void info(fmt::format_string<Args...> f, Args &&...a) {
    at(Level::info, f, std::forward<Args>(a)...);
}
template <typename... Args> void debug(fmt::format_string<Args...> f, Args &&...a) {
    at(Level::debug, f, std::forward<Args>(a)...);
}

} // namespace xsp::log
