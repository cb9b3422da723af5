// SPDX-License-Identifier: LGPL-2.1-only
// xsproxy-ctl: the operator's and toolstack's command line for xsproxy. See
// xsproxy-ctl(8). Parses its arguments as getopt_long does (options anywhere,
// --opt=value, -h per command), builds one control-protocol line, prints the daemon's
// answer, and exits 0 on "ok", 1 on "error:", 2 on bad usage or no daemon.
#include "control_args.h"
#include "control_proto.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#ifndef XSPROXY_VERSION
#error "XSPROXY_VERSION comes from meson (project version)"
#endif

namespace {

// An option of a command: --name VALUE (key=VALUE on the wire) or --name (a flag).
struct Opt {
    const char *name;
    bool valued;
    char short_name; // 0: long only
    const char *key; // protocol key or flag
};

struct Command {
    const char *name;
    bool domid; // takes DOMID
    std::vector<Opt> opts;
    const char *usage;
};

const Opt json{"json", false, 0, "json"};
const std::vector<Opt> ring_opts = {{"ring-gfn", true, 0, "ring-gfn"},
                                    {"ring-port", true, 0, "ring-port"},
                                    {"shadow-gfn", true, 0, "shadow-gfn"},
                                    {"shadow-port", true, 0, "shadow-port"}};

std::vector<Opt> join(std::vector<Opt> a, const std::vector<Opt> &b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

const std::vector<Command> &commands() {
    static const std::vector<Command> cmds = {
        {"attach", true,
         join(ring_opts, {{"virt", true, 0, "virt"},
                          {"socket", true, 0, "socket"},
                          {"rules", true, 0, "rules"},
                          {"upstream", true, 0, "upstream"},
                          {"no-ring", false, 0, "no-ring"}}),
         "attach DOMID --ring-gfn GFN --ring-port PORT --shadow-gfn GFN --shadow-port PORT\n"
         "       [--virt 1|birth|N] [--socket PATH] [--rules FILE] [--no-ring]\n"
         "       [--upstream ring|privileged|auto]\n"
         "    serve DOMID's xenstore ring; the guest sees domid --virt (default 1)\n"},
        {"detach", true, {}, "detach DOMID\n    stop serving DOMID\n"},
        {"list", false, {json}, "list [--json]\n    attached domains and the state of each\n"},
        {"dump",
         true,
         {json},
         "dump DOMID [--json]\n    a domain's state, translation table and counters\n"},
        {"stats", false, {json}, "stats [--json]\n    daemon counters\n"},
        {"status",
         false,
         {json},
         "status [--json]\n"
         "    version, uptime, the xenstored socket and its daemon, sessions per backend\n"},
        {"export",
         true,
         {{"mode", true, 0, "mode"}, {"file", true, 'o', "file"}},
         "export DOMID --mode cooperative|noncooperative -o FILE\n"
         "    quiesce DOMID's session and write its migration stream\n"
         "    (non-destructive: the session stays, paused)\n"},
        {"resume",
         true,
         {},
         "resume DOMID\n    continue an exported session here (failed migration)\n"},
        {"import", true,
         join(ring_opts, {{"file", true, 'i', "file"},
                          {"socket", true, 0, "socket"},
                          {"upstream", true, 0, "upstream"},
                          {"check", false, 0, "check"},
                          {"no-ring", false, 0, "no-ring"}}),
         "import DOMID -i FILE --ring-gfn GFN --ring-port PORT --shadow-gfn GFN\n"
         "       --shadow-port PORT [--socket PATH] [--upstream ring|privileged|auto]\n"
         "       [--no-ring] [--check]\n"
         "    recreate a migrated session for the new DOMID; --check only validates the\n"
         "    stream against this host's limits\n"},
    };
    return cmds;
}

const char global_usage[] =
    "usage: xsproxy-ctl [-c|--control PATH] COMMAND [ARGS]   (options may come anywhere)\n"
    "       xsproxy-ctl COMMAND -h       help on one command\n"
    "       xsproxy-ctl -V|--version\n";
const char footer[] =
    "The control socket is --control, else $XSPROXY_CONTROL, else /run/xsproxy/control.\n";

void print_usage(FILE *f, const Command *only) {
    if (only) {
        std::fprintf(f, "usage: xsproxy-ctl [--control PATH] %s%s", only->usage, footer);
        return;
    }
    std::fputs(global_usage, f);
    std::fputs("commands:\n", f);
    for (const auto &c : commands())
        std::fprintf(f, "  %s", c.usage);
    std::fputs(footer, f);
}

int usage_error(const std::string &msg, const Command *cmd) {
    std::fprintf(stderr, "xsproxy-ctl: %s\n", msg.c_str());
    if (cmd)
        std::fprintf(stderr, "usage: xsproxy-ctl [--control PATH] %s", cmd->usage);
    else
        std::fprintf(stderr, "%s(xsproxy-ctl --help lists the commands)\n", global_usage);
    return 2;
}

const Command *find_command(const std::string &name) {
    for (const auto &c : commands())
        if (name == c.name) return &c;
    return nullptr;
}

// Every option that takes a separate value, under any command: finding the command word
// before parsing must skip those values (`--socket list attach 7` attaches).
bool takes_value(const std::string &arg) {
    if (arg.rfind("--", 0) == 0) {
        if (arg.find('=') != std::string::npos) return false;
        // getopt_long takes unambiguous abbreviations: --sock is --socket.
        std::string name = arg.substr(2);
        auto is = [&](const char *full) { return std::string_view(full).starts_with(name); };
        bool valued = is("control"), flag = false;
        for (const auto &c : commands())
            for (const auto &o : c.opts) (o.valued ? valued : flag) |= is(o.name);
        return valued && !flag;
    }
    return arg == "-c" || arg == "-o" || arg == "-i";
}

std::string find_command_word(const std::vector<std::string> &args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "--") return i + 1 < args.size() ? args[i + 1] : "";
        if (a.size() > 1 && a[0] == '-') {
            if (takes_value(a)) ++i;
            continue;
        }
        return a;
    }
    return "";
}

