/* Bounded teardown of queues (docs/architecture.md, "Bounded and
   unbounded kernel paths"): a semaphore destroyed with N waiters, a
   handler that ends with N callers queued, a PD killed while N of its
   ECs serve calls. Each of the N threads of ours involved gets BH_EABORT
   exactly once, and the wake-ups (or EC endings) are spread over kernel
   entries with preemption points between them.

   How the test sees the steps: each of the N threads runs on CPU 0 above
   the root, so it runs as soon as it is woken and nothing above it is
   ready. The first to be woken, P, has priority 210; the last, Q, 220;
   the others 200. Were all woken in one kernel entry, Q would run before
   P and P would find Q's mark. With at most 64 per entry, P runs right
   after the entry that woke it (an entry or two later, the others), long
   before Q is woken: a thread above the rest got the CPU in the middle
   of the teardown. CPU 1 is kept busy meanwhile (hold_cpu1): an idle
   CPU runs reaper steps back to back (sc.c's idle loop), and under
   QEMU's vCPU scheduling it was seen to wake Q before CPU 0 had run P;
   the steps to show are CPU 0's. */
#include "rt.h"
#include <string.h>

#define N 256u                       /* threads per case: 4 or more reaper steps */
#define STACKS_VA 0x7c0000000000ull  /* N + 3 stack pages, one per thread */
#define STACK_PAGES (N + 3)
#define CODE_VA 0x7c0000400000ull    /* the victim's code, in the root */
#define VICTIM_CODE 0x400000ull      /* and in the victim PD */
#define VICTIM_UTCB 0x10000000ull
#define GATE_SEL 1u                  /* teardown.asm's semaphore, in the victim */
#define C0 N                         /* case 2: the caller the handler serves */

extern const uint8_t teardown_victim[], teardown_victim_end[];

static uint64_t sc_sel[N + 1], pt_sel[N], call_pt[N + 1], scratch, park, nap, wait_sm, gate;
static volatile unsigned arg, done;
static volatile uint64_t st[N + 1], park_st[N + 1], q_timeout_us;
static volatile bool q_woken, p_saw_q, p_spins, destroying, q_after_destroy, hold_cpu1;

/* Thread i's wait ended with s: marks it, then parks until the root lets
   it end. Parking also checks that it is not woken a second time. */
static void __attribute__((noreturn)) after(unsigned i, enum bh_status s)
{
    st[i] = s;
    if (i == N - 1) {
        q_after_destroy = destroying;
        q_woken = true;
    }
    if (i == 0) {
        for (unsigned long k = 0; p_spins && !q_woken && k < 200000000ul; k++)
            ;                          /* case_timeout: no scheduler pass meanwhile */
        p_saw_q = q_woken;
    }
    __atomic_fetch_add(&done, 1, __ATOMIC_RELAXED);
    park_st[i] = bh_sm_down(park, 0);
    bh_exit(0);
}

static void sm_waiter(void)
{
    unsigned i = arg;
    after(i, bh_sm_down(wait_sm, i == N - 1 ? q_timeout_us : 0));
}

static void caller(void)
{
    unsigned i = arg;
    struct bh_msg m = { 0, { 0 } };
    after(i, bh_call(call_pt[i], &m));
}

/* Case 2's handler: a local EC of ours that takes C0's call, waits on
   the gate and then ends, with the other callers queued on it. */
static void handler(void)
{
    bh_sm_down(gate, 0);
    bh_exit(0);
}

/* Holds CPU 1, above everything of ours there, until the cases are done:
   with a budget of a second nothing arms CPU 1's timer meanwhile, so it
   makes no scheduler pass, and no reaper step, of its own. */
static void __attribute__((noreturn)) spinner(void)
{
    while (hold_cpu1)
        __asm__ volatile("pause");
    bh_exit(0);
}

/* Starts the spinner on CPU 1 (none on a machine with one CPU); returns
   its SC's selector, or 0. */
static uint64_t hold(void)
{
    uint64_t sc = rt_sel();
    hold_cpu1 = true;
    bool ok = bh_create_ec(scratch, SEL_PD, CPU1, 0, rt_utcb(), (uint64_t)spinner,
                           STACKS_VA + STACK_PAGES * 4096ull - 8) == BH_OK &&
              bh_create_sc(sc, SEL_PD, scratch, 250, 1000000, 1000000) == BH_OK;
    bh_revoke(scratch, BH_REVOKE_SELF);
    if (!ok)
        hold_cpu1 = false;
    return ok ? sc : 0;
}

