/* Virtual CPUs (see vcpu.h): VMCS set-up, entry, exit dispatch, and the
   guest state that travels in exit messages. Intel SDM Vol. 3C, chapters
   24-27. The VMCS stays current on the vCPU's CPU between entries; a dead
   vCPU's VMCS is cleared there before its page is freed (vcpu_reap). */
#include "vcpu.h"
#include "vmx.h"
#include "vmcs.h"
#include "ept.h"
#include "fpu.h"
#include "ec.h"
#include "pd.h"
#include "ipc.h"
#include "sc.h"
#include "bkl.h"
#include "cpu.h"
#include "lapic.h"
#include "paging.h"
#include "percpu.h"
#include "smp.h"
#include "tlb.h"
#include "trap.h"
#include "panic.h"
#include "console.h"
#include "kmem.h"
#include "obj.h"
#include "lib/fmt.h"
#include "mem.h"
#include "syscall.h"
#include "fastpath.h"
#include "vmreply.h"
#include <stddef.h>
#include <string.h>

#define MSR_PAT 0x277

void __attribute__((noreturn)) vmx_enter(struct trapframe *regs, uint64_t launched);
void __attribute__((noreturn)) vcpu_exited(void);
void __attribute__((noreturn)) vcpu_entry_failed(void);
extern char vmx_exit_entry[];

/* The shared MSR bitmap: every MSR exits but the three segment bases the
   VMCS and ec_resume switch anyway. A VMM that changes it gets a copy of
   its own per vCPU (vcpu_ctrl). The I/O bitmaps are the VM PD's TSS-style
   port bitmaps (hv/mem.c): the same format, 1 = exit. */
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));
static bool bitmaps_ready;
static uint16_t next_vpid = 1;
static struct vcpu *zombies[MAX_CPUS];   /* per CPU: VMCSs to clear */

/* Sets which accesses to msr pass through (BH_VCPU_MSR_R / _W) in bm
   (Intel SDM Vol. 3C, 25.6.9: read-low, read-high, write-low, write-high). */
static void msr_set(uint8_t *bm, uint32_t msr, uint64_t pass)
{
    unsigned off = (msr >= 0xc0000000u ? 1024 : 0) + ((msr & 0x1fff) >> 3);
    uint8_t bit = (uint8_t)(1u << (msr & 7));
    bm[off] = (uint8_t)((pass & BH_VCPU_MSR_R) ? bm[off] & ~bit : bm[off] | bit);
    bm[off + 2048] = (uint8_t)((pass & BH_VCPU_MSR_W) ? bm[off + 2048] & ~bit : bm[off + 2048] | bit);
}

static void bitmaps_init(void)
{
    memset(msr_bitmap, 0xff, sizeof msr_bitmap);
    msr_set(msr_bitmap, MSR_FS_BASE, BH_VCPU_MSR_R | BH_VCPU_MSR_W);
    msr_set(msr_bitmap, MSR_GS_BASE, BH_VCPU_MSR_R | BH_VCPU_MSR_W);
    msr_set(msr_bitmap, MSR_KERNEL_GS_BASE, BH_VCPU_MSR_R | BH_VCPU_MSR_W);
    bitmaps_ready = true;
}

/* The MSRs a guest may touch directly: hv switches them per EC (the
   segment bases) or the VMCS does on every entry and exit (SYSENTER, PAT);
   the TSC only for reads (the VMCS offsets it). Everything else is host
   state a guest must never reach. */
static uint64_t msr_may_pass(uint64_t msr)
{
    switch (msr) {
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
    case 0x174: case 0x175: case 0x176: case MSR_PAT:
        return BH_VCPU_MSR_R | BH_VCPU_MSR_W;
    case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_FMASK:
        return BH_VCPU_MSR_R | BH_VCPU_MSR_W;   /* switched by vcpu_sysmsrs */
    case 0x10:
        return BH_VCPU_MSR_R;
    default:
        return 0;
    }
}

