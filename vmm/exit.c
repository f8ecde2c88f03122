/* Exit dispatch: one handler per basic exit reason (a table with
   designated initializers), the MTD each exit portal asks for, and the
   small exits (CPUID, control and debug registers, VMCALL, the end). */
#include "vmm.h"
#include "lib/fmt.h"
#include <bh/io.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* What the frequent instruction exits carry: their registers and RIP.
   Every other exit also carries what decides whether an interrupt can
   go in (irq.c); after a lean exit the pump asks for a window instead. */
#define MTD_LEAN (BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN)
#define MTD_BASE (MTD_LEAN | BH_MTD_RFLAGS | BH_MTD_STATE | BH_MTD_INJ)
#define MTD_GPRS (BH_MTD_GPR_ACDB | BH_MTD_GPR_BSD | BH_MTD_GPR_R8_R15 | BH_MTD_RSP)
#define MTD_MODE (BH_MTD_CS_SS | BH_MTD_CR | BH_MTD_EFER_PAT)


#define GPR(r) (uint8_t)(offsetof(struct bh_vmstate, r) / 8)
uint64_t *gpr(struct bh_vmstate *s, unsigned i)
{
    static const uint8_t word[16] = { GPR(rax), GPR(rcx), GPR(rdx), GPR(rbx), GPR(rsp), GPR(rbp),
                                      GPR(rsi), GPR(rdi), GPR(r8),  GPR(r9),  GPR(r10), GPR(r11),
                                      GPR(r12), GPR(r13), GPR(r14), GPR(r15) };
    return (uint64_t *)s + word[i & 15];
}

uint64_t gpr_mtd(unsigned i)
{
    i &= 15;
    return i < 4 ? BH_MTD_GPR_ACDB : i == 4 ? BH_MTD_RSP : i < 8 ? BH_MTD_GPR_BSD : BH_MTD_GPR_R8_R15;
}

/* Exceptions go in as hardware exceptions; in real mode without an
   error code (SDM Vol. 3C, 26.2.1.3). */
void inject_exc(struct vexit *x, unsigned vec, bool has_error, uint32_t error)
{
    struct bh_vmstate *s = x->s;
    bool real = (s->mtd & BH_MTD_CR) && !(s->cr0 & CR0_PE);   /* without CR: protected */
    s->inj_info = INJ_VALID | INJ_HW_EXC | vec | (has_error && !real ? INJ_ERRCODE : 0);
    s->inj_error = error;
    x->out |= BH_MTD_INJ;
    x->injecting = true;
    vm.injected_exc++;
}

void vm_stop(struct vexit *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnfmt(vm.why, sizeof vm.why, fmt, ap);
    va_end(ap);
    if (vm.end == VM_RUNNING)
        vm.end = VM_STOPPED;
    x->stop = true;
}

static void ex_startup(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    static const struct bh_vmseg data = { 0, 0x93, 0xffff, 0 };
    s->rip = GUEST_LOAD;                 /* 0000:7C00, DL = 0x80 (guests/README.md) */
    s->cs = (struct bh_vmseg){ 0, 0x9b, 0xffff, 0 };
    s->ss = s->ds = s->es = s->fs = s->gs = data;
    s->rdx = 0x80;
    s->rax = s->rbx = s->rcx = 0;
    s->rsp = GUEST_LOAD;
    s->rflags = 2;
    vm.irq_touched = true;
    x->out |= BH_MTD_RIP_LEN | BH_MTD_CS_SS | BH_MTD_DS_ES | BH_MTD_FS_GS | BH_MTD_GPR_ACDB |
              BH_MTD_RSP | BH_MTD_RFLAGS;
}

static void cpuid_answer(struct vexit *x, const uint32_t r[4])
{
    struct bh_vmstate *s = x->s;
    s->rax = r[0], s->rbx = r[1], s->rcx = r[2], s->rdx = r[3];
    x->out |= BH_MTD_GPR_ACDB;
    skip_insn(x);
}

static void __attribute__((noinline)) ex_cpuid_slow(struct vexit *x)
{
    uint32_t r[4];
    cpuid_guest((uint32_t)x->s->rax, (uint32_t)x->s->rcx, r);
    cpuid_answer(x, r);
}