static void reset(void)
{
    for (unsigned i = 0; i <= N; i++)
        st[i] = park_st[i] = 12345;
    q_woken = p_saw_q = p_spins = destroying = q_after_destroy = false;
    q_timeout_us = 0;
    done = 0;
}

/* Starts thread i on CPU 0, above the root: it runs, and blocks, at
   once. Only its SC's capability stays (the SC holds the EC). */
static bool start(unsigned i, void (*fn)(void))
{
    unsigned prio = i == 0 ? 210 : i == N - 1 ? 220 : 200;
    arg = i;
    bool ok = bh_create_ec(scratch, SEL_PD, CPU0, 0, rt_utcb(), (uint64_t)fn,
                           STACKS_VA + (i + 1) * 4096ull - 8) == BH_OK &&
              bh_create_sc(sc_sel[i], SEL_PD, scratch, prio, 10000, 10000) == BH_OK;
    bh_revoke(scratch, BH_REVOKE_SELF);
    return ok;
}

/* Waits (bounded) until n threads have marked their status. */
static void await_marks(unsigned n)
{
    for (unsigned spin = 0; done < n && spin < 2000; spin++)
        bh_sm_down(nap, 1000);
}

/* Lets threads 0..made-1 end (each parked: that down must return BH_OK,
   not a second wake-up) and frees their SCs and ECs; returns how many of
   0..n-1 got BH_EABORT and then parked. */
static unsigned release(unsigned made, unsigned n)
{
    unsigned good = 0;
    await_marks(n);
    for (unsigned i = 0; i < made; i++)
        bh_sm_up(park);                /* each runs at once, above us, and ends */
    for (unsigned i = 0; i < n; i++)
        good += st[i] == BH_EABORT && park_st[i] == BH_OK;
    for (unsigned i = 0; i < made; i++)
        bh_revoke(sc_sel[i], BH_REVOKE_SELF);
    return good;
}

/* Reports a case: threads 0..n-1 each got BH_EABORT once, and P ran
   before Q was woken. */
static void finish(const char *what, unsigned made, unsigned n, enum bh_status s)
{
    bool p_first = st[0] == BH_EABORT && st[N - 1] == BH_EABORT && !p_saw_q;
    unsigned good = release(made, n);
    bh_tap(s == BH_OK && made == n && good == n,
           "teardown: %s: each of %u threads gets EABORT once (%u made, %u did)", what, n, made, good);
    bh_tap(p_first, "teardown: %s: a thread above the others runs while the rest still wait "
           "(the first woken ran before the last was woken: bounded steps)", what);
}

static void case_sm(void)
{
    reset();
    wait_sm = rt_sel();
    bh_create_sm(wait_sm, SEL_PD, 0);
    unsigned made = 0;
    for (unsigned i = 0; i < N; i++)
        made += start(i, sm_waiter);
    enum bh_status s = bh_revoke(wait_sm, BH_REVOKE_SELF);
    finish("destroying a semaphore with 256 waiters", made, N, s);
}

/* A timed waiter still queued on a destroyed semaphore when its timeout
   passes gets BH_EABORT (the semaphore went first), not BH_ETIMEOUT. Q
   waits 20 ms; P, woken first, spins without letting the reaper go on
   (no scheduler pass on CPU 0) until Q's timeout has woken Q. */
static void case_timeout(void)
{
    reset();
    wait_sm = rt_sel();
    bh_create_sm(wait_sm, SEL_PD, 0);
    q_timeout_us = 20000;
    p_spins = true;
    unsigned made = 0;
    for (unsigned i = 0; i < N; i++)
        made += start(i, sm_waiter);
    destroying = true;
    enum bh_status s = bh_revoke(wait_sm, BH_REVOKE_SELF);
    bool before = !q_after_destroy, during = p_saw_q;
    enum bh_status q = (enum bh_status)st[N - 1];
    unsigned good = release(made, N);
    if (before) {
        bh_tap(true, "# SKIP teardown: the 20 ms timeout passed before the semaphore went "
               "(a slow host)");
        return;
    }
    bh_tap(s == BH_OK && made == N && good == N && during,
           "teardown: a waiter whose timeout passes while its destroyed semaphore's queue still "
           "waits gets EABORT, not ETIMEOUT (status %d, woken %s the reaper got to it, %u of %u "
           "EABORT once)", q, during ? "before" : "after", good, N);
}

