/*
 * The guest's local APIC (Intel SDM Vol. 3A, chapter 11): xAPIC registers
 * at the MMIO page (IA32_APIC_BASE, 0xfee00000 by default) and the same
 * registers as x2APIC MSRs (0x800-0x8ff) once the guest sets EXTD; IRR,
 * ISR and TMR, TPR and PPR, EOI, the spurious-vector register, the LVT,
 * self IPIs, and the timer in one-shot and periodic modes (TSC-deadline
 * mode is not offered: CPUID hides it). The timer counts at the TSC rate
 * divided by the divide configuration. Interrupts from the 8259 pass
 * through LINT0 in ExtINT mode, or straight through while the APIC is
 * globally disabled. Other CPUs do not exist: IPIs to others are dropped.
 * Pure: time comes in as TSC values; unit-tested.
 */
#ifndef VMM_LAPIC_H
#define VMM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_BASE 0xfee00000ull
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10)
#define APIC_BASE_EN (1ull << 11)

enum lapic_lvt { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_N };

struct lapic {
    uint64_t base_msr;           /* IA32_APIC_BASE: base | EN | EXTD | BSP */
    uint32_t id, tpr, svr, ldr, dfr, esr, icr_lo, icr_hi;
    uint32_t lvt[LVT_N];
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t timer_init, timer_div;   /* divide configuration register */
    uint32_t timer_count;        /* count when the current run started */
    uint64_t timer_start;        /* TSC of that start */
    uint64_t timer_deadline;     /* TSC when it reaches 0; 0: not running */
    uint64_t fired;              /* timer interrupts raised */
};

/* The state a firmware leaves: enabled at the default base (xAPIC), the
   SVR enabled with vector 0xff, LINT0 ExtINT, LINT1 NMI, the rest masked. */
void lapic_reset(struct lapic *a);

/* xAPIC MMIO access at off (0..0xfff) in the page, width 1..8 bytes. */
uint64_t lapic_mmio_read(struct lapic *a, uint64_t off, unsigned width, uint64_t now);
void lapic_mmio_write(struct lapic *a, uint64_t off, unsigned width, uint64_t v, uint64_t now);

/* x2APIC MSR access (msr 0x800..0x8ff); false means #GP (not in x2APIC
   mode, no such register, a read of a write-only one or the reverse). */
bool lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t now, uint64_t *v);
bool lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t v, uint64_t now);

/* A WRMSR of IA32_APIC_BASE; false means #GP (reserved bits, a base
   above 4 GiB here, EXTD without EN, or x2APIC back to xAPIC directly). */
bool lapic_set_base(struct lapic *a, uint64_t v);

/* A fixed interrupt for vector vec (16..255) arrives (an MSI): into IRR.
   Vectors below 16 are illegal (SDM Vol. 3A, 11.5.2) and dropped. */
void lapic_raise(struct lapic *a, unsigned vec);

/* Raises the timer's interrupt if its time has come (by now). */
void lapic_tick(struct lapic *a, uint64_t now);

/* The vector to deliver now (the highest in IRR above the processor
   priority), or -1; lapic_ack delivers it (IRR to ISR). */
int lapic_pending(const struct lapic *a);
int lapic_ack(struct lapic *a);

/* Whether an 8259 interrupt reaches the CPU (ExtINT through LINT0). */
bool lapic_extint_open(const struct lapic *a);

/* When the timer next needs attention (TSC), or 0 if it cannot raise an
   interrupt (stopped or masked). */
uint64_t lapic_deadline(const struct lapic *a);

/* Whether the xAPIC MMIO page is decoded (enabled, not x2APIC). */
bool lapic_mmio_on(const struct lapic *a);

#endif
