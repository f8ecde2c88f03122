/* The root task's tiny VMM for its VT-x tests (t_vmx.c): the exit
   handlers, one local EC per CPU with a portal for each exit the guests
   make, answer each exit as vrun.mode says and log it in vrun; run_on
   makes a VM around a guest and waits until the handler ends it. */
#include "t_vmx.h"
#include <string.h>

#define GUEST_PAGE 0x7000ull      /* guest-physical page holding 0x7c00 */
#define ZERO_VA 0x7e0000002000ull   /* the guest's page 0 (its IVT) */
#define INJ_EXT(v) (0x80000000u | (v))              /* valid, external interrupt */
#define INJ_NMI (0x80000000u | 2u << 8 | 2u)
#define XMM_VMM 0x1111111111111111ull

struct vmx_run vrun;
enum bh_status large_st[10], huge_st[10];
uint64_t exit_base, exit_base1, handler_ec, last_vcpu;
static uint64_t handler_utcb, handler_utcb1;

/* The block the vmg_large guest uses: the root's VA, the guest's GPA, its size. */
static uint64_t blk_va(void) { return vrun.mode == M_HUGE ? HUGE_VA : LARGE_VA; }
static uint64_t blk_gpa(void) { return vrun.mode == M_HUGE ? HUGE_GPA : LARGE_GPA; }
static uint64_t blk_size(void) { return vrun.mode == M_HUGE ? HUGE_SIZE : LARGE_SIZE; }

static uint64_t xmm0_get(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm0, %0" : "=r"(v));
    return v;
}

static void xmm0_set(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm0" ::"r"(v));   /* hv code never uses xmm0 */
}

/* ymm0 of the root (a user PD): hv switches it with the rest of the
   XSAVE state. Plain assembler text, so the root needs no -mavx. */
static void ymm0_fill(uint8_t byte)
{
    uint8_t b[32];
    memset(b, byte, sizeof b);
    __asm__ volatile("vmovdqu %0, %%ymm0" ::"m"(b));
}

static bool ymm0_is(uint8_t byte)
{
    uint8_t b[32];
    __asm__ volatile("vmovdqu %%ymm0, %0" : "=m"(b));
    for (unsigned i = 0; i < sizeof b; i++)
        if (b[i] != byte)
            return false;
    return true;
}

static bool guest_bytes_are(uint64_t off, unsigned n, uint8_t byte)
{
    for (unsigned i = 0; i < n; i++)
        if (((volatile uint8_t *)GUEST_VA)[off + i] != byte)
            return false;
    return true;
}

static void record(uint64_t reason, uint64_t mtd, uint64_t a, uint64_t b)
{
    if (vrun.n < MAX_LOG)
        vrun.log[vrun.n] = (struct exit_rec){ reason, mtd, a, b };
    vrun.n++;
}

static uint64_t start_up(struct bh_vmstate *s)
{
    s->rip = 0x7c00;
    s->rsp = 0x7000;
    s->cs = (struct bh_vmseg){ 0, 0x9b, 0xffff, 0 };
    s->ss = (struct bh_vmseg){ 0, 0x93, 0xffff, 0 };
    if (vrun.mode == M_SPIN) {
        s->ctrl = BH_VMCTRL_PREEMPT;
        s->preempt_timer = 2000000;
        return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS | BH_MTD_CTRL;
    }
    if (vrun.mode == M_SSE)
        xmm0_set(XMM_VMM);
    if (vrun.mode == M_AVX)
        ymm0_fill(0x11);
    if (vrun.mode == M_AVX_PEEK) {   /* ebx = 1: the guest only looks */
        s->rbx = 1;
        return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS | BH_MTD_GPR_ACDB;
    }
    if (vrun.mode == M_LARGE || vrun.mode == M_HUGE) {   /* vmg_large: esi = block, edi = size */
        s->rsi = blk_gpa(), s->rdi = blk_size();
        return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS | BH_MTD_GPR_BSD;
    }
    if (vrun.mode == M_REVOKE) {     /* the guest's TSC runs 2^40 ahead */
        s->tsc_offset = 1ull << 40;
        return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS | BH_MTD_TSC;
    }
    if (!vrun.bad_start)
        return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS;
    s->cr0 = 0x80000010;         /* paging without protection: the CPU refuses it */
    s->cr2 = s->cr3 = s->cr4 = 0;
    return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS | BH_MTD_CR;
}

/* VMCALL: eax = step. Injection steps ask for the window or an NMI; the
   SSE steps check that neither side sees the other's xmm0. */
