/* Lazy FPU switching (hv/arch/x86/fpu.h): ECs on one CPU that all use
   SSE keep their own xmm0 across IPC in both directions, preemption by a
   higher-priority thread, and the death of the EC whose state the
   registers held. Each of these switches leaves the registers to the
   previous owner until the next EC touches them (#NM). */
#include "rt.h"

#define ROUNDS 200

static uint64_t xmm0_get(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm0, %0" : "=r"(v));
    return v;
}

static void xmm0_set(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm0" ::"r"(v));
}

/* Handler: checks that its xmm0 still holds what it left there on the
   previous call, then leaves a new value; w1 = 1 if it was intact. */
static void fpu_server(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t unused, uint64_t w2,
                       uint64_t w3)
{
    (void)badge, (void)w1, (void)unused, (void)w2, (void)w3;
    struct bh_msg m = { 4, { w0 } };
    uint64_t mine = 0x5e7e000000000000ull;
    xmm0_set(mine);
    for (;;) {
        m.w[1] = xmm0_get() == mine;
        mine = 0x5e7e000000000000ull | m.w[0];
        xmm0_set(mine);
        m.mi = 4;
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(99);
    }
}

static volatile uint64_t intruder_saw;

/* Higher priority: preempts the root, uses the FPU, and dies owning it. */
static void intruder(void)
{
    intruder_saw = xmm0_get();
    xmm0_set(0xdeaddeaddeaddeadull);
    bh_exit(0);
}

void test_fpu(void)
{
    uint64_t ec = rt_sel(), pt = rt_sel();
    if (bh_create_ec(ec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)fpu_server,
                     rt_stack() - 8) != BH_OK ||
        bh_create_pt(pt, SEL_PD, ec, 0xf0) != BH_OK) {
        bh_tap(false, "fpu: create a local EC and its portal");
        return;
    }
    unsigned mine_bad = 0, theirs_bad = 0;
    for (uint64_t i = 1; i <= ROUNDS; i++) {
        uint64_t v = 0x0123000000000000ull | i;
        xmm0_set(v);
        struct bh_msg m = { 4, { i } };
        enum bh_status s = bh_call(pt, &m);
        mine_bad += xmm0_get() != v;
        theirs_bad += s != BH_OK || (i > 1 && m.w[1] != 1);
    }
    bh_tap(mine_bad == 0 && theirs_bad == 0,
           "fpu: caller and handler keep their own xmm0 over %u round trips (%u, %u bad)",
           ROUNDS, mine_bad, theirs_bad);
    uint64_t v = 0x0123456789abcdefull;
    xmm0_set(v);
    intruder_saw = v;
    rt_thread(CPU0, 150, intruder);        /* runs at once, ends owning the FPU */
    bh_tap(intruder_saw != v && xmm0_get() == v,
           "fpu: a preempting thread sees none of our xmm0, dies owning the FPU; ours is intact");
    struct bh_msg m = { 4, { ROUNDS + 1 } };
    bh_tap(bh_call(pt, &m) == BH_OK && m.w[1] == 1 && xmm0_get() == v,
           "fpu: after that death both sides still have their own xmm0");
}
