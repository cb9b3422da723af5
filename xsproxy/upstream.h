// SPDX-License-Identifier: LGPL-2.1-only
// The upstream interface: how a session reaches xenstored as the guest's real domid.
//
// Kept deliberately small so that each backend — `ring` (a shadow ring of R, exact, for
// C xenstored), `privileged` (socket, xsproxy enforces R's identity, for oxenstored), or
// a future daemon feature that turns a socket into R's connection — is a small class.
// Requests carry a caller-chosen 64-bit tag; the backend owns upstream req_ids and
// hands each reply back with the request's own req_id restored.
#pragma once

#include "xsxlate/wire.h"

#include <cstdint>
#include <functional>
#include <string>

namespace xsp {

class UpstreamSink {
  public:
    virtual ~UpstreamSink() = default;
    virtual void upstream_reply(std::uint64_t tag, xsx::Msg reply) = 0;
    virtual void upstream_event(xsx::Msg event) = 0;
    // Room for more requests again after can_send() said no.
    virtual void upstream_writable() = 0;
    // xenstored has taken the request sent with `tag` (see reports_consumption()).
    virtual void upstream_consumed(std::uint64_t tag) = 0;
    virtual void upstream_failed(const std::string &why) = 0;
};

class Upstream {
  public:
    virtual ~Upstream() = default;
    virtual const char *kind() const = 0;
    // Connect (for `ring`: INTRODUCE the shadow ring, then probe that the daemon serves
    // it). `done` runs once, with an error message on failure.
    virtual void start(std::function<void(const std::string &err)> done) = 0;
    virtual bool can_send() const = 0;
    // True if the backend calls upstream_consumed() once xenstored has taken a request;
    // otherwise a request counts as taken when sent.
    virtual bool reports_consumption() const { return false; }
    virtual void send(const xsx::Msg &m, std::uint64_t tag) = 0;
    // Stop taking replies toward the guest while it is not reading (back-pressure).
    virtual void set_output_blocked(bool blocked) = 0;
    // One line per field, for `xsproxy-ctl dump`.
    virtual void describe(std::string &text, std::string &json) const = 0;
};

} // namespace xsp
