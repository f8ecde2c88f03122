/* hlt: a one-shot local APIC timer interrupt wakes the CPU from HLT
 * (SDM vol. 3A 11.5.4). xAPIC registers through uncached MMIO, or the
 * x2APIC MSRs if the APIC is already in x2APIC mode. The PIT, through
 * the 8259, is a watchdog: if the APIC timer never fires, the PIT ends
 * the wait after 2 to 3 of its 55 ms periods instead of HLT waiting
 * forever (where there is no PIT, as perhaps under a young VMM, it
 * would). Not after its first interrupt: the 8259 latches the BIOS's
 * PIT ticks while the line is masked, and delivers one at once when it
 * is unmasked. */
#include "console.h"
#include "layout.h"
#include "paging.h"
#include "safe.h"
#include "tap.h"
#include "tests.h"
#include "x86.h"

#define APIC_VERSION        0x030u
#define APIC_TPR            0x080u
#define APIC_EOI            0x0b0u
#define APIC_SVR            0x0f0u
#define APIC_LVT_TIMER      0x320u
#define APIC_TIMER_INIT     0x380u
#define APIC_TIMER_CUR      0x390u
#define APIC_TIMER_DIV      0x3e0u
#define APIC_SVR_ENABLE     0x100u
#define APIC_LVT_MASKED     0x10000u
#define APIC_DIV_1          0xbu
#define X2APIC_MSR_BASE     0x800u

#define TIMER_VECTOR        0x40u
#define SPURIOUS_VECTOR     0xffu
#define TIMER_COUNT         100000u     /* 100 us at QEMU's 1 GHz APIC clock */
#define PIT_IRQ             0u
#define PIT_CH0             0x40u
#define PIT_CMD             0x43u
#define PIT_TICKS_LIMIT     3u
#define MAX_HALTS           1000u

static uint64_t apic_mmio;              /* 0: x2APIC mode */
static volatile uint32_t timer_ticks, pit_ticks;

static uint32_t apic_read(uint32_t reg)
{
    if (!apic_mmio)
        return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
    return mmio_read32(apic_mmio + reg);
}

static void apic_write(uint32_t reg, uint32_t v)
{
    if (!apic_mmio)
        wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
    else
        mmio_write32(apic_mmio + reg, v);
}

static void on_timer(struct trap_frame *f)
{
    (void)f;
    timer_ticks++;
    apic_write(APIC_EOI, 0);
}

static void on_pit(struct trap_frame *f)
{
    (void)f;
    pit_ticks++;
    pic_eoi(PIT_IRQ);
}

static void on_spurious(struct trap_frame *f)
{
    (void)f;                            /* no EOI for the spurious vector */
}

/* Enables the APIC (IA32_APIC_BASE.EN, SVR) and finds its registers.
 * Returns false, with a "not ok" printed, if it cannot be used. */
static bool apic_setup(void)
{
    struct caught c;
    uint64_t base;

    if (!(cpuid(1, 0).edx & (1u << 9))) {
        tap(false, "hlt: the CPU has no local APIC (CPUID.1:EDX.APIC=0)");
        return false;
    }
    if (!safe_rdmsr(MSR_IA32_APIC_BASE, &base, &c)) {
        tap(false, "hlt: RDMSR IA32_APIC_BASE raised %s", trap_name(c.vector));
        return false;
    }
    if (!(base & APIC_BASE_EN)) {
        base |= APIC_BASE_EN;
        wrmsr(MSR_IA32_APIC_BASE, base);
    }
    apic_mmio = 0;
    if (!(base & APIC_BASE_EXTD)) {
        apic_mmio = base & 0x000ffffffffff000ull;
        if (paging_map(apic_mmio, apic_mmio + 0x1000)) {
            tap(false, "hlt: cannot map the local APIC at 0x%lx", apic_mmio);
            return false;
        }
    }
    apic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);
    apic_write(APIC_TPR, 0);
    con_printf("# hlt: local APIC %s%lx, version 0x%x\n",
               apic_mmio ? "xAPIC MMIO at 0x" : "x2APIC (MSRs)", apic_mmio,
               apic_read(APIC_VERSION));
    return true;
}

/* PIT channel 0, mode 2 (rate generator), longest period: 65536 ticks
 * of 1.193182 MHz, 55 ms. */
static void pit_watchdog_start(void)
{
    outb(PIT_CMD, 0x34);                /* channel 0, lo/hi byte, mode 2 */
    outb(PIT_CH0, 0x00);
    outb(PIT_CH0, 0x00);
    pic_unmask(PIT_IRQ);
}

void t_hlt(void)
{
    if (!apic_setup())
        return;
    trap_set_handler(TIMER_VECTOR, on_timer);
    trap_set_handler(SPURIOUS_VECTOR, on_spurious);
    trap_set_handler(PIC_VECTOR_BASE + PIT_IRQ, on_pit);
    timer_ticks = pit_ticks = 0;

    apic_write(APIC_TIMER_DIV, APIC_DIV_1);
    apic_write(APIC_LVT_TIMER, TIMER_VECTOR);   /* one-shot, unmasked */
    pit_watchdog_start();
    uint64_t t0 = rdtsc();
    apic_write(APIC_TIMER_INIT, TIMER_COUNT);
    unsigned halts = 0;
    while (!timer_ticks && pit_ticks < PIT_TICKS_LIMIT && halts < MAX_HALTS) {
        sti_hlt_cli();
        halts++;
    }
    uint64_t t1 = rdtsc();
    pic_mask(PIT_IRQ);
    uint32_t left = apic_read(APIC_TIMER_CUR);
    apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | TIMER_VECTOR);

    tap(timer_ticks == 1 && left == 0 && halts >= 1,
        "hlt: one-shot APIC timer (count %u, vector 0x%x) woke HLT: %u interrupt(s) after "
        "%u HLT(s), %lu TSC ticks, current count %u%s", TIMER_COUNT, TIMER_VECTOR,
        timer_ticks, halts, t1 - t0, left,
        timer_ticks ? "" : pit_ticks ? "; the PIT watchdog ended the wait" : "; HLT woke without it");
}
