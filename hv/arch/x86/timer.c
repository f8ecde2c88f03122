/* Calibration and one-shot timers. PM timer: ACPI 6.4, 4.8.3.3 (3.579545
   MHz). TSC-deadline mode: Intel SDM Vol. 3A, 11.5.4.1. */
#include "timer.h"
#include "lapic.h"
#include "cpu.h"
#include "trap.h"
#include "percpu.h"

#define PM_HZ 3579545ull

static uint16_t pm_port;
static uint32_t pm_mask = 0xffffff;
static uint64_t tsc_hz, lapic_hz;
static enum timer_mode mode = TIMER_LAPIC;
static volatile uint32_t fired[MAX_CPUS];

void timer_set_pmtimer(uint16_t port, bool is32)
{
    pm_port = port;
    pm_mask = is32 ? 0xffffffffu : 0xffffffu;
}

uint64_t timer_tsc_hz(void) { return tsc_hz; }

/* Reference ticks: PM timer if present, else PIT channel 2 countdown. */
static void ref_wait_ms(unsigned ms)
{
    if (pm_port) {
        uint64_t need = PM_HZ * ms / 1000, done = 0;
        uint32_t last = inl(pm_port) & pm_mask;
        while (done < need) {
            uint32_t now = inl(pm_port) & pm_mask;
            done += (now - last) & pm_mask;
            last = now;
        }
        return;
    }
    /* PIT channel 2, mode 0, gate via port 0x61 (8254 data sheet). */
    uint32_t count = (uint32_t)(1193182ull * ms / 1000);
    if (count > 0xffff)
        count = 0xffff;
    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xb0);
    outb(0x42, (uint8_t)count);
    outb(0x42, (uint8_t)(count >> 8));
    for (unsigned i = 0; i < 100000000 && !(inb(0x61) & 0x20); i++)
        cpu_relax();
}

void timer_calibrate(void)
{
    lapic_write(LAPIC_TIMER_DIV, 0x3);           /* divide by 16 */
    lapic_write(LAPIC_LVT_TIMER, (1u << 16) | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
    uint64_t t0 = rdtsc();
    ref_wait_ms(10);
    uint64_t t1 = rdtsc();
    uint32_t cur = lapic_read(LAPIC_TIMER_CUR);
    lapic_write(LAPIC_TIMER_INIT, 0);
    tsc_hz = (t1 - t0) * 100;
    lapic_hz = (uint64_t)(0xffffffffu - cur) * 100;
}

void udelay(uint64_t us)
{
    if (!tsc_hz) {
        ref_wait_ms((unsigned)((us + 999) / 1000));
        return;
    }
    uint64_t end = rdtsc() + us * (tsc_hz / 1000) / 1000;
    while (rdtsc() < end)
        cpu_relax();
}

uint64_t timer_ref_now_us(void)
{
    return tsc_hz ? rdtsc() / (tsc_hz / 1000000 ? tsc_hz / 1000000 : 1) : 0;
}

void timer_arm_us(uint64_t us)
{
    if (mode == TIMER_TSC_DEADLINE) {
        lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | (2u << 17));
        wrmsr(MSR_TSC_DEADLINE, rdtsc() + us * (tsc_hz / 1000) / 1000 + 1);
        return;
    }
    uint64_t count = us * (lapic_hz / 1000) / 1000 + 1;
    lapic_write(LAPIC_TIMER_DIV, 0x3);
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, count > 0xffffffffu ? 0xffffffffu : (uint32_t)count);
}

uint32_t timer_fired_count(unsigned cpu)
{
    return cpu < MAX_CPUS ? fired[cpu] : 0;
}

static void on_timer(struct trapframe *tf)
{
    (void)tf;
    fired[this_cpu()->id]++;
}

/* Arms 2 ms in mode m and waits up to 100 ms of TSC time for the IRQ. */
static bool try_mode(enum timer_mode m)
{
    unsigned id = (unsigned)this_cpu()->id;
    uint32_t before = fired[id];
    mode = m;
    timer_arm_us(2000);
    sti();
    uint64_t end = rdtsc() + tsc_hz / 10;
    while (fired[id] == before && rdtsc() < end)
        cpu_relax();
    cli();
    lapic_write(LAPIC_LVT_TIMER, 1u << 16);
    if (m == TIMER_TSC_DEADLINE)
        wrmsr(MSR_TSC_DEADLINE, 0);
    return fired[id] != before;
}

enum timer_mode timer_select(enum timer_mode want)
{
    irq_set_handler(VEC_TIMER, on_timer);
    bool has_dl = cpuid(1, 0).c & (1u << 24);
    if (want != TIMER_LAPIC && has_dl && try_mode(TIMER_TSC_DEADLINE))
        return mode;
    if (try_mode(TIMER_LAPIC))
        return mode;
    return mode = TIMER_AUTO;   /* no working timer */
}

const char *timer_mode_name(enum timer_mode m)
{
    switch (m) {
    case TIMER_TSC_DEADLINE: return "tsc-deadline";
    case TIMER_LAPIC: return "lapic";
    default: return "none";
    }
}
