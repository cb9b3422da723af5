// SPDX-License-Identifier: LGPL-2.1-only
// Outcomes of xenstore requests as values.
//
// Tests compare error names ("EACCES", "ENOENT", …) exactly as the daemon sent them, so an
// error is data, not an exception. Client-side failures use names outside the xs_wire.h
// table where possible: ETIMEDOUT (no reply in time), ECONNRESET (request discarded by a
// ring reset), EOPNOTSUPP (server lacks a feature); EIO/EINVAL mirror Linux's -EIO (bad
// ring indexes) and -EINVAL (reply header len > 4096).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace xsguest {

struct Status {
    std::string err; // "" on success, else the error name

    bool ok() const { return err.empty(); }
    explicit operator bool() const { return ok(); }
};

template <class T> struct Result : Status {
    T val{};

    Result() = default;
    Result(Status s) : Status(std::move(s)) {}
    Result(T v) : val(std::move(v)) {}
    // The value, or the error name: handy where a test expects either.
    const T &value_or(const T &alt) const { return ok() ? val : alt; }
};

// DIRECTORY_PART reply: generation count, the names in this chunk, and whether the
// chunk reached the end of the list (reply ended in an extra NUL).
struct DirPart {
    std::string gen;
    std::vector<std::string> names;
    bool complete = false;
};

struct Event {
    std::string path;
    std::string token;
    bool operator==(const Event &) const = default;
};

inline std::ostream &operator<<(std::ostream &os, const Status &s) {
    return os << (s.ok() ? std::string("OK") : s.err);
}

inline std::ostream &operator<<(std::ostream &os, const Event &e) {
    return os << "event{" << e.path << ", " << e.token << "}";
}

inline std::ostream &operator<<(std::ostream &os, const Result<std::string> &r) {
    if (!r.ok()) return os << r.err;
    return os << '"' << r.val << '"';
}

inline std::ostream &operator<<(std::ostream &os, const Result<std::vector<std::string>> &r) {
    if (!r.ok()) return os << r.err;
    os << '[';
    for (std::size_t i = 0; i < r.val.size(); ++i) os << (i ? " " : "") << r.val[i];
    return os << ']';
}

inline std::ostream &operator<<(std::ostream &os, const Result<std::uint32_t> &r) {
    if (!r.ok()) return os << r.err;
    return os << r.val;
}

} // namespace xsguest