/* Most leaves from the table (cpuid.h), with no stack frame. */
static void ex_cpuid(struct vexit *x)
{
    const uint32_t *r = cpuid_cached((uint32_t)x->s->rax);
    if (!r) {
        ex_cpuid_slow(x);
        return;
    }
    cpuid_answer(x, r);
}

/* Windows, the preemption timer: the pump does the work, in full. */
static void ex_pump(struct vexit *x)
{
    (void)x;
    vm.irq_touched = true;
}

static void ex_skip(struct vexit *x) { skip_insn(x); }  /* INVD, WBINVD: no caches to flush */

static void ex_ud(struct vexit *x) { inject_exc(x, VEC_UD, false, 0); }

static void ex_gp(struct vexit *x) { inject_exc(x, VEC_GP, true, 0); }

static void ex_triple(struct vexit *x)
{
    vm_stop(x, "the guest triple-faulted (rip 0x%lx, cr0 0x%lx)", x->s->rip, x->s->cr0);
}

static void ex_failed(struct vexit *x)
{
    vm_stop(x, "VM entry failed (exit reason 0x%lx, qualification 0x%lx, rip 0x%lx)", x->reason,
            x->s->qual, x->s->rip);
}

static void ex_unexpected(struct vexit *x)
{
    vm_stop(x, "unexpected exit reason %lu (qualification 0x%lx, rip 0x%lx)", x->reason & 0xffff,
            x->s->qual, x->s->rip);
}

/* Exceptions only reach the VMM if the exception bitmap asks (it does
   not): give them back to the guest. */
static void ex_exception(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    if (!(s->exit_intr_info & INJ_VALID)) {
        ex_unexpected(x);
        return;
    }
    s->inj_info = (uint32_t)s->exit_intr_info & (INJ_VALID | 0x7ff);
    s->inj_error = s->exit_intr_error;
    x->out |= BH_MTD_INJ;
    x->injecting = true;
}

static uint64_t cr_read(struct bh_vmstate *s, unsigned cr)
{
    switch (cr) {
    case 0: return s->cr0;
    case 3: return s->cr3;
    case 4: return s->cr4;
    case 8: return vm.lapic.tpr >> 4;
    default: return 0;
    }
}

/* CR0 changes the CPU lets through without an exit need nothing here;
   one that exits (it touches a bit hv owns) is done as the CPU would:
   paging on with EFER.LME makes LMA (SDM Vol. 3A, 9.8.5). */
static void cr0_write(struct vexit *x, uint64_t v)
{
    struct bh_vmstate *s = x->s;
    if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) ||
        ((v & CR0_PG) && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))) {
        inject_exc(x, VEC_GP, true, 0);
        return;
    }
    uint64_t efer = s->efer;
    if ((v & CR0_PG) && !(s->cr0 & CR0_PG) && (efer & EFER_LME))
        efer |= EFER_LMA;
    if (!(v & CR0_PG))
        efer &= ~EFER_LMA;
    s->cr0 = v;
    x->out |= BH_MTD_CR;
    if (efer != s->efer) {
        s->efer = efer;
        x->out |= BH_MTD_EFER_PAT;
    }
    skip_insn(x);
}

/* MOV to or from a control register, CLTS, LMSW (SDM Vol. 3C, table 27-3). */
static void ex_cr(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    unsigned cr = s->qual & 15, type = (s->qual >> 4) & 3, reg = (s->qual >> 8) & 15;
    uint64_t v = *gpr(s, reg);
    switch (type) {
    case 0:                                  /* MOV to CR */
        if (cr == 0) {
            cr0_write(x, v);
        } else if (cr == 4) {
            s->cr4 = v;
            x->out |= BH_MTD_CR;
            skip_insn(x);
        } else if (cr == 3) {
            s->cr3 = v;
            x->out |= BH_MTD_CR;
            skip_insn(x);
        } else if (cr == 8) {
            irq_touch();
            vm.lapic.tpr = (uint32_t)(v & 15) << 4;
            skip_insn(x);
        } else {
            inject_exc(x, VEC_UD, false, 0);
        }
        return;
    case 1:                                  /* MOV from CR */
        *gpr(s, reg) = cr_read(s, cr);
        x->out |= gpr_mtd(reg);
        skip_insn(x);
        return;
    case 2:                                  /* CLTS */
        s->cr0 &= ~CR0_TS;
        x->out |= BH_MTD_CR;
        skip_insn(x);
        return;
    default: {                               /* LMSW: sets PE, never clears it */
        uint64_t src = (s->qual >> 16) & 0xf;
        cr0_write(x, (s->cr0 & ~0xeull) | (src & 0xe) | ((s->cr0 | src) & CR0_PE));
        return;
    }
    }
}

