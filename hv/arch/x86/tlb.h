/* TLB shootdown across CPUs. A generation counter makes it lazy for CPUs
   that are in the kernel (they flush before returning to user mode); only
   CPUs running user code get an IPI, and the initiator waits for those. */
#ifndef HV_X86_TLB_H
#define HV_X86_TLB_H
#include <stdint.h>
#include "percpu.h"
#define VEC_TLB 0x22
/* After page-table entries were removed: no CPU may use them afterwards. */
void tlb_shootdown(void);
/* IPI body (runs without the big kernel lock). */
void tlb_ipi(void);
/* Flushes this CPU's TLB and records generation tlb_gen as seen. */
void tlb_flush_local(void);

/* Inline: every kernel entry and exit runs these (tlb.c owns the state). */
extern volatile uint64_t tlb_gen;
extern volatile uint64_t tlb_seen[MAX_CPUS];
extern volatile int tlb_in_user[MAX_CPUS];

/* Before returning to user mode: flush if a shootdown happened since. */
static inline __attribute__((always_inline)) void tlb_check(void)
{
    if (tlb_seen[this_cpu_id()] != tlb_gen)
        tlb_flush_local();
}
/* Marks this CPU as leaving (0) or entering (1) user mode. No fence: an
   initiator waits only while it still sees in_user set, and x86 makes
   the store visible promptly; entering user mode is ordered by the
   kernel lock's release. */
static inline void tlb_set_in_user(int v)
{
    __atomic_store_n(&tlb_in_user[this_cpu_id()], v, __ATOMIC_RELAXED);
}
#endif
