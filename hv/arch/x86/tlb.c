/* TLB shootdown; see tlb.h. Without PCIDs a CR3 reload flushes every
   non-global entry (Intel SDM Vol. 3A, 4.10.4.1). */
#include "tlb.h"
#include "cpu.h"
#include "lapic.h"
#include "percpu.h"
#include "smp.h"
#include "paging.h"
#include "ept.h"

static volatile uint64_t tlb_gen;
static volatile uint64_t seen[MAX_CPUS];
static volatile int in_user[MAX_CPUS];

static void flush_local(void)
{
    unsigned id = (unsigned)this_cpu()->id;
    uint64_t g = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);
    paging_flush_all();
    ept_flush_local();                 /* guest mappings are revoked the same way */
    seen[id] = g;
}

/* No fence: an initiator waits only while it still sees in_user set, and
   x86 makes the store visible promptly; entering user mode is ordered by
   the kernel lock's release. */
void tlb_set_in_user(int v)
{
    __atomic_store_n(&in_user[this_cpu()->id], v, __ATOMIC_RELAXED);
}

void tlb_check(void)
{
    if (seen[this_cpu()->id] != tlb_gen)
        flush_local();
}

void tlb_ipi(void)
{
    flush_local();
}

void tlb_shootdown(void)
{
    unsigned self = (unsigned)this_cpu()->id, n = smp_online();
    uint64_t g = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
    flush_local();
    for (unsigned c = 0; c < n; c++)
        if (c != self && in_user[c])
            lapic_ipi(cpus[c].apic_id, 0, VEC_TLB, 0);
    /* A CPU that enters the kernel meanwhile clears in_user and flushes
       before it goes back to user mode, so it need not answer. */
    for (unsigned c = 0; c < n; c++)
        while (c != self && in_user[c] && seen[c] < g)
            cpu_relax();
}
