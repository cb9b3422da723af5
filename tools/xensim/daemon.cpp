// SPDX-License-Identifier: LGPL-2.1-only
#include "daemon.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fmt/format.h>

extern char **environ;

namespace xensim {

std::optional<Daemon> parse_daemon(std::string_view name)
{
    if (name == "c")
        return Daemon::c;
    if (name == "ocaml" || name == "o")
        return Daemon::ocaml;
    return std::nullopt;
}

const char *daemon_name(Daemon d)
{
    return d == Daemon::c ? "c" : "ocaml";
}

std::string socket_path(const std::string &state_dir)
{
    return state_dir + "/run/socket";
}

std::vector<std::string> host_env(const std::string &state_dir, unsigned domid)
{
    return {
        std::string("LD_PRELOAD=") + XENSIM_LIB_PATH,
        "XENSIM_STATE=" + state_dir,
        fmt::format("XENSIM_DOMID={}", domid),
        "XENSTORED_PATH=" + socket_path(state_dir),
    };
}

namespace {

// Everything the child needs is built before fork: the parent may be threaded.
struct ExecImage {
    std::vector<std::string> argv_s, env_s;
    std::vector<char *> argv, envp;

    ExecImage(const std::vector<std::string> &args, const std::vector<std::string> &overrides)
        : argv_s(args)
    {
        std::map<std::string, std::string> env;
        for (char **e = environ; *e; e++) {
            std::string kv(*e);
            env[kv.substr(0, kv.find('='))] = kv;
        }
        for (const auto &kv : overrides)
            env[kv.substr(0, kv.find('='))] = kv;
        for (auto &[k, kv] : env)
            env_s.push_back(kv);
        for (auto &s : argv_s)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        for (auto &s : env_s)
            envp.push_back(s.data());
        envp.push_back(nullptr);
    }
};

// oxenstored's socket path is compiled in (/var/run/xenstored/socket) and it logs to
// /var/log/xen: give it a private mount namespace where both point into the state
// dir. /run is replaced by a tmpfs there, so nothing is created on the real /run.
[[noreturn]] void child_fail(const char *what)
{
    dprintf(2, "xensim: %s: %s\n", what, strerror(errno));
    _exit(127);
}

void enter_private_run(const char *run_dir)
{
    if (unshare(CLONE_NEWNS) != 0)
        child_fail("unshare(CLONE_NEWNS)");
    if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        child_fail("make / private");
    // opened inside the new namespace (a bind source must be in it) and before the
    // tmpfs, which may hide it
    int fd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        child_fail("open run dir");
    if (mount("tmpfs", "/run", "tmpfs", 0, "mode=0755,size=1m") != 0)
        child_fail("tmpfs on /run");
    if (mkdir("/run/xenstored", 0755) != 0)
        child_fail("mkdir /run/xenstored");
    char src[64];
    snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
    if (mount(src, "/run/xenstored", nullptr, MS_BIND, nullptr) != 0)
        child_fail("bind mount /run/xenstored");
    close(fd);
    if (mount("tmpfs", "/var/log/xen", "tmpfs", 0, "mode=0750,size=16m") != 0)
        child_fail("tmpfs on /var/log/xen");
}

} // namespace

pid_t spawn(const std::vector<std::string> &args, const SpawnOptions &opt)
{
    ExecImage img(args, opt.env);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        throw std::system_error(errno, std::generic_category(), "fork");
    if (pid > 0)
        return pid;

    if (opt.die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
    }
    if (opt.detach)
        setsid();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, 0);
        close(devnull);
    }
    if (!opt.log_file.empty()) {
        int log = open(opt.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
            close(log);
        }
    }
    if (!opt.private_run_dir.empty())
        enter_private_run(opt.private_run_dir.c_str());
    execve(img.argv[0], img.argv.data(), img.envp.data());
    child_fail(img.argv[0]);
}

