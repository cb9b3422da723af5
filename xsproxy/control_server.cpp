// SPDX-License-Identifier: LGPL-2.1-only
#include "control_server.h"

#include "log.h"
#include "unix_listener.h"

#include <cerrno>
#include <cstring>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace xsp {

struct ControlServer::Conn {
    ControlServer *server;
    bufferevent *bev;
    ucred peer; // who connected (SO_PEERCRED): named when a request is refused
    bool answered = false;
};

namespace {
// A refused request is logged as received; bytes that could forge log lines are escaped.
std::string loggable(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f)
            out.push_back(static_cast<char>(c));
        else
            out += fmt::format("\\x{:02x}", c);
    }
    return out;
}
} // namespace

ControlServer::ControlServer(event_base *base, Handler handler)
    : base_(base), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
    for (const auto &c : conns_)
        if (c->bev) bufferevent_free(c->bev);
    conns_.clear();
    if (listener_) evconnlistener_free(listener_);
    if (!path_.empty()) ::unlink(path_.c_str());
}

bool ControlServer::listen(const std::string &path, std::string &err) {
    auto slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0) ::mkdir(path.substr(0, slash).c_str(), 0700);
    listener_ = listen_unix(base_, path, accept_cb, this, err);
    if (!listener_) return false;
    path_ = path;
    return true;
}

void ControlServer::accept_cb(evconnlistener *, int fd, sockaddr *, int, void *arg) {
    auto *self = static_cast<ControlServer *>(arg);
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        log::warn("control: connection refused: SO_PEERCRED: {}", std::strerror(errno));
        ::close(fd);
        return;
    }
    // A non-root peer's request is still read (bounded like any other), so the log says
    // what was refused and to whom; it is then answered with an error, never handled.
    auto c = std::make_shared<Conn>(
        Conn{self, bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE), cred});
    self->conns_.insert(c);
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c.get());
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

void ControlServer::close(Conn *c) {
    if (c->bev) bufferevent_free(c->bev);
    c->bev = nullptr;
    for (auto it = conns_.begin(); it != conns_.end(); ++it)
        if (it->get() == c) {
            conns_.erase(it);
            break;
        }
}

void ControlServer::read_cb(bufferevent *bev, void *arg) {
    auto *c = static_cast<Conn *>(arg);
    ControlServer *self = c->server;
    if (c->answered) return;
    evbuffer *in = bufferevent_get_input(bev);
    std::size_t n = 0;
    char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
    std::shared_ptr<Conn> keep;
    for (const auto &p : self->conns_)
        if (p.get() == c) keep = p;
    std::string text = line ? std::string(line, n) : std::string("(unterminated line)");
    ucred peer = c->peer;
    auto reply = [weak = std::weak_ptr<Conn>(keep), peer, text](bool ok, const std::string &body) {
        if (!ok)
            log::warn("control: refused '{}' from uid {} (pid {}): {}", loggable(text), peer.uid,
                      peer.pid, loggable(body));
        auto c = weak.lock();
        if (!c || !c->bev) return; // the client left
        std::string out = ok ? "ok\n" + body : "error: " + body;
        if (out.back() != '\n') out.push_back('\n');
        c->answered = true;
        bufferevent_write(c->bev, out.data(), out.size());
    };
    if (!line) {
        if (evbuffer_get_length(in) > 4096) reply(false, "request longer than 4096 bytes");
        return;
    }
    std::free(line);
    c->answered = true; // one request per connection; later bytes are ignored
    if (peer.uid != 0) return reply(false, "permission denied: the control socket is root only");
    std::string err;
    auto req = parse_control(text, err);
    if (!req) return reply(false, err);
    log::debug("control: {}", text);
    self->handler_(*req, reply);
}

void ControlServer::write_cb(bufferevent *bev, void *arg) {
    auto *c = static_cast<Conn *>(arg);
    // Answer fully written: done. (Before the answer this fires for an empty buffer too.)
    if (c->answered && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        // Only close once the handler has produced its answer (not just consumed input).
        c->server->close(c);
    }
}

void ControlServer::event_cb(bufferevent *, short what, void *arg) {
    auto *c = static_cast<Conn *>(arg);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) c->server->close(c);
}

} // namespace xsp
