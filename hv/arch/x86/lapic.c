/* Local APIC access. Register offsets: Intel SDM Vol. 3A, Table 11-1;
   x2APIC MSR = 0x800 + offset/16 (Table 11-6); ICR is one 64-bit MSR. */
#include "lapic.h"
#include "cpu.h"
#include "paging.h"
#include "console.h"

#define APIC_BASE_EN (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)

static bool x2;
static volatile uint32_t *mmio;

bool lapic_is_x2apic(void) { return x2; }

uint32_t lapic_read(uint32_t reg)
{
    if (x2)
        return (uint32_t)rdmsr(0x800 + (reg >> 4));
    return mmio[reg / 4];
}

void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2)
        wrmsr(0x800 + (reg >> 4), v);
    else
        mmio[reg / 4] = v;
}

void lapic_setup(bool force_xapic, uint64_t madt_base)
{
    struct cpuid_regs r = cpuid(1, 0);
    x2 = !force_xapic && (r.c & (1u << 21));
    if (!x2) {
        uint64_t base = rdmsr(MSR_APIC_BASE) & 0xffffff000ull;
        if (!base)
            base = madt_base;
        mmio = (volatile uint32_t *)mmio_map(base, 4096);
    }
}

void lapic_init_cpu(void)
{
    uint64_t b = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;
    if (x2)
        b |= APIC_BASE_EXTD;
    wrmsr(MSR_APIC_BASE, b);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);      /* masked */
    lapic_write(LAPIC_LVT_ERROR, 1u << 16);
    lapic_write(LAPIC_SVR, (1u << 8) | 0xff);    /* enabled, spurious 0xff */
}

uint32_t lapic_id(void)
{
    return x2 ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

void lapic_ipi(uint32_t dest, uint32_t mode, uint32_t vector, uint32_t shorthand)
{
    uint32_t lo = vector | (mode << 8) | (1u << 14) | (shorthand << 18);
    if (x2) {
        wrmsr(0x830, ((uint64_t)dest << 32) | lo);
        return;
    }
    lapic_write(LAPIC_ICR_HI, dest << 24);
    lapic_write(LAPIC_ICR, lo);
    for (unsigned i = 0; i < 1000000 && (lapic_read(LAPIC_ICR) & (1u << 12)); i++)
        cpu_relax();
}
