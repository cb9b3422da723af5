// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/wire.h"

#include <cstring>

namespace xsx {

void encode_to(const Msg &m, std::string &out) {
    xsd_sockmsg h{};
    h.type = m.type;
    h.req_id = m.req_id;
    h.tx_id = m.tx_id;
    h.len = static_cast<std::uint32_t>(m.body.size());
    out.append(reinterpret_cast<const char *>(&h), sizeof h);
    out.append(m.body);
}

std::string encode(const Msg &m) {
    std::string out;
    out.reserve(header_size + m.body.size());
    encode_to(m, out);
    return out;
}

void Decoder::feed(const void *data, std::size_t len) {
    if (state_ != State::ok) return;
    buf_.append(static_cast<const char *>(data), len);
    std::size_t off = 0;
    while (buf_.size() - off >= header_size) {
        xsd_sockmsg h;
        std::memcpy(&h, buf_.data() + off, sizeof h);
        if (h.len > payload_max) {
            state_ = State::too_long;
            buf_.clear();
            return;
        }
        if (buf_.size() - off < header_size + h.len) break;
        Msg m;
        m.type = h.type;
        m.req_id = h.req_id;
        m.tx_id = h.tx_id;
        m.body.assign(buf_, off + header_size, h.len);
        ready_.push_back(std::move(m));
        off += header_size + h.len;
    }
    buf_.erase(0, off);
}

Msg Decoder::pop() {
    Msg m = std::move(ready_.front());
    ready_.pop_front();
    return m;
}

void Decoder::reset() {
    buf_.clear();
    ready_.clear();
    state_ = State::ok;
}

std::vector<std::string_view> split_nul(std::string_view body) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\0') {
            out.push_back(body.substr(start, i - start));
            start = i + 1;
        }
    }
    if (start < body.size()) out.push_back(body.substr(start));
    return out;
}

std::string with_nul(std::string_view s) {
    std::string out(s);
    out.push_back('\0');
    return out;
}

Msg reply_body(const Msg &req, std::string body) {
    Msg r;
    r.type = req.type;
    r.req_id = req.req_id;
    r.tx_id = req.tx_id;
    r.body = std::move(body);
    return r;
}

Msg reply_ok(const Msg &req) { return reply_body(req, std::string("OK", 3)); }

Msg reply_error(const Msg &req, std::string_view errname) {
    Msg r = reply_body(req, with_nul(errname));
    r.type = XS_ERROR;
    return r;
}

bool is_error(const Msg &m) { return m.type == XS_ERROR; }

std::string_view error_name(const Msg &m) {
    if (m.type != XS_ERROR) return {};
    std::string_view b = m.body;
    auto nul = b.find('\0');
    return nul == std::string_view::npos ? b : b.substr(0, nul);
}

const char *type_name(std::uint32_t type) {
    switch (type) {
    case XS_CONTROL: return "CONTROL";
    case XS_DIRECTORY: return "DIRECTORY";
    case XS_READ: return "READ";
    case XS_GET_PERMS: return "GET_PERMS";
    case XS_WATCH: return "WATCH";
    case XS_UNWATCH: return "UNWATCH";
    case XS_TRANSACTION_START: return "TRANSACTION_START";
    case XS_TRANSACTION_END: return "TRANSACTION_END";
    case XS_INTRODUCE: return "INTRODUCE";
    case XS_RELEASE: return "RELEASE";
    case XS_GET_DOMAIN_PATH: return "GET_DOMAIN_PATH";
    case XS_WRITE: return "WRITE";
    case XS_MKDIR: return "MKDIR";
    case XS_RM: return "RM";
    case XS_SET_PERMS: return "SET_PERMS";
    case XS_WATCH_EVENT: return "WATCH_EVENT";
    case XS_ERROR: return "ERROR";
    case XS_IS_DOMAIN_INTRODUCED: return "IS_DOMAIN_INTRODUCED";
    case XS_RESUME: return "RESUME";
    case XS_SET_TARGET: return "SET_TARGET";
    case XS_RESET_WATCHES: return "RESET_WATCHES";
    case XS_DIRECTORY_PART: return "DIRECTORY_PART";
    default: return "UNKNOWN";
    }
}

} // namespace xsx