static uint64_t vmcall(struct bh_vmstate *s, uint64_t next)
{
    uint64_t step = s->rax & 0xffffffff, b = s->rbx & 0xffff;
    s->rip = next;
    if (step == 8) {              /* the guest filled xmm0 with 0xab.. */
        b = xmm0_get() == XMM_VMM;
        xmm0_set(0x2222222222222222ull);
    } else if (step == 9) {
        b = *(volatile uint64_t *)(GUEST_VA + 0xf40) == 0xababababababababull;
    }
    if (step == 10 || step == 12)   /* the LSTAR / DR6 the guest read back */
        b = s->rbx & 0xffffffff;
    if (step == 13)               /* DR6 after the breakpoint, and the #DB count */
        b = (s->rbx & 0xffffffff) | (s->rcx & 0xffff) << 32;
    if (step == 14)               /* DR1-DR3 as the guest set them */
        b = (s->rbx & 0xffffffff) == 0x11110000 && (s->rcx & 0xffffffff) == 0x2222 &&
            (s->rdx & 0xffffffff) == 0x330000;
    if (step == 16) {             /* the guest filled ymm0 with 0xcd */
        b = ymm0_is(0x11);
        ymm0_fill(0x22);
    }
    if (step == 17)
        b = guest_bytes_are(0xf40, 32, 0xcd) | (uint64_t)ymm0_is(0x22) << 1;
    if (step == 18)               /* #GP: the error code */
        b = s->rbx & 0xffffffff;
    if (step == 21)               /* XGETBV after OSXSAVE off and on */
        b = s->rbx & 0xffffffff;
    if (step == 22)               /* a thread of ours single-steps meanwhile */
        dbstep_run();
    if (step == 23)               /* the guest's DR6 after that */
        b = s->rbx & 0xffffffff;
    if (step == 19)               /* a new guest's ymm0; the handler's own */
        b = guest_bytes_are(0xf40, 32, 0) | (uint64_t)ymm0_is(0x22) << 1;
    if (step == 20)               /* the guest read the block's ends and wrote its middle */
        b = ((s->rbx & 0xffffffff) == 0x11223344) | ((s->rcx & 0xffffffff) == 0x55667788) << 1 |
            (uint64_t)(*(volatile uint32_t *)(blk_va() + blk_size() / 2) == 0x600df00d) << 2;
    if (step == 15)               /* the next guest: #DB count, DR0, DR6 */
        b = (s->rbx & 0xffff) | (uint64_t)((s->rcx & 0xffffffff) != 0) << 16 | (s->rdx & 0xffffffff) << 32;
    if (vrun.mode == M_REVOKE && step == 1)
        b = (s->rbx & 0xffffffff) >> 8;   /* edx of RDTSC: 2^40 shows as >= 1 */
    record(EXIT_VMCALL, s->mtd, step, b);
    if (vrun.mode == M_REVOKE && step == 2)  /* take the page back from the guest */
        bh_unmap(HOLE_VA, 1, 0);
    if (step == 20 && vrun.mode == M_LARGE)   /* the block leaves the guest */
        large_st[9] = bh_unmap(LARGE_VA, BH_MAP_MAX, 0);
    if (step == 20 && vrun.mode == M_HUGE)    /* unmapping one page inside takes all of it */
        huge_st[9] = bh_unmap(HUGE_VA + 0x12345000, 1, 0);
    if (step == 4) {              /* IF=0: wait for the window */
        s->ctrl = BH_VMCTRL_INTR_WINDOW;
        return BH_MTD_RIP_LEN | BH_MTD_CTRL;
    }
    if (step == 6) {
        s->inj_info = INJ_NMI;
        return BH_MTD_RIP_LEN | BH_MTD_INJ;
    }
    return BH_MTD_RIP_LEN;
}

/* MOV DR (SDM Vol. 3C, table 28-4): the guests use eax only; the
   debug registers live in the message (BH_MTD_DR), hv keeps them. */
static uint64_t mov_dr(struct bh_vmstate *s, uint64_t next)
{
    unsigned dr = s->qual & 7, reg = (s->qual >> 8) & 15;
    uint64_t *slot = dr < 4 ? &s->dr[dr] : dr == 6 ? &s->dr6 : &s->dr7;
    record(EXIT_DR, s->mtd, s->qual, reg);
    s->rip = next;
    if (s->qual & 16) {
        s->rax = *slot;
        return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN;
    }
    *slot = s->rax & 0xffffffff;
    return BH_MTD_DR | BH_MTD_RIP_LEN;
}

