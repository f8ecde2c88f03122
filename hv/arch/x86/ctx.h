/* Switching a CPU's user context between ECs (x86): FPU/SSE state, the
   FS and GS bases, the address space, the frame SYSCALL and user-mode
   interrupts save into, and the TSS's I/O bitmap. Inline, because
   ec_resume (sc.c) and the IPC and VM-exit fast paths (fastpath.c,
   fastpath.h) all run it and each instruction counts there. Lock held
   throughout. */
#ifndef HV_X86_CTX_H
#define HV_X86_CTX_H
#include "ec.h"
#include "pd.h"
#include "mem.h"
#include "cpu.h"
#include "fpu.h"
#include "paging.h"
#include "percpu.h"
#include "tlb.h"
#include "bkl.h"
#include "vcpu.h"

/* Resumes user mode from an EC's frame (entry.asm): SYSRET for frames
   SYSCALL saved, IRETQ for all others. */
void __attribute__((noreturn)) ret_user(struct trapframe *f);

/* ec_resume's common case where the CPU has FSGSBASE (fastpath.asm):
   ctx_switch, ec_to_user and ret_user in one, for a switch from the
   current user EC to another, next, a user EC ready on this CPU that
   resumes from a SYSCALL frame. Returns next, having changed nothing
   that matters (ctx_switch saves the current EC's FS and GS bases
   again), if that is not the case or a guard fails (a TLB flush due,
   or what the IPC fast path's guards test); ec_resume's C then runs. */
struct ec *ec_switch_exit(struct ec *next);

/* Maps pd's bitmap pages and points the TSS at them (sc.c; rare). */
void ctx_io_open(struct percpu *p, const struct pd *pd);

/* The FPU for user EC ec, current next (lazy, fpu.h): CR0.TS set unless
   ec owns the registers. */
static inline __attribute__((always_inline)) void fpu_lazy(struct percpu *p, struct ec *ec)
{
    if (p->fpu_owner != ec) {
        if (p->fpu_live) {
            write_cr0(read_cr0() | CR0_TS);
            p->fpu_live = false;
        }
    } else if (!p->fpu_live) {
        __asm__ volatile("clts" ::: "memory");
        p->fpu_live = true;
    }
}

/* Makes ec the current EC of this CPU (p), saving prev's state (prev may
   be NULL: the CPU was idle; prev != ec). A vCPU keeps whatever user
   tables are loaded (the guest runs on its EPT, hv's half is the same in
   every PML4), and its FS base lives in its VMCS. */
static inline __attribute__((always_inline)) void ctx_switch(struct percpu *p, struct ec *prev,
                                                             struct ec *ec)
{
    bool gs_loaded = false;            /* KERNEL_GS_BASE already holds ec's */
    if (prev) {
        if (!prev->vcpu)
            prev->fs_base = fs_base_read();
        prev->gs_base = rdmsr(MSR_KERNEL_GS_BASE);   /* the user's, after SWAPGS */
        gs_loaded = prev->gs_base == ec->gs_base;
    }
    if (!ec->vcpu) {                   /* a vCPU claims the FPU at entry (vcpu.c) */
        fpu_lazy(p, ec);
        struct pd *pd = ec->pd;
        if (p->loaded_cr3 != pd->cr3) {
            paging_load_cr3(pd->cr3);
            p->loaded_cr3 = pd->cr3;
            pd_reap_roots();
        }
        fs_base_write(ec->fs_base);
        percpu_set_frame(p, ec_frame_end(ec));   /* a guest enters no kernel through it */
    }
    if (!gs_loaded)
        wrmsr(MSR_KERNEL_GS_BASE, ec->gs_base);
    percpu_set_current(p, ec);
    ec_reap();
}

/* The TSS's I/O bitmap for a user EC of pd (Intel SDM Vol. 1, 19.5.2): a
   PD that holds no port gets an I/O map base beyond the TSS limit, so
   every port faults and nothing is remapped; only a PD with ports has its
   bitmap pages mapped (and TR reloaded if a VM exit cut its limit). The
   base is stored every time, which costs what testing it would. A PD
   has ports once its first bitmap page exists (mem.c makes it first). */
static inline __attribute__((always_inline)) void ctx_io(struct percpu *p, const struct pd *pd)
{
    if (!pd->iobm[0])
        p->tss->iomap_base = TSS_IOMAP_NONE;
    else if (p->io_pd != pd || p->tr_cut)
        ctx_io_open(p, pd);
    else                               /* its pages are still mapped */
        p->tss->iomap_base = sizeof *p->tss;
}

/* Leaves the kernel into user EC ec, the current EC of this CPU (p):
   hv's SYSCALL MSRs, debug registers and XCR0 back if a guest's are loaded,
   ec's I/O bitmap, a
   pending TLB flush, then the lock is released. */
static inline __attribute__((always_inline, noreturn)) void ec_to_user(struct percpu *p,
                                                                     struct ec *ec)
{
    if (__builtin_expect(p->slow & PERCPU_SLOW_GUEST, 0)) {
        if (p->sys_guest)
            vcpu_host_sysmsrs(p);      /* hv's SYSCALL entry before user code runs */
        if (p->dr_guest)
            vcpu_leave_debug(p);       /* and hv's debug registers */
        if (p->xcr0_narrow) {          /* and every component hv switches */
            xsetbv0(fpu_xcr0);
            p->xcr0_narrow = false;
        }
    }
    ctx_io(p, ec->pd);
    tlb_check();
    tlb_set_in_user(1);
    bkl_unlock();
    ret_user(&ec->regs);
}
#endif
