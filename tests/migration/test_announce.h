// SPDX-License-Identifier: LGPL-2.1-only
// Helpers for the announce tests: a throwaway network namespace, processes run inside
// it, and AF_PACKET capture on an interface of that namespace. Everything is RAII: a
// failed assertion still deletes the namespace (and with it every veth in it).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace announce_test {

using Clock = std::chrono::steady_clock;

struct Result {
    int status = -1; // exit code, or 128+signal
    std::string out, err;
};

inline std::string slurp(int fd) {
    std::string s;
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, std::size_t(n));
    return s;
}

// A child with stdout/stderr in memfds, read back once it has exited. Killed if the
// test gives up on it.
class Child {
public:
    explicit Child(const std::vector<std::string> &argv) {
        out_ = memfd_create("out", MFD_CLOEXEC);
        err_ = memfd_create("err", MFD_CLOEXEC);
        if (out_ < 0 || err_ < 0) throw std::runtime_error("memfd_create failed");
        std::vector<char *> a;
        for (const auto &s : argv) a.push_back(const_cast<char *>(s.c_str()));
        a.push_back(nullptr);
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            dup2(out_, 1);
            dup2(err_, 2);
            execvp(a[0], a.data());
            _exit(127);
        }
    }
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(out_);
        close(err_);
    }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    // Non-blocking: true once the child has exited (result then filled).
    bool done() {
        if (pid_ <= 0) return true;
        int st = 0;
        if (waitpid(pid_, &st, WNOHANG) != pid_) return false;
        finish(st);
        return true;
    }
    Result wait() {
        if (pid_ > 0) {
            int st = 0;
            waitpid(pid_, &st, 0);
            finish(st);
        }
        return res_;
    }

private:
    void finish(int st) {
        pid_ = -1;
        res_.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        res_.out = slurp(out_);
        res_.err = slurp(err_);
    }
    pid_t pid_ = -1;
    int out_ = -1, err_ = -1;
    Result res_;
};

inline Result run(const std::vector<std::string> &argv) { return Child(argv).wait(); }

inline std::string join(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

// `ip netns add` of a name unique to this process; deleted (with its links) on
// destruction. Throws with a clear message when namespaces are not permitted: these
// tests need root and must fail, not pass vacuously, without it.
class NetNs {
public:
    NetNs() {
        static std::atomic<unsigned> seq{0};
        name_ = "xspann-" + std::to_string(getpid()) + "-" + std::to_string(seq++);
        auto r = run({"ip", "netns", "add", name_});
        if (r.status != 0)
            throw std::runtime_error("cannot create network namespace '" + name_ +
                                     "' (these tests need root: ip netns add, veth, "
                                     "AF_PACKET): " + r.err);
        ip({"link", "set", "lo", "up"});
    }
    ~NetNs() { run({"ip", "netns", "del", name_}); }
    NetNs(const NetNs &) = delete;
    NetNs &operator=(const NetNs &) = delete;

    const std::string &name() const { return name_; }
    // `ip -n NS ARGS`, throwing on failure so setup errors are not mistaken for results.
    void ip(std::vector<std::string> args) const {
        args.insert(args.begin(), {"ip", "-n", name_});
        auto r = run(args);
        if (r.status != 0) throw std::runtime_error(join(args) + " failed: " + r.err);
    }
    // A veth pair a <-> b, both up, both in this namespace.
    void veth(const std::string &a, const std::string &b) const {
        ip({"link", "add", a, "type", "veth", "peer", "name", b});
        ip({"link", "set", a, "up"});
        ip({"link", "set", b, "up"});
    }
    // argv run inside the namespace.
    std::vector<std::string> exec(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {"ip", "netns", "exec", name_});
        return argv;
    }

private:
    std::string name_;
};

struct Frame {
    std::chrono::nanoseconds t; // kernel receive time (CLOCK_REALTIME)
    std::vector<uint8_t> bytes;
    uint16_t ethertype() const { return uint16_t(bytes[12] << 8 | bytes[13]); }
};

