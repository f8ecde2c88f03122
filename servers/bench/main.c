/* bench: the far end of make bench's cross-PD rows (root/bench.c). Its
   portal echoes every message back unchanged, with as many words as came
   (registers and UTCB alike), so the reply costs what the call does.
   Two exceptions, both with w0 at or above BENCH_OP_LOOKUP (the timed
   echo rows send w0 below it, so they pay for one comparison):
   - BENCH_OP_ITEM: the message brought a typed item (a capability, into
     the receive window at BENCH_CAP_SEL, which stays open). The reply
     has w2 = the number of items accepted and w3 = the status of
     revoking the copy (BH_REVOKE_SELF), so the slot is free for the next
     round, and carries no item;
   - outside the timed loops, a 4-word BENCH_OP_LOOKUP reports the type
     of the capability at selector w1 in this PD, so the root can check
     that a capability it delegated arrived (and went). */
#include <bh/srv.h>

int main(const char *args, unsigned long arg2);

#define BENCH_UTCB 0x20000000ull      /* the portal EC's UTCB (free in every server) */
#define BENCH_OP_LOOKUP 0xbe9c4ull    /* must match root/bench.c */
#define BENCH_OP_ITEM 0xbe9c5ull      /* must match root/bench.c */
#define BENCH_CAP_SEL 32u             /* the receive window; must match root/bench.c */

static uint8_t stack[16384] __attribute__((aligned(16)));

/* Local EC entry: the first call arrives in registers (SysV order:
   rdi = badge, rsi = w0, rdx = w1, rcx unused, r8 = w2, r9 = w3); its
   word count does not, so the first reply has 4 words and the root
   makes an untimed call first. */
static void entry(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t unused, uint64_t w2,
                  uint64_t w3)
{
    (void)unused;
    struct bh_msg m = { 4, { w0, w1, w2, w3 } };
    struct bh_utcb *u = (struct bh_utcb *)BENCH_UTCB;
    u->rcv_sel = BENCH_CAP_SEL, u->rcv_sels = 1;
    for (;;) {
        if (m.w[0] >= BENCH_OP_LOOKUP) {
            if (m.w[0] == BENCH_OP_ITEM) {
                m.w[2] = BH_MSG_ITEMS(m.mi);
                m.w[3] = bh_revoke(BENCH_CAP_SEL, BH_REVOKE_SELF);
                m.mi = BH_MSG_WORDS(m.mi);
            } else if (m.mi == 4 && m.w[0] == BENCH_OP_LOOKUP) {
                unsigned type = BH_OBJ_NONE, rights = 0;
                m.w[2] = bh_lookup(m.w[1], &type, &rights);
                m.w[1] = type;
            }
        }
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(99);
    }
}

int main(const char *args, unsigned long arg2)
{
    (void)args, (void)arg2;
    struct bh_msg m = { 4, { SVC_SERVE, (uint64_t)entry, (uint64_t)&stack[sizeof stack] - 8,
                             BENCH_UTCB } };
    if (bh_call(SVC_SEL_ROOT, &m) != BH_OK || m.w[0] != BH_OK)
        return 1;
    svc_park();
}
