/* Semaphores: counting, timeouts, overflow, cross-CPU wake-up, and a
   waiter whose semaphore is revoked. */
#include "rt.h"

static uint64_t ping, pong;
static volatile unsigned rounds_done, bad_rounds;
#define ROUNDS 500

/* Runs on CPU 1: waits for each ping and answers with a pong. */
static void ponger(void)
{
    for (unsigned i = 0; i < ROUNDS; i++) {
        if (bh_sm_down(ping, 0) != BH_OK)
            bad_rounds++;
        rounds_done = i + 1;
        bh_sm_up(pong);
    }
    bh_exit(0);
}

static void test_cross_cpu(void)
{
    ping = rt_sel(), pong = rt_sel();
    bh_create_sm(ping, SEL_PD, 0);
    bh_create_sm(pong, SEL_PD, 0);
    rt_thread(CPU1, 100, ponger);
    unsigned mismatch = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        bh_sm_up(ping);
        if (bh_sm_down(pong, 20000000) != BH_OK || rounds_done != i + 1)
            mismatch++;
    }
    bh_tap(mismatch == 0 && bad_rounds == 0,
           "sm: %u ping-pong rounds between CPU 0 and CPU 1, none lost or doubled (%u bad)",
           ROUNDS, mismatch + bad_rounds);
}

static uint64_t victim_sm;
static volatile uint64_t victim_status;

static void victim(void)
{
    victim_status = bh_sm_down(victim_sm, 0);
    bh_exit(0);
}

/* Timed waits are bounded per CPU (SCHED_TIMED_MAX in hv/sc.h): 256
   threads wait with a timeout, the next timed wait is refused, and every
   waiter then gets its up. */
#define TIMED 256u
#define STACKS_VA 0x7d0000000000ull
static uint64_t timed_sm;
static volatile unsigned timed_ok;

static void timed_waiter(void)
{
    if (bh_sm_down(timed_sm, 30000000) == BH_OK)
        __atomic_fetch_add(&timed_ok, 1, __ATOMIC_RELAXED);
    bh_exit(0);
}

static void test_timed_limit(void)
{
    timed_sm = rt_sel();
    bool ok = bh_create_sm(timed_sm, SEL_PD, 0) == BH_OK &&
              bh_map(SEL_PD, 0, STACKS_VA, TIMED, BH_M_R | BH_M_W | BH_MAP_FRESH) == BH_OK;
    unsigned made = 0;
    for (unsigned i = 0; ok && i < TIMED; i++) {
        uint64_t ec = rt_sel(), sc = rt_sel(), sp = STACKS_VA + (i + 1) * 4096ull - 8;
        ok = bh_create_ec(ec, SEL_PD, CPU0, 0, rt_utcb(), (uint64_t)timed_waiter, sp) == BH_OK &&
             bh_create_sc(sc, SEL_PD, ec, 200, 10000, 10000) == BH_OK;   /* above us: waits at once */
        made += ok;
    }
    bh_tap(made == TIMED, "sm: %u threads wait on cpu 0 with a timeout (%u made)", TIMED, made);
    bh_tap(bh_sm_down(timed_sm, 1000) == BH_ENOMEM,
           "sm: one timed wait more on that CPU is refused: ENOMEM");
    for (unsigned i = 0; i < made; i++)
        bh_sm_up(timed_sm);
    uint64_t nap = rt_sel();
    bh_create_sm(nap, SEL_PD, 0);
    for (unsigned spin = 0; timed_ok < made && spin < 1000; spin++)
        bh_sm_down(nap, 1000);                       /* let them run */
    bh_tap(timed_ok == made, "sm: each of them got its up (%u of %u)", timed_ok, made);
}

void test_sm(void)
{
    uint64_t sm = rt_sel();
    bh_create_sm(sm, SEL_PD, 2);
    bh_tap(bh_sm_down(sm, 0) == BH_OK && bh_sm_down(sm, 0) == BH_OK, "sm: two downs on a count of 2");
    bh_tap(bh_sm_down(sm, 2000) == BH_ETIMEOUT, "sm: a third down times out after 2 ms: ETIMEOUT");
    bh_tap(bh_sm_up(sm) == BH_OK && bh_sm_down(sm, 1000) == BH_OK, "sm: up then down");
    uint64_t big = rt_sel();
    bh_create_sm(big, SEL_PD, ~0ull);
    bh_tap(bh_sm_up(big) == BH_EOVERFLOW, "sm: up past the maximum count: EOVERFLOW");
    bh_tap(bh_sm_down(sm, ~0ull) == BH_EOVERFLOW, "sm: a timeout that would overflow: EOVERFLOW");
    victim_sm = rt_sel();
    bh_create_sm(victim_sm, SEL_PD, 0);
    victim_status = 12345;
    rt_thread(CPU0, 150, victim);            /* runs now and blocks */
    bh_tap(bh_revoke(victim_sm, BH_REVOKE_SELF) == BH_OK && victim_status == BH_EABORT,
           "sm: destroying a semaphore wakes its waiter with EABORT");
    test_timed_limit();
    if (rt_cpus() > 1)
        test_cross_cpu();
}
