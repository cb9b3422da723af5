// SPDX-License-Identifier: LGPL-2.1-only
// Migration stream reader. Two passes, so that nothing of an image is believed before the
// whole stream is known to be intact: first the framing (header, record headers, padding,
// END last, CHECKSUM right before it and matching), then the records' order and fields.
// A corrupted stream is therefore reported as a framing or checksum error, and a field
// error means the exporter wrote something wrong, not that bytes were damaged in transit.
#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>
#include <unordered_set>

#include "migration_format.h"
#include "xsxlate/domid.h"
#include "xsxlate/rules.h"

namespace xsx::migration {
namespace detail {
namespace {

std::string hex(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08x", v);
    return b;
}

std::uint32_t be32(std::string_view s, std::size_t at) {
    return std::uint32_t(std::uint8_t(s[at])) << 24 | std::uint32_t(std::uint8_t(s[at + 1])) << 16 |
           std::uint32_t(std::uint8_t(s[at + 2])) << 8 | std::uint32_t(std::uint8_t(s[at + 3]));
}

// Fixed-width fields in the records' declared endianness.
struct Endian {
    bool big = false;
    std::uint16_t u16(std::string_view s, std::size_t at) const {
        auto a = std::uint8_t(s[at]), b = std::uint8_t(s[at + 1]);
        return big ? std::uint16_t(a << 8 | b) : std::uint16_t(b << 8 | a);
    }
    std::uint32_t u32(std::string_view s, std::size_t at) const {
        if (big) return be32(s, at);
        return std::uint32_t(std::uint8_t(s[at + 3])) << 24 |
               std::uint32_t(std::uint8_t(s[at + 2])) << 16 |
               std::uint32_t(std::uint8_t(s[at + 1])) << 8 | std::uint32_t(std::uint8_t(s[at]));
    }
};

struct Record {
    std::uint32_t type;
    std::size_t offset; // of the record header
    std::string_view body;
};

std::string where(std::size_t index, const Record &r) {
    return "record " + std::to_string(index) + " (" + record_name(r.type) + ") at offset " +
           std::to_string(r.offset) + ": ";
}

bool is_ours(std::uint32_t t) { return t == rec_end || (t > rec_base && t <= rec_checksum); }
bool is_xen(std::uint32_t t) { return t >= 1 && t <= xen_last_type; }

// Order rank; records appear in non-decreasing rank, singletons exactly once.
int rank(std::uint32_t t) { return t == rec_end ? 8 : int(t - rec_base) - 1; }
bool singleton(std::uint32_t t) { return t != rec_node && t != rec_watch && t != rec_transaction; }

bool valid_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '/' || c == '_' || c == '@';
}

// xenstored's is_valid_nodename shape on a path as written: "" when fine, else why not.
// Relative and '@' paths are allowed only where `any_form` (watches keep the guest's form).
std::string path_problem(std::string_view p, bool any_form) {
    if (p.empty()) return "empty path";
    if (p.size() > path_max)
        return "path of " + std::to_string(p.size()) + " bytes exceeds " + std::to_string(path_max);
    if (!any_form && p[0] != '/') return "path is not absolute";
    for (std::size_t i = 0; i < p.size(); ++i) {
        if (!valid_char(p[i])) return "invalid character (byte " + std::to_string(std::uint8_t(p[i])) +
                                      ") at position " + std::to_string(i) + " of the path";
    }
    if (p.find("//") != p.npos) return "path contains '//'";
    if (p.size() > 1 && p.back() == '/') return "path ends with '/'";
    return "";
}

std::string perm_problem(std::string_view perm) {
    if (perm.size() < 2) return "perm string '" + std::string(perm) + "' too short";
    char c = perm[0];
    if (c != 'n' && c != 'r' && c != 'w' && c != 'b')
        return "perm string starts with byte " + std::to_string(std::uint8_t(c)) +
               ", not one of n r w b";
    if (!parse_domid(perm.substr(1)))
        return "perm string '" + std::string(perm) + "' has no canonical decimal domid";
    return "";
}

class Decoder {
  public:
    Decoder(std::string_view s, std::string &err) : s_(s), err_(err) {}