namespace {

bool socket_accepts(const std::string &path)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return false;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    bool ok = connect(s, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0;
    close(s);
    return ok;
}

std::string read_file(const std::string &path)
{
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Keeps Debian's tuning (quotas, conflict handling) and points the host-specific
// settings into the state dir.
std::string oxenstored_config(const std::string &dir)
{
    std::string out;
    std::istringstream debian(read_file("/etc/xen/oxenstored.conf"));
    if (debian.str().empty())
        debian.str("quota-activate = true\nquota-maxentity = 1000\nquota-maxsize = 2048\n"
                   "quota-maxwatch = 100\nquota-transaction = 10\n"
                   "quota-maxrequests = 1024\nquota-path-max = 1024\n"
                   "quota-maxoutstanding = 1024\nquota-maxwatchevents = 1024\n"
                   "perms-activate = true\nperms-watch-activate = true\n");
    for (std::string line; std::getline(debian, line);) {
        auto key = line.substr(0, line.find_first_of(" =")); 
        if (key == "pid-file" || key == "xenstored-kva" || key == "xenstored-port" ||
            key == "persistent")
            continue;
        out += line + "\n";
    }
    out += fmt::format("pid-file = {0}/oxenstored.pid\nxenstored-kva = {0}/xsd_kva\n"
                       "xenstored-port = {0}/xsd_port\npersistent = false\n", dir);
    return out;
}

} // namespace

pid_t start_daemon(const std::string &dir, Daemon d, bool die_with_parent)
{
    std::string sock = socket_path(dir);
    if (sock.size() >= sizeof(sockaddr_un{}.sun_path))
        throw std::runtime_error("state dir path too long for a unix socket: " + dir);
    if (d == Daemon::ocaml && (dir.rfind("/run/", 0) == 0 || dir.rfind("/var/run/", 0) == 0))
        throw std::runtime_error("oxenstored's state dir must not live under /run");
    ::unlink(sock.c_str());

    SpawnOptions opt;
    opt.env = host_env(dir, 0);
    opt.env.push_back("XENSTORED_RUNDIR=" + dir + "/run");
    opt.die_with_parent = die_with_parent;
    opt.detach = !die_with_parent;
    opt.log_file = dir + "/daemon.log";
    std::vector<std::string> argv;
    if (d == Daemon::c) {
        // -N: stay in the foreground. Never -D (segfaults on the first request), no
        // -V/-T (several times slower, huge traces).
        argv = {XENSIM_XENSTORED, "-N"};
    } else {
        std::string conf = dir + "/oxenstored.conf";
        std::ofstream(conf) << oxenstored_config(dir);
        argv = {XENSIM_OXENSTORED, "--no-fork", "--config-file", conf};
        opt.private_run_dir = dir + "/run";
    }
    pid_t pid = spawn(argv, opt);

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            throw std::runtime_error(fmt::format("{} exited during start-up:\n{}", argv[0],
                                                 read_file(opt.log_file)));
        if (socket_accepts(sock))
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            stop_process(pid);
            throw std::runtime_error(fmt::format("{} did not open {}:\n{}", argv[0], sock,
                                                 read_file(opt.log_file)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::ofstream(dir + "/daemon.pid") << pid << "\n";
    return pid;
}

pid_t recorded_daemon_pid(const std::string &dir)
{
    std::ifstream f(dir + "/daemon.pid");
    pid_t pid = -1;
    if (!(f >> pid))
        return -1;
    return pid;
}

namespace {

// Gone or a zombie; for a child of ours, reaps it.
bool process_gone(pid_t pid)
{
    int status;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
        return true;
    if (r < 0 && errno != ECHILD)
        return true;
    if (r == 0)
        return false; // our child, still running
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string pidf, comm, state;
    if (!(stat >> pidf >> comm >> state))
        return true;
    return state == "Z";
}

bool wait_gone(pid_t pid, int ms)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!process_gone(pid)) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace

void stop_process(pid_t pid, int grace_ms)
{
    if (pid <= 0 || process_gone(pid))
        return;
    kill(pid, SIGTERM);
    if (wait_gone(pid, grace_ms))
        return;
    kill(pid, SIGKILL);
    wait_gone(pid, 5000);
}

} // namespace xensim