static void case_handler(void)
{
    reset();
    uint64_t h = rt_sel(), pt = rt_sel();
    gate = rt_sel();
    bool ok = bh_create_sm(gate, SEL_PD, 0) == BH_OK &&
              bh_create_ec(h, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)handler,
                           STACKS_VA + (N + 2) * 4096ull - 8) == BH_OK &&
              bh_create_pt(pt, SEL_PD, h, 0) == BH_OK;
    for (unsigned i = 0; i <= N; i++)
        call_pt[i] = pt;
    unsigned made = 0;
    for (unsigned i = 0; ok && i <= N; i++)         /* C0 first: the handler takes it and waits */
        made += start((C0 + i) % (N + 1), caller);  /* then 0 .. N-1, queued behind C0 */
    bh_sm_up(gate);                                 /* the handler ends */
    finish("a handler ending with 256 callers queued (and the one it serves)", made, N + 1,
           ok ? BH_OK : BH_EINVAL);
    bh_revoke(pt, BH_REVOKE_SELF);
    bh_revoke(h, BH_REVOKE_SELF);
    bh_revoke(gate, BH_REVOKE_SELF);
}

/* The victim PD: its code page (teardown.asm) and the gate at GATE_SEL. */
static bool make_victim(uint64_t v)
{
    if (bh_create_pd(v, SEL_PD, 16, 3 * N + 64, BH_SEL_NONE) != BH_OK ||
        bh_delegate(v, gate, GATE_SEL, BH_R_DOWN) != BH_OK ||
        bh_map(SEL_PD, 0, CODE_VA, 1, BH_M_R | BH_M_W | BH_M_X | BH_MAP_FRESH) != BH_OK)
        return false;
    memcpy((void *)CODE_VA, teardown_victim, (size_t)(teardown_victim_end - teardown_victim));
    return bh_map(v, CODE_VA, VICTIM_CODE, 1, BH_M_R | BH_M_X) == BH_OK;
}

/* Thread i calls a handler of the victim's, which then waits on the
   gate: ending that EC ends the call. The kill ends the newest EC first,
   so P's handler is made last. */
static bool serve(uint64_t v, unsigned i)
{
    bool ok = bh_create_ec(scratch, v, CPU0, BH_EC_LOCAL, VICTIM_UTCB + i * 4096ull,
                           VICTIM_CODE, 0) == BH_OK &&
              bh_create_pt(pt_sel[i], SEL_PD, scratch, i) == BH_OK;
    bh_revoke(scratch, BH_REVOKE_SELF);
    call_pt[i] = pt_sel[i];
    return ok && start(i, caller);
}

static void case_kill(void)
{
    reset();
    uint64_t v = rt_sel();
    gate = rt_sel();
    bool ok = bh_create_sm(gate, SEL_PD, 0) == BH_OK && make_victim(v);
    unsigned made = 0;
    for (unsigned k = 0; ok && k < N; k++)
        made += serve(v, N - 1 - k);
    enum bh_status s = bh_kill_pd(v);
    finish("killing a PD whose 256 ECs serve calls", made, N, ok ? s : BH_EINVAL);
    for (unsigned i = 0; i < N; i++)
        bh_revoke(pt_sel[i], BH_REVOKE_SELF);
    bh_revoke(v, BH_REVOKE_SELF);
    bh_revoke(gate, BH_REVOKE_SELF);
    bh_unmap(CODE_VA, 1, BH_REVOKE_SELF);
}

void test_teardown(void)
{
    scratch = rt_sel(), park = rt_sel(), nap = rt_sel();
    bool ok = bh_create_sm(park, SEL_PD, 0) == BH_OK && bh_create_sm(nap, SEL_PD, 0) == BH_OK &&
              bh_map(SEL_PD, 0, STACKS_VA, STACK_PAGES, BH_M_R | BH_M_W | BH_MAP_FRESH) == BH_OK;
    for (unsigned i = 0; i <= N; i++)
        ok &= (sc_sel[i] = rt_sel()) != 0;
    for (unsigned i = 0; i < N; i++)
        ok &= (pt_sel[i] = rt_sel()) != 0;
    if (!ok) {
        bh_tap(false, "teardown: setup (selectors, semaphores, stacks)");
        return;
    }
    uint64_t spin_sc = hold();
    case_sm();
    case_timeout();
    case_handler();
    case_kill();
    hold_cpu1 = false;                 /* it ends; its SC goes with the capability */
    if (spin_sc)
        bh_revoke(spin_sc, BH_REVOKE_SELF);
    bh_unmap(STACKS_VA, STACK_PAGES, BH_REVOKE_SELF);
}
