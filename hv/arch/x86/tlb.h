/* TLB shootdown across CPUs. A generation counter makes it lazy for CPUs
   that are in the kernel (they flush before returning to user mode); only
   CPUs running user code get an IPI, and the initiator waits for those. */
#ifndef HV_X86_TLB_H
#define HV_X86_TLB_H
#define VEC_TLB 0x22
/* After page-table entries were removed: no CPU may use them afterwards. */
void tlb_shootdown(void);
/* Before returning to user mode: flush if a shootdown happened since. */
void tlb_check(void);
/* IPI body (runs without the big kernel lock). */
void tlb_ipi(void);
/* Marks this CPU as leaving (false) or entering (true) user mode. */
void tlb_set_in_user(int in_user);
#endif