    bool run(SessionImage &out) {
        if (!framing()) return false;
        if (!order()) return false;
        SessionImage img;
        for (std::size_t i = 0; i < recs_.size(); ++i) {
            if (!record(i, img)) return false;
        }
        if (!counts(img)) return false;
        out = std::move(img);
        return true;
    }

  private:
    bool fail(std::string msg) {
        err_ = std::move(msg);
        return false;
    }
    bool fail_at(std::size_t i, const std::string &msg) { return fail(where(i, recs_[i]) + msg); }

    bool framing() {
        if (s_.size() < header_size)
            return fail("truncated header: " + std::to_string(s_.size()) + " bytes, need " +
                        std::to_string(header_size));
        if (s_.substr(0, ident.size()) != ident)
            return fail("bad magic at offset 0: not a xenstore migration stream");
        std::uint32_t version = be32(s_, 8), flags = be32(s_, 12);
        if (version != 1 && version != 2)
            return fail("unsupported stream version " + std::to_string(version) +
                        " at offset 8 (xsproxy writes " + std::to_string(stream_version) + ")");
        if (flags & ~flag_big_endian)
            return fail("unknown header flags " + hex(flags) + " at offset 12");
        e_.big = flags & flag_big_endian;

        std::size_t off = header_size;
        for (std::size_t i = 0;; ++i) {
            std::string pre = "record " + std::to_string(i) + " at offset " + std::to_string(off) + ": ";
            if (off == s_.size())
                return fail(pre + "stream ends without an END record (truncated?)");
            if (s_.size() - off < 8)
                return fail(pre + "truncated record header (" + std::to_string(s_.size() - off) +
                            " bytes left, END missing)");
            std::uint32_t type = e_.u32(s_, off), len = e_.u32(s_, off + 4);
            if (i == 0 && is_xen(type))
                return fail(std::string("foreign stream: the first record is Xen's ") +
                            record_name(type) + " (type " + std::to_string(type) +
                            "): this is a xenstored live-update/migration stream, not an "
                            "xsproxy session");
            if (is_xen(type))
                return fail(pre + "Xen record type " + std::to_string(type) + " (" +
                            record_name(type) + ") in an xsproxy session stream");
            if (!is_ours(type)) return fail(pre + "unknown record type " + hex(type));
            if (i == 0 && type != rec_session)
                return fail(pre + "the first record is " + record_name(type) +
                            ", not SESSION: not an xsproxy session stream");
            pre = "record " + std::to_string(i) + " (" + record_name(type) + ") at offset " +
                  std::to_string(off) + ": ";
            std::size_t left = s_.size() - off - 8;
            if (len > left)
                return fail(pre + "length " + std::to_string(len) + " exceeds the " +
                            std::to_string(left) + " bytes left (truncated?)");
            std::size_t pad = (8 - len % 8) % 8;
            if (pad > left - len) return fail(pre + "truncated padding");
            std::size_t body = off + 8;
            for (std::size_t k = body + len; k < body + len + pad; ++k) {
                if (s_[k] != 0) return fail(pre + "nonzero padding byte at offset " + std::to_string(k));
            }
            recs_.push_back({type, off, s_.substr(body, len)});
            off = body + len + pad;
            if (type == rec_end) {
                if (len != 0) return fail(pre + "END has a body of " + std::to_string(len) + " bytes");
                if (off != s_.size())
                    return fail(std::to_string(s_.size() - off) + " bytes after END (record " +
                                std::to_string(i) + "), from offset " + std::to_string(off));
                break;
            }
        }
        if (version != stream_version)
            return fail("header version " + std::to_string(version) +
                        " with xsproxy records: xsproxy streams are version " +
                        std::to_string(stream_version));

        std::size_t n = recs_.size();
        if (n < 2 || recs_[n - 2].type != rec_checksum)
            return fail_at(n - 1, "no CHECKSUM record immediately before END");
        const Record &c = recs_[n - 2];
        if (c.body.size() != checksum_size)
            return fail_at(n - 2, "body of " + std::to_string(c.body.size()) + " bytes, expected " +
                                      std::to_string(checksum_size));
        std::uint32_t want = e_.u32(c.body, 0), got = crc32(s_.substr(0, c.offset));
        if (want != got)
            return fail_at(n - 2, "checksum mismatch: the record says " + hex(want) + ", bytes 0.." +
                                      std::to_string(c.offset) + " give " + hex(got) +
                                      " (the stream is corrupted)");
        return true;
    }

