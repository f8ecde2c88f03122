/* Root-task test helpers: selectors, UTCB addresses, stacks, threads. */
#include "rt.h"

#define STACKS 48
static uint8_t stacks[STACKS][16384] __attribute__((aligned(16)));
static unsigned next_sel = BH_SEL_FIRST_FREE, next_stack, next_utcb;

/* Selectors from BH_SEL_FIRST_FREE up, past the root's IRQ capabilities
   (BH_SEL_IRQ_BASE + GSI, at most 256 lines); 0 once the space is full. */
#define ROOT_SLOTS 4096u
uint64_t rt_sel(void)
{
    if (next_sel == BH_SEL_IRQ_BASE)
        next_sel = BH_SEL_IRQ_BASE + 256;
    return next_sel < ROOT_SLOTS ? next_sel++ : 0;
}

uint64_t rt_utcb(void) { return 0x10000000ull + (uint64_t)next_utcb++ * 0x1000; }

uint64_t rt_stack(void)
{
    if (next_stack == STACKS)
        return 0;
    return (uint64_t)&stacks[next_stack++][16384];
}

uint64_t rt_thread(unsigned cpu, unsigned prio, void (*fn)(void))
{
    uint64_t ec = rt_sel(), sc = rt_sel(), sp = rt_stack();
    if (!sp) {
        bh_tap(false, "start a thread on cpu %u: the root's %u test stacks are all used", cpu,
               STACKS);
        return 0;
    }
    enum bh_status s = bh_create_ec(ec, SEL_PD, cpu, 0, rt_utcb(), (uint64_t)fn, sp - 8);
    if (s == BH_OK)
        s = bh_create_sc(sc, SEL_PD, ec, prio, 10000, 10000);
    if (s != BH_OK) {
        bh_tap(false, "start a thread on cpu %u (status %d)", cpu, s);
        return 0;
    }
    return ec;
}