/* The VM PD's port bitmaps (its own once it holds ports, else all-exit). */
static void io_bitmaps(struct vcpu *v, struct pd *vm)
{
    uint64_t a, b;
    mem_io_bitmap_pages(vm, &a, &b);
    vmwrite(VMCS_IO_BITMAP_A, a);
    vmwrite(VMCS_IO_BITMAP_B, b);
    v->io_gen = mem_io_gen;
}

enum bh_status vcpu_ctrl(struct ec *ec, uint64_t op, uint64_t msr, uint64_t flags)
{
    struct vcpu *v = ec->vcpu;
    if (!v || ec->state == EC_DEAD)
        return BH_EINVAL;
    if (op == BH_VCPU_RECALL) {
        v->recall = true;
        if (ec->cpu != this_cpu()->id)            /* out of the guest, if it is in it */
            lapic_ipi(cpus[ec->cpu].apic_id, 0, VEC_IPI_WAKE, 0);
        return BH_OK;
    }
    if (op != BH_VCPU_MSR || (flags & ~(uint64_t)(BH_VCPU_MSR_R | BH_VCPU_MSR_W)))
        return BH_EINVAL;
    if (flags & ~msr_may_pass(msr))
        return BH_ERIGHTS;
    if (!msr_may_pass(msr))
        return BH_OK;                  /* it exits already, and always will */
    if (!v->msrbm) {
        if (quota_alloc(ec->pd, 1, (void **)&v->msrbm) != BH_OK)
            return BH_ENOMEM;
        memcpy(v->msrbm, msr_bitmap, sizeof msr_bitmap);
        v->msrbm_new = true;
    }
    msr_set(v->msrbm, (uint32_t)msr, flags);
    if (flags && (msr == MSR_STAR || msr == MSR_LSTAR || msr == MSR_CSTAR || msr == MSR_FMASK))
        v->sys_pass = true;
    return BH_OK;
}

/* SYSCALL MSRs: hv uses STAR, LSTAR and FMASK for its own SYSCALL entry,
   so a guest's values (when its VMM lets them pass) are loaded only while
   it runs, saved back when another guest or any user EC needs the CPU,
   and hv's restored before user code runs (a user SYSCALL must never
   reach a guest's entry point). */
static const uint32_t sys_msr[4] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK };

static void sysmsrs_save(struct percpu *p)
{
    if (p->sys_owner)
        for (unsigned i = 0; i < 4; i++)
            p->sys_owner->sys[i] = rdmsr(sys_msr[i]);
}

void vcpu_host_sysmsrs(struct percpu *p)
{
    if (!p->sys_guest)
        return;
    sysmsrs_save(p);
    syscall_init_cpu();
    wrmsr(MSR_CSTAR, 0);
    p->sys_guest = false;
    p->sys_owner = NULL;
}

static void vcpu_sysmsrs(struct percpu *p, struct vcpu *v)
{
    if (!v->sys_pass) {                /* it gets none of another guest's */
        vcpu_host_sysmsrs(p);
        return;
    }
    if (p->sys_guest && p->sys_owner == v)
        return;
    sysmsrs_save(p);
    for (unsigned i = 0; i < 4; i++)
        wrmsr(sys_msr[i], v->sys[i]);
    p->sys_guest = true;
    p->sys_owner = v;
}

enum bh_status vcpu_create(struct pd *vm, struct pd *vmm, uint32_t cpu, uint64_t exit_base,
                           struct ec **out)
{
    if (!vm->ept || exit_base >= vmm->nslots)
        return BH_EINVAL;
    if (cpu >= smp_online() || !cpus[cpu].online)
        return BH_ERANGE;
    if (!vmx_active(cpu))
        return BH_ENOTSUP;
    if (quota_left(vm) < 3)
        return BH_ENOMEM;
    struct vcpu *v;
    void *vmcs;
    struct ec *ec;
    enum bh_status s = quota_alloc(vm, 1, (void **)&v);
    if (s != BH_OK)
        return s;
    if ((s = quota_alloc(vm, 1, &vmcs)) != BH_OK || (s = ec_create_bare(vm, cpu, &ec)) != BH_OK) {
        if (s != BH_OK && vmcs)
            quota_free(vm, vmcs, 1);
        quota_free(vm, v, 1);
        return s;
    }
    if (!bitmaps_ready)
        bitmaps_init();
    *(uint32_t *)vmcs = vmx_feat.revision;
    v->vmcs_pa = virt_to_phys(vmcs);
    v->vmm = vmm;
    v->unready = true;
    kobj_get(&vmm->obj);
    v->exit_base = exit_base;
    v->cpu = cpu;
    vcpu_dr_init(v);
    v->fpu = ec->fpu;
    v->xcr0 = XCR0_X87;                /* the reset value, OSXSAVE clear */
    if (vmx_feat.vpid) {
        v->vpid = next_vpid;
        next_vpid = (uint16_t)(next_vpid == 0xffff ? 1 : next_vpid + 1);
    }
    ec->vcpu = v;
    ec->key_vcpu = true;
    *out = ec;
    return BH_OK;
}

