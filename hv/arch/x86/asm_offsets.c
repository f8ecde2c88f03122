/* Structure offsets and constants for the assembler fast path
   (fastpath.asm), taken from the C definitions so the two can never
   disagree: the build compiles this file to assembler text and turns
   each "->NAME value" line into "%define NAME value" (mk/hv.mk). It is
   not linked into hv. */
#include <stddef.h>
#include "ec.h"
#include "pd.h"
#include "pt.h"
#include "cap.h"
#include "sc.h"
#include "percpu.h"
#include "spinlock.h"
#include "trap.h"
#include "cpu.h"

#define DEF(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %c0\"" ::"i"((long)(val)))
#define REG(sym, field) DEF(EC_##sym, offsetof(struct ec, regs) + offsetof(struct trapframe, field))

void asm_offsets(void);
void asm_offsets(void)
{
    REG(RAX, rax); REG(RBX, rbx); REG(RDX, rdx); REG(RSI, rsi); REG(RDI, rdi); REG(RBP, rbp);
    REG(R8, r8); REG(R9, r9); REG(R10, r10); REG(R12, r12); REG(R13, r13); REG(R14, r14); REG(R15, r15);
    REG(RIP, rip); REG(RFLAGS, rflags); REG(RSP, rsp); REG(VECTOR, vector);
    DEF(EC_FRAME_END, offsetof(struct ec, regs) + sizeof(struct trapframe));
    DEF(EC_PD, offsetof(struct ec, pd));
    DEF(EC_SLOTS, offsetof(struct ec, slots));
    DEF(EC_NSLOTS, offsetof(struct ec, nslots));
    DEF(EC_CR3, offsetof(struct ec, cr3));
    DEF(EC_FS_BASE, offsetof(struct ec, fs_base));
    DEF(EC_GS_BASE, offsetof(struct ec, gs_base));
    DEF(EC_CPU, offsetof(struct ec, cpu));
    DEF(EC_STATE, offsetof(struct ec, state));
    DEF(EC_SC, offsetof(struct ec, sc));
    DEF(EC_DONOR, offsetof(struct ec, donor));
    DEF(EC_CALLER, offsetof(struct ec, caller));
    DEF(EC_WAIT_SC, offsetof(struct ec, wait_sc));
    DEF(EC_CALLERS_HEAD, offsetof(struct ec, callers.head));
    DEF(EC_VCPU, offsetof(struct ec, vcpu));
    DEF(EC_KEY_VCPU, offsetof(struct ec, key_vcpu));
    DEF(EC_S_READY, EC_READY);
    DEF(EC_S_WAIT_CALL, EC_WAIT_CALL);
    DEF(EC_S_WAIT_REPLY, EC_WAIT_REPLY);
    DEF(EC_S_DEAD, EC_DEAD);

    DEF(PD_IOBM, offsetof(struct pd, iobm));
    DEF(CAP_SIZE, sizeof(struct cap));
    DEF(CAP_OBJ, offsetof(struct cap, obj));
    DEF(CAP_TYPE, offsetof(struct cap, type));
    DEF(CAP_RIGHTS, offsetof(struct cap, rights));
    DEF(PT_HANDLER, offsetof(struct pt, handler));
    DEF(PT_BADGE, offsetof(struct pt, badge));
    DEF(SCHED_RQ_CURRENT, offsetof(struct cpu_sched, rq.current));
    DEF(SC_OWNER, offsetof(struct sc, owner));
    DEF(KSC_EXEC, offsetof(struct ksc, exec));

    DEF(PC_USER_RSP, offsetof(struct percpu, user_rsp));
    DEF(PC_TLB_SEEN, offsetof(struct percpu, tlb_seen));
    DEF(PC_IN_USER, offsetof(struct percpu, tlb_in_user));
    DEF(PC_KSTACK, offsetof(struct percpu, kstack_top));
    DEF(PC_CURRENT, offsetof(struct percpu, current));
    DEF(PC_CR3, offsetof(struct percpu, loaded_cr3));
    DEF(PC_SCHED, offsetof(struct percpu, sched));
    DEF(PC_IO_PD, offsetof(struct percpu, io_pd));
    DEF(PC_TSS, offsetof(struct percpu, tss));
    DEF(PC_SLOW, offsetof(struct percpu, slow));
    DEF(PC_KEY_WAIT_CALL, offsetof(struct percpu, key_wait_call));
    DEF(PC_KEY_WAIT_REPLY, offsetof(struct percpu, key_wait_reply));
    DEF(PC_KEY_READY, offsetof(struct percpu, key_ready));
    DEF(PC_TR_CUT, offsetof(struct percpu, tr_cut));
    DEF(PC_FPU_OWNER, offsetof(struct percpu, fpu_owner));
    DEF(PC_FPU_LIVE, offsetof(struct percpu, fpu_live));
    DEF(TSS_RSP0, offsetof(struct tss, rsp));
    DEF(TSS_IOMAP, offsetof(struct tss, iomap_base));
    DEF(TSS_IOMAP_OPEN, sizeof(struct tss));
    DEF(TSS_IOMAP_CLOSED, TSS_IOMAP_NONE);

    DEF(SPIN_NEXT, offsetof(struct spinlock, next));
    DEF(SPIN_OWNER, offsetof(struct spinlock, owner));
    DEF(OBJ_PT, BH_OBJ_PT);
    DEF(R_CALL, BH_R_CALL);
    DEF(SYS_CALL, BH_SYS_CALL);
    DEF(SYS_REPLY_WAIT, BH_SYS_REPLY_WAIT);
    DEF(MSG_REG_WORDS, BH_MSG_REG_WORDS);
    DEF(VEC_SYSCALL_FRAME, VEC_SYSCALL);
}
