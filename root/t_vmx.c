/* In-system tests of VT-x: the root task acts as a tiny VMM (its exit
   handlers and guest runs are in t_vmx_vmm.c). It makes a VM PD, gives it
   guest memory, binds exit portals and runs a vCPU through tiny real-mode
   guests (root/vmguests.asm), checking each exit that arrives as a
   message, the state it carries and what the reply writes back; then the
   bad cases: bad arguments, a guest that triple-faults, a start-up state
   the CPU refuses, and a vCPU with no exit portals. Without VMX only the
   refusals are checked. */
#include "t_vmx.h"

extern const uint8_t vmg_basic[], vmg_basic_end[], vmg_triple[], vmg_triple_end[];
extern const uint8_t vmg_inject[], vmg_inject_end[], vmg_spin[], vmg_spin_end[];
extern const uint8_t vmg_sse[], vmg_sse_end[], vmg_revoke[], vmg_revoke_end[];
extern const uint8_t vmg_lstar[], vmg_lstar_end[];
extern const uint8_t vmg_dr[], vmg_dr_end[], vmg_dr_peek[], vmg_dr_peek_end[];
extern const uint8_t vmg_dr_kept[], vmg_dr_kept_end[];
extern const uint8_t vmg_avx[], vmg_avx_end[], vmg_large[], vmg_large_end[];

#define HOLE_VALUE 0x4242u

