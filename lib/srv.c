/* Server side of the root's service protocol; see bh/srv.h. */
#include <bh/srv.h>
#include <bh/libc.h>
#include <string.h>

#define SRV_UTCB 0x20000000ull    /* the portal EC's UTCB (free in every server) */

static srv_handler handler;
static unsigned reply_items;
static uint8_t srv_stack[16384] __attribute__((aligned(16)));

/* Local EC entry: the first call arrives in registers (SysV order:
   rdi = badge, rsi = w0, rdx = w1, rcx unused, r8 = w2, r9 = w3). */
static void srv_entry(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t unused, uint64_t w2,
                      uint64_t w3)
{
    (void)unused;
    struct bh_msg m = { 4, { w0, w1, w2, w3 } };
    for (;;) {
        handler(&m, badge);
        m.mi = 4 | BH_MSG_MKITEMS(reply_items);
        reply_items = 0;
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(99);
    }
}

enum bh_status svc_serve(srv_handler h)
{
    handler = h;
    struct bh_msg m = { 4, { SVC_SERVE, h ? (uint64_t)srv_entry : 0,
                             (uint64_t)&srv_stack[sizeof srv_stack] - 8, SRV_UTCB } };
    enum bh_status s = bh_call(SVC_SEL_ROOT, &m);
    return s != BH_OK ? s : (enum bh_status)m.w[0];
}

void srv_reply_items(unsigned n) { reply_items = n; }

struct bh_utcb *srv_utcb(void) { return (struct bh_utcb *)SRV_UTCB; }

enum bh_status svc_report(uint64_t a, uint64_t b)
{
    struct bh_msg m = { 4, { SVC_REPORT, a, b, SVC_REPORT_MAGIC } };
    enum bh_status s = bh_call(SVC_SEL_ROOT, &m);
    return s != BH_OK ? s : (enum bh_status)m.w[0];
}

void svc_park(void)
{
    for (;;)
        bh_sm_down(SVC_SEL_PARK, 0);
}

uint64_t srv_arg(const char *args, const char *key, uint64_t def)
{
    size_t n = strlen(key);
    for (const char *p = args; p && *p; p++)
        if ((p == args || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=')
            return strtoul(p + n + 1, NULL, 0);
    return def;
}
