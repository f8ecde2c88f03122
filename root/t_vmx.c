/* In-system tests of VT-x: the root task acts as a tiny VMM. It makes a VM
   PD, gives it guest memory, binds exit portals and runs a vCPU through
   tiny real-mode guests (root/vmguests.asm), checking each exit that
   arrives as a message, the state it carries and what the reply writes
   back; then the bad cases: bad arguments, a guest that triple-faults, a
   start-up state the CPU refuses, and a vCPU with no exit portals. Without
   VMX only the refusals are checked. */
#include "rt.h"
#include <string.h>

extern const uint8_t vmg_basic[], vmg_basic_end[], vmg_triple[], vmg_triple_end[];

#define GUEST_PAGE 0x7000ull      /* guest-physical page holding 0x7c00 */
#define HOLE 0x9000ull            /* mapped only when the guest touches it */
#define GUEST_VA 0x7e0000000000ull   /* the root's view of the guest page */
#define HOLE_VA 0x7e0000001000ull   /* and of the page that fills the hole */
#define HOLE_VALUE 0x4242u
#define MAX_LOG 16
#define EXIT_CPUID 10u
#define EXIT_HLT 12u
#define EXIT_VMCALL 18u
#define EXIT_IO 30u
#define EXIT_EPT 48u
#define EXIT_TRIPLE 2u
#define EXIT_BAD_GUEST 33u

struct exit_rec { uint64_t reason, mtd, a, b; };

static struct {
    uint64_t vm, done_sm;
    bool bad_start;              /* start-up reply with a state the CPU refuses */
    unsigned n;
    struct exit_rec log[MAX_LOG];
} t;
static uint64_t handler_utcb;

static void record(uint64_t reason, uint64_t mtd, uint64_t a, uint64_t b)
{
    if (t.n < MAX_LOG)
        t.log[t.n] = (struct exit_rec){ reason, mtd, a, b };
    t.n++;
}

static uint64_t start_up(struct bh_vmstate *s)
{
    s->rip = 0x7c00;
    s->rsp = 0x7000;
    s->cs = (struct bh_vmseg){ 0, 0x9b, 0xffff, 0 };
    s->ss = (struct bh_vmseg){ 0, 0x93, 0xffff, 0 };
    if (!t.bad_start)
        return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS;
    s->cr0 = 0x80000010;         /* paging without protection: the CPU refuses it */
    s->cr2 = s->cr3 = s->cr4 = 0;
    return BH_MTD_RIP_LEN | BH_MTD_RSP | BH_MTD_CS_SS | BH_MTD_CR;
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
        return BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN;
    case EXIT_IO:
        record(reason, s->mtd, s->qual, s->rax & 0xff);
        s->rip = next;
        return BH_MTD_RIP_LEN;
    case EXIT_VMCALL:
        record(reason, s->mtd, s->rax, s->rbx & 0xffff);
        s->rip = next;
        return BH_MTD_RIP_LEN;
    case EXIT_EPT:                /* map the missing page and retry */
        record(reason, s->mtd, s->gpa, s->qual);
        bh_map(t.vm, HOLE_VA, HOLE, 1, BH_M_R | BH_MAP_GUEST);
        return 0;
    default:                      /* HLT, triple fault, failed entry: the end */
        record(reason, s->mtd, s->qual, s->rip);
        bh_kill_pd(t.vm);
        bh_sm_up(t.done_sm);
        return 0;
    }
}

/* The exit handler: a local EC; each call is one exit (rsi = reason). */
static void vmm(uint64_t badge, uint64_t reason)
{
    struct bh_vmstate *s = (struct bh_vmstate *)((struct bh_utcb *)handler_utcb)->mr;
    for (;;) {
        s->mtd = handle(reason, s);
        struct bh_msg m = { 0, { 0 } };
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(98);
        reason = m.w[0];
    }
}

/* The handler and its portals at base + reason (one portal per exit the
   guests make; the rest of the 128 stay empty). */
static uint64_t exit_base, handler_ec;

static bool make_portals(void)
{
    handler_utcb = rt_utcb();
    handler_ec = rt_sel();
    if (bh_create_ec(handler_ec, SEL_PD, CPU0, BH_EC_LOCAL, handler_utcb, (uint64_t)vmm,
                     rt_stack() - 8) != BH_OK)
        return false;
    exit_base = rt_sel();
    for (unsigned i = 1; i < BH_VM_EXITS; i++)
        rt_sel();
    static const unsigned used[] = { BH_VMEXIT_STARTUP, BH_VMEXIT_FAIL, EXIT_CPUID, EXIT_HLT,
                                     EXIT_VMCALL, EXIT_IO, EXIT_EPT, EXIT_TRIPLE, EXIT_BAD_GUEST };
    for (unsigned i = 0; i < sizeof used / sizeof used[0]; i++) {
        uint64_t mtd = used[i] == EXIT_CPUID ? BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN : BH_MTD_ALL;
        if (bh_create_pt_mtd(exit_base + used[i], SEL_PD, handler_ec, used[i], mtd) != BH_OK)
            return false;
    }
    return true;
}