static uint32_t ctl(uint64_t cap, uint32_t must, uint32_t want)
{
    uint32_t v;
    vmx_ctl(cap, must, want, &v, NULL);      /* must-haves were checked at VMXON */
    return v;
}

static void setup_controls(struct vcpu *v, struct pd *vm)
{
    const struct vmx_caps *c = &vmx_cap;
    v->pin = ctl(c->pin, PIN_EXT_INT | PIN_NMI, PIN_VIRTUAL_NMI);
    /* CR8 is the host's real TPR: a guest's MOV to/from CR8 must exit
       (without it a 64-bit guest could mask host interrupts). */
    v->proc = ctl(c->proc, PROC_HLT | PROC_IO_BITMAP | PROC_MSR_BITMAP | PROC_SECONDARY |
                  PROC_MOV_DR | PROC_RDPMC | PROC_MWAIT | PROC_MONITOR | PROC_TSC_OFFSET |
                  PROC_CR8_LOAD | PROC_CR8_STORE, 0);
    v->proc2 = ctl(c->proc2, PROC2_EPT | PROC2_UNRESTRICTED,
                   (v->vpid ? PROC2_VPID : 0) | PROC2_RDTSCP | PROC2_INVPCID | PROC2_WBINVD);
    vmwrite(VMCS_PIN_CTLS, v->pin);
    vmwrite(VMCS_PROC_CTLS, v->proc);
    vmwrite(VMCS_PROC2_CTLS, v->proc2);
    v->exit = ctl(c->exit, EXIT_HOST_LONG | EXIT_ACK_INTR | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
                  EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG, 0);
    vmwrite(VMCS_EXIT_CTLS, v->exit);
    vmwrite(VMCS_ENTRY_CTLS, ctl(c->entry, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG, 0));
    vmwrite(VMCS_EXC_BITMAP, 0);
    vmwrite(VMCS_CR3_TARGETS, 0);
    vmwrite(VMCS_EXIT_MSR_STORE_N, 0);
    vmwrite(VMCS_EXIT_MSR_LOAD_N, 0);
    vmwrite(VMCS_ENTRY_MSR_LOAD_N, 0);
    vmwrite(VMCS_ENTRY_INTR, 0);
    /* Bits the VMX fixed MSRs pin belong to hv; the guest sees its own. */
    vmwrite(VMCS_CR0_MASK, vmstate_cr0_mask());
    vmwrite(VMCS_CR4_MASK, vmstate_cr4_mask());
    vmwrite(VMCS_MSR_BITMAP, virt_to_phys(v->msrbm ? v->msrbm : msr_bitmap));
    v->msrbm_new = false;
    io_bitmaps(v, vm);
    vmwrite(VMCS_EPTP, ept_pointer(vm->ept));
    if (v->vpid)
        vmwrite(VMCS_VPID, v->vpid);
    vmwrite(VMCS_TSC_OFFSET, 0);
    vmwrite(VMCS_LINK_PTR, ~0ull);
}

