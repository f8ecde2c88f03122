/* Capabilities: creation, lookup, wrong types and rights, reduced-rights
   delegation and recursive revocation. */
#include "rt.h"

static void test_create_checks(void)
{
    uint64_t sm = rt_sel();
    bh_tap(bh_create_sm(sm, SEL_PD, 3) == BH_OK, "caps: create a semaphore");
    bh_tap(bh_create_sm(sm, SEL_PD, 0) == BH_EEXIST, "caps: create into an occupied slot: EEXIST");
    bh_tap(bh_create_sm(1u << 20, SEL_PD, 0) == BH_ECAP, "caps: create into an out-of-range slot: ECAP");
    bh_tap(bh_create_sm(rt_sel(), sm, 0) == BH_ECAP, "caps: a semaphore where a PD is needed: ECAP");
    bh_tap(bh_create_sm(rt_sel(), 999, 0) == BH_ECAP, "caps: a never-valid selector: ECAP");
    bh_tap(bh_create_ec(rt_sel(), SEL_PD, 0, 1u << 7, rt_utcb(), 0x400000, 0x500000) == BH_EINVAL,
           "caps: unknown EC flag bits: EINVAL");
    bh_tap(bh_create_ec(rt_sel(), SEL_PD, 200, 0, rt_utcb(), 0x400000, 0x500000) == BH_ERANGE,
           "caps: an EC on a CPU that does not exist: ERANGE");
    bh_tap(bh_create_ec(rt_sel(), SEL_PD, 0, 0, 0xffffffff80000000ull, 0x400000, 0x500000) == BH_EINVAL,
           "caps: a UTCB at a kernel address: EINVAL");
    bh_tap(bh_create_ec(rt_sel(), SEL_PD, 0, 0, 0x400000, 0x400000, 0x500000) == BH_EEXIST,
           "caps: a UTCB over mapped memory: EEXIST");
    bh_tap(bh_create_sc(rt_sel(), SEL_PD, BH_SEL_SELF_EC, 10, 1, 1) == BH_EEXIST,
           "caps: a second SC for an EC: EEXIST");
    uint64_t child = rt_sel(), cec = rt_sel();
    bool made = bh_create_pd(child, SEL_PD, 16 | BH_PD_CEILING(40), 64, BH_SEL_NONE) == BH_OK &&
                bh_create_ec(cec, child, 0, 0, 0x10000000, 0x400000, 0x500000) == BH_OK;
    bh_tap(made && bh_create_sc(rt_sel(), child, cec, 41, 1000, 1000) == BH_ERANGE &&
           bh_create_sc(rt_sel(), child, cec, 40, 1000, 1000) == BH_OK,
           "caps: no SC above its PD's priority ceiling (41 > 40: ERANGE; 40 is fine)");
    bh_tap(bh_create_pd(rt_sel(), child, 16 | BH_PD_CEILING(41), 16, BH_SEL_NONE) == BH_ERANGE &&
           bh_create_pd(rt_sel(), SEL_PD, 16 | (1ull << 50), 64, BH_SEL_NONE) == BH_EINVAL,
           "caps: a child PD's ceiling never exceeds its parent's; unknown bits: EINVAL");
    if (made)
        bh_kill_pd(child);
    uint64_t big = rt_sel();
    bh_tap(bh_create_pd(rt_sel(), SEL_PD, BH_PD_SLOTS_MAX + 1, 1024, BH_SEL_NONE) == BH_ERANGE &&
           bh_create_pd(big, SEL_PD, BH_PD_SLOTS_MAX, 1024, BH_SEL_NONE) == BH_OK &&
           bh_kill_pd(big) == BH_OK,
           "caps: a PD of %u capability slots (2 MiB) is the largest; one more: ERANGE",
           BH_PD_SLOTS_MAX);
    bh_tap(bh_syscall6(BH_SYS_SM_CTRL, sm, 7, 0, 0, 0, 0) == BH_EINVAL,
           "caps: unknown semaphore operation: EINVAL");
    unsigned type = 0, rights = 0;
    bh_tap(bh_lookup(sm, &type, &rights) == BH_OK && type == BH_OBJ_SM && rights == BH_R_ALL,
           "caps: lookup reports type and full rights of a new object");
    bh_tap(bh_lookup(4000, &type, &rights) == BH_ECAP, "caps: lookup of an empty slot: ECAP");
}

