// SPDX-License-Identifier: LGPL-2.1-only
// The daemon: shared services (Xen handles, the privileged xenstored socket, kicks,
// mirror watches), the sessions, domain-death handling and the control socket.
#pragma once

#include "config.h"
#include "control_proto.h"
#include "control_server.h"
#include "kicker.h"
#include "mirrors.h"
#include "session.h"
#include "xen.h"
#include "xs_socket.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

struct event_base;
struct evconnlistener;
struct bufferevent;
struct sockaddr;

namespace xsp {

class Daemon {
  public:
    explicit Daemon(Config cfg);
    ~Daemon();
    bool init(std::string &err);
    int run();
    void stop();

  private:
    using Reply = ControlServer::Reply;

    void handle(const ControlRequest &req, Reply reply);
    void cmd_attach(const ControlRequest &req, Reply reply);
    void cmd_detach(const ControlRequest &req, Reply reply);
    void cmd_list(const ControlRequest &req, Reply reply);
    void cmd_dump(const ControlRequest &req, Reply reply);
    void cmd_stats(const ControlRequest &req, Reply reply);
    void cmd_export(const ControlRequest &req, Reply reply);
    void cmd_resume(const ControlRequest &req, Reply reply);
    void cmd_import(const ControlRequest &req, Reply reply);
    void cmd_status(const ControlRequest &req, Reply reply);
    bool check_service_domains(std::uint32_t domid, std::uint16_t virt, std::string &err);
    void check_domains();
    void retire(std::uint32_t domid, const std::string &why);

    static void signal_cb(int sig, short, void *arg);

    Config cfg_;
    std::chrono::steady_clock::time_point started_at_;
    event_base *base_ = nullptr;
    std::unique_ptr<Xen> xen_;
    std::unique_ptr<XsSocket> sock_;
    std::unique_ptr<Kicker> kicker_;
    std::unique_ptr<Mirrors> mirrors_;
    std::unique_ptr<Services> svc_;
    std::unique_ptr<ControlServer> control_;
    struct event *sigterm_ = nullptr, *sigint_ = nullptr;
    std::map<std::uint32_t, std::unique_ptr<Session>> sessions_;
    std::map<std::uint32_t, bool> attaching_;
    std::unique_ptr<xsx::migration::SessionImage> pending_import_;
    std::uint64_t attaches_ = 0, detaches_ = 0, deaths_ = 0, refused_ = 0;
};

} // namespace xsp
