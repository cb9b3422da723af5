// SPDX-License-Identifier: LGPL-2.1-only
#include "xsguest/xensim_guest.h"

#include <cerrno>
#include <string>
#include <system_error>

namespace xsguest {

Transport xensim_transport(xensim_host *host, std::uint32_t domid, std::uint64_t store_gfn,
                           evtchn_port_t store_port) {
    auto die = [&](const char *what) {
        throw std::system_error(errno, std::generic_category(),
                                std::string(what) + " (dom" + std::to_string(domid) + ")");
    };
    void *page = xensim_page_map(host, domid, store_gfn);
    if (!page) die("xensim_page_map");
    xenevtchn_handle *xce = xensim_evtchn_open_as(host, domid);
    if (!xce) {
        int e = errno;
        xensim_page_unmap(page);
        errno = e;
        die("xensim_evtchn_open_as");
    }
    if (xensim_evtchn_claim(xce, store_port) < 0) {
        int e = errno;
        xenevtchn_close(xce);
        xensim_page_unmap(page);
        errno = e;
        die("xensim_evtchn_claim");
    }
    Transport t;
    t.intf = static_cast<xenstore_domain_interface *>(page);
    t.xce = xce;
    t.port = store_port;
    t.release = [page, xce] {
        xenevtchn_close(xce);
        xensim_page_unmap(page);
    };
    return t;
}

std::unique_ptr<Client> attach_xensim(xensim_host *host, std::uint32_t domid,
                                      std::uint64_t store_gfn, evtchn_port_t store_port,
                                      Options opt) {
    return std::make_unique<Client>(xensim_transport(host, domid, store_gfn, store_port), opt);
}

} // namespace xsguest
