// SPDX-License-Identifier: LGPL-2.1-only
#include "xsxlate/dirpart.h"

#include <climits>

namespace xsx {

namespace {

// Bounds on what an upstream may make us accumulate: a directory whose child list
// exceeds this is answered with E2BIG rather than grown without limit.
constexpr std::size_t max_children_bytes = 4u << 20;

// xenstored reads the offset with atoi(): lenient on purpose (offsets are not domids,
// so no spelling of one can name a domain).
std::uint32_t atoi_like(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    long long v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v = v * 10 + (s[i++] - '0');
        if (v > INT_MAX) v = INT_MAX; // atoi's overflow is undefined; saturate
    }
    int r = static_cast<int>(neg ? -v : v);
    return static_cast<std::uint32_t>(r); // xenstored stores it in an unsigned int
}

std::size_t name_len(std::string_view children, std::size_t at) {
    std::size_t nul = children.find('\0', at);
    return (nul == children.npos ? children.size() : nul) - at;
}

} // namespace

std::string directory_part_reply(std::string_view gen, std::string_view children,
                                 std::uint32_t off) {
    std::string out(gen);
    out.push_back('\0');
    if (off >= children.size()) {
        out.push_back('\0');
        return out;
    }
    const std::size_t maxlen = payload_max - out.size() - 1;
    std::size_t len = 0;
    while (len + name_len(children, off + len) < maxlen) {
        len += name_len(children, off + len) + 1;
        if (off + len >= children.size()) break;
    }
    if (off + len > children.size()) len = children.size() - off; // unterminated tail
    out.append(children.substr(off, len));
    if (off + len == children.size()) out.push_back('\0');
    return out;
}

DirPartExchange::DirPartExchange(const Msg &guest_req, std::string upstream_path, DomidMap map,
                                 unsigned max_restarts)
    : guest_req_(guest_req), upstream_path_(std::move(upstream_path)), map_(map),
      max_restarts_(max_restarts) {
    std::string_view b = guest_req_.body;
    std::size_t nul = b.find('\0');
    if (nul != b.npos) guest_offset_ = atoi_like(b.substr(nul + 1));
}

std::optional<Msg> DirPartExchange::next_request() {
    if (done_ || in_flight_) return std::nullopt;
    Msg m;
    m.type = XS_DIRECTORY_PART;
    m.req_id = guest_req_.req_id;
    m.tx_id = guest_req_.tx_id;
    m.body.reserve(upstream_path_.size() + 12);
    m.body.append(upstream_path_);
    m.body.push_back('\0');
    m.body.append(std::to_string(children_.size()));
    m.body.push_back('\0');
    in_flight_ = true;
    ++requests_;
    return m;
}

void DirPartExchange::finish_error(std::string_view errname) {
    result_ = reply_error(guest_req_, errname);
    done_ = true;
}

void DirPartExchange::on_reply(const Msg &r) {
    if (done_ || !in_flight_) return;
    in_flight_ = false;
    if (r.type == XS_ERROR) {
        result_ = reply_body(guest_req_, r.body);
        result_.type = XS_ERROR;
        done_ = true;
        return;
    }
    std::string_view b = r.body;
    std::size_t nul = b.find('\0');
    if (r.type != XS_DIRECTORY_PART || nul == b.npos) return finish_error("EIO");
    std::string_view gen = b.substr(0, nul), data = b.substr(nul + 1);
    if (data.empty()) return finish_error("EIO"); // no progress possible
    if (requests_ == 1) {
        gen_ = gen;
    } else if (gen != gen_) {
        // The directory changed under us: the pieces are from different lists.
        if (++restarts_ > max_restarts_) return finish_error("EAGAIN");
        gen_ = gen;
        children_.clear();
        return;
    }
    bool complete = data == std::string_view("\0", 1) ||
                    (data.size() >= 2 && data.substr(data.size() - 2) == std::string_view("\0\0", 2));
    if (complete) data.remove_suffix(1);
    children_.append(data);
    if (children_.size() > max_children_bytes) return finish_error("E2BIG");
    if (complete) finish_list();
}

void DirPartExchange::finish_list() {
    std::string guest_children;
    guest_children.reserve(children_.size() + 8);
    std::string_view all = children_;
    std::size_t at = 0;
    while (at < all.size()) {
        std::size_t n = name_len(all, at);
        std::string_view name = all.substr(at, n);
        auto d = parse_domid(name);
        if (d) append_domid(guest_children, map_.to_guest(*d));
        else guest_children.append(name);
        guest_children.push_back('\0');
        at += n + 1;
    }
    result_ = reply_body(guest_req_, directory_part_reply(gen_, guest_children, guest_offset_));
    result_.type = XS_DIRECTORY_PART;
    done_ = true;
}

} // namespace xsx
