/* TLB shootdown; see tlb.h. Without PCIDs a CR3 reload flushes every
   non-global entry (Intel SDM Vol. 3A, 4.10.4.1). */
#include "tlb.h"
#include "cpu.h"
#include "lapic.h"
#include "percpu.h"
#include "smp.h"
#include "paging.h"
#include "ept.h"

volatile uint64_t tlb_gen;

void tlb_flush_local(void)
{
    uint64_t g = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);
    paging_flush_all();
    ept_flush_local();                 /* guest mappings are revoked the same way */
    this_cpu()->tlb_seen = g;
}

void tlb_ipi(void)
{
    tlb_flush_local();
}

void tlb_shootdown(void)
{
    unsigned self = (unsigned)this_cpu()->id, n = smp_online();
    uint64_t g = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_SEQ_CST);
    tlb_flush_local();
    for (unsigned c = 0; c < n; c++)
        if (c != self && cpus[c].tlb_in_user)
            lapic_ipi(cpus[c].apic_id, 0, VEC_TLB, 0);
    /* A CPU that enters the kernel meanwhile clears in_user and flushes
       before it goes back to user mode, so it need not answer. */
    for (unsigned c = 0; c < n; c++)
        while (c != self && cpus[c].tlb_in_user && cpus[c].tlb_seen < g)
            cpu_relax();
}
