// SPDX-License-Identifier: LGPL-2.1-only
// Control commands for migration: export (source, non-destructive), resume (source,
// after a failed migration), import (destination; `check` only pre-flights).
#include "control_args.h"
#include "daemon.h"
#include "log.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace xsp {

namespace mig = xsx::migration;

namespace {

bool parse_mode(const std::string &s, mig::Mode &m) {
    if (s == "cooperative" || s == "coop") return m = mig::Mode::cooperative, true;
    if (s == "noncooperative" || s == "non-cooperative" || s == "noncoop")
        return m = mig::Mode::noncooperative, true;
    return false;
}

// Written to a temporary file, fsynced and renamed: a toolstack never reads a torn stream.
bool write_stream(const std::string &path, const std::string &bytes, std::string &err) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = "cannot create " + tmp + ": " + std::strerror(errno);
        return false;
    }
    std::size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            err = "write " + tmp + ": " + std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        err = "cannot write " + path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

bool read_stream(const std::string &path, std::string &out, std::string &err) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err = "cannot open " + path + ": " + std::strerror(errno);
        return false;
    }
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > (64u << 20)) {
            err = path + ": larger than any session stream (64 MiB)";
            ::close(fd);
            return false;
        }
    }
    ::close(fd);
    if (n < 0) err = "read " + path + ": " + std::strerror(errno);
    return n == 0;
}

double ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t)
        .count();
}

} // namespace

void Daemon::cmd_export(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    std::uint64_t domid = 0;
    a.num("domid", domid_max, domid, true);
    std::string mode_s = a.str("mode"), file = a.str("file");
    mig::Mode mode{};
    if (a.err.empty() && !parse_mode(mode_s, mode))
        a.err = "export needs --mode cooperative or --mode noncooperative (the toolstack "
                "says which; xsproxy never guesses)";
    if (a.err.empty() && file.empty()) a.err = "export needs the file to write (-o FILE)";
    if (!a.finish({})) return reply(false, a.err);
    auto it = sessions_.find(static_cast<std::uint32_t>(domid));
    if (it == sessions_.end() || attaching_.count(it->first))
        return reply(false, fmt::format("domain {} is not attached", domid));
    Session *s = it->second.get();
    std::uint32_t d = it->first;
    auto t0 = std::chrono::steady_clock::now();
    s->quiesce([this, d, mode, file, reply, t0](const std::string &err) {
        auto it = sessions_.find(d);
        if (it == sessions_.end()) return reply(false, "domain went away during export");
        Session *s = it->second.get();
        if (!err.empty()) {
            // Nothing was written; the guest continues as if nothing happened.
            s->pause(false);
            return reply(false, "cannot quiesce domain " + std::to_string(d) + ": " + err);
        }
        s->freeze();
        mig::SessionImage img = s->export_image(mode);
        std::string bytes = mig::encode(img);
        std::string werr;
        if (!write_stream(file, bytes, werr)) {
            s->pause(false);
            return reply(false, werr);
        }
        s->set_pause_reason(
            fmt::format("exported ({}) to {}; resume or detach",
                        mode == mig::Mode::cooperative ? "cooperative" : "non-cooperative", file));
        // The session stays paused: the guest is about to be suspended or moved. `resume`
        // continues it here if the migration fails.
        log::info("domain {} exported ({}) to {}: {} journal nodes, {} watches, {} "
                  "transactions, {} bytes, {:.3f} ms",
                  d, mode == mig::Mode::cooperative ? "cooperative" : "non-cooperative", file,
                  img.journal.size(), img.watches.size(), img.transactions.size(), bytes.size(),
                  ms_since(t0));
        reply(true, fmt::format("domain {} exported to {}: {} journal nodes, {} watches, {} "
                                "transactions, {} bytes in {:.3f} ms; paused until resume or "
                                "detach\n",
                                d, file, img.journal.size(), img.watches.size(),
                                img.transactions.size(), bytes.size(), ms_since(t0)));
    });
}

void Daemon::cmd_resume(const ControlRequest &req, Reply reply) {
    Args a{req, {}, {}};
    std::uint64_t domid = 0;
    a.num("domid", domid_max, domid, true);
    if (!a.finish({})) return reply(false, a.err);
    auto it = sessions_.find(static_cast<std::uint32_t>(domid));
    if (it == sessions_.end() || attaching_.count(it->first))
        return reply(false, fmt::format("domain {} is not attached", domid));
    if (!it->second->paused())
        return reply(false, fmt::format("domain {} is not paused (nothing to resume)", domid));
    it->second->pause(false);
    log::info("domain {} resumed", domid);
    reply(true, fmt::format("domain {} resumed\n", domid));
}

void Daemon::cmd_import(const ControlRequest &req, Reply reply) {
    auto file_it = req.args.find("file");
    if (file_it == req.args.end()) return reply(false, "import needs the stream to read (-i FILE)");
    auto t0 = std::chrono::steady_clock::now();
    std::string bytes, err;
    if (!read_stream(file_it->second, bytes, err)) return reply(false, err);
    auto img = std::make_unique<mig::SessionImage>();
    // The whole stream is validated before anything changes on this host.
    if (!mig::decode(bytes, *img, err))
        return reply(false, "rejected " + file_it->second + ": " + err);
    std::vector<std::string> problems = mig::preflight(*img, mig::Limits{});
    if (req.flags.count("check")) {
        if (!problems.empty()) {
            std::string msg = "stream does not fit this host:";
            for (const auto &p : problems) msg += " " + p + ";";
            return reply(false, msg);
        }
        return reply(true, fmt::format("stream ok: {} journal nodes, {} watches, {} "
                                       "transactions, guest domid {}, {} mode\n",
                                       img->journal.size(), img->watches.size(),
                                       img->transactions.size(), img->virt,
                                       img->mode == mig::Mode::cooperative ? "cooperative"
                                                                           : "non-cooperative"));
    }
    if (!problems.empty()) {
        std::string msg = "stream does not fit this host:";
        for (const auto &p : problems) msg += " " + p + ";";
        return reply(false, msg);
    }
    if (req.args.count("virt"))
        return reply(false, "import takes no --virt: the guest keeps the domid the stream says");
    ControlRequest attach = req;
    attach.verb = "attach";
    attach.args.erase("file");
    pending_import_ = std::move(img);
    cmd_attach(attach, [reply, t0](bool ok, const std::string &body) {
        if (!ok) return reply(false, body);
        reply(true, body.substr(0, body.size() - (body.empty() ? 0 : 1)) +
                        fmt::format(" ({:.3f} ms)\n", ms_since(t0)));
    });
    pending_import_.reset();
}

} // namespace xsp
