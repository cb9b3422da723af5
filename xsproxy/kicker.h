// SPDX-License-Identifier: LGPL-2.1-only
// Kicks: making C xenstored run main-loop passes without an event channel.
//
// dom0 cannot receive (or send) notifications on a guest's shadow port, so xsproxy
// never signals the shadow ring. C xenstored scans every domain ring on every pass of
// its main loop and reads one message per socket connection per pass; a request on
// xsproxy's socket therefore causes a pass, and two pipelined requests are a fence:
// when the second reply arrives, the pass that read the shadow ring has completed.
// One kick pair serves every session that asked before it was sent, so the cost stays
// flat with the number of guests.
#pragma once

#include "xs_socket.h"

#include <functional>
#include <unordered_set>

namespace xsp {

class Kickable {
  public:
    virtual ~Kickable() = default;
    // A pass happened: look at the shadow ring. May call Kicker::want() again.
    virtual void kicked(bool final_of_pair) = 0;
};

class Kicker {
  public:
    explicit Kicker(XsSocket &sock) : sock_(sock) {}
    void want(Kickable *k);
    void forget(Kickable *k);
    std::uint64_t pairs_sent() const { return pairs_; }

  private:
    void send_pair();
    void on_reply(bool final_of_pair);

    XsSocket &sock_;
    std::unordered_set<Kickable *> waiting_, covered_;
    bool in_flight_ = false;
    std::uint64_t pairs_ = 0;
};

} // namespace xsp
