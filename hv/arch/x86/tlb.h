/* TLB shootdown across CPUs. A generation counter makes it lazy for CPUs
   that are in the kernel (they flush before returning to user mode); only
   CPUs running user code get an IPI, and the initiator waits for those. */
#ifndef HV_X86_TLB_H
#define HV_X86_TLB_H
#include <stdint.h>
#include <stdbool.h>
#include "percpu.h"
#define VEC_TLB 0x22
/* After page-table entries were removed: no CPU may use them afterwards. */
void tlb_shootdown(void);
/* IPI body (runs without the big kernel lock). */
void tlb_ipi(void);
/* Flushes this CPU's TLB and records generation tlb_gen as seen. */
void tlb_flush_local(void);

/* Inline: every kernel entry and exit runs these (tlb.c owns the state:
   tlb_gen, and each CPU's tlb_seen and tlb_in_user in its percpu, which
   this CPU reaches GS-relative in one instruction). */
extern volatile uint64_t tlb_gen;

/* Before returning to user mode: flush if a shootdown happened since. */
static inline __attribute__((always_inline)) void tlb_check(void)
{
    bool stale;
    __asm__ volatile("cmp %1, %%gs:%c2"
                     : "=@ccne"(stale)
                     : "r"(tlb_gen), "i"(offsetof(struct percpu, tlb_seen))
                     : "memory");
    if (stale)
        tlb_flush_local();
}
/* Marks this CPU as leaving (0) or entering (1) user mode. No fence: an
   initiator waits only while it still sees in_user set, and x86 makes
   the store visible promptly; entering user mode is ordered by the
   kernel lock's release. */
static inline __attribute__((always_inline)) void tlb_set_in_user(int v)
{
    __asm__ volatile("movl %1, %%gs:%c0" ::"i"(offsetof(struct percpu, tlb_in_user)), "ri"(v)
                     : "memory");
}
#endif
