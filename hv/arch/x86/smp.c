/* AP bring-up. Each AP gets its own stacks and per-CPU block, loads the
   kernel's tables, enables its APIC, checks its timer and then idles. */
#include "smp.h"
#include "percpu.h"
#include "paging.h"
#include "lapic.h"
#include "timer.h"
#include "vmx.h"
#include "trap.h"
#include "cpu.h"
#include "kmem.h"
#include "console.h"
#include "sc.h"
#include "bkl.h"
#include "panic.h"
#include "syscall.h"
#include <string.h>

struct tramp_params {
    uint32_t cr3, efer;
    uint64_t stack, cpu, entry;
    volatile uint32_t started;
} __attribute__((packed));
_Static_assert(sizeof(struct tramp_params) == 36, "mirrors trampoline.asm");
#define TRAMP_PARAMS 0xf00

extern const char trampoline_start[], trampoline_end[];
static unsigned online = 1;
static volatile bool timer_ok[MAX_CPUS];

unsigned smp_online(void) { return online; }
bool smp_cpu_timer_ok(unsigned cpu)
{
    if (cpu >= MAX_CPUS)
        return false;
    uint64_t end = rdtsc() + timer_tsc_hz() / 5;
    while (!cpus[cpu].timer_checked && rdtsc() < end)
        cpu_relax();
    return timer_ok[cpu];
}

/* Allocates a CPU's entry stack and IST stacks; 0 if out of memory. */
static uint64_t alloc_stack(uint64_t bytes)
{
    uint64_t pa;
    if (kmem_alloc_pages(bytes / PAGE_SIZE, &pa) != BH_OK)
        return 0;
    return (uint64_t)phys_to_virt(pa) + bytes;
}

/* Arms a 1 ms one-shot on this AP and waits for its interrupt. */
static void ap_check_timer(struct percpu *c)
{
    uint32_t before = timer_fired_count((unsigned)c->id);
    timer_arm_us(1000);
    uint64_t end = rdtsc() + timer_tsc_hz() / 10;
    sti();
    while (rdtsc() < end && timer_fired_count((unsigned)c->id) == before)
        cpu_relax();
    cli();
    timer_ok[c->id] = timer_fired_count((unsigned)c->id) != before;
    c->timer_checked = true;
}

static void __attribute__((noreturn)) ap_main(struct percpu *c)
{
    paging_init_ap();
    uint64_t entry = alloc_stack(KSTACK_SIZE), ist = alloc_stack(4 * IST_STACK_SIZE);
    percpu_init(c, (unsigned)c->id, entry, ist - 4 * IST_STACK_SIZE);
    idt_load();
    lapic_init_cpu();
    c->online = true;
    kprintf("# cpu %lu online apic=%u\n", c->id, lapic_id());
    ap_check_timer(c);
    syscall_init_cpu();
    if (percpu_io_init(c) != BH_OK)
        panic("no memory for the I/O bitmap window");
    sched_init_cpu((unsigned)c->id);
    vmx_init_cpu((unsigned)c->id);
    bkl_lock();
    schedule();
}

static bool start_ap(struct percpu *c, uint32_t apic)
{
    struct tramp_params *p = phys_to_virt(TRAMPOLINE_PHYS + TRAMP_PARAMS);
    uint64_t stack = alloc_stack(KSTACK_SIZE);
    if (!stack)
        return false;
    p->cr3 = (uint32_t)paging_kernel_root();
    p->efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
    p->stack = stack;
    p->cpu = (uint64_t)c;
    p->entry = (uint64_t)ap_main;
    p->started = 0;
    c->apic_id = apic;
    lapic_ipi(apic, 5, 0, 0);                     /* INIT */
    udelay(10000);
    for (int i = 0; i < 2 && !p->started; i++) {
        lapic_ipi(apic, 6, TRAMPOLINE_PHYS >> 12, 0);  /* SIPI */
        udelay(200);
    }
    uint64_t end = rdtsc() + timer_tsc_hz() / 5;   /* 200 ms */
    while (!c->online && rdtsc() < end)
        cpu_relax();
    return c->online;
}

unsigned smp_boot(const uint32_t *ids, unsigned n, unsigned max)
{
    uint32_t self = lapic_id();
    cpus[0].apic_id = self;
    cpus[0].online = true;
    memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start,
           (size_t)(trampoline_end - trampoline_start));
    paging_identity_low(true);
    for (unsigned i = 0; i < n && online < max && online < MAX_CPUS; i++) {
        if (ids[i] == self)
            continue;
        struct percpu *c = &cpus[online];
        c->id = online;
        if (start_ap(c, ids[i]))
            online++;
        else
            kprintf("smp: cpu with apic id %u did not come up\n", ids[i]);
    }
    paging_identity_low(false);
    return online;
}

void smp_stop_others(void)
{
    if (online > 1)
        lapic_ipi(0, 4, 0, 3);
}