/* One exit; returns the MTD of what to write back. */
static uint64_t handle(uint64_t reason, struct bh_vmstate *s)
{
    uint64_t next = s->rip + s->insn_len;
    switch (reason) {
    case BH_VMEXIT_STARTUP:
        record(reason, s->mtd, s->rip, s->cs.sel);
        return start_up(s);
    case EXIT_CPUID:
        record(reason, s->mtd, s->rax, s->insn_len);
        s->rax = 0xb00c, s->rbx = s->rcx = s->rdx = 0, s->rip = next;
        if (vrun.mode == M_BADINJ) {    /* an error code in real mode: the entry fails */
            s->inj_info = 0x80000000u | 3u << 8 | 13u | 1u << 11;
            return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN | BH_MTD_INJ;
        }
        return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN;
    case EXIT_INTR_WINDOW:        /* the guest can take it now */
        record(reason, s->mtd, s->rflags, 0);
        s->inj_info = INJ_EXT(0x20), s->ctrl = 0;
        return BH_MTD_INJ | BH_MTD_CTRL;
    case EXIT_PREEMPT:
        record(reason, s->mtd, 0, 0);
        return 0;
    case BH_VMEXIT_RECALL:
        record(reason, s->mtd, 0, 0);
        bh_kill_pd(vrun.vm);
        bh_sm_up(vrun.done_sm);
        return 0;
    case EXIT_IO:
        record(reason, s->mtd, s->qual, s->rax & 0xff);
        s->rip = next;
        return BH_MTD_RIP_LEN;
    case EXIT_VMCALL:
        return vmcall(s, next);
    case EXIT_DR:
        return mov_dr(s, next);
    case EXIT_CR:                 /* MOV to CR4 (the AVX guest, eax): hv owns OSXSAVE */
        record(reason, s->mtd, s->qual, s->rax & 0xffffffff);
        if ((s->qual & 0x3f) != 4)
            return 0;             /* anything else: the guest spins on, the run times out */
        s->cr4 = s->rax & 0xffffffff, s->rip = next;
        return BH_MTD_CR | BH_MTD_RIP_LEN;
    case EXIT_XSETBV:             /* passed on unchecked: hv must refuse a bad one */
        record(reason, s->mtd, (s->rdx << 32 | (s->rax & 0xffffffff)), s->xcr0_ok);
        s->xcr0 = s->rdx << 32 | (s->rax & 0xffffffff);
        s->rip = next;
        return BH_MTD_XCR0 | BH_MTD_RIP_LEN;
    case EXIT_EPT:                /* map the missing page and retry */
        record(reason, s->mtd, s->gpa, s->qual);
        /* after the revocation: the end */
        if ((vrun.mode == M_REVOKE && vrun.n > 4) || vrun.mode == M_LARGE || vrun.mode == M_HUGE) {
            bh_kill_pd(vrun.vm);
            bh_sm_up(vrun.done_sm);
            return 0;
        }
        bh_map(vrun.vm, HOLE_VA, HOLE, 1, BH_M_R | BH_MAP_GUEST);
        return 0;
    case 31: case 32:             /* RDMSR / WRMSR that exited */
        record(reason, s->mtd, s->rcx & 0xffffffff, s->rax & 0xffffffff);
        if (reason == 31)
            s->rax = 0x5a5a, s->rdx = 0;
        s->rip = next;
        return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN;
    case EXIT_HLT:
        if (vrun.mode == M_INJECT && vrun.n == 1) {   /* the first HLT: wake it with 0x20 */
            record(reason, s->mtd, 0, 0);
            s->rip = next, s->inj_info = INJ_EXT(0x20);
            return BH_MTD_RIP_LEN | BH_MTD_INJ;
        }
        __attribute__((fallthrough));   /* the last HLT ends the guest */
    default:                      /* HLT, triple fault, failed entry: the end */
        record(reason, s->mtd, s->qual, s->rip);
        bh_kill_pd(vrun.vm);
        bh_sm_up(vrun.done_sm);
        return 0;
    }
}

/* The exit handlers: local ECs on CPU 0 and 1; each call is one exit
   (rsi = reason). */
static void __attribute__((noreturn)) vmm_loop(uint64_t utcb, uint64_t badge, uint64_t reason)
{
    struct bh_vmstate *s = (struct bh_vmstate *)((struct bh_utcb *)utcb)->mr;
    for (;;) {
        s->mtd = handle(reason, s);
        struct bh_msg m = { 0, { 0 } };
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(98);
        reason = m.w[0];
    }
}