static void setup_host(struct ec *ec, struct percpu *p)
{
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    vmwrite(VMCS_HOST_CR0, read_cr0() & ~(uint64_t)CR0_TS);   /* fpu_claim cleared it */
    vmwrite(VMCS_HOST_CR4, read_cr4());
    vmwrite(VMCS_HOST_CS_SEL, GDT_KCODE);
    vmwrite(VMCS_HOST_SS_SEL, GDT_KDATA);
    vmwrite(VMCS_HOST_DS_SEL, GDT_KDATA);
    vmwrite(VMCS_HOST_ES_SEL, GDT_KDATA);
    vmwrite(VMCS_HOST_FS_SEL, 0);
    vmwrite(VMCS_HOST_GS_SEL, 0);
    vmwrite(VMCS_HOST_TR_SEL, GDT_TSS);
    vmwrite(VMCS_HOST_FS_BASE, 0);
    vmwrite(VMCS_HOST_GS_BASE, (uint64_t)p);
    vmwrite(VMCS_HOST_TR_BASE, (uint64_t)p->tss);
    vmwrite(VMCS_HOST_GDTR_BASE, (uint64_t)p->gdt);
    vmwrite(VMCS_HOST_IDTR_BASE, idtr.base);
    vmwrite(VMCS_HOST_SYSENTER_CS, 0);
    vmwrite(VMCS_HOST_SYSENTER_ESP, 0);
    vmwrite(VMCS_HOST_SYSENTER_EIP, 0);
    vmwrite(VMCS_HOST_EFER, rdmsr(MSR_EFER));
    vmwrite(VMCS_HOST_PAT, rdmsr(MSR_PAT));
    /* The exit stub pushes the guest's registers straight into the EC. */
    vmwrite(VMCS_HOST_RSP, (uint64_t)&ec->regs.vector);
    vmwrite(VMCS_HOST_RIP, (uint64_t)vmx_exit_entry);
}

/* The state of a CPU after reset (Intel SDM Vol. 3A, 9.1.1), in real mode
   at f000:fff0; the VMM's start-up reply usually replaces it. */
static void setup_guest(struct ec *ec)
{
    static const struct bh_vmseg data = { 0, 0x93, 0xffff, 0 };
    static const struct bh_vmseg code = { 0xf000, 0x9b, 0xffff, 0xffff0000 };
    static const struct bh_vmseg ldtr = { 0, 0x82, 0xffff, 0 };
    static const struct bh_vmseg tr = { 0, 0x8b, 0xffff, 0 };
    for (unsigned i = 0; i < 6; i++)
        vmstate_seg_write(i, i == 1 ? &code : &data);
    vmstate_seg_write(6, &ldtr);
    vmstate_seg_write(7, &tr);
    vmwrite(VMCS_GUEST_GDTR_BASE, 0);
    vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
    vmwrite(VMCS_GUEST_IDTR_BASE, 0);
    vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);
    vmstate_cr0(0x60000010);
    vmstate_cr4(ec->vcpu, 0);
    vmwrite(VMCS_GUEST_CR3, 0);
    vmwrite(VMCS_GUEST_DR7, 0x400);
    vmwrite(VMCS_GUEST_RSP, 0);
    vmwrite(VMCS_GUEST_RIP, 0xfff0);
    vmwrite(VMCS_GUEST_RFLAGS, 2);
    vmwrite(VMCS_GUEST_PENDING_DBG, 0);
    vmwrite(VMCS_GUEST_INTR_STATE, 0);
    vmwrite(VMCS_GUEST_ACTIVITY, 0);
    vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
    vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
    vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
    vmwrite(VMCS_GUEST_DEBUGCTL, 0);
    vmwrite(VMCS_GUEST_EFER, 0);
    vmwrite(VMCS_GUEST_PAT, 0x0007040600070406ull);
    memset(&ec->regs, 0, sizeof ec->regs);
    ec->regs.rdx = 0x600;                      /* family 6, as after reset */
}

static void __attribute__((noreturn)) stop(struct ec *ec, const char *why, uint64_t code)
{
    kprintf("# %s: vCPU stopped: %s\n", ec->pd->name, why);
    ec_kill(ec, code);
    schedule();
}

/* exit_call's general path; stops the vCPU if that returns. */
static void __attribute__((noreturn, noinline)) exit_general(struct ec *ec, uint32_t reason)
{
    struct vcpu *v = ec->vcpu;
    if ((reason & 0xffff) < BH_VM_EXITS)
        ipc_vmexit(ec, v->vmm, v->exit_base + (reason & 0xffff));
    char why[64];
    snfmt(why, sizeof why, "no usable exit portal for reason %u%s", reason & 0xffff,
          reason & BH_VMEXIT_REASON_FAILED ? " (failed entry)" : "");
    stop(ec, why, 0x200 + (reason & 0xffff));
}

