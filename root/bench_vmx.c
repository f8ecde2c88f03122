/* The VM-exit benchmark (make bench, Bochs): a real-mode guest
   (vmg_bench in root/vmguests.asm) times batches of exits with RDTSC, the
   way kvm-unit-tests' vmexit test does, and reports each batch by VMCALL;
   the root task is its VMM. Each path's figure is ticks per operation with
   the loop's own cost (path "loop") subtracted, so in Bochs, whose TSC
   counts executed instructions, it is the instructions one exit round
   trip costs: the guest's exiting instruction, hv, and the VMM. */
#include "rt.h"
#include <string.h>

extern const uint8_t vmg_bench[], vmg_bench_end[];

#define PATHS 6
#define BATCH 16u                 /* as in vmguests.asm */
#define BATCHES 41u
#define GUEST_VA 0x7e0000010000ull
#define GUEST_PAGE 0x7000ull

static const char *const path_name[PATHS] = {
    "loop", "cpuid-vmm", "cpuid-hv", "vmcall-vmm", "pio-vmm", "rdmsr-vmm",
};

static struct {
    uint64_t vm, done_sm;
    unsigned n[PATHS];
    uint32_t ticks[PATHS][BATCHES];
    bool bad;
} b;
static uint64_t bench_utcb;

static uint64_t on_vmcall(struct bh_vmstate *s)
{
    unsigned p = (unsigned)(s->rax - 0x100);
    if (s->rax == 0x1ff)
        return 0;
    if (p < PATHS && b.n[p] < BATCHES)
        b.ticks[p][b.n[p]++] = (uint32_t)s->rbx;
    else if (s->rax != 0)
        b.bad = true;
    return 0;
}

static uint64_t handle(uint64_t reason, struct bh_vmstate *s)
{
    uint64_t next = s->rip + s->insn_len;
    switch (reason) {
    case BH_VMEXIT_STARTUP:
        s->rip = 0x7c00;
        s->cs = (struct bh_vmseg){ 0, 0x9b, 0xffff, 0 };
        s->ctrl = BH_VMCTRL_HV_LEAF;
        return BH_MTD_RIP_LEN | BH_MTD_CS_SS | BH_MTD_CTRL;
    case 10:                                   /* CPUID */
        s->rax = 0, s->rbx = 0x6b6c7542, s->rcx = 0x64616568, s->rdx = 0x4d4d56;
        s->rip = next;
        return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN;
    case 18:                                   /* VMCALL */
        on_vmcall(s);
        s->rip = next;
        return BH_MTD_RIP_LEN;
    case 30:                                   /* port I/O: a sink at 0x80 */
        s->rip = next;
        return BH_MTD_RIP_LEN;
    case 31:                                   /* RDMSR */
        s->rax = 0, s->rdx = 0, s->rip = next;
        return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN;
    default:                                   /* HLT at the end, or trouble */
        if (reason != 12)
            b.bad = true;
        bh_kill_pd(b.vm);
        bh_sm_up(b.done_sm);
        return 0;
    }
}

static void vmm(uint64_t badge, uint64_t reason)
{
    struct bh_vmstate *s = (struct bh_vmstate *)((struct bh_utcb *)bench_utcb)->mr;
    for (;;) {
        s->mtd = handle(reason, s);
        struct bh_msg m = { 0, { 0 } };
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(97);
        reason = m.w[0];
    }
}

/* Exit portals with the least state each path needs. */
static bool portals(uint64_t *base)
{
    static const struct { unsigned reason; uint64_t mtd; } p[] = {
        { BH_VMEXIT_STARTUP, BH_MTD_ALL },
        { 10, BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN },
        { 18, BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN },
        { 30, BH_MTD_RIP_LEN },
        { 31, BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN },
        { 12, BH_MTD_RIP_LEN }, { 2, BH_MTD_ALL }, { 33, BH_MTD_ALL }, { 48, BH_MTD_ALL },
        { BH_VMEXIT_FAIL, BH_MTD_ALL },
    };
    uint64_t ec = rt_sel();
    bench_utcb = rt_utcb();
    if (bh_create_ec(ec, SEL_PD, CPU0, BH_EC_LOCAL, bench_utcb, (uint64_t)vmm, rt_stack() - 8) != BH_OK)
        return false;
    *base = rt_sel();
    for (unsigned i = 1; i < BH_VM_EXITS; i++)
        rt_sel();
    for (unsigned i = 0; i < sizeof p / sizeof p[0]; i++)
        if (bh_create_pt_mtd(*base + p[i].reason, SEL_PD, ec, p[i].reason, p[i].mtd) != BH_OK)
            return false;
    return true;
}

static void sort32(uint32_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint32_t t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
}

/* Per-operation figures of path p from its batches (the first one, cold,
   left out), minus the loop's own median. */
static void report(unsigned p, uint32_t loop)
{
    uint32_t *v = &b.ticks[p][1];
    unsigned n = b.n[p] - 1;
    for (unsigned i = 0; i < n; i++)
        v[i] /= BATCH;
    sort32(v, n);
    uint32_t base = p ? loop : 0;
    bh_printf("# bench: vmexit %s min=%u median=%u p99=%u ticks\n", path_name[p], v[0] - base,
              v[n / 2] - base, v[(n * 99) / 100] - base);
}

void bench_vmx(void)
{
    uint64_t base, sm = rt_sel(), vm = rt_sel(), vcpu = rt_sel(), sc = rt_sel();
    enum bh_status s = bh_create_sm(sm, SEL_PD, 0);
    if (s == BH_OK)
        s = portals(&base) ? BH_OK : BH_EINVAL;
    if (s == BH_OK && (s = bh_create_pd(vm, SEL_PD, 64 | BH_PD_VM, 64, BH_SEL_NONE)) == BH_ENOTSUP) {
        bh_printf("# bench: no VMX on this CPU: no VM-exit figures\n");
        return;
    }
    if (s == BH_OK)
        s = bh_map(SEL_PD, 0, GUEST_VA, 1, BH_M_R | BH_M_W | BH_M_X | BH_MAP_FRESH);
    if (s == BH_OK) {
        memcpy((void *)(GUEST_VA + 0xc00), vmg_bench, (size_t)(vmg_bench_end - vmg_bench));
        s = bh_map(vm, GUEST_VA, GUEST_PAGE, 1, BH_M_R | BH_M_W | BH_M_X | BH_MAP_GUEST);
    }
    b.vm = vm, b.done_sm = sm;
    if (s == BH_OK)
        s = bh_create_vcpu(vcpu, vm, CPU0, SEL_PD, base);
    if (s == BH_OK)
        s = bh_create_sc(sc, SEL_PD, vcpu, 10, 100000, 100000);
    if (s == BH_OK)
        s = bh_sm_down(sm, 60000000);
    bool all = s == BH_OK && !b.bad;
    for (unsigned p = 0; p < PATHS; p++)
        all = all && b.n[p] == BATCHES;
    bh_tap(all, "bench: the VM-exit benchmark guest ran every path (status %d)", s);
    if (!all)
        return;
    report(0, 0);
    uint32_t loop = b.ticks[0][1 + (BATCHES - 1) / 2];
    for (unsigned p = 1; p < PATHS; p++)
        report(p, loop);
}
