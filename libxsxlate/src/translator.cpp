// SPDX-License-Identifier: LGPL-2.1-only
// Translator: construction, session-level state and the helpers both directions share.
#include "translator_common.h"

namespace xsx {

Translator::Translator(DomidMap map, const RuleSet &rules, TranslatorOptions opt)
    : Translator(map, std::shared_ptr<const RuleSet>(&rules, [](const RuleSet *) {}), opt) {}

Translator::Translator(DomidMap map, std::shared_ptr<const RuleSet> rules, TranslatorOptions opt)
    : map_(map), rules_(std::move(rules)), opt_(opt), watches_(opt.session),
      home_real_(domain_path(map.real)), home_virt_(domain_path(map.virt)) {
    view_.reserve(128);
}

void Translator::set_map(DomidMap map) {
    map_ = map;
    home_real_ = domain_path(map.real);
    home_virt_ = domain_path(map.virt);
    watches_.new_generation();
    for (const WatchEntry *ce : watches_.entries()) {
        WatchEntry *e = watches_.find_id(ce->id);
        e->upstream_path.clear();
        Impl::path_up(*this, e->guest_path, e->upstream_path);
    }
}

std::string Translator::path_to_upstream(std::string_view guest_path) const {
    std::string out;
    Impl::path_up(*this, guest_path, out);
    return out;
}

std::string Translator::path_to_guest(std::string_view upstream_path) const {
    if (Impl::is_relative(upstream_path)) return std::string(upstream_path);
    return rewrite_path(*rules_, map_, Dir::to_guest, upstream_path);
}

namespace {

Msg watch_msg(std::uint32_t type, std::string_view path, std::string_view token,
              std::uint32_t req_id) {
    Msg m;
    m.type = type;
    m.req_id = req_id;
    m.body.reserve(path.size() + token.size() + 2);
    m.body.append(path);
    m.body.push_back('\0');
    m.body.append(token);
    m.body.push_back('\0');
    return m;
}

} // namespace

Msg Translator::internal_watch(std::string_view path, std::uint32_t id, std::uint32_t req_id) const {
    return watch_msg(XS_WATCH, path,
                     encode_token({true, opt_.session, watches_.generation(), id}), req_id);
}

Msg Translator::internal_unwatch(std::string_view path, std::uint32_t id, std::uint32_t req_id) const {
    return watch_msg(XS_UNWATCH, path,
                     encode_token({true, opt_.session, watches_.generation(), id}), req_id);
}

Msg Translator::rewatch(const WatchEntry &e, std::uint32_t req_id) const {
    std::string up;
    Impl::path_up(*this, e.guest_path, up);
    if (opt_.absolute_upstream)
        return watch_msg(XS_WATCH, up, encode_token(watches_.token_for(e)), req_id);
    return watch_msg(XS_WATCH, up, e.guest_token, req_id);
}

void Translator::Impl::rewrite_children(const Translator &t, std::string_view list,
                                        std::string &out) {
    std::size_t at = 0;
    while (at < list.size()) {
        std::size_t nul = list.find('\0', at);
        std::size_t end = nul == list.npos ? list.size() : nul;
        std::string_view name = list.substr(at, end - at);
        if (auto d = parse_domid(name)) append_domid(out, t.map_.to_guest(*d));
        else out.append(name);
        if (nul != list.npos) out.push_back('\0');
        at = end + 1;
    }
}

void Translator::Impl::rewrite_perms_to_guest(const Translator &t, std::string_view perms,
                                              std::string &out) {
    // The daemon prints perms canonically ("%c%u"); anything else is passed through.
    std::size_t at = 0;
    while (at < perms.size()) {
        std::size_t nul = perms.find('\0', at);
        std::size_t end = nul == perms.npos ? perms.size() : nul;
        std::string_view p = perms.substr(at, end - at);
        std::optional<domid_t> d;
        if (p.size() >= 2) d = parse_domid(p.substr(1));
        if (d) {
            out.push_back(p[0]);
            append_domid(out, t.map_.to_guest(*d));
        } else {
            out.append(p);
        }
        if (nul != perms.npos) out.push_back('\0');
        at = end + 1;
    }
}

} // namespace xsx