/* MOV to or from a debug register (SDM Vol. 3C, table 27-4). All of them
   travel in the message (BH_MTD_DR); hv loads the guest's into the
   hardware while it runs, so its breakpoints fire, and keeps DR6's fixed
   bits. */
static void ex_dr(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    unsigned dr = s->qual & 7, reg = (s->qual >> 8) & 15;
    bool from = s->qual & 16;
    if (dr == 4 || dr == 5)
        dr += 2;                             /* aliases of 6 and 7 (CR4.DE clear) */
    uint64_t *slot = dr < 4 ? &s->dr[dr] : dr == 6 ? &s->dr6 : &s->dr7;
    if (from) {
        *gpr(s, reg) = *slot;
        x->out |= gpr_mtd(reg);
    } else {
        *slot = *gpr(s, reg);
        if (dr == 7)
            s->dr7 = (s->dr7 & 0xffffffffull & ~0xd000ull) | 0x400;
        if (dr == 6)
            s->dr6 &= 0xffffffffull;
        x->out |= BH_MTD_DR;
    }
    skip_insn(x);
}

/* Hypercalls (vmm/README.md): rax = function, from CPL 0 only.
   0: information: rax = 0, rbx = "BHVM", rcx = 1 (version), rdx = RAM bytes.
   1: exit: rbx = status, as OUT to port 0xf4.
   Anything else, or from CPL > 0: rax = ~0. */
static void ex_vmcall(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    unsigned cpl = (s->ss.ar >> 5) & 3;
    skip_insn(x);
    x->out |= BH_MTD_GPR_ACDB;
    if (cpl != 0) {
        s->rax = ~0ull;
        return;
    }
    switch (s->rax) {
    case 0:
        s->rax = 0, s->rbx = 0x4d564842, s->rcx = 1, s->rdx = vm.ram_size;
        break;
    case 1:
        vm.exit_status = (uint32_t)s->rbx;
        vm.end = VM_EXITED;
        bh_printf("# vmm %s: guest exited with status %lu (hypercall)\n", vm.name, vm.exit_status);
        vm_stop(x, "the guest exited (hypercall)");
        break;
    default:
        s->rax = ~0ull;
    }
}

/* XSETBV: CPUID offers no XSAVE (hv switches only the SSE state), so the
   instruction is undefined for the guest. */
static void ex_xsetbv(struct vexit *x) { inject_exc(x, VEC_UD, false, 0); }

const exit_fn vmm_handlers[BH_VM_EXITS] = {
    [EXIT_EXC_NMI] = ex_exception,
    [EXIT_TRIPLE] = ex_triple,
    [EXIT_INIT] = ex_pump,                  /* there is no other CPU to send one */
    [EXIT_SIPI] = ex_pump,
    [EXIT_INTR_WINDOW] = ex_pump,
    [EXIT_NMI_WINDOW] = ex_pump,
    [EXIT_TASK_SWITCH] = ex_unexpected,
    [EXIT_CPUID] = ex_cpuid,
    [EXIT_GETSEC] = ex_ud,
    [EXIT_HLT] = ex_hlt,
    [EXIT_INVD] = ex_skip,
    [EXIT_INVLPG] = ex_skip,
    [EXIT_RDPMC] = ex_gp,                   /* no performance counters */
    [EXIT_RSM] = ex_ud,
    [EXIT_VMCALL] = ex_vmcall,
    [19] = ex_ud, [20] = ex_ud, [21] = ex_ud, [22] = ex_ud, [23] = ex_ud, [24] = ex_ud,
    [25] = ex_ud, [26] = ex_ud, [EXIT_VMXON] = ex_ud,   /* VMX instructions: no nested VMX */
    [EXIT_CR] = ex_cr,
    [EXIT_DR] = ex_dr,
    [EXIT_IO] = ex_io,
    [EXIT_RDMSR] = ex_rdmsr,
    [EXIT_WRMSR] = ex_wrmsr,
    [EXIT_BAD_GUEST] = ex_failed,
    [EXIT_BAD_MSR_LOAD] = ex_failed,
    [EXIT_MWAIT] = ex_ud,                   /* CPUID offers no MONITOR/MWAIT */
    [EXIT_MONITOR] = ex_ud,
    [EXIT_PAUSE] = ex_skip,
    [EXIT_BAD_MCE] = ex_failed,
    [EXIT_EPT_VIOLATION] = ex_ept,
    [EXIT_EPT_MISCONFIG] = ex_unexpected,
    [EXIT_INVEPT] = ex_ud,
    [EXIT_PREEMPT] = ex_pump,
    [EXIT_INVVPID] = ex_ud,
    [EXIT_WBINVD] = ex_skip,
    [EXIT_XSETBV] = ex_xsetbv,
    [EXIT_VMFUNC] = ex_ud,
    [BH_VMEXIT_FAIL] = ex_failed,
    [BH_VMEXIT_STARTUP] = ex_startup,
    [BH_VMEXIT_RECALL] = ex_pump,           /* a passed-through device's message (passthru.c) */
};

