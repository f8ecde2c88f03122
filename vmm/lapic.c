/* The local APIC; see lapic.h. Register offsets: SDM Vol. 3A, table 11-1;
   x2APIC MSRs: table 11-6. */
#include "lapic.h"
#include <string.h>

#define R_ID 0x020
#define R_VERSION 0x030
#define R_TPR 0x080
#define R_APR 0x090
#define R_PPR 0x0a0
#define R_EOI 0x0b0
#define R_RRD 0x0c0
#define R_LDR 0x0d0
#define R_DFR 0x0e0
#define R_SVR 0x0f0
#define R_ISR 0x100
#define R_TMR 0x180
#define R_IRR 0x200
#define R_ESR 0x280
#define R_LVT_CMCI 0x2f0
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LVT_TIMER 0x320
#define R_TIMER_INIT 0x380
#define R_TIMER_CUR 0x390
#define R_TIMER_DIV 0x3e0
#define R_SELF_IPI 0x3f0          /* x2APIC only */

#define SVR_ENABLE 0x100u
#define LVT_MASK 0x10000u
#define TIMER_PERIODIC 0x20000u
#define VERSION 0x00050014u       /* version 0x14, 6 LVT entries */

void lapic_reset(struct lapic *a)
{
    memset(a, 0, sizeof *a);
    a->base_msr = LAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_BSP;
    a->dfr = 0xffffffffu;
    a->svr = SVR_ENABLE | 0xff;
    for (unsigned i = 0; i < LVT_N; i++)
        a->lvt[i] = LVT_MASK;
    a->lvt[LVT_LINT0] = 0x700;         /* ExtINT: the 8259 reaches the CPU */
    a->lvt[LVT_LINT1] = 0x400;         /* NMI */
}

static bool x2(const struct lapic *a) { return a->base_msr & APIC_BASE_EXTD; }
static bool hw_on(const struct lapic *a) { return a->base_msr & APIC_BASE_EN; }
static bool sw_on(const struct lapic *a) { return hw_on(a) && (a->svr & SVR_ENABLE); }

bool lapic_mmio_on(const struct lapic *a) { return hw_on(a) && !x2(a); }

static int highest(const uint32_t v[8])
{
    for (int w = 7; w >= 0; w--)
        if (v[w])
            return w * 32 + 31 - __builtin_clz(v[w]);
    return -1;
}

static void set_bit(uint32_t v[8], unsigned vec) { v[vec >> 5] |= 1u << (vec & 31); }
static void clr_bit(uint32_t v[8], unsigned vec) { v[vec >> 5] &= ~(1u << (vec & 31)); }