/* Calls the VMM's portal for this exit (the one for its basic reason);
   returns only to stop the vCPU. Inline in vcpu_exited: the fast path's
   attempt is on every exit. */
static inline __attribute__((always_inline, noreturn)) void exit_call(struct ec *ec, uint32_t reason)
{
    struct vcpu *v = ec->vcpu;
    v->st.reason = reason;
    if ((reason & 0xffff) < BH_VM_EXITS)
        fastpath_vmexit(ec, v->vmm, v->exit_base + (reason & 0xffff));
    exit_general(ec, reason);
}

/* The same, for the rare exits hv makes up (start-up, recall, failure). */
static void __attribute__((noreturn, noinline)) exit_call_rare(struct ec *ec, uint32_t reason)
{
    exit_call(ec, reason);
}

static bool vmptrld(uint64_t pa)
{
    uint8_t bad;
    __asm__ volatile("vmptrld %1; setna %0" : "=r"(bad) : "m"(pa) : "cc", "memory");
    return !bad;
}

static void vmclear(uint64_t pa)
{
    __asm__ volatile("vmclear %0" ::"m"(pa) : "cc", "memory");
}

static void flush_vpid(uint16_t vpid)
{
    if (!vpid)
        return;
    struct { uint64_t vpid, addr; } desc = { vpid, 0 };
    uint64_t type = vmx_feat.invvpid_single ? 1 : 2;
    __asm__ volatile("invvpid %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

/* The FPU registers for a guest about to run (fpu.h): its own state and
   XCR0 (which its VMM may have changed since, from any CPU), CR0.TS
   clear. Every VM entry, so no path to one can miss it. */
static inline void fpu_guest(struct percpu *p, struct ec *ec)
{
    if (p->fpu_owner != ec) {
        fpu_claim(p, ec);
        return;
    }
    if (!p->fpu_live) {                /* its state is still loaded */
        __asm__ volatile("clts" ::: "memory");
        p->fpu_live = true;
    }
    uint64_t own = fpu_get_xcr0(ec->fpu);   /* 0 = fpu_xcr0 without XSAVE */
    if (own != fpu_xcr0 || p->xcr0_narrow) {
        if (!p->xcr0_narrow || xgetbv0() != own)   /* not narrow: fpu_xcr0 */
            xsetbv0(own);
        p->xcr0_narrow = own != fpu_xcr0;
    }
}

/* The entry's rare steps, in order: a vCPU whose VMM died stops, its VMCS
   is made current here, set up the first time (the start-up exit), a
   recall exits first (showing the state as written), a new MSR bitmap
   goes in. */
static void __attribute__((noinline)) enter_rare(struct percpu *p, struct ec *ec)
{
    struct vcpu *v = ec->vcpu;
    if (v->orphaned)
        stop(ec, "its VMM went away during an exit", BH_EABORT);
    if (p->vmcs != v) {
        if (!vmptrld(v->vmcs_pa))
            stop(ec, "VMPTRLD failed", BH_EINVAL);
        p->vmcs = v;
    }
    if (v->unready) {
        vmclear(v->vmcs_pa);
        vmptrld(v->vmcs_pa);
        setup_controls(v, ec->pd);
        setup_host(ec, p);
        setup_guest(ec);
        flush_vpid(v->vpid);           /* VPIDs are reused: drop what an old owner left */
        v->unready = false;
        exit_call_rare(ec, BH_VMEXIT_STARTUP);
    }
    if (v->recall) {
        if (v->dirty)
            vmstate_write_back(v);
        v->recall = false;
        exit_call_rare(ec, BH_VMEXIT_RECALL);
    }
    if (v->msrbm_new) {
        vmwrite(VMCS_MSR_BITMAP, virt_to_phys(v->msrbm));
        v->msrbm_new = false;
    }
}

/* vcpu_enter, inline in the VM-reply fast path too. */
static inline __attribute__((always_inline, noreturn)) void enter(struct percpu *p, struct ec *ec)
{
    struct vcpu *v = ec->vcpu;
    if (__builtin_expect(v->rare || p->vmcs != v, 0))
        enter_rare(p, ec);
    if (v->dirty)
        vmstate_write_back(v);
    if (v->io_gen != mem_io_gen)       /* the VM PD's port bitmaps may have appeared */
        io_bitmaps(v, ec->pd);
    if (v->sys_pass || p->sys_guest)   /* nothing to do for most guests */
        vcpu_sysmsrs(p, v);
    vcpu_dr_enter(p, v);
    uint64_t cr3 = read_cr3();
    if (v->host_cr3 != cr3) {          /* the user tables loaded now */
        vmwrite(VMCS_HOST_CR3, cr3);
        v->host_cr3 = cr3;
    }
    fpu_guest(p, ec);
    tlb_check();
    tlb_set_in_user(1);
    bkl_unlock();
    vmx_enter(&ec->regs, v->launched);
}

void vcpu_enter(struct ec *ec)
{
    enter(this_cpu(), ec);
}

void fastpath_vmreply(struct ec *h)
{
    struct ec *c = h->caller;
    struct percpu *p = this_cpu();
    struct ksc *sc = h->donor;
    if (unlikely(c->state != EC_WAIT_REPLY || c->faulting || c->cpu != h->cpu || !sc ||
                 sc == h->sc || h->callers.head || p->resched))
        return;

    /* Point of no return. What fastpath.asm left of h's state. */
    h->regs.rsp = p->user_rsp;
    h->regs.vector = VEC_SYSCALL;
    __asm__ volatile("rdfsbase %0" : "=r"(h->fs_base));   /* vm_reply: FSGSBASE only */
    vcpu_reply_inline(c, h);
    ipc_release(h, c, sc);
    if (c->gs_base != h->gs_base)      /* KERNEL_GS_BASE holds h's (ctx_switch) */
        wrmsr(MSR_KERNEL_GS_BASE, c->gs_base);
    percpu_set_current(p, c);
    ec_reap();
    enter(p, c);
}

/* An event whose delivery the exit interrupted is delivered again at the
   next entry, unless the VMM's reply injects something else. */
static void keep_event(void)
{
    uint32_t idt = (uint32_t)vmread(VMCS_IDT_VEC);
    if (!(idt & INTR_VALID))
        return;
    vmwrite(VMCS_ENTRY_INTR, idt & ~(1u << 12));
    if (idt & INTR_HAS_ERROR)
        vmwrite(VMCS_ENTRY_ERROR, vmread(VMCS_IDT_VEC_ERROR));
    vmwrite(VMCS_ENTRY_INSN_LEN, vmread(VMCS_EXIT_INSN_LEN));
}

/* A host interrupt arrived while the guest ran: hv handles it like one
   from user mode (trap_user), and the guest never sees it. */
static void __attribute__((noreturn)) external(struct ec *ec, unsigned vec)
{
    if (vec == VEC_TLB && ec->state != EC_DEAD) {   /* answered without the lock */
        tlb_ipi();
        lapic_eoi();
        vmx_enter(&ec->regs, 1);
    }
    tlb_set_in_user(0);
    bkl_lock();
    struct trapframe tf = { .vector = vec };
    trap_dispatch(&tf);
    if (vec == VEC_TIMER)
        sched_tick();
    schedule();
}

/* The kernel-only reference path: answered without the lock, touching
   nothing but this vCPU's own registers and VMCS. */
static void __attribute__((noreturn)) hv_leaf(struct ec *ec)
{
    ec->regs.rax = 0;
    ec->regs.rbx = 0x6b6c7542;               /* "Bulk" */
    ec->regs.rcx = 0x64616568;               /* "head" */
    ec->regs.rdx = 0x5648;                   /* "HV\0\0" */
    vmwrite(VMCS_GUEST_RIP, vmread(VMCS_GUEST_RIP) + vmread(VMCS_EXIT_INSN_LEN));
    vmx_enter(&ec->regs, 1);
}


void vcpu_exited(void)
{
    struct percpu *p = this_cpu();
    struct ec *ec = p->current;
    struct vcpu *v = ec->vcpu;
    v->launched = true;
    p->tr_cut = true;
    uint32_t reason = (uint32_t)vmread(VMCS_EXIT_REASON);
    unsigned basic = reason & 0xffff;
    if (basic == VMX_EXIT_CPUID && v->hv_leaf && (uint32_t)ec->regs.rax == BH_CPUID_HV_LEAF)
        hv_leaf(ec);
    keep_event();
    if (basic == VMX_EXIT_EXT_INT)
        external(ec, (unsigned)vmread(VMCS_EXIT_INTR) & 0xff);
    if (basic == VMX_EXIT_EXC_NMI &&
        ((vmread(VMCS_EXIT_INTR) >> INTR_TYPE_SHIFT) & 7) == INTR_TYPE_NMI)
        panic_stop_this_cpu();               /* hv sends NMIs only to stop CPUs */
    tlb_set_in_user(0);
    bkl_lock();
    if (ec->state == EC_DEAD)
        schedule();
    if (basic == VMX_EXIT_PREEMPT) {         /* one-shot: the VMM re-arms it */
        v->pin &= ~PIN_PREEMPT_TIMER;
        v->exit &= ~EXIT_SAVE_PREEMPT;
        vmwrite(VMCS_PIN_CTLS, v->pin);
        vmwrite(VMCS_EXIT_CTLS, v->exit);
    }
    exit_call(ec, reason & EXIT_REASON_FAILED_ENTRY ? basic | BH_VMEXIT_REASON_FAILED : basic);
}

void vcpu_entry_failed(void)
{
    tlb_set_in_user(0);
    bkl_lock();
    struct ec *ec = this_cpu()->current;
    if (ec->state == EC_DEAD)
        schedule();
    exit_call_rare(ec, BH_VMEXIT_FAIL);
}

static void release(struct vcpu *v);

void vcpu_orphan(struct ec *c)
{
    c->vcpu->orphaned = true;
}

void vcpu_free(struct ec *ec)
{
    struct vcpu *v = ec->vcpu;
    ec->vcpu = NULL;
    ec->key_vcpu = false;
    kobj_put(&v->vmm->obj);
    ec->pd->used -= v->msrbm ? 3 : 2;  /* credited now */
    struct percpu *me = this_cpu();
    for (unsigned i = 0; i < smp_online(); i++)   /* its MSR values die with it */
        if (cpus[i].sys_owner == v)
            cpus[i].sys_owner = NULL;
    vcpu_dr_forget(v);
    if (me->vmcs == v) {
        vmclear(v->vmcs_pa);
        me->vmcs = NULL;
    }
    if (cpus[v->cpu].vmcs != v) {      /* current nowhere: free it at once */
        release(v);
        return;
    }
    v->zombie_next = zombies[v->cpu];  /* its CPU clears it (soon: woken) */
    zombies[v->cpu] = v;
    reap_wait.vcpu++;
    reap_wait_sync();
    lapic_ipi(cpus[v->cpu].apic_id, 0, VEC_IPI_WAKE, 0);
}

void vcpu_cpu_idle(void)
{
    struct percpu *p = this_cpu();
    if (!p->vmcs)
        return;
    vmclear(p->vmcs->vmcs_pa);         /* cached state to memory: freeable from anywhere */
    p->vmcs->launched = false;
    p->vmcs = NULL;
}

static void release(struct vcpu *v)
{
    kmem_free_pages(v->vmcs_pa, 1);
    if (v->msrbm)
        kmem_free_pages(virt_to_phys(v->msrbm), 1);
    kmem_free_pages(virt_to_phys(v), 1);
}

void vcpu_reap(void)
{
    struct percpu *p = this_cpu();
    struct vcpu *v;
    while ((v = zombies[p->id]) != NULL) {
        zombies[p->id] = v->zombie_next;
        reap_wait.vcpu--;
        if (!v->unready || p->vmcs == v)
            vmclear(v->vmcs_pa);
        if (p->vmcs == v)
            p->vmcs = NULL;
        release(v);
    }
    reap_wait_sync();
}