// An AF_PACKET socket on one interface of a namespace, receiving what arrives on it.
// The calling thread enters the namespace only for socket() and the ifindex lookup:
// a socket stays in the namespace it was created in.
class Capture {
public:
    Capture(const NetNs &ns, const std::string &ifname) : ifname_(ifname) {
        int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int target = open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
        if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
            if (self >= 0) close(self);
            if (target >= 0) close(target);
            throw std::runtime_error("cannot enter namespace " + ns.name());
        }
        fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        int err = errno;
        unsigned idx = if_nametoindex(ifname.c_str());
        int back = setns(self, CLONE_NEWNET);
        close(self);
        close(target);
        if (back != 0) std::abort(); // the rest of the test would run in the wrong namespace
        if (fd_ < 0) throw std::runtime_error(std::string("AF_PACKET socket: ") + std::strerror(err));
        if (idx == 0) throw std::runtime_error("no interface " + ifname + " in " + ns.name());
        sockaddr_ll sll{};
        sll.sll_family = AF_PACKET;
        sll.sll_protocol = htons(ETH_P_ALL);
        sll.sll_ifindex = int(idx);
        if (bind(fd_, reinterpret_cast<sockaddr *>(&sll), sizeof sll) != 0)
            throw std::runtime_error("bind capture to " + ifname);
        // Kernel timestamps: on a veth, receive is synchronous with the sender's
        // sendto, so spacing is measured without this process's scheduling jitter.
        int on = 1;
        if (setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0)
            throw std::runtime_error("SO_TIMESTAMPNS on capture socket");
    }
    ~Capture() {
        if (fd_ >= 0) close(fd_);
    }
    Capture(const Capture &) = delete;
    Capture &operator=(const Capture &) = delete;

    int fd() const { return fd_; }
    // Read whatever is queued; keeps ARP and RARP received on the interface, drops
    // frames it sent and the IPv6 chatter a fresh link produces.
    void drain() {
        for (;;) {
            uint8_t buf[2048];
            alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(timespec))];
            sockaddr_ll from{};
            iovec iov{buf, sizeof buf};
            msghdr mh{};
            mh.msg_name = &from;
            mh.msg_namelen = sizeof from;
            mh.msg_iov = &iov;
            mh.msg_iovlen = 1;
            mh.msg_control = ctl;
            mh.msg_controllen = sizeof ctl;
            ssize_t n = recvmsg(fd_, &mh, MSG_DONTWAIT);
            if (n < 0) return;
            if (from.sll_pkttype == PACKET_OUTGOING || n < 14) continue;
            std::chrono::nanoseconds t{-1};
            for (cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                    timespec ts;
                    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                    t = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
                }
            if (t.count() < 0) throw std::runtime_error("capture without kernel timestamp");
            Frame f{t, std::vector<uint8_t>(buf, buf + n)};
            if (f.ethertype() == 0x0806 || f.ethertype() == 0x8035) frames.push_back(std::move(f));
        }
    }

    std::vector<Frame> frames;

private:
    std::string ifname_;
    int fd_ = -1;
};

// Run argv while capturing on every capture; returns once it exited and the wire has
// been quiet for a moment.
inline Result run_capturing(const std::vector<std::string> &argv, std::vector<Capture *> caps,
                            std::chrono::milliseconds limit = std::chrono::seconds(30)) {
    Child c(argv);
    auto start = Clock::now();
    std::vector<pollfd> pfds;
    for (auto *cap : caps) pfds.push_back({cap->fd(), POLLIN, 0});
    std::optional<Clock::time_point> exited;
    for (;;) {
        poll(pfds.data(), pfds.size(), 5);
        for (auto *cap : caps) cap->drain();
        if (!exited && c.done()) exited = Clock::now();
        if (exited && Clock::now() - *exited > std::chrono::milliseconds(100)) break;
        if (!exited && Clock::now() - start > limit) return Result{-1, "", "timed out"};
    }
    return c.wait();
}

} // namespace announce_test
