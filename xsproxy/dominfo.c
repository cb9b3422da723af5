// SPDX-License-Identifier: LGPL-2.1-only
#include "dominfo.h"

#include <xenctrl.h>

void *xsp_xc_open(void) { return xc_interface_open(NULL, NULL, 0); }

void xsp_xc_close(void *xch) {
    if (xch) xc_interface_close(xch);
}

enum xsp_domstate xsp_domain_state(void *xch, uint32_t domid) {
    xc_domaininfo_t info;
    if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 || info.domain != domid)
        return XSP_DOM_GONE;
    if (info.flags & XEN_DOMINF_dying) return XSP_DOM_DYING;
    if (info.flags & XEN_DOMINF_shutdown) return XSP_DOM_SHUTDOWN;
    return XSP_DOM_RUNNING;
}