bool looks_negative(const std::string &a) {
    return a.size() > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9';
}

int reach(const std::string &control, const xsp::ControlRequest &req) {
    sockaddr_un sa{};
    if (control.size() >= sizeof sa.sun_path) {
        std::fprintf(stderr, "xsproxy-ctl: control socket path longer than %zu bytes: %s\n",
                     sizeof sa.sun_path - 1, control.c_str());
        return 2;
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, control.c_str(), control.size() + 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0) {
        int e = errno;
        const char *hint = "";
        if (e == ENOENT || e == ECONNREFUSED)
            hint = " (is xsproxy running? pick its socket with --control or $XSPROXY_CONTROL)";
        else if (e == EACCES || e == EPERM)
            hint = " (the control socket is root only)";
        std::fprintf(stderr, "xsproxy-ctl: cannot reach xsproxy at %s: %s%s\n", control.c_str(),
                     std::strerror(e), hint);
        if (fd >= 0) ::close(fd);
        return 2;
    }
    std::string line = req.line() + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        std::fprintf(stderr, "xsproxy-ctl: cannot send the request to xsproxy: %s\n",
                     std::strerror(errno));
        ::close(fd);
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
        std::fprintf(stderr, "xsproxy-ctl: xsproxy closed the connection without an answer\n");
        return 2;
    }
    std::fprintf(stderr, "xsproxy-ctl: %s", answer.c_str());
    if (answer.back() != '\n') std::fputc('\n', stderr);
    return 1;
}

} // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string control =
        std::getenv("XSPROXY_CONTROL") ? std::getenv("XSPROXY_CONTROL") : "/run/xsproxy/control";
    std::string word = find_command_word(args);
    const Command *cmd = word.empty() || word == "help" ? nullptr : find_command(word);

    // getopt_long's table: the global options and the command's own.
    enum : int { opt_base = 256 };
    std::vector<option> table = {{"control", required_argument, nullptr, 'c'},
                                 {"help", no_argument, nullptr, 'h'},
                                 {"version", no_argument, nullptr, 'V'}};
    // '-': arguments that are not options come back in order as 1 (permuting even under
    // POSIXLY_CORRECT); ':': a missing value is told apart from an unknown option.
    std::string shorts = "-:c:hV";
    if (cmd)
        for (std::size_t i = 0; i < cmd->opts.size(); ++i) {
            const Opt &o = cmd->opts[i];
            int val = o.short_name ? o.short_name : opt_base + static_cast<int>(i);
            table.push_back({o.name, o.valued ? required_argument : no_argument, nullptr, val});
            if (o.short_name) shorts += std::string(1, o.short_name) + (o.valued ? ":" : "");
        }
    table.push_back({nullptr, 0, nullptr, 0});
    // getopt would take "-3" for options -3: an operand that looks negative is named as
    // what it is (an option's value, "--ring-port -5", is left to the daemon's check).
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string &a = args[i];
        if (a == "--") break;
        if (takes_value(a)) {
            ++i;
            continue;
        }
        if (!looks_negative(a)) continue;
        if (cmd && cmd->domid) return usage_error("'" + a + "' is not a domid", cmd);
        return usage_error("unexpected argument '" + a + "'", cmd);
    }

    if (!word.empty() && word != "help" && !cmd)
        return usage_error("unknown command '" + word + "'", nullptr);

    xsp::ControlRequest req;
    std::vector<std::string> pos;
    bool help = false, version = false;
    opterr = 0;
    int c;
    int longindex = -1;
    while ((c = getopt_long(argc, argv, shorts.c_str(), table.data(), &longindex)) != -1) {
        const Opt *o = nullptr;
        if (c >= opt_base)
            o = &cmd->opts[static_cast<std::size_t>(c - opt_base)];
        else if (cmd && c != 'c' && c != 'h' && c != 'V' && c != '?' && c != ':')
            for (const auto &x : cmd->opts)
                if (x.short_name == c) o = &x;
        std::string spelled =
            longindex >= 0 ? std::string("--") + table[static_cast<std::size_t>(longindex)].name
                           : std::string("-") + static_cast<char>(c);
        longindex = -1;
        if (o) {
            if (!o->valued) {
                req.flags.insert(o->key);
                continue;
            }
            std::string v = optarg;
            if (v.empty()) return usage_error("option '" + spelled + "' needs a value", cmd);
            if (!req.args.emplace(o->key, v).second)
                return usage_error("option '" + spelled + "' given twice", cmd);
            continue;
        }
        switch (c) {
        case 1:
            pos.push_back(optarg);
            break;
        case 'c':
            control = optarg;
            if (control.empty()) return usage_error("option '--control' needs a value", cmd);
            break;
        case 'h':
            help = true;
            break;
        case 'V':
            version = true;
            break;
        case ':': {
            std::string a = argv[optind - 1];
            return usage_error("option '" + a + "' needs a value", cmd);
        }
        default: {
            std::string a = argv[optind - 1];
            if (a.rfind("--", 0) != 0) a = std::string("-") + static_cast<char>(optopt);
            // --flag=value on a flag: getopt sets optopt to the option's value.
            if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
                std::string name = a.substr(0, a.find('='));
                for (const auto &t : table)
                    if (t.name && t.has_arg == no_argument && name == std::string("--") + t.name)
                        return usage_error("option '" + name + "' takes no value", cmd);
            }
            if (optopt && optopt >= opt_base)
                return usage_error("option '" + a + "' takes no value", cmd);
            return usage_error(cmd ? "unknown option '" + a + "' for " + cmd->name
                                   : "unknown option '" + a + "'",
                               cmd);
        }
        }
    }
    if (version) {
        std::printf("xsproxy-ctl %s\n", XSPROXY_VERSION);
        return 0;
    }
    for (int i = optind; i < argc; ++i)
        pos.push_back(argv[i]); // after "--"
    if (word == "help") {
        const Command *about = pos.size() > 1 ? find_command(pos[1]) : nullptr;
        if (pos.size() > 1 && !about)
            return usage_error("unknown command '" + pos[1] + "'", nullptr);
        print_usage(stdout, about);
        return 0;
    }
    if (help) {
        print_usage(stdout, cmd);
        return 0;
    }
    if (pos.empty()) return usage_error("no command", nullptr);
    if (!cmd) return usage_error("unknown command '" + pos[0] + "'", nullptr);
    req.verb = cmd->name;
    std::size_t next = 1;
    if (cmd->domid) {
        if (pos.size() < 2) return usage_error(std::string(cmd->name) + " needs a DOMID", cmd);
        std::uint64_t d = 0;
        if (!xsp::parse_number(pos[1], xsp::domid_max, d))
            return usage_error("'" + pos[1] + "' is not a domid (0 to 32751)", cmd);
        req.args["domid"] = pos[1];
        next = 2;
    }
    if (pos.size() > next) return usage_error("unexpected argument '" + pos[next] + "'", cmd);
    // The daemon opens the file: a relative path means the caller's directory.
    if (auto f = req.args.find("file"); f != req.args.end() && f->second[0] != '/') {
        char cwd[4096];
        if (::getcwd(cwd, sizeof cwd)) f->second = std::string(cwd) + "/" + f->second;
    }
    return reach(control, req);
}