static void test_delegate(void)
{
    uint64_t sm = rt_sel(), up = rt_sel(), upup = rt_sel(), none = rt_sel();
    unsigned type, rights;
    bh_create_sm(sm, SEL_PD, 0);
    bh_tap(bh_delegate(SEL_PD, sm, up, BH_R_UP | BH_R_DELEGATE) == BH_OK,
           "delegate: copy with UP|DELEGATE only");
    bh_tap(bh_lookup(up, &type, &rights) == BH_OK && rights == (BH_R_UP | BH_R_DELEGATE),
           "delegate: the copy has exactly the reduced rights");
    bh_tap(bh_sm_down(up, 1) == BH_ERIGHTS, "delegate: DOWN through an UP-only copy: ERIGHTS");
    bh_tap(bh_sm_up(up) == BH_OK, "delegate: UP through the copy works");
    bh_tap(bh_delegate(SEL_PD, up, upup, BH_R_ALL) == BH_OK &&
           bh_lookup(upup, &type, &rights) == BH_OK && rights == (BH_R_UP | BH_R_DELEGATE),
           "delegate: rights never grow again (ALL mask on an UP copy)");
    bh_tap(bh_delegate(SEL_PD, up, none, BH_R_UP) == BH_OK &&
           bh_delegate(SEL_PD, none, rt_sel(), BH_R_UP) == BH_ERIGHTS,
           "delegate: a copy without DELEGATE cannot be passed on: ERIGHTS");
    bh_tap(bh_delegate(SEL_PD, sm, rt_sel(), 1u << 9) == BH_EINVAL,
           "delegate: unknown rights bits in the mask: EINVAL");
    bh_tap(bh_delegate(sm, sm, rt_sel(), BH_R_UP) == BH_ECAP,
           "delegate: destination that is not a PD: ECAP");
    bh_tap(bh_revoke(up, 0) == BH_OK, "revoke: children of the UP copy");
    bh_tap(bh_lookup(upup, &type, &rights) == BH_ECAP && bh_lookup(none, &type, &rights) == BH_ECAP,
           "revoke: grandchildren are gone");
    bh_tap(bh_lookup(up, &type, &rights) == BH_OK && bh_sm_down(sm, 1) == BH_OK,
           "revoke: the revoked cap itself and its parent remain usable");
    bh_tap(bh_revoke(sm, BH_REVOKE_SELF) == BH_OK && bh_lookup(sm, &type, &rights) == BH_ECAP &&
           bh_lookup(up, &type, &rights) == BH_ECAP, "revoke: with SELF removes the whole tree");
    bh_tap(bh_revoke(sm, 0) == BH_ECAP, "revoke: a revoked selector: ECAP");
    bh_tap(bh_revoke(BH_SEL_SELF_PD, 1u << 5) == BH_EINVAL, "revoke: unknown flag bits: EINVAL");
}

/* A long chain of copies is revoked across several kernel entries. */
static void test_revoke_chain(void)
{
    uint64_t sm = rt_sel(), prev = sm, n = 0;
    bh_create_sm(sm, SEL_PD, 0);
    for (int i = 0; i < 60; i++) {
        uint64_t s = rt_sel();
        if (bh_delegate(SEL_PD, prev, s, BH_R_ALL) == BH_OK)
            n++;
        prev = s;
    }
    unsigned type, rights;
    bh_tap(n == 60 && bh_revoke(sm, BH_REVOKE_SELF) == BH_OK && bh_lookup(prev, &type, &rights) == BH_ECAP,
           "revoke: a chain of 60 copies goes in one call (restarted inside the kernel)");
}

/* Killing a big PD is bounded work per kernel entry: between its steps
   the CPU takes interrupts and runs higher-priority threads. A thread on
   CPU 0 above the root's priority wakes every millisecond (a timed down)
   and whenever its peer on CPU 1 pings it, while the root kills a PD
   holding KILL_PAGES fresh pages; it can only run while the kill is in
   progress if the kill has preemption points (a single kernel entry
   would let it run at most once, after the kill). The timeout keeps it
   waking where the host starves the other CPU. */
#define KILL_PAGES 16384u
static uint64_t kp_ping, kp_pong;
static volatile bool kp_killing, kp_stop;
static volatile unsigned kp_during;

static void kp_high(void)                /* CPU 0, above the root */
{
    while (!kp_stop) {
        enum bh_status s = bh_sm_down(kp_ping, 1000);
        if (s != BH_OK && s != BH_ETIMEOUT)
            break;
        if (kp_killing)
            kp_during++;
        if (s == BH_OK)
            bh_sm_up(kp_pong);
    }
    bh_exit(0);
}

