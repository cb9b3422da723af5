// SPDX-License-Identifier: LGPL-2.1-only
#include "daemon.h"

#include "control_args.h"
#include "json.h"
#include "log.h"
#include "xenstored_probe.h"
#include "xsxlate/rules.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace xsp {

namespace {

bool read_file(const std::string &path, std::string &out) {
    std::ifstream f(path);
    if (!f) return false;
    std::stringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return true;
}

} // namespace

Daemon::Daemon(Config cfg) : cfg_(std::move(cfg)), started_at_(std::chrono::steady_clock::now()) {}

Daemon::~Daemon() {
    sessions_.clear();
    control_.reset();
    if (sigterm_) event_free(sigterm_);
    if (sigint_) event_free(sigint_);
    svc_.reset();
    mirrors_.reset();
    kicker_.reset();
    sock_.reset();
    xen_.reset();
    if (base_) event_base_free(base_);
}

bool Daemon::init(std::string &err) {
    base_ = event_base_new();
    if (!base_) {
        err = "event_base_new failed";
        return false;
    }
    xen_ = std::make_unique<Xen>(base_);
    if (!xen_->open(err)) return false;
    sock_ = std::make_unique<XsSocket>(base_, cfg_.xenstored_socket);
    if (!sock_->connect(err)) return false;
    kicker_ = std::make_unique<Kicker>(*sock_);
    mirrors_ = std::make_unique<Mirrors>(*sock_);
    svc_ = std::make_unique<Services>(Services{base_, *xen_, *sock_, *kicker_, *mirrors_});
    sock_->on_event([this](const xsx::Msg &ev) {
        if (mirrors_->dispatch(ev)) return;
        auto parts = xsx::split_nul(ev.body);
        if (!parts.empty() && parts[0] == "@releaseDomain") check_domains();
    });
    sock_->on_failure([this](const std::string &why) {
        log::error("lost xenstored ({}); exiting", why);
        stop();
    });
    // Domain death: xenstored owns VIRQ_DOM_EXC; its @releaseDomain tells us to look.
    sock_->request(XS_WATCH, std::string("@releaseDomain\0xsproxy-release\0", 31), nullptr);

    control_ = std::make_unique<ControlServer>(
        base_, [this](const ControlRequest &req, ControlServer::Reply reply) {
            handle(req, std::move(reply));
        });
    if (!control_->listen(cfg_.control_socket, err)) return false;
    sigterm_ = evsignal_new(base_, SIGTERM, signal_cb, this);
    sigint_ = evsignal_new(base_, SIGINT, signal_cb, this);
    event_add(sigterm_, nullptr);
    event_add(sigint_, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    log::info("serving; xenstored {}, control {}", cfg_.xenstored_socket, cfg_.control_socket);
    return true;
}

int Daemon::run() { return event_base_dispatch(base_) < 0 ? 1 : 0; }

void Daemon::stop() { event_base_loopexit(base_, nullptr); }

void Daemon::signal_cb(int sig, short, void *arg) {
    log::info("signal {}: shutting down", sig);
    static_cast<Daemon *>(arg)->stop();
}

void Daemon::handle(const ControlRequest &req, Reply reply) {
    if (req.verb == "attach") return cmd_attach(req, reply);
    if (req.verb == "detach") return cmd_detach(req, reply);
    if (req.verb == "list") return cmd_list(req, reply);
    if (req.verb == "dump") return cmd_dump(req, reply);
    if (req.verb == "stats") return cmd_stats(req, reply);
    if (req.verb == "export") return cmd_export(req, reply);
    if (req.verb == "resume") return cmd_resume(req, reply);
    if (req.verb == "import") return cmd_import(req, reply);
    if (req.verb == "status") return cmd_status(req, reply);
    reply(false, "unknown command '" + req.verb +
                     "' (attach, detach, list, dump, stats, status, export, resume, import)");
}


void Daemon::cmd_attach(const ControlRequest &req, Reply reply) {
    // Set by cmd_import: this attach recreates a migrated session.
    std::unique_ptr<xsx::migration::SessionImage> import = std::move(pending_import_);
    Args a{req, {}, {}};
    SessionSpec spec;
    std::uint64_t domid = 0, v = 0;
    a.num("domid", domid_max, domid, true);
    spec.domid = static_cast<std::uint32_t>(domid);
    spec.ring = !req.flags.count("no-ring");
    if (spec.ring) {
        a.num("ring-gfn", gfn_max, spec.ring_gfn, true);
        a.num("ring-port", port_max, v, true);
        spec.ring_port = static_cast<std::uint32_t>(v);
    }
    a.num("shadow-gfn", gfn_max, spec.shadow.gfn, true);
    a.num("shadow-port", port_max, v, true);
    spec.shadow.port = static_cast<std::uint32_t>(v);
    spec.shadow.domid = spec.domid;
    std::string virt = a.str("virt");
    if (virt.empty() || virt == "1") {
        spec.virt = 1;
    } else if (virt == "birth") {
        spec.virt = static_cast<std::uint16_t>(spec.domid);
    } else {
        std::uint64_t x = 0;
        if (!parse_number(virt, domid_max, x) || x == 0) {
            if (a.err.empty())
                a.err = "--virt: 1, 'birth' or a domid from 1 to 32751, not '" + virt + "'";
        }
        spec.virt = static_cast<std::uint16_t>(x);
    }
    if (import) spec.virt = import->virt; // the guest keeps the domid it saw
    spec.socket_path = a.str("socket");
    spec.rules_file = a.str("rules");
    spec.upstream = a.str("upstream");
    if (spec.upstream.empty()) spec.upstream = cfg_.upstream;
    if (spec.upstream != "ring" && spec.upstream != "privileged" && spec.upstream != "auto" &&
        a.err.empty())
        a.err = "--upstream: ring, privileged or auto, not '" + spec.upstream + "'";
    if (!a.finish({"no-ring"})) {
        ++refused_;
        return reply(false, a.err);
    }
    if (spec.domid == 0) return reply(false, "domid 0 cannot be put behind xsproxy");
    if (spec.ring && spec.ring_gfn == spec.shadow.gfn)
        return reply(false, "the shadow ring must be a different page from the guest's ring");
    if (spec.ring && spec.ring_port == spec.shadow.port)
        return reply(false, "the shadow port must differ from the guest's store port");
    if (sessions_.count(spec.domid) || attaching_.count(spec.domid))
        return reply(false, fmt::format("domain {} is already attached", spec.domid));
    if (sessions_.size() >= cfg_.max_sessions)
        return reply(false, "max-sessions reached");
    if (!xen_->domain_exists(spec.domid))
        return reply(false, fmt::format("domain {} does not exist", spec.domid));

    std::string rules_text, err;
    if (spec.rules_file.empty()) spec.rules_file = cfg_.rules_file;
    xsx::RuleSet rules = xsx::RuleSet::defaults();
    if (import) {
        // The rules in force on the source travel with the session.
        auto parsed = xsx::RuleSet::parse(import->rules_text, xsx::RuleSet::empty());
        if (!parsed.ok()) return reply(false, "the stream's rule table does not parse");
        rules = std::move(*parsed.rules);
    } else if (!spec.rules_file.empty()) {
        if (!read_file(spec.rules_file, rules_text))
            return reply(false, "cannot read rules file " + spec.rules_file);
        auto parsed = xsx::RuleSet::parse(rules_text);
        if (!parsed.ok()) {
            std::string msg = "rules file " + spec.rules_file + ":";
            for (const auto &e : parsed.errors) msg += " line " + std::to_string(e.line) + ": " + e.message + ";";
            return reply(false, msg);
        }
        rules = std::move(*parsed.rules);
    }
    if (!check_service_domains(spec.domid, spec.virt, err)) {
        ++refused_;
        return reply(false, err);
    }
    std::uint32_t d = spec.domid;
    attaching_[d] = true;
    auto session = std::make_unique<Session>(*svc_, std::move(spec), std::move(rules));
    Session *s = session.get();
    sessions_.emplace(d, std::move(session));
    bool imported = import != nullptr;
    if (import) s->set_import(std::move(*import));
    s->start([this, d, reply, imported](const std::string &err) {
        attaching_.erase(d);
        if (!err.empty()) {
            ++refused_;
            log::warn("attach of domain {} failed: {}", d, err);
            sessions_.erase(d);
            reply(false, err);
            return;
        }
        ++attaches_;
        const SessionSpec &sp = sessions_[d]->spec();
        log::info("domain {} {} (guest sees domid {})", d, imported ? "imported" : "attached",
                  sp.virt);
        reply(true, fmt::format("domain {} {}; the guest sees domid {}\n", d,
                                imported ? "imported" : "attached", sp.virt));
    });
}

// The guest grants to and binds with "its" backends by domid. If the real domain that
// holds the virtual domid V is one of them, the guest would address itself (it sees
// that domain as R): refuse rather than break its devices.
bool Daemon::check_service_domains(std::uint32_t domid, std::uint16_t virt, std::string &err) {
    if (virt == domid || !xen_->domain_exists(virt)) return true;
    auto call = [&](std::uint32_t type, const std::string &path, xsx::Msg &r) {
        std::string e;
        return XsSocket::call(cfg_.xenstored_socket, type, path + '\0', r, e) && !xsx::is_error(r);
    };
    std::string home = fmt::format("/local/domain/{}", domid);
    std::string v = std::to_string(virt);
    xsx::Msg r;
    if (call(XS_READ, home + "/image/device-model-domid", r) && r.body == v) {
        err = fmt::format("domain {}'s device model runs in domain {}, the domid it would see "
                          "as its own; attach with --virt birth or another --virt",
                          domid, virt);
        return false;
    }
    if (!call(XS_DIRECTORY, home + "/device", r)) return true;
    for (auto cls : xsx::split_nul(r.body)) {
        xsx::Msg devs;
        std::string cdir = home + "/device/" + std::string(cls);
        if (!call(XS_DIRECTORY, cdir, devs)) continue;
        for (auto dev : xsx::split_nul(devs.body)) {
            xsx::Msg b;
            if (call(XS_READ, cdir + "/" + std::string(dev) + "/backend-id", b) && b.body == v) {
                err = fmt::format("domain {}'s {} device {} has its backend in domain {}, the "
                                  "domid it would see as its own; attach with --virt birth "
                                  "or another --virt",
                                  domid, cls, dev, virt);
                return false;
            }
        }
    }
    return true;
}

void Daemon::cmd_detach(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    std::uint64_t domid = 0;
    a.num("domid", domid_max, domid, true);
    if (!a.finish({})) return reply(false, a.err);
    auto it = sessions_.find(static_cast<std::uint32_t>(domid));
    if (it == sessions_.end() || attaching_.count(it->first))
        return reply(false, fmt::format("domain {} is not attached", domid));
    sessions_.erase(it);
    ++detaches_;
    log::info("domain {} detached", domid);
    reply(true, fmt::format("domain {} detached\n", domid));
}

// Sessions still attaching are listed too (state "attaching"): an operator asking why a
// guest hangs at boot sees that xsproxy is waiting for xenstored.
void Daemon::cmd_list(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    if (!a.finish({"json"})) return reply(false, a.err);
    std::string text = fmt::format("{:>6} {:>6}  {:<10} {:>8} {:>7} {:>4}  {}\n", "domid", "virt",
                                   "upstream", "channels", "watches", "txs", "state");
    Json rows = Json::array();
    for (const auto &[d, s] : sessions_) {
        Json row;
        s->summary(text, row);
        rows.push_back(std::move(row));
    }
    reply(true, req.flags.count("json") ? json_text(rows) + "\n" : text);
}

void Daemon::cmd_dump(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    std::uint64_t domid = 0;
    a.num("domid", domid_max, domid, true);
    if (!a.finish({"json"})) return reply(false, a.err);
    auto it = sessions_.find(static_cast<std::uint32_t>(domid));
    if (it == sessions_.end()) return reply(false, fmt::format("domain {} is not attached", domid));
    std::string text;
    Json json;
    it->second->describe(text, json);
    reply(true, req.flags.count("json") ? json_text(json) + "\n" : text);
}

void Daemon::cmd_stats(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    if (!a.finish({"json"})) return reply(false, a.err);
    if (req.flags.count("json")) {
        Json j = Json::object();
        j["sessions"] = sessions_.size();
        j["attaches"] = attaches_;
        j["detaches"] = detaches_;
        j["deaths"] = deaths_;
        j["refused"] = refused_;
        j["kick_pairs"] = kicker_->pairs_sent();
        j["mirror_watches"] = mirrors_->size();
        j["doorbells"] = mirrors_->rung();
        return reply(true, json_text(j) + "\n");
    }
    reply(true, fmt::format("sessions        {}\nattaches        {}\ndetaches        {}\n"
                            "deaths          {}\nrefused         {}\nkick pairs      {}\n"
                            "mirror watches  {}\ndoorbells       {}\n",
                            sessions_.size(), attaches_, detaches_, deaths_, refused_,
                            kicker_->pairs_sent(), mirrors_->size(), mirrors_->rung()));
}

void Daemon::check_domains() {
    std::vector<std::uint32_t> gone;
    for (const auto &[d, s] : sessions_) {
        if (attaching_.count(d)) continue;
        DomainState st = xen_->domain_state(d);
        // A suspended domain is shut down, not dead: it may resume (or be migrated).
        if (st == DomainState::dying || st == DomainState::gone) gone.push_back(d);
    }
    for (std::uint32_t d : gone) retire(d, "domain died");
}

void Daemon::retire(std::uint32_t domid, const std::string &why) {
    ++deaths_;
    log::info("domain {}: {}; session closed", domid, why);
    sessions_.erase(domid);
}

} // namespace xsp