static uint32_t ppr(const struct lapic *a)
{
    int isrv = highest(a->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

static unsigned divisor(const struct lapic *a)
{
    unsigned v = (a->timer_div & 3) | ((a->timer_div & 8) >> 1);
    return v == 7 ? 1 : 2u << v;
}

static uint32_t timer_current(const struct lapic *a, uint64_t now)
{
    if (!a->timer_deadline)
        return 0;
    uint64_t done = (now > a->timer_start ? now - a->timer_start : 0) / divisor(a);
    return done >= a->timer_count ? 0 : (uint32_t)(a->timer_count - done);
}

static void timer_run(struct lapic *a, uint32_t count, uint64_t now)
{
    a->timer_count = count;
    a->timer_start = now;
    a->timer_deadline = count ? now + (uint64_t)count * divisor(a) : 0;
}

void lapic_raise(struct lapic *a, unsigned vec)
{
    if (vec >= 16 && vec < 256)
        set_bit(a->irr, vec);
}

void lapic_tick(struct lapic *a, uint64_t now)
{
    if (!a->timer_deadline || now < a->timer_deadline)
        return;
    uint32_t lvt = a->lvt[LVT_TIMER];
    if (sw_on(a) && !(lvt & LVT_MASK) && (lvt & 0xff) >= 16) {
        set_bit(a->irr, lvt & 0xff);
        a->fired++;
    }
    if ((lvt & TIMER_PERIODIC) && a->timer_init) {
        uint64_t period = (uint64_t)a->timer_init * divisor(a);
        uint64_t late = (now - a->timer_deadline) / period;   /* missed periods coalesce */
        timer_run(a, a->timer_init, a->timer_deadline + late * period);
    } else {
        a->timer_deadline = 0;
    }
}

uint64_t lapic_deadline(const struct lapic *a)
{
    if (!sw_on(a) || (a->lvt[LVT_TIMER] & LVT_MASK))
        return 0;
    return a->timer_deadline;
}

int lapic_pending(const struct lapic *a)
{
    if (!hw_on(a))
        return -1;
    int v = highest(a->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(a) & 0xf0))
        return -1;
    return v;
}

int lapic_ack(struct lapic *a)
{
    int v = lapic_pending(a);
    if (v >= 0) {
        clr_bit(a->irr, (unsigned)v);
        set_bit(a->isr, (unsigned)v);
    }
    return v;
}

bool lapic_extint_open(const struct lapic *a)
{
    if (!hw_on(a))
        return true;                   /* globally disabled: LINT0 is the INTR pin */
    uint32_t l = a->lvt[LVT_LINT0];
    return sw_on(a) && !(l & LVT_MASK) && ((l >> 8) & 7) == 7;
}

static void eoi(struct lapic *a)
{
    int v = highest(a->isr);
    if (v >= 0)
        clr_bit(a->isr, (unsigned)v);
}

/* Fixed IPIs to this CPU (shorthand self, or our own ID) land in IRR;
   there are no other CPUs. */
static void send_ipi(struct lapic *a, uint32_t lo, uint32_t dest)
{
    unsigned vec = lo & 0xff, mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    bool to_me = shorthand == 1 || shorthand == 2 || (shorthand == 0 && dest == a->id);
    if (to_me && mode == 0 && vec >= 16)
        set_bit(a->irr, vec);
}

static unsigned lvt_index(unsigned reg)
{
    return reg == R_LVT_CMCI ? LVT_CMCI : LVT_TIMER + (reg - R_LVT_TIMER) / 0x10;
}

static bool is_lvt(unsigned reg)
{
    return reg == R_LVT_CMCI || (reg >= R_LVT_TIMER && reg <= 0x370);
}

/* Reads register reg (16-byte aligned offset); false if none. */
static bool reg_read(struct lapic *a, unsigned reg, uint64_t now, uint32_t *v)
{
    if (reg >= R_ISR && reg < R_ISR + 0x80) {
        *v = a->isr[(reg - R_ISR) >> 4];
    } else if (reg >= R_TMR && reg < R_TMR + 0x80) {
        *v = a->tmr[(reg - R_TMR) >> 4];
    } else if (reg >= R_IRR && reg < R_IRR + 0x80) {
        *v = a->irr[(reg - R_IRR) >> 4];
    } else if (is_lvt(reg)) {
        *v = a->lvt[lvt_index(reg)];
    } else {
        switch (reg) {
        case R_ID: *v = x2(a) ? a->id : a->id << 24; break;
        case R_VERSION: *v = VERSION; break;
        case R_TPR: *v = a->tpr; break;
        case R_APR: *v = 0; break;
        case R_PPR: *v = ppr(a); break;
        case R_LDR: *v = x2(a) ? ((a->id >> 4) << 16) | (1u << (a->id & 15)) : a->ldr; break;
        case R_DFR: *v = a->dfr; break;
        case R_SVR: *v = a->svr; break;
        case R_ESR: *v = a->esr; break;
        case R_ICR_LO: *v = a->icr_lo; break;
        case R_ICR_HI: *v = a->icr_hi; break;
        case R_TIMER_INIT: *v = a->timer_init; break;
        case R_TIMER_CUR: *v = timer_current(a, now); break;
        case R_TIMER_DIV: *v = a->timer_div; break;
        case R_EOI: case R_RRD: *v = 0; break;
        default: return false;
        }
    }
    return true;
}

static void reg_write(struct lapic *a, unsigned reg, uint32_t v, uint64_t now)
{
    if (is_lvt(reg)) {
        unsigned i = lvt_index(reg);
        uint32_t keep = i == LVT_TIMER ? 0x300ffu : 0x1a7ffu;   /* writable bits */
        if (i == LVT_TIMER)
            keep |= LVT_MASK | TIMER_PERIODIC;
        else
            keep |= LVT_MASK;
        a->lvt[i] = v & keep;
        if (!(a->svr & SVR_ENABLE))
            a->lvt[i] |= LVT_MASK;     /* software-disabled: masks stay set */
        return;
    }
    switch (reg) {
    case R_TPR: a->tpr = v & 0xff; break;
    case R_EOI: eoi(a); break;
    case R_LDR: a->ldr = v & 0xff000000u; break;
    case R_DFR: a->dfr = v | 0x0fffffffu; break;
    case R_SVR:
        a->svr = v & 0x3ffu;
        if (!(v & SVR_ENABLE))
            for (unsigned i = 0; i < LVT_N; i++)
                a->lvt[i] |= LVT_MASK;
        break;
    case R_ESR: a->esr = 0; break;
    case R_ICR_LO:
        a->icr_lo = v & ~0x1000u;      /* delivery status: always idle */
        send_ipi(a, v, x2(a) ? a->icr_hi : a->icr_hi >> 24);
        break;
    case R_ICR_HI: a->icr_hi = x2(a) ? v : v & 0xff000000u; break;
    case R_TIMER_INIT:
        a->timer_init = v;
        timer_run(a, v, now);
        break;
    case R_TIMER_DIV: {
        uint32_t left = timer_current(a, now);
        a->timer_div = v & 0xb;
        if (a->timer_deadline)
            timer_run(a, left, now);   /* the count goes on at the new rate */
        break;
    }
    case R_SELF_IPI:
        if ((v & 0xff) >= 16)
            set_bit(a->irr, v & 0xff);
        break;
    default: break;                    /* read-only or reserved: ignored */
    }
}

uint64_t lapic_mmio_read(struct lapic *a, uint64_t off, unsigned width, uint64_t now)
{
    uint32_t v = 0;
    unsigned reg = (unsigned)off & 0xff0, in = (unsigned)off & 0xf;
    if (in >= 4 || !reg_read(a, reg, now, &v) || reg == R_SELF_IPI)
        return 0;
    uint64_t x = (uint64_t)v >> (8 * in);
    return width >= 8 ? x : x & ((1ull << (8 * width)) - 1);
}

void lapic_mmio_write(struct lapic *a, uint64_t off, unsigned width, uint64_t v, uint64_t now)
{
    unsigned reg = (unsigned)off & 0xff0;
    if ((off & 0xf) || width < 4 || reg == R_SELF_IPI)
        return;                        /* only whole 32-bit registers */
    reg_write(a, reg, (uint32_t)v, now);
}

bool lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t now, uint64_t *v)
{
    unsigned reg = (msr - 0x800u) << 4;
    if (!x2(a) || msr < 0x800 || msr > 0x8ff || reg == R_EOI || reg == R_SELF_IPI ||
        reg == R_DFR || reg == R_APR || reg == R_RRD)
        return false;
    uint32_t lo;
    if (!reg_read(a, reg, now, &lo))
        return false;
    *v = reg == R_ICR_LO ? (uint64_t)a->icr_hi << 32 | lo : lo;
    return true;
}