    bool order() {
        if (recs_[0].type != rec_session) return fail_at(0, "the first record must be SESSION");
        int prev = -1;
        for (std::size_t i = 0; i < recs_.size(); ++i) {
            std::uint32_t t = recs_[i].type;
            int r = rank(t);
            if (r < prev || (r == prev && singleton(t)))
                return fail_at(i, std::string("out of order after ") + record_name(recs_[i - 1].type) +
                                      " (order: SESSION NODE* WATCH* TRANSACTION* RING PARTIAL_INPUT "
                                      "PENDING_OUTPUT CHECKSUM END)");
            // A mandatory singleton skipped over.
            for (int k = prev + 1; k < r; ++k) {
                std::uint32_t missing = k == 8 ? rec_end : rec_base + std::uint32_t(k) + 1;
                if (singleton(missing))
                    return fail_at(i, std::string("missing ") + record_name(missing) + " record before it");
            }
            prev = r;
        }
        return true;
    }

    bool record(std::size_t i, SessionImage &img) {
        std::string_view b = recs_[i].body;
        switch (recs_[i].type) {
        case rec_session: return session(i, b, img);
        case rec_node: return node(i, b, img);
        case rec_watch: return watch(i, b, img);
        case rec_transaction: return transaction(i, b, img);
        case rec_ring: return ring(i, b, img.ring);
        case rec_partial_input:
            img.partial_input = std::string(b);
            return partial_input(i, b);
        case rec_pending_output: img.pending_output = std::string(b); return true;
        default: return true; // CHECKSUM and END: checked with the framing
        }
    }

    bool session(std::size_t i, std::string_view b, SessionImage &img) {
        if (b.size() < session_fixed)
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes, need at least " +
                                  std::to_string(session_fixed));
        std::uint32_t fv = e_.u32(b, 0);
        if (fv != format_version)
            return fail_at(i, "xsproxy format version " + std::to_string(fv) +
                                  " not supported (this reader knows " +
                                  std::to_string(format_version) + ")");
        auto mode = std::uint8_t(b[4]);
        if (mode != std::uint8_t(Mode::cooperative) && mode != std::uint8_t(Mode::noncooperative))
            return fail_at(i, "unknown mode " + std::to_string(mode));
        if (b[5] != 0 || e_.u16(b, 10) != 0) return fail_at(i, "nonzero reserved field");
        DomidMap m{1, e_.u16(b, 6)};
        if (!m.valid()) return fail_at(i, "invalid guest-visible domid " + std::to_string(m.virt));
        std::uint16_t src = e_.u16(b, 8);
        if (src >= domid_first_reserved)
            return fail_at(i, "invalid source domid " + std::to_string(src));
        n_nodes_ = e_.u32(b, 12);
        n_watches_ = e_.u32(b, 16);
        n_transactions_ = e_.u32(b, 20);
        std::uint32_t rules_len = e_.u32(b, 24);
        if (rules_len > rules_max)
            return fail_at(i, "rules text of " + std::to_string(rules_len) + " bytes exceeds " +
                                  std::to_string(rules_max));
        if (b.size() != session_fixed + rules_len)
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes disagrees with rules length " +
                                  std::to_string(rules_len));
        std::string_view rules = b.substr(session_fixed);
        if (rules.find('\0') != rules.npos) return fail_at(i, "NUL byte in the rules text");
        auto parsed = RuleSet::parse(rules, RuleSet::empty());
        if (!parsed.ok())
            return fail_at(i, "rules text does not parse: " +
                                  (parsed.errors.empty() ? std::string("?") : parsed.errors[0].to_string()));
        img.mode = Mode(mode);
        img.virt = m.virt;
        img.source_domid = src;
        img.rules_text = std::string(rules);
        return true;
    }