/* A VM with the guest code at 0x7c00, run until the handler ends it. */
static bool run_guest(const uint8_t *code, size_t len, uint64_t portals, const char *what)
{
    uint64_t vm = rt_sel(), vcpu = rt_sel(), sc = rt_sel(), death = rt_sel();
    memset(&t.log, 0, sizeof t.log);
    t.n = 0;
    t.vm = vm;
    memset((void *)GUEST_VA, 0xf4, 4096);              /* hlt everywhere else */
    memcpy((void *)(GUEST_VA + 0xc00), code, len);
    enum bh_status s = bh_create_sm(death, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_pd(vm, SEL_PD, 64 | BH_PD_VM, 64, death);
    if (s == BH_OK)
        s = bh_map(vm, GUEST_VA, GUEST_PAGE, 1, BH_M_R | BH_M_W | BH_M_X | BH_MAP_GUEST);
    if (s == BH_OK)
        s = bh_create_vcpu(vcpu, vm, CPU0, SEL_PD, portals);
    if (s == BH_OK)
        s = bh_create_sc(sc, SEL_PD, vcpu, 10, 10000, 10000);
    if (s != BH_OK) {
        bh_tap(false, "vmx: %s: set up a VM (status %d)", what, s);
        return false;
    }
    bool done = bh_sm_down(t.done_sm, 5000000) == BH_OK || portals != exit_base;
    bool dead = bh_sm_down(death, 2000000) == BH_OK;
    if (!done || !dead) {
        bh_kill_pd(vm);
        for (unsigned i = 0; i < t.n && i < MAX_LOG; i++)
            bh_printf("# vmx: %s: exit %u: reason %lu mtd %lx a %lx b %lx\n", what, i,
                      t.log[i].reason, t.log[i].mtd, t.log[i].a, t.log[i].b);
    }
    bh_tap(done && dead, "vmx: %s: the guest ran and its VM ended (%u exits)", what, t.n);
    return done && dead;
}

static void test_refusals(bool have_vmx)
{
    uint64_t pd = rt_sel(), vm = rt_sel();
    enum bh_status s = bh_create_pd(vm, SEL_PD, 64 | BH_PD_VM, 64, BH_SEL_NONE);
    bh_tap(have_vmx ? s == BH_OK : s == BH_ENOTSUP,
           "vmx: a VM PD %s (status %d)", have_vmx ? "is created" : "without VMX: ENOTSUP", s);
    bh_tap(bh_create_pd(pd, SEL_PD, 64, 64, BH_SEL_NONE) == BH_OK, "vmx: an ordinary PD for contrast");
    bh_tap(bh_create_vcpu(rt_sel(), pd, CPU0, SEL_PD, 0) == BH_EINVAL,
           "vmx: a vCPU in a PD that is no VM: EINVAL");
    bh_tap(bh_map(pd, GUEST_VA, 0x1000, 1, BH_M_R | BH_MAP_GUEST) == BH_EINVAL,
           "vmx: guest memory into a PD that is no VM: EINVAL");
    bh_tap(bh_create_pt_mtd(rt_sel(), SEL_PD, handler_ec, 0, 1ull << 40) == BH_EINVAL,
           "vmx: a portal with unknown MTD bits: EINVAL");
    if (have_vmx) {
        bh_tap(bh_map(vm, GUEST_VA, 0x1000, 1, BH_M_R) == BH_EINVAL,
               "vmx: host mappings into a VM PD: EINVAL");
        bh_tap(bh_map(vm, GUEST_VA, 1ull << 48, 1, BH_M_R | BH_MAP_GUEST) == BH_EFAULT,
               "vmx: a guest-physical address past the EPT's 48 bits: EFAULT");
        bh_tap(bh_create_vcpu(rt_sel(), vm, 99, SEL_PD, exit_base) == BH_ERANGE,
               "vmx: a vCPU on a CPU that is not online: ERANGE");
        bh_tap(bh_create_vcpu(rt_sel(), vm, CPU0, SEL_PD, ~0ull) == BH_EINVAL,
               "vmx: exit portals outside the VMM's space: EINVAL");
        bh_kill_pd(vm);
    }
    bh_kill_pd(pd);
}

static const struct exit_rec *at(unsigned i) { return &t.log[i]; }

static void test_basic(void)
{
    if (!run_guest(vmg_basic, (size_t)(vmg_basic_end - vmg_basic), exit_base, "basic guest"))
        return;
    bh_tap(t.n == 7, "vmx: basic guest made 7 exits (%u)", t.n);
    bh_tap(at(0)->reason == BH_VMEXIT_STARTUP && at(0)->a == 0xfff0 && at(0)->b == 0xf000,
           "vmx: first the start-up message, with the reset state f000:fff0");
    bh_tap(at(1)->reason == EXIT_CPUID && at(1)->a == 0x12345678 && at(1)->b == 2,
           "vmx: CPUID exit with the guest's eax and a 2-byte instruction");
    bh_tap(at(1)->mtd == (BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN),
           "vmx: the CPUID portal's MTD says what the message carries");
    bh_tap(at(2)->reason == EXIT_IO && (at(2)->a >> 16) == 0x3f8 && (at(2)->a & 0x8) == 0 &&
           (at(2)->a & 7) == 0 && at(2)->b == 'G',
           "vmx: I/O exit: OUT of one byte 'G' to port 0x3f8");
    bh_tap(at(3)->reason == EXIT_VMCALL && at(3)->a == 1 && at(3)->b == 0xb00c,
           "vmx: VMCALL: the guest saw the CPUID answer the VMM wrote back");
    bh_tap(at(4)->reason == EXIT_EPT && at(4)->a == HOLE && (at(4)->b & 1),
           "vmx: a read of unmapped 0x9000 is an EPT violation (read) at that address");
    bh_tap(at(5)->reason == EXIT_VMCALL && at(5)->a == 2 && at(5)->b == HOLE_VALUE,
           "vmx: after the VMM mapped the page the read was retried and saw it");
    bh_tap(at(6)->reason == EXIT_HLT, "vmx: HLT exit ends the guest");
}

static void test_bad_guests(void)
{
    if (run_guest(vmg_triple, (size_t)(vmg_triple_end - vmg_triple), exit_base, "triple fault"))
        bh_tap(t.n == 2 && at(1)->reason == EXIT_TRIPLE,
               "vmx: a triple fault is an exit to the VMM (%u exits, last %lu)", t.n,
               t.n ? t.log[t.n - 1].reason : 0);
    t.bad_start = true;
    if (run_guest(vmg_basic, (size_t)(vmg_basic_end - vmg_basic), exit_base, "refused state"))
        bh_tap(t.n == 2 && at(1)->reason == (EXIT_BAD_GUEST | BH_VMEXIT_REASON_FAILED),
               "vmx: a state the CPU refuses fails the entry, reported to the VMM (reason %lx)",
               t.n > 1 ? at(1)->reason : 0);
    t.bad_start = false;
    /* No portals at all: hv stops the vCPU, the VM dies, nothing else. */
    uint64_t empty = rt_sel();
    for (unsigned i = 1; i < BH_VM_EXITS; i++)
        rt_sel();
    if (run_guest(vmg_basic, (size_t)(vmg_basic_end - vmg_basic), empty, "no exit portals"))
        bh_tap(t.n == 0, "vmx: with no exit portal the vCPU stops before it runs");
}

void test_vmx(void)
{
    uint64_t sm = rt_sel();
    enum bh_status s1 = bh_create_sm(sm, SEL_PD, 0), s2 = make_portals() ? BH_OK : BH_EINVAL,
                   s3 = bh_map(SEL_PD, 0, GUEST_VA, 2, BH_M_R | BH_M_W | BH_M_X | BH_MAP_FRESH);
    bool ok = s1 == BH_OK && s2 == BH_OK && s3 == BH_OK;
    bh_tap(ok, "vmx: the root task's VMM side is set up (handler, portals, guest pages: %d %d %d)",
           s1, s2, s3);
    if (!ok)
        return;
    t.done_sm = sm;
    *(volatile uint16_t *)HOLE_VA = HOLE_VALUE;
    uint64_t pd = rt_sel();
    bool have = bh_create_pd(pd, SEL_PD, 64 | BH_PD_VM, 64, BH_SEL_NONE) != BH_ENOTSUP;
    if (have)
        bh_kill_pd(pd);
    test_refusals(have);
    if (!have) {
        bh_printf("# vmx: no VMX on this CPU: guest tests skipped\n");
        return;
    }
    test_basic();
    test_bad_guests();
}