static void vmm(uint64_t badge, uint64_t reason) { vmm_loop(handler_utcb, badge, reason); }
static void vmm1(uint64_t badge, uint64_t reason) { vmm_loop(handler_utcb1, badge, reason); }

/* The handler on cpu and its portals at *base + reason. */
static bool make_portals(unsigned cpu, uint64_t utcb, void (*fn)(uint64_t, uint64_t),
                         uint64_t *base)
{
    uint64_t ec = rt_sel();
    if (bh_create_ec(ec, SEL_PD, cpu, BH_EC_LOCAL, utcb, (uint64_t)fn, rt_stack() - 8) != BH_OK)
        return false;
    if (cpu == CPU0)
        handler_ec = ec;
    *base = rt_sel();
    for (unsigned i = 1; i < BH_VM_EXITS; i++)
        rt_sel();
    static const unsigned used[] = { BH_VMEXIT_STARTUP, BH_VMEXIT_FAIL, BH_VMEXIT_RECALL,
                                     EXIT_CPUID, EXIT_HLT, EXIT_VMCALL, EXIT_IO, EXIT_EPT,
                                     EXIT_TRIPLE, EXIT_BAD_GUEST, EXIT_INTR_WINDOW, EXIT_PREEMPT,
                                     31, 32, EXIT_DR, EXIT_XSETBV, EXIT_CR };
    for (unsigned i = 0; i < sizeof used / sizeof used[0]; i++) {
        uint64_t mtd = used[i] == EXIT_CPUID ? BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN : BH_MTD_ALL;
        if (bh_create_pt_mtd(*base + used[i], SEL_PD, ec, used[i], mtd) != BH_OK)
            return false;
    }
    return true;
}

enum bh_status vmm_start(void)
{
    handler_utcb = rt_utcb();
    handler_utcb1 = rt_utcb();
    bool two = rt_cpus() > 1;
    return make_portals(CPU0, handler_utcb, vmm, &exit_base) &&
           (!two || make_portals(CPU1, handler_utcb1, vmm1, &exit_base1)) ? BH_OK : BH_EINVAL;
}

/* The 2 MiB requests the kernel must refuse, then the block at LARGE_GPA
   (one EPT leaf), then a single page inside it. */
static enum bh_status large_requests(uint64_t vm)
{
    large_st[0] = bh_map(vm, LARGE_VA + 0x1000, LARGE_GPA, BH_MAP_MAX, LARGE_MAP);
    large_st[1] = bh_map(vm, LARGE_VA, LARGE_GPA + 0x1000, BH_MAP_MAX, LARGE_MAP);
    large_st[2] = bh_map(vm, LARGE_VA, LARGE_GPA, 256, LARGE_MAP);
    large_st[3] = bh_map(vm, GUEST_VA, 2 * LARGE_GPA, BH_MAP_MAX, LARGE_MAP);
    large_st[4] = bh_map(vm, LARGE_VA + 0x5000, HOLE, 1, BH_M_R | BH_MAP_GUEST);
    large_st[5] = bh_map(vm, LARGE_VA, 0, BH_MAP_MAX, LARGE_MAP);
    large_st[6] = bh_map(vm, 0, 2 * LARGE_GPA, BH_MAP_MAX, LARGE_MAP | BH_M_W | BH_MAP_FRESH);
    large_st[7] = bh_map(SEL_PD, 0, LARGE_VA + 0x201000, BH_MAP_MAX,
                         BH_M_R | BH_M_W | BH_MAP_FRESH | BH_MAP_2M);
    enum bh_status s = bh_map(vm, LARGE_VA, LARGE_GPA, BH_MAP_MAX, LARGE_MAP | BH_M_W | BH_M_X);
    large_st[8] = bh_map(vm, GUEST_VA + 0x1000, LARGE_GPA + 0x1000, 1, BH_M_R | BH_MAP_GUEST);
    return s;
}

/* The 1 GiB requests the kernel must refuse, then the block at HUGE_GPA
   (one EPT leaf), then a single page inside it. */