    bool node(std::size_t i, std::string_view b, SessionImage &img) {
        if (b.size() < node_fixed)
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes, need at least " +
                                  std::to_string(node_fixed));
        auto kind = std::uint8_t(b[0]), flags = std::uint8_t(b[1]);
        std::uint16_t n_perms = e_.u16(b, 2), path_len = e_.u16(b, 4), perms_len = e_.u16(b, 6);
        std::uint32_t value_len = e_.u32(b, 8);
        if (kind != std::uint8_t(NodeImage::Kind::node) && kind != std::uint8_t(NodeImage::Kind::tombstone))
            return fail_at(i, "unknown node kind " + std::to_string(kind));
        if (flags & ~node_flag_value) return fail_at(i, "unknown node flags " + std::to_string(flags));
        if (std::uint64_t(node_fixed) + path_len + perms_len + value_len != b.size())
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes disagrees with path " +
                                  std::to_string(path_len) + " + value " + std::to_string(value_len) +
                                  " + perms " + std::to_string(perms_len));
        NodeImage n;
        n.kind = NodeImage::Kind(kind);
        n.has_value = flags & node_flag_value;
        n.path = std::string(b.substr(node_fixed, path_len));
        std::string why = path_problem(n.path, false);
        if (!why.empty()) return fail_at(i, why);
        if (value_len > value_max)
            return fail_at(i, "value of " + std::to_string(value_len) + " bytes exceeds " +
                                  std::to_string(value_max));
        if (value_len && !n.has_value) return fail_at(i, "value bytes without the has-value flag");
        n.value = std::string(b.substr(node_fixed + path_len, value_len));
        if (n_perms > perms_max)
            return fail_at(i, std::to_string(n_perms) + " perms exceed " + std::to_string(perms_max));
        std::string_view perms = b.substr(node_fixed + path_len + value_len);
        while (!perms.empty()) {
            std::size_t z = perms.find('\0');
            if (z == perms.npos) return fail_at(i, "perm string without its NUL");
            if (n.perms.size() == n_perms) return fail_at(i, "more perm strings than the count " +
                                                                std::to_string(n_perms));
            std::string_view p = perms.substr(0, z);
            why = perm_problem(p);
            if (!why.empty()) return fail_at(i, why);
            n.perms.emplace_back(p);
            perms.remove_prefix(z + 1);
        }
        if (n.perms.size() != n_perms)
            return fail_at(i, std::to_string(n.perms.size()) + " perm strings, the count says " +
                                  std::to_string(n_perms));
        if (n.kind == NodeImage::Kind::tombstone && (n.has_value || !n.perms.empty()))
            return fail_at(i, "a tombstone carries a value or perms");
        if (!paths_.insert(n.path).second) return fail_at(i, "journal has '" + n.path + "' twice");
        img.journal.push_back(std::move(n));
        return true;
    }

    bool watch(std::size_t i, std::string_view b, SessionImage &img) {
        if (b.size() < watch_fixed)
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes, need at least " +
                                  std::to_string(watch_fixed));
        WatchImage w;
        w.channel = e_.u32(b, 0);
        std::uint16_t path_len = e_.u16(b, 4), token_len = e_.u16(b, 6);
        if (watch_fixed + path_len + token_len != b.size())
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes disagrees with path " +
                                  std::to_string(path_len) + " + token " + std::to_string(token_len));
        w.path = std::string(b.substr(watch_fixed, path_len));
        w.token = std::string(b.substr(watch_fixed + path_len));
        std::string why = path_problem(w.path, true);
        if (!why.empty()) return fail_at(i, why);
        if (w.token.size() > token_max)
            return fail_at(i, "token of " + std::to_string(w.token.size()) + " bytes exceeds " +
                                  std::to_string(token_max));
        // On the wire a token is a NUL-terminated string: a NUL inside cannot have come
        // from a guest.
        if (w.token.find('\0') != w.token.npos) return fail_at(i, "NUL byte inside the token");
        if (!watches_.emplace(w.channel, w.path, w.token).second)
            return fail_at(i, "the same watch (channel, path, token) twice");
        img.watches.push_back(std::move(w));
        return true;
    }

    bool transaction(std::size_t i, std::string_view b, SessionImage &img) {
        if (b.size() != transaction_size)
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes, expected " +
                                  std::to_string(transaction_size));
        TransactionImage t{e_.u32(b, 0), e_.u32(b, 4)};
        if (t.guest_tx_id == 0) return fail_at(i, "transaction id 0 (means 'no transaction')");
        if (!txs_.emplace(t.channel, t.guest_tx_id).second)
            return fail_at(i, "transaction " + std::to_string(t.guest_tx_id) + " on channel " +
                                  std::to_string(t.channel) + " twice");
        img.transactions.push_back(t);
        return true;
    }

    bool ring(std::size_t i, std::string_view b, RingImage &r) {
        if (b.size() < ring_fixed)
            return fail_at(i, "body of " + std::to_string(b.size()) + " bytes, need at least " +
                                  std::to_string(ring_fixed));
        std::uint32_t flags = e_.u32(b, 0);
        if (flags & ~ring_flag_present) return fail_at(i, "unknown ring flags " + hex(flags));
        r.present = flags & ring_flag_present;
        std::size_t page = b.size() - ring_fixed;
        if (r.present && page != page_size)
            return fail_at(i, "ring page of " + std::to_string(page) + " bytes, must be " +
                                  std::to_string(page_size));
        if (!r.present && page != 0)
            return fail_at(i, "no ring, yet " + std::to_string(page) + " page bytes");
        r.req_cons = e_.u32(b, 4);
        r.rsp_prod = e_.u32(b, 8);
        r.server_features = e_.u32(b, 12);
        r.page = std::string(b.substr(ring_fixed));
        return true;
    }

    // Guest input not yet handled: whole requests the session has not taken yet, then at
    // most one incomplete one (the ring's reader decodes ahead of the session). Each header,
    // once complete, must announce a legal payload, or the destination's decoder would drop
    // the connection on the first byte it feeds. xs_wire is little-endian (x86, Arm).
    bool partial_input(std::size_t i, std::string_view b) {
        std::size_t off = 0;
        while (b.size() - off >= msg_header) {
            std::uint32_t len = Endian{false}.u32(b, off + 12);
            if (len > value_max)
                return fail_at(i, "request header at byte " + std::to_string(off) + " announces " +
                                      std::to_string(len) + " payload bytes, more than " +
                                      std::to_string(value_max));
            off += msg_header + std::min<std::size_t>(len, b.size() - off - msg_header);
        }
        return true;
    }

    bool counts(const SessionImage &img) {
        auto check = [&](const char *what, std::uint32_t said, std::size_t got) {
            if (said == got) return true;
            return fail(where(0, recs_[0]) + "announces " + std::to_string(said) + ' ' + what +
                        " records, the stream has " + std::to_string(got));
        };
        return check("NODE", n_nodes_, img.journal.size()) &&
               check("WATCH", n_watches_, img.watches.size()) &&
               check("TRANSACTION", n_transactions_, img.transactions.size());
    }

    std::string_view s_;
    std::string &err_;
    Endian e_;
    std::vector<Record> recs_;
    std::uint32_t n_nodes_ = 0, n_watches_ = 0, n_transactions_ = 0;
    std::unordered_set<std::string> paths_;
    std::set<std::tuple<std::uint32_t, std::string, std::string>> watches_;
    std::set<std::pair<std::uint32_t, std::uint32_t>> txs_;
};

} // namespace
} // namespace detail

bool decode(std::string_view stream, SessionImage &out, std::string &err) {
    return detail::Decoder(stream, err).run(out);
}

} // namespace xsx::migration
