/* TLB shootdown against the IPC fast path on the other CPU (hv's tlb.c
   and fastpath.asm): the root moves a window between two pages, round
   after round, while a thread on CPU 1 makes fast-path calls between its
   reads of the window. Once the root's unmap has returned, CPU 1 must not
   reach the old page, whether the shootdown found it in user mode (an
   IPI) or in the fast path waiting for the kernel lock (it then flushes
   on its way out). A stale translation shows as last round's value. */
#include "rt.h"

#define TLB_VA 0x7a0000000000ull
#define PAGE_VA(i) (TLB_VA + (i) * 0x1000ull)   /* the two pages, 0 and 1 */
#define WIN_VA (TLB_VA + 0x10000)               /* the window onto one of them */
#define STACK_VA (TLB_VA + 0x20000)             /* two 16 KiB stacks */
#define STACK_PAGES 8u
#define ROUNDS 600u
#define ACK_US 30000000u        /* a generous wait: QEMU's vCPUs stall under host load */

static volatile uint64_t round_no, ack, stale, calls;
static uint64_t echo_pt, ack_sm;

/* Local EC on CPU 1: answers every call at once, through the fast path. */
static void echo(uint64_t badge)
{
    struct bh_msg m = { 0, { 0 } };
    for (;;)
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(99);
}

/* Global EC on CPU 1: reads the window once per round, calls in between. */
static void reader(void)
{
    struct bh_msg m = { 0, { 0 } };
    uint64_t r = 0;
    for (;;) {
        uint64_t want = round_no;
        if (want != r) {
            if (want == ~0ull)
                break;
            if (*(volatile uint64_t *)WIN_VA != want)
                stale++;
            r = want;
            ack = want;
            bh_sm_up(ack_sm);
        }
        if (bh_call(echo_pt, &m) == BH_OK)
            calls++;
    }
    bh_exit(0);
}

/* Round r: the window shows page r % 2, which holds r. */
static bool next_round(uint64_t r)
{
    *(volatile uint64_t *)PAGE_VA(r & 1) = r;
    if (r > 1 && bh_unmap(WIN_VA, 1, BH_REVOKE_SELF) != BH_OK)
        return false;
    if (bh_map(SEL_PD, PAGE_VA(r & 1), WIN_VA, 1, BH_M_R | BH_M_W) != BH_OK)
        return false;
    round_no = r;
    return bh_sm_down(ack_sm, ACK_US) == BH_OK && ack == r;
}

static bool start(void)
{
    uint64_t ec = rt_sel(), pt = rt_sel(), sc = rt_sel(), rec = rt_sel();
    echo_pt = pt;
    ack_sm = rt_sel();
    return bh_create_sm(ack_sm, SEL_PD, 0) == BH_OK &&
           bh_map(SEL_PD, 0, TLB_VA, 2, BH_M_R | BH_M_W | BH_MAP_FRESH) == BH_OK &&
           bh_map(SEL_PD, 0, STACK_VA, STACK_PAGES, BH_M_R | BH_M_W | BH_MAP_FRESH) == BH_OK &&
           bh_create_ec(ec, SEL_PD, CPU1, BH_EC_LOCAL, rt_utcb(), (uint64_t)echo,
                        STACK_VA + 0x4000 - 8) == BH_OK &&
           bh_create_pt(pt, SEL_PD, ec, 1) == BH_OK &&
           bh_create_ec(rec, SEL_PD, CPU1, 0, rt_utcb(), (uint64_t)reader,
                        STACK_VA + 0x8000 - 8) == BH_OK &&
           bh_create_sc(sc, SEL_PD, rec, 100, 10000, 10000) == BH_OK;
}

void test_tlb(void)
{
    if (rt_cpus() < 2) {
        bh_printf("ok - tlb: shootdown against the fast path # SKIP only one CPU online\n");
        return;
    }
    round_no = 0;                           /* the reader calls until round 1 */
    ack = 0;
    bool ok = start();
    bh_tap(ok, "tlb: a reader thread and its handler on cpu 1");
    uint64_t done = 0;
    for (uint64_t r = 1; ok && r <= ROUNDS; r++, done++)
        ok = next_round(r);
    round_no = ~0ull;
    bh_tap(done == ROUNDS && stale == 0,
           "tlb: %u remaps of a page while cpu 1 calls between reads: every read after an "
           "unmap saw the new page (%lu rounds, %lu stale reads)",
           ROUNDS, done, stale);
    bh_tap(calls >= ROUNDS, "tlb: cpu 1 made %lu fast-path calls meanwhile", calls);
    bh_unmap(WIN_VA, 1, BH_REVOKE_SELF);
}
