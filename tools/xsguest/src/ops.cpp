// SPDX-License-Identifier: LGPL-2.1-only
// Synchronous convenience calls: payload formats of docs/misc/xenstore.txt.
#include <cstdlib>

#include "xsguest/client.h"

namespace xsguest {

namespace {

std::string arg(std::string_view s) { return xsx::with_nul(s); }

// "OK\0", "<id>\0", "/local/domain/N\0": one string, NUL-terminated.
std::string one_string(const std::string &body) {
    auto nul = body.find('\0');
    return nul == std::string::npos ? body : body.substr(0, nul);
}

std::vector<std::string> strings(const std::string &body) {
    std::vector<std::string> out;
    for (auto p : xsx::split_nul(body)) out.emplace_back(p);
    return out;
}

Status status(const Result<xsx::Msg> &r) { return Status{r.err}; }

} // namespace

Result<std::string> Client::read(std::string_view path, std::uint32_t tx) {
    auto r = request(XS_READ, arg(path), tx);
    if (!r.ok()) return Status{r.err};
    return std::move(r.val.body); // raw bytes, no NUL
}

Status Client::write(std::string_view path, std::string_view value, std::uint32_t tx) {
    std::string body = arg(path);
    body.append(value);
    return status(request(XS_WRITE, body, tx));
}

Status Client::mkdir(std::string_view path, std::uint32_t tx) {
    return status(request(XS_MKDIR, arg(path), tx));
}

Status Client::rm(std::string_view path, std::uint32_t tx) {
    return status(request(XS_RM, arg(path), tx));
}

Result<std::vector<std::string>> Client::directory(std::string_view path, std::uint32_t tx) {
    auto r = request(XS_DIRECTORY, arg(path), tx);
    if (!r.ok()) return Status{r.err};
    return strings(r.val.body);
}

Result<DirPart> Client::directory_part(std::string_view path, std::uint64_t offset,
                                       std::uint32_t tx) {
    auto r = request(XS_DIRECTORY_PART, arg(path) + arg(std::to_string(offset)), tx);
    if (!r.ok()) return Status{r.err};
    // "gen\0name\0...name\0" plus one more "\0" once the list is complete.
    const std::string &b = r.val.body;
    DirPart d;
    auto nul = b.find('\0');
    if (nul == std::string::npos) return Status{"EPROTO"};
    d.gen = b.substr(0, nul);
    std::size_t pos = nul + 1;
    while (pos < b.size()) {
        auto end = b.find('\0', pos);
        if (end == std::string::npos) return Status{"EPROTO"};
        if (end == pos) {
            d.complete = true;
            break;
        }
        d.names.push_back(b.substr(pos, end - pos));
        pos = end + 1;
    }
    return d;
}

Result<std::vector<std::string>> Client::directory_by_parts(std::string_view path,
                                                            std::uint32_t tx) {
    for (int attempt = 0; attempt < 16; ++attempt) {
        std::vector<std::string> all;
        std::string gen;
        std::uint64_t off = 0;
        bool restart = false;
        for (;;) {
            auto p = directory_part(path, off, tx);
            if (!p.ok()) return Status{p.err};
            if (off == 0) gen = p.val.gen;
            else if (p.val.gen != gen) { // the node changed between chunks
                restart = true;
                break;
            }
            for (auto &n : p.val.names) {
                off += n.size() + 1;
                all.push_back(std::move(n));
            }
            if (p.val.complete) return all;
            if (p.val.names.empty()) return Status{"EPROTO"}; // no progress, not complete
        }
        if (!restart) break;
    }
    return Status{"EAGAIN"};
}

Result<std::vector<std::string>> Client::get_perms(std::string_view path, std::uint32_t tx) {
    auto r = request(XS_GET_PERMS, arg(path), tx);
    if (!r.ok()) return Status{r.err};
    return strings(r.val.body);
}

Status Client::set_perms(std::string_view path, const std::vector<std::string> &perms,
                         std::uint32_t tx) {
    std::string body = arg(path);
    for (auto &p : perms) body += arg(p);
    return status(request(XS_SET_PERMS, body, tx));
}

Status Client::watch(std::string_view path, std::string_view token) {
    return status(request(XS_WATCH, arg(path) + arg(token)));
}

Status Client::unwatch(std::string_view path, std::string_view token) {
    return status(request(XS_UNWATCH, arg(path) + arg(token)));
}

Result<std::uint32_t> Client::transaction_start() {
    auto r = request(XS_TRANSACTION_START, arg(""));
    if (!r.ok()) return Status{r.err};
    std::string s = one_string(r.val.body);
    char *end = nullptr;
    unsigned long id = std::strtoul(s.c_str(), &end, 10);
    if (s.empty() || *end) return Status{"EPROTO"};
    return static_cast<std::uint32_t>(id);
}

Status Client::transaction_end(std::uint32_t tx, bool commit) {
    return status(request(XS_TRANSACTION_END, arg(commit ? "T" : "F"), tx));
}

Result<std::string> Client::get_domain_path(std::uint32_t domid) {
    auto r = request(XS_GET_DOMAIN_PATH, arg(std::to_string(domid)));
    if (!r.ok()) return Status{r.err};
    return one_string(r.val.body);
}

Status Client::reset_watches() { return status(request(XS_RESET_WATCHES, arg(""))); }

} // namespace xsguest
