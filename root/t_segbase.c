/* Every EC keeps its own FS and GS bases (where the CPU has FSGSBASE,
   user code sets them with WRFSBASE/WRGSBASE) across each of hv's three
   ways of switching ECs: the IPC fast path (four words), the general
   IPC path (eight), whose exit is ec_switch_exit, and the scheduler's
   switches around semaphores (ec_switch_exit again, or the C switch).
   Each side sets values of its own and checks them after every switch;
   the partner reports what it saw. */
#include "rt.h"

#define ROUNDS 3
#define ROOT_FS 0x00007f0000001000ull
#define ROOT_GS 0x00007f0000002000ull
#define H_FS 0x00007e0000003000ull
#define H_GS 0x00007e0000004000ull
#define T_FS 0x00007d0000005000ull
#define T_GS 0x00007d0000006000ull

static uint64_t fs_get(void)
{
    uint64_t v;
    __asm__ volatile("rdfsbase %0" : "=r"(v));
    return v;
}
static uint64_t gs_get(void)
{
    uint64_t v;
    __asm__ volatile("rdgsbase %0" : "=r"(v));
    return v;
}
static void fs_set(uint64_t v) { __asm__ volatile("wrfsbase %0" ::"r"(v) : "memory"); }
static void gs_set(uint64_t v) { __asm__ volatile("wrgsbase %0" ::"r"(v) : "memory"); }

static bool have_fsgsbase(void)
{
    uint32_t a = 7, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return b & 1u;
}

/* Handler: sets its own bases once, then answers every call with what
   it finds in them, in as many words as the call asks for (w0: 4 or 8). */
static void __attribute__((noreturn)) seg_server(uint64_t badge, uint64_t w0)
{
    fs_set(H_FS);
    gs_set(H_GS);
    for (;;) {
        struct bh_msg m = { w0 == 8 ? 8 : 4, { fs_get(), gs_get(), 0, 0 } };
        bh_reply_wait(&m, &badge);
        w0 = m.w[0];
    }
}

static uint64_t sm_go, sm_done;
static volatile unsigned thread_bad;

/* Higher priority than the root: each round it blocks, the root wakes
   it, it checks its bases and blocks again. */
static void seg_thread(void)
{
    fs_set(T_FS);
    gs_set(T_GS);
    for (unsigned i = 0; i < ROUNDS; i++) {
        bh_sm_up(sm_done);
        bh_sm_down(sm_go, 0);
        thread_bad += fs_get() != T_FS || gs_get() != T_GS;
    }
    bh_sm_up(sm_done);
    bh_exit(0);
}

static void ipc_rounds(uint64_t pt, uint64_t words)
{
    unsigned mine = 0, theirs = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        struct bh_msg m = { words, { words, 0, 0, 0 } };
        enum bh_status s = bh_call(pt, &m);
        mine += fs_get() != ROOT_FS || gs_get() != ROOT_GS;
        theirs += s != BH_OK || m.w[0] != H_FS || m.w[1] != H_GS;
    }
    bh_tap(mine == 0 && theirs == 0,
           "segbase: %lu-word calls: caller and handler keep their own FS and GS bases "
           "(%u, %u bad of %u)", words, mine, theirs, ROUNDS);
}

void test_segbase(void)
{
    if (!have_fsgsbase()) {
        bh_tap(true, "# SKIP segbase: no FSGSBASE, user code cannot set its bases");
        bh_tap(true, "# SKIP segbase: general path");
        bh_tap(true, "# SKIP segbase: semaphore switches");
        return;
    }
    uint64_t fs0 = fs_get(), gs0 = gs_get();
    uint64_t ec = rt_sel(), pt = rt_sel();
    sm_go = rt_sel(), sm_done = rt_sel();
    if (bh_create_ec(ec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)seg_server,
                     rt_stack() - 8) != BH_OK ||
        bh_create_pt(pt, SEL_PD, ec, 0x5e6) != BH_OK || bh_create_sm(sm_go, SEL_PD, 0) != BH_OK ||
        bh_create_sm(sm_done, SEL_PD, 0) != BH_OK) {
        bh_tap(false, "segbase: create a local EC, its portal and two semaphores");
        return;
    }
    fs_set(ROOT_FS);
    gs_set(ROOT_GS);
    ipc_rounds(pt, 4);                 /* the fast path */
    ipc_rounds(pt, 8);                 /* the general path */
    unsigned mine = 0;
    thread_bad = 0;
    rt_thread(CPU0, 150, seg_thread);  /* runs at once, until it blocks */
    for (unsigned i = 0; i < ROUNDS; i++) {
        mine += bh_sm_down(sm_done, 0) != BH_OK;
        mine += fs_get() != ROOT_FS || gs_get() != ROOT_GS;
        bh_sm_up(sm_go);               /* it preempts us, checks, blocks */
        mine += fs_get() != ROOT_FS || gs_get() != ROOT_GS;
    }
    mine += bh_sm_down(sm_done, 0) != BH_OK;
    bh_tap(mine == 0 && thread_bad == 0,
           "segbase: a thread that preempts the root on a semaphore and the root keep their own "
           "FS and GS bases (%u, %u bad of %u)", mine, thread_bad, ROUNDS);
    fs_set(fs0);
    gs_set(gs0);
}