static enum bh_status huge_requests(uint64_t vm)
{
    huge_st[0] = bh_map(vm, HUGE_VA + LARGE_SIZE, HUGE_GPA, BH_MAP_1G_PAGES, HUGE_MAP);
    huge_st[1] = bh_map(vm, HUGE_VA, HUGE_GPA + LARGE_SIZE, BH_MAP_1G_PAGES, HUGE_MAP);
    huge_st[2] = bh_map(vm, HUGE_VA, HUGE_GPA, BH_MAP_MAX, HUGE_MAP);
    huge_st[3] = bh_map(vm, HUGE_VA, HUGE_GPA, BH_MAP_1G_PAGES, HUGE_MAP | BH_MAP_2M);
    huge_st[4] = bh_map(vm, GUEST_VA, 2 * HUGE_GPA, BH_MAP_1G_PAGES, HUGE_MAP);
    huge_st[5] = bh_map(vm, HUGE_VA, 2 * HUGE_GPA, BH_MAP_MAX, LARGE_MAP);
    huge_st[6] = bh_map(vm, HUGE_VA, 0, BH_MAP_1G_PAGES, HUGE_MAP);
    huge_st[7] = bh_map(vm, 0, 2 * HUGE_GPA, BH_MAP_1G_PAGES, HUGE_FRESH | BH_MAP_GUEST);
    enum bh_status s = bh_map(vm, HUGE_VA, HUGE_GPA, BH_MAP_1G_PAGES, HUGE_MAP | BH_M_W | BH_M_X);
    huge_st[8] = bh_map(vm, GUEST_VA + 0x1000, HUGE_GPA + 0x1000, 1, BH_M_R | BH_MAP_GUEST);
    return s;
}

bool run_on(unsigned cpu, const uint8_t *code, size_t len, uint64_t portals, const char *what)
{
    uint64_t vm = rt_sel(), vcpu = rt_sel(), sc = rt_sel(), death = rt_sel();
    last_vcpu = vcpu;
    memset(&vrun.log, 0, sizeof vrun.log);
    vrun.n = 0;
    vrun.vm = vm;
    memset((void *)GUEST_VA, 0xf4, 4096);              /* hlt everywhere else */
    memcpy((void *)(GUEST_VA + 0xc00), code, len);
    enum bh_status s = bh_create_sm(death, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_pd(vm, SEL_PD, 64 | BH_PD_VM, 64, death);
    if (s == BH_OK)
        s = bh_map(vm, GUEST_VA, GUEST_PAGE, 1, BH_M_R | BH_M_W | BH_M_X | BH_MAP_GUEST);
    if (s == BH_OK)
        s = bh_map(vm, ZERO_VA, 0, 1, BH_M_R | BH_M_W | BH_MAP_GUEST);
    if (s == BH_OK)
        s = bh_create_vcpu(vcpu, vm, cpu, SEL_PD, portals);
    if (s == BH_OK && vrun.mode == M_LARGE)
        s = large_requests(vm);
    if (s == BH_OK && vrun.mode == M_HUGE)
        s = huge_requests(vm);
    if (s == BH_OK && vrun.mode == M_LSTAR)  /* the guest's own SYSCALL entry point */
        s = (enum bh_status)bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_MSR, 0xc0000082, 0,
                                        BH_VCPU_MSR_R | BH_VCPU_MSR_W, 0);
    if (s == BH_OK)
        s = bh_create_sc(sc, SEL_PD, vcpu, 10, 10000, 10000);
    if (s != BH_OK) {
        bh_tap(false, "vmx: %s: set up a VM (status %d)", what, s);
        return false;
    }
    if (vrun.mode == M_SPIN) {       /* let it spin, then recall it from here */
        bh_sm_down(death, 100000);
        bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_RECALL, 0, 0, 0, 0) == BH_OK,
               "vmx: recall the spinning vCPU on cpu %u from cpu 0", cpu);
    }
    /* A vCPU without exit portals never reaches a handler: no done to
       wait for (waiting would only burn the 30 s timeout). */
    bool done = (portals != exit_base && portals != exit_base1) ||
                bh_sm_down(vrun.done_sm, 30000000) == BH_OK;
    bool dead = bh_sm_down(death, 10000000) == BH_OK;
    if (!done || !dead) {
        bh_kill_pd(vm);
        for (unsigned i = 0; i < vrun.n && i < MAX_LOG; i++)
            bh_printf("# vmx: %s: exit %u: reason %lu mtd %lx a %lx b %lx\n", what, i,
                      vrun.log[i].reason, vrun.log[i].mtd, vrun.log[i].a, vrun.log[i].b);
    }
    bh_tap(done && dead, "vmx: %s: the guest ran and its VM ended (%u exits)", what, vrun.n);
    return done && dead;
}
