/* Interrupts: the root task (which holds every port and interrupt line)
   runs the legacy PIT as a 1 kHz rate generator and takes IRQ 0 through
   the I/O APIC into a semaphore; plus the argument checks of IRQ_CTRL. */
#include "rt.h"

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }

void pit_start(void)
{
    uint16_t div = 1193;                 /* 1.193182 MHz / 1193 = 1 kHz */
    outb(0x43, 0x34);                    /* channel 0, lo/hi byte, mode 2 */
    outb(0x40, (uint8_t)div);
    outb(0x40, (uint8_t)(div >> 8));
}

void pit_stop(void)
{
    outb(0x43, 0x30);                    /* mode 0, count never reloaded */
    outb(0x40, 0);
    outb(0x40, 0);
}

void test_irq(void)
{
    uint64_t irq = BH_SEL_IRQ_BASE + PIT_GSI, sm = rt_sel(), up_only = rt_sel();
    unsigned type, rights;
    bh_tap(bh_lookup(irq, &type, &rights) == BH_OK && type == BH_OBJ_IRQ,
           "irq: the root task holds an IRQ capability for GSI %u", PIT_GSI);
    bh_create_sm(sm, SEL_PD, 0);
    bh_delegate(SEL_PD, sm, up_only, BH_R_DOWN);   /* a copy without UP */
    bh_tap(bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_BIND, up_only, 0, 0, 0) == BH_ERIGHTS,
           "irq: binding to a semaphore copy without UP: ERIGHTS");
    bh_tap(bh_syscall6(BH_SYS_IRQ_CTRL, sm, BH_IRQ_BIND, sm, 0, 0, 0) == BH_ECAP,
           "irq: a semaphore where an IRQ capability is needed: ECAP");
    bh_tap(bh_syscall6(BH_SYS_IRQ_CTRL, irq, 9, sm, 0, 0, 0) == BH_EINVAL,
           "irq: unknown operation: EINVAL");
    bh_tap(bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_BIND, sm, 99, 0, 0) == BH_ERANGE,
           "irq: binding to a CPU that is not online: ERANGE");
    bh_tap(bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_UNMASK, 0, 0, 0, 0) == BH_EINVAL,
           "irq: unmasking a line bound to nothing: EINVAL");
    enum bh_status s = (enum bh_status)bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_BIND, sm, 0, 0, 0);
    bh_tap(s == BH_OK, "irq: bind GSI %u to a semaphore on cpu 0 (status %d)", PIT_GSI, s);
    pit_start();
    unsigned got = 0;
    for (int i = 0; i < 5; i++) {        /* each interrupt is acknowledged by unmasking */
        bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_UNMASK, 0, 0, 0, 0);
        if (bh_sm_down(sm, 2000000) == BH_OK)
            got++;
    }
    bh_tap(got == 5, "irq: 5 PIT interrupts arrive through the I/O APIC as semaphore ups (%u)", got);
    bh_tap(bh_sm_down(sm, 20000) == BH_ETIMEOUT,
           "irq: without the unmask (acknowledge) no further interrupt arrives");
    bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_MASK, 0, 0, 0, 0);
    pit_stop();
    /* A line bound to a semaphore charged to a PD that dies is unbound by
       the kernel: unmasking it afterwards finds nothing to deliver to. */
    uint64_t pd = rt_sel(), dsm = rt_sel();
    s = bh_create_pd(pd, SEL_PD, 16, 16, BH_SEL_NONE);
    if (s == BH_OK)
        s = bh_create_sm(dsm, pd, 0);
    if (s == BH_OK)
        s = (enum bh_status)bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_BIND, dsm, 0, 0, 0);
    bh_tap(s == BH_OK, "irq: GSI %u bound to a semaphore charged to a child PD (status %d)", PIT_GSI, s);
    bh_kill_pd(pd);
    bh_tap(bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_UNMASK, 0, 0, 0, 0) == BH_EINVAL,
           "irq: once that PD died the kernel had unbound the line (unmask: EINVAL)");
}