bool lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t v, uint64_t now)
{
    unsigned reg = (msr - 0x800u) << 4;
    if (!x2(a) || msr < 0x800 || msr > 0x8ff)
        return false;
    bool writable = reg == R_TPR || reg == R_EOI || reg == R_SVR || reg == R_ESR ||
                    reg == R_ICR_LO || is_lvt(reg) || reg == R_TIMER_INIT ||
                    reg == R_TIMER_DIV || reg == R_SELF_IPI;
    if (!writable || (reg != R_ICR_LO && (v >> 32)) || (reg == R_EOI && v) ||
        (reg == R_ESR && v))
        return false;
    if (reg == R_ICR_LO)
        a->icr_hi = (uint32_t)(v >> 32);
    reg_write(a, reg, (uint32_t)v, now);
    return true;
}

bool lapic_set_base(struct lapic *a, uint64_t v)
{
    const uint64_t allowed = 0xfffff000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;
    bool en = v & APIC_BASE_EN, ext = v & APIC_BASE_EXTD;
    if ((v & ~allowed) || (ext && !en) || (x2(a) && en && !ext))
        return false;
    if (!en) {                         /* disabled: back to the reset state, masked */
        uint64_t base = v & 0xfffff000ull;
        lapic_reset(a);
        for (unsigned i = 0; i < LVT_N; i++)
            a->lvt[i] = LVT_MASK;
        a->svr = 0xff;
        a->base_msr = base | APIC_BASE_BSP;
        return true;
    }
    a->base_msr = (v & 0xfffff000ull) | (v & (APIC_BASE_EN | APIC_BASE_EXTD)) | APIC_BASE_BSP;
    return true;
}
