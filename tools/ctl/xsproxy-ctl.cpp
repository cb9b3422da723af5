// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-ctl: the operator's and toolstack's command line for xsproxy. See
// xsproxy-ctl(8). Builds one control-protocol line from its arguments, prints the
// daemon's answer, and exits 0 on "ok", 1 on "error:", 2 on bad usage or no daemon.
#include "control_proto.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace {

const char usage_text[] =
    "usage: xsproxy-ctl [--control PATH] COMMAND [ARGS]\n"
    "  attach DOMID --ring-gfn GFN --ring-port PORT --shadow-gfn GFN --shadow-port PORT\n"
    "         [--virt 1|birth|N] [--socket PATH] [--rules FILE] [--no-ring]\n"
    "         [--upstream ring|privileged|auto]\n"
    "      serve DOMID's xenstore ring; the guest sees domid --virt (default 1)\n"
    "  detach DOMID            stop serving DOMID\n"
    "  list [--json]           attached domains\n"
    "  dump DOMID [--json]     a domain's translation table and session state\n"
    "  stats [--json]          daemon counters\n"
    "  export DOMID --mode cooperative|noncooperative -o FILE\n"
    "                          quiesce DOMID's session and write its migration stream\n"
    "                          (non-destructive: the session stays, paused)\n"
    "  resume DOMID            continue an exported session here (failed migration)\n"
    "  import DOMID -i FILE --ring-gfn GFN --ring-port PORT --shadow-gfn GFN\n"
    "         --shadow-port PORT [--socket PATH] [--check]\n"
    "                          recreate a migrated session for the new DOMID; --check only\n"
    "                          validates the stream against this host's limits\n"
    "The control socket defaults to $XSPROXY_CONTROL or /run/xsproxy/control.\n";

int usage_error(const std::string &msg) {
    std::fprintf(stderr, "xsproxy-ctl: %s\n%s", msg.c_str(), usage_text);
    return 2;
}

// Options of the form --name VALUE become name=VALUE; --flag becomes a flag.
bool add_options(std::vector<std::string> &args, std::size_t from,
                 const std::vector<std::string> &valued, const std::vector<std::string> &flags,
                 xsp::ControlRequest &req, std::string &err) {
    for (std::size_t i = from; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a.rfind("--", 0) != 0) {
            err = "unexpected argument '" + a + "'";
            return false;
        }
        std::string name = a.substr(2), value;
        bool has_value = false;
        auto eq = name.find('=');
        if (eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
            has_value = true;
        }
        bool is_valued = false, is_flag = false;
        for (const auto &v : valued) is_valued |= v == name;
        for (const auto &f : flags) is_flag |= f == name;
        if (is_flag && !has_value) {
            req.flags.insert(name);
            continue;
        }
        if (!is_valued) {
            err = "unknown option '--" + name + "'";
            return false;
        }
        if (!has_value) {
            if (i + 1 >= args.size()) {
                err = "option '--" + name + "' needs a value";
                return false;
            }
            value = args[++i];
        }
        if (value.empty() || value.find_first_of(" \t\r\n=") != std::string::npos) {
            err = "bad value for '--" + name + "'";
            return false;
        }
        req.args[name] = value;
    }
    return true;
}

} // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string control = std::getenv("XSPROXY_CONTROL") ? std::getenv("XSPROXY_CONTROL")
                                                         : "/run/xsproxy/control";
    if (args.size() >= 2 && args[0] == "--control") {
        control = args[1];
        args.erase(args.begin(), args.begin() + 2);
    }
    if (args.empty()) return usage_error("no command");
    if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
        std::fputs(usage_text, stdout);
        return 0;
    }
    xsp::ControlRequest req;
    req.verb = args[0];
    std::string err;
    bool ok = true;
    auto need_domid = [&]() {
        if (args.size() < 2 || args[1].rfind("--", 0) == 0) {
            err = req.verb + " needs a DOMID";
            return false;
        }
        std::uint64_t d = 0;
        if (!xsp::parse_number(args[1], 0x7FEF, d)) {
            err = "'" + args[1] + "' is not a domid";
            return false;
        }
        req.args["domid"] = args[1];
        return true;
    };
    if (req.verb == "attach") {
        ok = need_domid() &&
             add_options(args, 2,
                         {"ring-gfn", "ring-port", "shadow-gfn", "shadow-port", "virt", "socket",
                          "rules", "upstream"},
                         {"no-ring"}, req, err);
    } else if (req.verb == "detach") {
        ok = need_domid() && add_options(args, 2, {}, {}, req, err);
    } else if (req.verb == "dump") {
        ok = need_domid() && add_options(args, 2, {}, {"json"}, req, err);
    } else if (req.verb == "export") {
        for (auto &a : args) if (a == "-o") a = "--file";
        ok = need_domid() && add_options(args, 2, {"mode", "file"}, {}, req, err);
    } else if (req.verb == "resume") {
        ok = need_domid() && add_options(args, 2, {}, {}, req, err);
    } else if (req.verb == "import") {
        for (auto &a : args) if (a == "-i") a = "--file";
        ok = need_domid() &&
             add_options(args, 2,
                         {"file", "ring-gfn", "ring-port", "shadow-gfn", "shadow-port", "socket",
                          "upstream"},
                         {"check", "no-ring"}, req, err);
    } else if (req.verb == "list" || req.verb == "stats") {
        ok = add_options(args, 1, {}, {"json"}, req, err);
    } else {
        return usage_error("unknown command '" + req.verb + "'");
    }
    if (!ok) return usage_error(err);
    // The daemon opens the file: a relative path means the caller's directory.
    if (auto f = req.args.find("file"); f != req.args.end() && f->second[0] != '/') {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) f->second = std::string(cwd) + "/" + f->second;
    }

    sockaddr_un sa{};
    if (control.size() >= sizeof sa.sun_path) return usage_error("control socket path too long");
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, control.c_str(), control.size() + 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0) {
        std::fprintf(stderr, "xsproxy-ctl: cannot reach xsproxy at %s: %s\n", control.c_str(),
                     std::strerror(errno));
        return 2;
    }
    std::string line = req.line() + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        std::fprintf(stderr, "xsproxy-ctl: write: %s\n", std::strerror(errno));
        return 2;
    }
    std::string answer;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) answer.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (answer.rfind("ok\n", 0) == 0) {
        std::fputs(answer.c_str() + 3, stdout);
        return 0;
    }
    if (answer.empty()) {
        std::fprintf(stderr, "xsproxy-ctl: no answer from xsproxy\n");
        return 2;
    }
    std::fprintf(stderr, "xsproxy-ctl: %s", answer.c_str());
    if (answer.back() != '\n') std::fputc('\n', stderr);
    return 1;
}