static void kp_peer(void)                /* CPU 1 */
{
    while (!kp_stop) {
        bh_sm_up(kp_ping);
        bh_sm_down(kp_pong, 0);
    }
    bh_sm_up(kp_ping);
    bh_exit(0);
}

static void test_kill_bounded(void)
{
    if (rt_cpus() < 2) {
        bh_tap(true, "# SKIP caps: bounded kill needs two CPUs");
        return;
    }
    uint64_t child = rt_sel(), death = rt_sel();
    bh_create_sm(death, SEL_PD, 0);
    enum bh_status s = bh_create_pd(child, SEL_PD, 64, KILL_PAGES + 512, death);
    for (unsigned i = 0; s == BH_OK && i < KILL_PAGES / BH_MAP_MAX; i++)
        s = bh_map(child, 0, 0x10000000 + (uint64_t)i * BH_MAP_MAX * 4096, BH_MAP_MAX,
                   BH_M_R | BH_M_W | BH_MAP_FRESH);
    kp_ping = rt_sel(), kp_pong = rt_sel();
    bh_create_sm(kp_ping, SEL_PD, 0);
    bh_create_sm(kp_pong, SEL_PD, 0);
    rt_thread(CPU0, 150, kp_high);
    rt_thread(CPU1, 100, kp_peer);
    kp_killing = true;
    enum bh_status k = bh_kill_pd(child);
    kp_killing = false;
    unsigned during = kp_during;
    kp_stop = true;
    bh_sm_up(kp_pong);
    bh_sm_up(kp_ping);
    bh_tap(s == BH_OK && k == BH_OK && during >= 2,
           "caps: killing a PD with %u pages lets a higher-priority thread run %u times "
           "in between (bounded steps with preemption points)", KILL_PAGES, during);
    bh_tap(bh_sm_down(death, 1) == BH_OK,
           "caps: its death semaphore is up once the kill call returns");
    bh_tap(bh_map(child, 0, 0x10000000, 1, BH_M_R | BH_MAP_FRESH) == BH_EABORT &&
           bh_create_sm(rt_sel(), child, 0) == BH_EABORT,
           "caps: nothing new enters a killed PD: EABORT");
    bh_revoke(child, BH_REVOKE_SELF);
}

/* A REVOKE made while another CPU's KILL_PD tears a big PD down waits
   for the reaper, is woken when the queue empties, and then finds the PD
   gone. (It once was not woken when the KILL_PD itself finished the last
   step; that needs the last step to fall to the kill rather than to a
   scheduler pass, so this test does not reproduce it every time.) */
static uint64_t rk_child;
static volatile bool rk_started, rk_done;

static void rk_killer(void)              /* CPU 1 */
{
    rk_started = true;
    bh_kill_pd(rk_child);
    rk_done = true;
    bh_exit(0);
}

static void test_revoke_during_kill(void)
{
    if (rt_cpus() < 2)
        return;
    uint64_t death = rt_sel(), sm = rt_sel();
    rk_child = rt_sel();
    bh_create_sm(death, SEL_PD, 0);
    bh_create_sm(sm, SEL_PD, 0);
    enum bh_status s = bh_create_pd(rk_child, SEL_PD, 64, KILL_PAGES + 512, death);
    for (unsigned i = 0; s == BH_OK && i < KILL_PAGES / BH_MAP_MAX; i++)
        s = bh_map(rk_child, 0, 0x10000000 + (uint64_t)i * BH_MAP_MAX * 4096, BH_MAP_MAX,
                   BH_M_R | BH_M_W | BH_MAP_FRESH);
    rt_thread(CPU1, 100, rk_killer);
    while (!rk_started)
        ;
    unsigned revokes = 0;
    bool dead = false, ok = true;
    while (!dead && revokes < 100000) {
        uint64_t copy = rt_sel();
        ok &= bh_delegate(SEL_PD, sm, copy, BH_R_UP) == BH_OK && bh_revoke(copy, BH_REVOKE_SELF) == BH_OK;
        revokes++;
        dead = bh_sm_down(death, 1) == BH_OK;
    }
    bh_tap(s == BH_OK && ok && dead,
           "caps: revocations while another CPU kills a big PD return (%u made), and the PD is "
           "gone when one returns after the kill", revokes);
    while (!rk_done)
        bh_sm_down(sm, 1000);
    bh_revoke(rk_child, BH_REVOKE_SELF);
}

void test_caps(void)
{
    test_create_checks();
    test_delegate();
    test_revoke_chain();
    test_kill_bounded();
    test_revoke_during_kill();
}