/* The guest state each portal carries (BH_SYS_CREATE_PT's MTD). */
void exit_portals(uint64_t *mtd)
{
    for (unsigned r = 0; r < BH_VM_EXITS; r++)
        mtd[r] = vmm_handlers[r] ? MTD_BASE | BH_MTD_QUAL | BH_MTD_CR : 0;
    mtd[EXIT_IO] = MTD_LEAN | BH_MTD_QUAL;
    mtd[EXIT_CPUID] = MTD_LEAN;
    mtd[EXIT_HLT] = MTD_BASE;
    mtd[EXIT_PREEMPT] = MTD_BASE;
    mtd[EXIT_INTR_WINDOW] = MTD_BASE;
    mtd[BH_VMEXIT_RECALL] = MTD_BASE;
    mtd[EXIT_RDMSR] = mtd[EXIT_WRMSR] =
        MTD_LEAN | BH_MTD_CR | BH_MTD_EFER_PAT | BH_MTD_SYSENTER | BH_MTD_TSC;
    mtd[EXIT_EPT_VIOLATION] = MTD_BASE | MTD_GPRS | MTD_MODE | BH_MTD_QUAL;
    mtd[EXIT_CR] = MTD_BASE | MTD_GPRS | MTD_MODE | BH_MTD_QUAL;
    mtd[EXIT_DR] = MTD_BASE | MTD_GPRS | BH_MTD_QUAL | BH_MTD_DR | BH_MTD_CR;
    mtd[EXIT_VMCALL] = MTD_LEAN | BH_MTD_CS_SS;
    mtd[EXIT_EXC_NMI] = MTD_BASE | BH_MTD_QUAL | BH_MTD_CR;
    mtd[EXIT_TRIPLE] = mtd[EXIT_BAD_GUEST] = mtd[EXIT_BAD_MSR_LOAD] = mtd[EXIT_BAD_MCE] =
        mtd[BH_VMEXIT_FAIL] = mtd[EXIT_TASK_SWITCH] = mtd[EXIT_EPT_MISCONFIG] = BH_MTD_ALL;
    mtd[BH_VMEXIT_STARTUP] = BH_MTD_ALL;
}

static volatile uintptr_t null_page;

void vmm_crash_now(uint64_t basic)
{
    bh_printf("# vmm %s: crash-after=%lu: faulting on purpose at exit %lu (reason %lu)\n",
              vm.name, vm.args.crash_after, vm.exits, basic);
    *(volatile uint64_t *)null_page = 1;
}

void vmm_handle_rare(struct vexit *x)
{
    uint64_t basic = x->reason & 0xffff;
    if (basic < BH_VM_EXITS)
        vm.by_reason[basic]++;
    if (vm.exits - 1 >= vm.args.crash_after - 1)   /* crash_after 0: never */
        vmm_crash_now(basic);
    (x->reason & BH_VMEXIT_REASON_FAILED ? ex_failed : ex_unexpected)(x);
}
