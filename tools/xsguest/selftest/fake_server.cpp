// SPDX-License-Identifier: LGPL-2.1-only
#include "fake_server.h"

#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <unistd.h>

#include <xsxlate/ring.h>

// The guest's xenevtchn handle is just the read end of a pipe the server writes to.
struct xenevtchn_handle {
    int rfd;
    int wfd; // towards the server
};

extern "C" {
int xenevtchn_fd(xenevtchn_handle *x) { return x->rfd; }
int xenevtchn_notify(xenevtchn_handle *x, evtchn_port_t) {
    char c = 1;
    return ::write(x->wfd, &c, 1) == 1 ? 0 : -1;
}
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *x) {
    char buf[64];
    return ::read(x->rfd, buf, sizeof buf) > 0 ? 1 : -1; // coalesce like a pending bit
}
int xenevtchn_unmask(xenevtchn_handle *, evtchn_port_t) { return 0; }
}

namespace fake {

namespace ring = xsx::ring;

Server::Server(Handler h, std::uint32_t features) : handler_(std::move(h)) {
    page_ = static_cast<xenstore_domain_interface *>(std::aligned_alloc(4096, 4096));
    std::memset(page_, 0, 4096);
    page_->server_features = features;
    if (::pipe(to_server_) || ::pipe(to_guest_)) std::abort();
    thread_ = std::thread([this] { run(); });
}

Server::~Server() {
    stop_ = true;
    char c = 0;
    (void)!::write(to_server_[1], &c, 1);
    thread_.join();
    for (int fd : {to_server_[0], to_server_[1], to_guest_[0], to_guest_[1]}) ::close(fd);
    std::free(page_);
}

xenevtchn_handle *Server::guest_handle() {
    static thread_local xenevtchn_handle h;
    h = {to_guest_[0], to_server_[1]};
    return &h;
}

void Server::run() {
    xsx::Decoder dec;
    std::string out;
    auto kick = [&] {
        char c = 1;
        (void)!::write(to_guest_[1], &c, 1);
        ++notified_guest;
    };
    while (!stop_) {
        pollfd pfd{to_server_[0], POLLIN, 0};
        ::poll(&pfd, 1, 20);
        if (pfd.revents & POLLIN) {
            char buf[64];
            if (::read(to_server_[0], buf, sizeof buf) > 0) ++guest_kicks;
        }
        if (paused) continue;
        if (page_->connection == XENSTORE_RECONNECT) {
            dec.reset();
            out.clear();
            ring::store(page_->req_cons, ring::load(page_->req_prod));
            ring::store(page_->rsp_prod, ring::load(page_->rsp_cons));
            ring::store(page_->connection, XENSTORE_CONNECTED);
            kick();
            continue;
        }
        bool progress = true;
        while (progress && !stop_) {
            progress = false;
            char buf[XENSTORE_RING_SIZE];
            std::uint32_t old_cons = ring::load(page_->req_cons);
            auto x = ring::consume(page_, ring::Dir::req, buf, sizeof buf);
            if (x.n) {
                progress = true;
                dec.feed(buf, x.n);
                if (x.was_full ||
                    ring::load(page_->req_prod) - old_cons >= XENSTORE_RING_SIZE)
                    kick();
                while (dec.has_msg())
                    for (auto &m : handler_(dec.pop())) xsx::encode_to(m, out);
            }
            if (!out.empty()) {
                std::uint32_t old_prod = ring::load(page_->rsp_prod);
                auto y = ring::produce(page_, ring::Dir::rsp, out.data(), out.size());
                if (y.n) {
                    progress = true;
                    out.erase(0, y.n);
                    if (y.was_empty || static_cast<std::uint32_t>(
                                           ring::load(page_->rsp_cons) - old_prod) <= y.n)
                        kick();
                }
            }
        }
    }
}

} // namespace fake
