// SPDX-License-Identifier: LGPL-2.1-only
// Migration stream writer. It writes what it is given: an image that breaks a field range
// (a 5000-byte value, a page that is not 4096 bytes) yields a stream decode() refuses,
// so a bad export fails at the destination's validation, before anything changes there.
#include "migration_format.h"

namespace xsx::migration {
namespace detail {
namespace {

class Writer {
  public:
    explicit Writer(bool big) : big_(big) {}

    void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u16(std::uint16_t v) { put(v, 2); }
    void u32(std::uint32_t v) { put(v, 4); }
    void bytes(std::string_view s) { out_.append(s); }

    // Opens a record; the returned offset is passed to end_record once the body is written.
    std::size_t begin_record(std::uint32_t type) {
        u32(type);
        std::size_t at = out_.size();
        u32(0); // len, patched
        return at;
    }
    void end_record(std::size_t len_at) {
        std::size_t len = out_.size() - len_at - 4;
        for (int i = 0; i < 4; ++i) {
            int shift = big_ ? 8 * (3 - i) : 8 * i;
            out_[len_at + i] = static_cast<char>((len >> shift) & 0xFF);
        }
        out_.append((8 - len % 8) % 8, '\0');
    }

    std::string &str() { return out_; }

  private:
    void put(std::uint32_t v, int n) {
        for (int i = 0; i < n; ++i) {
            int shift = big_ ? 8 * (n - 1 - i) : 8 * i;
            out_.push_back(static_cast<char>((v >> shift) & 0xFF));
        }
    }

    bool big_;
    std::string out_;
};

// Lengths are truncated to their field width; decode() then finds the body length
// disagreeing with the fields, so an over-long field cannot go unnoticed.
std::uint16_t w16(std::size_t n) { return static_cast<std::uint16_t>(n); }
std::uint32_t w32(std::size_t n) { return static_cast<std::uint32_t>(n); }

} // namespace

std::string encode_as(const SessionImage &img, bool big_endian) {
    Writer hdr(true); // the header is big-endian whatever the flag says
    hdr.bytes(ident);
    hdr.u32(stream_version);
    hdr.u32(big_endian ? flag_big_endian : 0);

    Writer w(big_endian);
    w.str() = std::move(hdr.str());

    std::size_t at = w.begin_record(rec_session);
    w.u32(format_version);
    w.u8(static_cast<std::uint8_t>(img.mode));
    w.u8(0);
    w.u16(img.virt);
    w.u16(img.source_domid);
    w.u16(0);
    w.u32(w32(img.journal.size()));
    w.u32(w32(img.watches.size()));
    w.u32(w32(img.transactions.size()));
    w.u32(w32(img.rules_text.size()));
    w.bytes(img.rules_text);
    w.end_record(at);

    for (const NodeImage &n : img.journal) {
        std::size_t perms_len = 0;
        for (const auto &p : n.perms) perms_len += p.size() + 1;
        at = w.begin_record(rec_node);
        w.u8(static_cast<std::uint8_t>(n.kind));
        w.u8(n.has_value ? node_flag_value : 0);
        w.u16(w16(n.perms.size()));
        w.u16(w16(n.path.size()));
        w.u16(w16(perms_len));
        w.u32(w32(n.value.size()));
        w.bytes(n.path);
        w.bytes(n.value);
        for (const auto &p : n.perms) {
            w.bytes(p);
            w.u8(0);
        }
        w.end_record(at);
    }

    for (const WatchImage &x : img.watches) {
        at = w.begin_record(rec_watch);
        w.u32(x.channel);
        w.u16(w16(x.path.size()));
        w.u16(w16(x.token.size()));
        w.bytes(x.path);
        w.bytes(x.token);
        w.end_record(at);
    }

    for (const TransactionImage &t : img.transactions) {
        at = w.begin_record(rec_transaction);
        w.u32(t.channel);
        w.u32(t.guest_tx_id);
        w.end_record(at);
    }

    at = w.begin_record(rec_ring);
    w.u32(img.ring.present ? ring_flag_present : 0);
    w.u32(img.ring.req_cons);
    w.u32(img.ring.rsp_prod);
    w.u32(img.ring.server_features);
    w.bytes(img.ring.page);
    w.end_record(at);

    at = w.begin_record(rec_partial_input);
    w.bytes(img.partial_input);
    w.end_record(at);

    at = w.begin_record(rec_pending_output);
    w.bytes(img.pending_output);
    w.end_record(at);

    std::uint32_t crc = crc32(w.str());
    at = w.begin_record(rec_checksum);
    w.u32(crc);
    w.end_record(at);

    at = w.begin_record(rec_end);
    w.end_record(at);
    return std::move(w.str());
}

} // namespace detail

std::string encode(const SessionImage &img) { return detail::encode_as(img, false); }

} // namespace xsx::migration
