/*
 * What a server started by the root task finds in its capability space,
 * and the root's service protocol (root/servers.c implements the root side).
 *
 * Fixed selectors in every server:
 *   BH_SEL_FAULT_PT (3)  the root's fault portal for this server (CALL)
 *   SVC_SEL_ROOT (4)     the root's service portal for this server (CALL)
 *   SVC_SEL_PARK (5)     a semaphore that is never upped (DOWN): a thread
 *                        with nothing left to do waits on it
 * plus the capabilities its configuration grants, at selectors 16..4095.
 *
 * Service calls (w0 = op):
 *   SVC_SERVE   w1 = entry, w2 = stack top, w3 = UTCB address: the root
 *               creates a local EC there (in the server's PD, on its CPU)
 *               and a portal to it, which the root and the servers the
 *               configuration names call; entry 0 = "no portal, just
 *               started". Once per start; reply w0 = status.
 *   SVC_REPORT  w1, w2 = values, w3 = SVC_REPORT_MAGIC: a test result for
 *               the root. Reply w0 = status.
 * Portal calls into a server use w0 = op as well; the reply's w0 is a status.
 */
#ifndef BH_SVC_H
#define BH_SVC_H

#include <stdint.h>

/* The client number in the badge of a call that came through a portal
   the configuration made for one client (a cap with `badge`); 0: the
   server's shared portal. */
#define SVC_CLIENT(badge) ((unsigned)((badge) >> 16) & 0xffu)

#define SVC_SEL_ROOT 4u
#define SVC_SEL_PARK 5u

enum svc_op { SVC_SERVE = 1, SVC_REPORT = 2 };
#define SVC_REPORT_MAGIC 0x5e2fe2e9027ull

/* Test servers' portal operations (servers/). */
enum srv_op {
    SRV_PING = 1,      /* w1 = x: reply w1 = x + 1, w2 = the server's badge */
    SRV_SM_TEST = 2,   /* echo: down then up on its SM at selector 20;
                          reply w1 = status of down, w2 = status of up */
    SRV_CRASH = 3,     /* crasher: write to address 0 */
    SRV_IO_IN = 4,     /* io: w1 = port: reply w1 = inb(port) (faults without the port) */
};

#define SRV_ECHO_SM_SEL 20u  /* echo's semaphore capability (configured UP only) */
#define SRV_SELF_PD_SEL 16u  /* fuzz's and quota's own PD (configured CTRL) */

/* The mem server (servers/mem): addresses the root and it agree on. */
#define MEM_FAULT_VA 0x0000100000000000ull  /* unmapped until it is touched */
#define MEM_SHARE_VA 0x0000100000200000ull  /* the page the root shares */

#endif