static bool run_guest(const uint8_t *code, size_t len, uint64_t portals, const char *what)
{
    return run_on(CPU0, code, len, portals, what);
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

static const struct exit_rec *at(unsigned i) { return &vrun.log[i]; }

static void test_basic(void)
{
    if (!run_guest(vmg_basic, (size_t)(vmg_basic_end - vmg_basic), exit_base, "basic guest"))
        return;
    bh_tap(vrun.n == 7, "vmx: basic guest made 7 exits (%u)", vrun.n);
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
        bh_tap(vrun.n == 2 && at(1)->reason == EXIT_TRIPLE,
               "vmx: a triple fault is an exit to the VMM (%u exits, last %lu)", vrun.n,
               vrun.n ? vrun.log[vrun.n - 1].reason : 0);
    vrun.bad_start = true;
    if (run_guest(vmg_basic, (size_t)(vmg_basic_end - vmg_basic), exit_base, "refused state"))
        bh_tap(vrun.n == 2 && at(1)->reason == (EXIT_BAD_GUEST | BH_VMEXIT_REASON_FAILED),
               "vmx: a state the CPU refuses fails the entry, reported to the VMM (reason %lx)",
               vrun.n > 1 ? at(1)->reason : 0);
    vrun.bad_start = false;
    /* No portals at all: hv stops the vCPU, the VM dies, nothing else. */
    uint64_t empty = rt_sel();
    for (unsigned i = 1; i < BH_VM_EXITS; i++)
        rt_sel();
    if (run_guest(vmg_basic, (size_t)(vmg_basic_end - vmg_basic), empty, "no exit portals"))
        bh_tap(vrun.n == 0, "vmx: with no exit portal the vCPU stops before it runs");
}

#define RUN(mode_, guest, portals, cpu, what) \
    (vrun.mode = (mode_), run_on((cpu), guest, (size_t)(guest##_end - guest), (portals), (what)))

static void test_events(void)
{
    if (RUN(M_INJECT, vmg_inject, exit_base, CPU0, "injection")) {
        bh_tap(vrun.n == 9, "vmx: injection guest made 9 exits (%u)", vrun.n);
        for (unsigned i = 0; vrun.n != 9 && i < vrun.n && i < MAX_LOG; i++)
            bh_printf("# vmx: injection: exit %u: reason %lx a %lx b %lx\n", i, vrun.log[i].reason,
                      vrun.log[i].a, vrun.log[i].b);
        bh_tap(at(1)->reason == EXIT_HLT && at(2)->reason == EXIT_VMCALL && at(2)->a == 3 && at(2)->b == 1,
               "vmx: an interrupt injected at HLT ran the guest's handler once");
        bh_tap(at(3)->a == 4 && at(4)->reason == EXIT_INTR_WINDOW && (at(4)->a & 0x200),
               "vmx: with IF=0 the VMM asked for the window; it opened at STI (rflags.IF set)");
        bh_tap(at(5)->a == 5 && at(5)->b == 2, "vmx: the interrupt injected in the window ran the handler");
        bh_tap(at(7)->a == 7 && at(7)->b == 1, "vmx: an injected NMI ran the guest's NMI handler");
    }
    if (RUN(M_BADINJ, vmg_basic, exit_base, CPU0, "bad injection"))
        bh_tap(vrun.n == 3 && at(2)->reason == BH_VMEXIT_FAIL && at(2)->a == 7,
               "vmx: an injection the CPU refuses fails the entry, reported as BH_VMEXIT_FAIL "
               "(VM-instruction error %lu)", vrun.n > 2 ? at(2)->a : 0);
    if (rt_cpus() < 2) {
        bh_printf("# vmx: one CPU: the recall test needs two\n");
        return;
    }
    if (RUN(M_SPIN, vmg_spin, exit_base1, CPU1, "spinning guest")) {
        bool leak = false, preempt = false;
        for (unsigned i = 0; i < vrun.n && i < MAX_LOG; i++) {
            leak |= vrun.log[i].reason == EXIT_VMCALL;
            preempt |= vrun.log[i].reason == EXIT_PREEMPT;
        }
        bh_tap(preempt, "vmx: the preemption timer the VMM armed made the guest exit");
        bh_tap(vrun.n && vrun.log[(vrun.n - 1) % MAX_LOG].reason == BH_VMEXIT_RECALL,
               "vmx: the recall from another CPU made the spinning guest exit");
        bh_tap(!leak, "vmx: no host interrupt reached the guest (its IVT would have said so)");
    }
}

static void test_revoke(void)
{
    if (!RUN(M_REVOKE, vmg_revoke, exit_base, CPU0, "revocation"))
        return;
    bh_tap(vrun.n == 5 && at(1)->a == 1 && at(1)->b >= 1,
           "vmx: the TSC offset the VMM set shows in the guest's RDTSC (edx >> 8 = %lu)", at(1)->b);
    bh_tap(at(2)->reason == EXIT_EPT && at(3)->a == 2 && at(3)->b == HOLE_VALUE,
           "vmx: the page mapped on the EPT violation was read");
    bh_tap(at(4)->reason == EXIT_EPT && at(4)->a == HOLE,
           "vmx: after the VMM unmapped it, the same read is an EPT violation again");
    bh_tap(*(volatile uint16_t *)HOLE_VA == HOLE_VALUE, "vmx: the VMM's own page stayed");
}

/* A guest's own LSTAR: with pass-through its WRMSR/RDMSR do not exit and
   it reads back what it wrote; hv's own SYSCALL entry is back before the
   root's next system call (which would otherwise jump to 0x12345678).
   Without pass-through both accesses exit to the VMM. */
static void test_sysmsrs(void)
{
    if (RUN(M_LSTAR, vmg_lstar, exit_base, CPU0, "LSTAR passed through"))
        bh_tap(vrun.n == 3 && at(1)->reason == EXIT_VMCALL && at(1)->a == 10 && at(1)->b == 0x12345678,
               "vmx: a guest writes and reads its own LSTAR without an exit (%u exits, read %lx)",
               vrun.n, vrun.n > 1 ? at(1)->b : 0);
    bh_tap(bh_syscall6(BH_SYS_LOOKUP, SEL_PD, 0, 0, 0, 0, 0) == BH_OK,
           "vmx: the root's system calls still reach hv after the guest ran with its own LSTAR");
    if (RUN(M_LSTAR_EXIT, vmg_lstar, exit_base, CPU0, "LSTAR intercepted"))
        bh_tap(vrun.n == 5 && at(1)->reason == 32 && at(1)->a == 0xc0000082 && at(2)->reason == 31 &&
               at(3)->a == 10 && at(3)->b == 0x5a5a,
               "vmx: without pass-through the guest's WRMSR and RDMSR of LSTAR exit to the VMM");
}

/* The last VMCALL with step, or NULL. */
static const struct exit_rec *step_rec(uint64_t step)
{
    const struct exit_rec *r = NULL;
    for (unsigned i = 0; i < vrun.n && i < MAX_LOG; i++)
        if (vrun.log[i].reason == EXIT_VMCALL && vrun.log[i].a == step)
            r = &vrun.log[i];
    return r;
}

/* Debug registers: a guest's DR0-DR3 and DR6 are its own, loaded while it
   runs (its breakpoint fires after an exit round trip through the root),
   and the next guest on the same CPU sees none of them. */
static void test_debug(void)
{
    static const struct exit_rec none = { 0, 0, 0, ~0ull };
    if (RUN(M_DR, vmg_dr, exit_base, CPU0, "debug registers")) {
        const struct exit_rec *r12 = step_rec(12), *r13 = step_rec(13), *r14 = step_rec(14);
        r12 = r12 ? r12 : &none, r13 = r13 ? r13 : &none, r14 = r14 ? r14 : &none;
        bh_tap(vrun.n > 6 && at(1)->reason == EXIT_DR && (at(1)->a & 0x1f) == 0,
               "vmx: the guest's MOV to DR0 exits to the VMM (qual %lx)", at(1)->a);
        bh_tap(r12->b == 0xffff0ff2, "vmx: the DR6 the guest set survives an exit round trip (%lx)",
               r12->b);
        bh_tap((r13->b >> 32) == 1 && (r13->b & 1),
               "vmx: its DR0/DR7 breakpoint fired in the guest once (%lu) and set B0 in DR6 (%lx)",
               r13->b >> 32, r13->b & 0xffffffff);
        bh_tap(r14->b == 1, "vmx: DR1-DR3 read back as the guest set them");
    }
    if (RUN(M_DR, vmg_dr_peek, exit_base, CPU0, "debug registers, next guest")) {
        const struct exit_rec *r = step_rec(15);
        r = r ? r : &none;
        bh_tap((r->b & 0xffff) == 0 && ((r->b >> 16) & 0xffff) == 0,
               "vmx: the next guest has DR0 0, and the first one's breakpoint never fires in it "
               "(%lu #DB)", r->b & 0xffff);
        bh_tap((r->b >> 32) == 0xffff0ff0, "vmx: ... and DR6 at its reset value (%lx)", r->b >> 32);
    }
    /* A guest that never touched its debug registers keeps them loaded
       across exits (vcpu_dr.c); a user EC's own #DB on that CPU changes
       DR6, so the guest must get its own back. */
    bool set = dbstep_setup();
    if (set && RUN(M_DR, vmg_dr_kept, exit_base, CPU0, "debug registers kept, a user #DB")) {
        const struct exit_rec *r = step_rec(23);
        bh_tap(dbstep_count() == 4 && r && r->b == 0xffff0ff0,
               "vmx: a root thread single-stepping on the guest's CPU between its exits (%u #DB) "
               "leaves the guest its own DR6 (%lx)", dbstep_count(), r ? r->b : 0);
    } else if (!set) {
        bh_tap(false, "vmx: set up a single-stepping thread and a fault portal");
    }
    dbstep_teardown();
}

/* 2 MiB guest pages: the root's fresh 2 MiB block, shared whole into a
   VM as one EPT leaf; the guest reads and writes across it; revoking the
   block makes the next access an EPT violation; bad requests are refused. */
static void test_large(void)
{
    enum bh_status s = bh_map(SEL_PD, 0, LARGE_VA, BH_MAP_MAX, BH_M_R | BH_M_W | BH_MAP_FRESH | BH_MAP_2M);
    bh_tap(s == BH_OK, "vmx: a fresh 2 MiB block in the root (status %d)", s);
    if (s != BH_OK)
        return;
    *(volatile uint32_t *)LARGE_VA = 0x11223344;
    *(volatile uint32_t *)(LARGE_VA + 0x1ffffc) = 0x55667788;
    for (unsigned i = 0; i < 10; i++)
        large_st[i] = (enum bh_status)99;
    if (RUN(M_LARGE, vmg_large, exit_base, CPU0, "2 MiB page")) {
        const struct exit_rec *r = step_rec(20), *last = at(vrun.n > 0 ? (vrun.n - 1) % MAX_LOG : 0);
        bh_tap(large_st[0] == BH_EINVAL && large_st[1] == BH_EINVAL,
               "vmx: a 2 MiB share from or to a misaligned address: EINVAL (%d %d)",
               large_st[0], large_st[1]);
        bh_tap(large_st[2] == BH_EINVAL, "vmx: a 2 MiB map of other than 512 pages: EINVAL");
        bh_tap(large_st[3] == BH_EINVAL && large_st[4] == BH_EINVAL,
               "vmx: 4 KiB pages as a 2 MiB share, one page of a block shared alone: EINVAL (%d %d)",
               large_st[3], large_st[4]);
        bh_tap(large_st[5] == BH_EEXIST && large_st[8] == BH_EEXIST,
               "vmx: a 2 MiB share over 4 KiB guest pages, a page inside the 2 MiB one: EEXIST (%d %d)",
               large_st[5], large_st[8]);
        bh_tap(large_st[6] == BH_EINVAL && large_st[7] == BH_EINVAL,
               "vmx: a fresh block into a VM, a fresh block at a misaligned address: EINVAL (%d %d)",
               large_st[6], large_st[7]);
        bh_tap(r && r->b == 7, "vmx: the guest read both ends of its 2 MiB page and wrote the "
               "middle, which the VMM saw (%lx)", r ? r->b : 0);
        bh_tap(large_st[9] == BH_OK && step_rec(0xbad) == NULL && last->reason == EXIT_EPT &&
               last->a == LARGE_GPA + 0x80000,
               "vmx: after the VMM revoked the block the guest's access is an EPT violation (gpa %lx)",
               last->a);
    }
    bh_tap(*(volatile uint32_t *)LARGE_VA == 0x11223344, "vmx: the root's own block stayed");
    s = bh_unmap(LARGE_VA, BH_MAP_MAX, BH_REVOKE_SELF);
    enum bh_status again = bh_map(SEL_PD, 0, LARGE_VA, BH_MAP_MAX, BH_M_R | BH_M_W | BH_MAP_FRESH | BH_MAP_2M);
    bh_tap(s == BH_OK && again == BH_OK && *(volatile uint32_t *)LARGE_VA == 0,
           "vmx: the block unmapped whole; a new one there is fresh (%d %d)", s, again);
    bh_unmap(LARGE_VA, BH_MAP_MAX, BH_REVOKE_SELF);
}

/* A PD that dies holding a fresh 1 GiB block: the reaper frees it in
   bounded steps (the block is one node). With quota for the tables only,
   a fresh block is ENOMEM. Returns the status of the fresh block. */
static enum bh_status huge_in_child(void)
{
    uint64_t small = rt_sel(), big = rt_sel(), death = rt_sel();
    enum bh_status q = bh_create_pd(small, SEL_PD, 16, 64, BH_SEL_NONE), s = q;
    if (q == BH_OK)
        q = bh_map(small, 0, HUGE_VA, BH_MAP_1G_PAGES, HUGE_FRESH);
    bh_kill_pd(small);
    bh_tap(q == BH_ENOMEM, "vmx: a fresh 1 GiB block beyond the destination's quota: ENOMEM (%d)", q);
    if (s == BH_OK)
        s = bh_create_sm(death, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_pd(big, SEL_PD, 16, BH_MAP_1G_PAGES + 64, death);
    if (s == BH_OK)
        s = bh_map(big, 0, HUGE_VA, BH_MAP_1G_PAGES, HUGE_FRESH);
    if (s == BH_OK) {
        bh_kill_pd(big);
        bool dead = bh_sm_down(death, 10000000) == BH_OK;
        bh_tap(dead, "vmx: a PD holding a fresh 1 GiB block dies and is reaped");
    } else {
        bh_kill_pd(big);
    }
    return s;
}

/* 1 GiB guest pages, as test_large: a fresh block (its pages a child's
   first, to check that the reaper gives them back), refused requests, one
   EPT leaf the guest reads and writes across, unmapping one page inside
   removes it from the guest. Without 1 GiB EPT pages (hv's no1g) a share
   into a VM is ENOTSUP, and the root's own block, mapped with 2 MiB pages
   then, is tested alone. Needs a free, 1 GiB-aligned run of RAM (Bochs
   with 3 GiB: tests/system/bochs-skylake.t); skipped without. */
static void test_huge(void)
{
    uint32_t a = 0x80000001, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    bh_printf("# vmx: the CPU %s 1 GiB pages (pdpe1gb) for user page tables\n",
              (d & (1u << 26)) ? "has" : "lacks");
    uint64_t probe = rt_sel();       /* no block needed: the CPU's answer comes first */
    enum bh_status ept = bh_create_pd(probe, SEL_PD, 16 | BH_PD_VM, 16, BH_SEL_NONE);
    if (ept == BH_OK)
        ept = bh_map(probe, HUGE_VA, HUGE_GPA, BH_MAP_1G_PAGES, HUGE_MAP);
    bh_kill_pd(probe);
    bool ept_1g = ept != BH_ENOTSUP;
    bh_tap(ept == BH_ENOTSUP || ept == BH_ENOENT, "vmx: a 1 GiB share of nothing into a VM: %s (%d)",
           ept_1g ? "ENOENT" : "ENOTSUP, no 1 GiB EPT pages", ept);
    bh_tap(bh_map(SEL_PD, 0, HUGE_VA + LARGE_SIZE, BH_MAP_1G_PAGES, HUGE_FRESH) == BH_EINVAL &&
           bh_map(SEL_PD, 0, HUGE_VA, BH_MAP_1G_PAGES, HUGE_FRESH | BH_MAP_2M) == BH_EINVAL &&
           bh_map(SEL_PD, 0, HUGE_VA, BH_MAP_MAX, HUGE_FRESH) == BH_EINVAL,
           "vmx: a fresh 1 GiB block at a misaligned address, with BH_MAP_2M, of 512 pages: EINVAL");
    enum bh_status over = bh_map(SEL_PD, 0, GUEST_VA, BH_MAP_1G_PAGES, HUGE_FRESH);
    bh_tap(over == BH_EEXIST, "vmx: a fresh 1 GiB block over mapped pages: EEXIST (%d)", over);
    enum bh_status child = huge_in_child(), s = child;
    if (s == BH_OK)
        s = bh_map(SEL_PD, 0, HUGE_VA, BH_MAP_1G_PAGES, HUGE_FRESH);
    if (s == BH_ENOMEM) {
        bh_tap(true, "vmx: 1 GiB page # SKIP no free 1 GiB-aligned run of RAM (%d %d)", child, s);
        return;
    }
    bh_tap(s == BH_OK, "vmx: a fresh 1 GiB block in a child, then in the root (status %d %d)",
           child, s);
    if (s != BH_OK)
        return;
    bool zero = *(volatile uint32_t *)HUGE_VA == 0 &&
                *(volatile uint32_t *)(HUGE_VA + HUGE_SIZE - 4) == 0;
    *(volatile uint32_t *)HUGE_VA = 0x11223344;
    *(volatile uint32_t *)(HUGE_VA + HUGE_SIZE - 4) = 0x55667788;
    bh_tap(zero, "vmx: the root reads and writes both ends of its 1 GiB block, which came zeroed");
    for (unsigned i = 0; i < 10; i++)
        huge_st[i] = (enum bh_status)99;
    if (!ept_1g)
        bh_tap(true, "vmx: the root's 1 GiB block stays out of VMs (no 1 GiB EPT pages)");
    else if (RUN(M_HUGE, vmg_large, exit_base, CPU0, "1 GiB page")) {
        const struct exit_rec *r = step_rec(20), *last = at(vrun.n > 0 ? (vrun.n - 1) % MAX_LOG : 0);
        bh_tap(huge_st[0] == BH_EINVAL && huge_st[1] == BH_EINVAL,
               "vmx: a 1 GiB share from or to a misaligned address: EINVAL (%d %d)",
               huge_st[0], huge_st[1]);
        bh_tap(huge_st[2] == BH_EINVAL && huge_st[3] == BH_EINVAL,
               "vmx: a 1 GiB share of 512 pages, or with BH_MAP_2M too: EINVAL (%d %d)",
               huge_st[2], huge_st[3]);
        bh_tap(huge_st[4] == BH_EINVAL && huge_st[5] == BH_EINVAL,
               "vmx: 4 KiB pages as a 1 GiB share, a 1 GiB block as a 2 MiB one: EINVAL (%d %d)",
               huge_st[4], huge_st[5]);
        bh_tap(huge_st[6] == BH_EEXIST && huge_st[8] == BH_EEXIST,
               "vmx: a 1 GiB share over 4 KiB guest pages, a page inside the 1 GiB one: EEXIST (%d %d)",
               huge_st[6], huge_st[8]);
        bh_tap(huge_st[7] == BH_EINVAL, "vmx: a fresh 1 GiB block into a VM: EINVAL (%d)", huge_st[7]);
        bh_tap(r && r->b == 7, "vmx: the guest read both ends of its 1 GiB page and wrote the "
               "middle, which the VMM saw (%lx)", r ? r->b : 0);
        bh_tap(huge_st[9] == BH_OK && step_rec(0xbad) == NULL && last->reason == EXIT_EPT &&
               last->a == HUGE_GPA + HUGE_SIZE / 4,
               "vmx: after the VMM unmapped one page of the block the guest's access is an EPT "
               "violation (gpa %lx)", last->a);
    }
    bh_tap(*(volatile uint32_t *)(HUGE_VA + HUGE_SIZE - 4) == 0x55667788,
           "vmx: the root's own 1 GiB block stayed");
    s = bh_unmap(HUGE_VA + HUGE_SIZE / 2, 1, BH_REVOKE_SELF);
    enum bh_status again = bh_map(SEL_PD, 0, HUGE_VA, BH_MAP_1G_PAGES, HUGE_FRESH);
    bh_tap(s == BH_OK && again == BH_OK && *(volatile uint32_t *)HUGE_VA == 0,
           "vmx: the 1 GiB block unmapped whole; a new one there is fresh (%d %d)", s, again);
    bh_unmap(HUGE_VA, 1, BH_REVOKE_SELF);
}

static bool cpu_has_avx(void)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return (c & (1u << 28)) && (c & (1u << 27));     /* AVX, and OSXSAVE: hv enabled it */
}

/* AVX state: the guest's YMM upper halves survive the root's own use of
   ymm0 between exits, the root's survive the guest's, a new guest starts
   with ymm0 clear, and an XCR0 the CPU would refuse gives the guest #GP
   (the VMM here passes it on unchecked). */
static void test_avx(void)
{
    if (!cpu_has_avx()) {
        bh_printf("# vmx: no AVX (or no XSAVE in hv): the YMM tests skipped\n");
        return;
    }
    static const struct exit_rec none = { 0, 0, 0, ~0ull };
    if (RUN(M_AVX, vmg_avx, exit_base, CPU0, "AVX state")) {
        const struct exit_rec *r16 = step_rec(16), *r17 = step_rec(17), *r18 = step_rec(18);
        r16 = r16 ? r16 : &none, r17 = r17 ? r17 : &none, r18 = r18 ? r18 : &none;
        const struct exit_rec *r21 = step_rec(21);
        r21 = r21 ? r21 : &none;
        bh_tap(at(1)->reason == EXIT_CR && at(1)->a == 4 && (at(1)->b & 0x40000) &&
               at(5)->reason == EXIT_CR && !(at(5)->b & 0x40000) && at(6)->reason == EXIT_CR,
               "vmx: each guest MOV to CR4 that flips OSXSAVE exits (%lu %lu %lu)",
               at(1)->reason, at(5)->reason, at(6)->reason);
        bh_tap(at(2)->reason == EXIT_XSETBV && at(2)->a == 7 && (at(2)->b & 7) == 7,
               "vmx: the guest's XSETBV exits with its value (%lx); hv allows XCR0 %lx",
               at(2)->a, at(2)->b);
        bh_tap(r21->b == 7, "vmx: after OSXSAVE off and on, XGETBV gives the guest its own XCR0 (%lx)",
               r21->b);
        bh_tap(r16->b == 1, "vmx: the VMM's own ymm0 survived the guest's");
        bh_tap(r17->b == 3, "vmx: the guest's YMM upper half survived the VMM's ymm0 (%lx)", r17->b);
        bh_tap(step_rec(0xbad) == NULL && r18->b == 0 && vrun.n > 9 && at(8)->reason == EXIT_XSETBV &&
               at(8)->a == 5, "vmx: XCR0 with AVX but no SSE gave the guest #GP(0), not the kernel");
    }
    if (RUN(M_AVX_PEEK, vmg_avx, exit_base, CPU0, "AVX state, next guest")) {
        const struct exit_rec *r = step_rec(19);
        bh_tap(r && (r->b & 1), "vmx: the next guest's ymm0 is clear: none of the last guest's or the VMM's");
        bh_tap(r && (r->b & 2), "vmx: the VMM's ymm0 is its own after both guests");
    }
}

static void test_isolation(void)
{
    if (RUN(M_SSE, vmg_sse, exit_base, CPU0, "SSE state"))
        bh_tap(vrun.n == 4 && at(1)->a == 8 && at(1)->b == 1 && at(2)->a == 9 && at(2)->b == 1,
               "vmx: guest and VMM keep their own xmm0 across exits (%lu, %lu)",
               at(1)->b, at(2)->b);
    vrun.mode = M_PLAIN;
    bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, last_vcpu, BH_VCPU_RECALL, 0, 0, 0, 0) == BH_EINVAL,
           "vmx: VCPU_CTRL on a dead vCPU: EINVAL");
    uint64_t vm = rt_sel(), vcpu = rt_sel();
    enum bh_status s = bh_create_pd(vm, SEL_PD, 16 | BH_PD_VM, 16, BH_SEL_NONE);
    if (s == BH_OK)
        s = bh_create_vcpu(vcpu, vm, CPU0, SEL_PD, exit_base);
    bh_tap(s == BH_OK, "vmx: a vCPU (never run) for the MSR-bitmap checks (status %d)", s);
    bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_MSR, 0xc0000080, 0, BH_VCPU_MSR_W, 0) == BH_ERIGHTS,
           "vmx: EFER may not pass through to a guest: ERIGHTS");
    bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_MSR, 0x10, 0, BH_VCPU_MSR_W, 0) == BH_ERIGHTS,
           "vmx: TSC writes may not pass through: ERIGHTS");
    bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_MSR, 0x10, 0, BH_VCPU_MSR_R, 0) == BH_OK &&
           bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_MSR, 0xc0000100, 0, 0, 0) == BH_OK,
           "vmx: TSC reads pass through, FS_BASE exits again: OK");
    bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, BH_VCPU_MSR, 0x10, 0, 4, 0) == BH_EINVAL &&
           bh_syscall6(BH_SYS_VCPU_CTRL, vcpu, 9, 0, 0, 0, 0) == BH_EINVAL,
           "vmx: unknown MSR flags and an unknown operation: EINVAL");
    bh_kill_pd(vm);
    bh_tap(bh_syscall6(BH_SYS_VCPU_CTRL, handler_ec, BH_VCPU_RECALL, 0, 0, 0, 0) == BH_EINVAL,
           "vmx: VCPU_CTRL on an EC that is no vCPU: EINVAL");
}

void test_vmx(void)
{
    uint64_t sm = rt_sel();
    enum bh_status s1 = bh_create_sm(sm, SEL_PD, 0), s2 = vmm_start(),
                   s3 = bh_map(SEL_PD, 0, GUEST_VA, 3, BH_M_R | BH_M_W | BH_M_X | BH_MAP_FRESH);
    bool ok = s1 == BH_OK && s2 == BH_OK && s3 == BH_OK;
    bh_tap(ok, "vmx: the root task's VMM side is set up (handler, portals, guest pages: %d %d %d)",
           s1, s2, s3);
    if (!ok)
        return;
    vrun.done_sm = sm;
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
    test_events();
    test_revoke();
    test_sysmsrs();
    test_debug();
    test_avx();
    test_large();
    test_huge();
    test_isolation();
}
