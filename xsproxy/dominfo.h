// SPDX-License-Identifier: LGPL-2.1-only
/* Domain state from libxenctrl, in C: xenctrl.h does not compile as C++. */
#ifndef XSP_DOMINFO_H
#define XSP_DOMINFO_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
enum xsp_domstate { XSP_DOM_RUNNING, XSP_DOM_SHUTDOWN, XSP_DOM_DYING, XSP_DOM_GONE };
void *xsp_xc_open(void);
void xsp_xc_close(void *xch);
/* Never uses a consuming "changed domain" interface: VIRQ_DOM_EXC is xenstored's. */
enum xsp_domstate xsp_domain_state(void *xch, uint32_t domid);
#ifdef __cplusplus
}
#endif
#endif
