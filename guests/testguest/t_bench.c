/* bench: VM-exit round trips timed from inside the guest, the way
 * kvm-unit-tests' vmexit test times them. For each path: BATCHES
 * batches of OPS operations, each batch between two RDTSCs; the first
 * batch (cold) is dropped, and min, median and 99th percentile per
 * operation are printed, minus the median batch of the same loop around
 * an empty operation (path "loop"). Under Bochs, whose TSC counts
 * executed instructions, a figure is the instructions one exit round
 * trip costs: the exiting instruction, the hypervisor, the VMM and any
 * device-model server, plus the operation's own few instructions; on
 * real hardware it is TSC cycles.
 *
 * Each path is probed before it is timed. Under the Bulkhead VMM (CPUID
 * signature "BulkheadVMM") every path must reach what its name says, or
 * its result is not ok. Elsewhere a path that cannot exist (hv's own
 * CPUID leaf; VMCALL where it faults) is skipped, and the two MMIO paths
 * are timed even where their address holds no device: then they are
 * exits to whatever answers unassigned MMIO (QEMU's user space, under
 * KVM), which the result says.
 *
 * COM1 output is itself an exit (under the Bulkhead VMM, a call to the
 * UART server), so the guest prints only between measurements. */
#include "console.h"
#include "layout.h"
#include "paging.h"
#include "safe.h"
#include "tap.h"
#include "tests.h"
#include "x86.h"

#define PORT_PIC_MASK       0x21u           /* 8259 master: the mask register */
#define PORT_COM1_SCR       (COM1 + 7)
#define VMINFO_MMIO         0xfeb00000ull   /* the Bulkhead VMM's information device */
#define VMINFO_MAGIC        0x4d564842u     /* "BHVM" */
#define UART_MMIO           0xfe000000ull   /* the Bulkhead VMM's memory-mapped 16550 */
#define UART_MMIO_SCR       (UART_MMIO + 7) /* register stride 1 */
#define MSR_BIOS_SIGN_ID    0x8bu
#define CPUID_HV_BASE       0x40000000u
#define CPUID_BH_HV_LEAF    0x40000100u     /* answered by hv itself (BH_VMCTRL_HV_LEAF) */

enum verdict { MEASURE, SKIP, FAIL };

/* What a probe found: whether to time the path, what it reaches, and a
 * value that shows it where label is not NULL ("LABEL 0xVALUE"). */
struct found {
    enum verdict v;
    const char *what, *label;
    uint64_t value;
};

struct path {
    const char *name;
    void (*op)(void);
    struct found (*probe)(bool bulkhead);
};

static uint64_t samples[BENCH_BATCHES_MAX];

/* ---- the operations: one exit each, called through a pointer ---- */

static void op_none(void)
{
    __asm__ volatile("" : : : "memory");
}

static void op_cpuid(void)
{
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static void op_cpuid_hv(void)
{
    uint32_t a = CPUID_BH_HV_LEAF, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

/* Hypercall 0: under the Bulkhead VMM the information call (rax 0, rbx
 * "BHVM", rcx the version, rdx the RAM size). */
static uint64_t vmcall0(uint64_t *rbx)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    __asm__ volatile("vmcall" : "+a"(a), "+b"(b), "+c"(c), "+d"(d) : : "memory");
    *rbx = b;
    return a;
}

static void op_vmcall(void)
{
    uint64_t b;
    (void)vmcall0(&b);
}

static void op_pio_vmm(void) { (void)inb(PORT_PIC_MASK); }
static void op_pio_dm(void) { (void)inb(PORT_COM1_SCR); }
static void op_mmio_vmm(void) { (void)mmio_read32(VMINFO_MMIO); }
static void op_mmio_dm(void) { (void)*(volatile uint8_t *)(uintptr_t)UART_MMIO_SCR; }
static void op_rdmsr(void) { (void)rdmsr(MSR_BIOS_SIGN_ID); }

/* ---- the probes ---- */

static bool is_bulkhead_vmm(void)
{
    struct cpuid_regs r = cpuid(CPUID_HV_BASE, 0);
    return (cpuid(1, 0).ecx & (1u << 31)) && r.ebx == 0x6b6c7542 && r.ecx == 0x64616568 &&
           r.edx == 0x004d4d56;                        /* "Bulk" "head" "VMM\0" */
}

static struct found found(enum verdict v, const char *what, const char *label, uint64_t value)
{
    return (struct found){ v, what, label, value };
}

/* Not there: a failure under the Bulkhead VMM, which has it; else a skip. */
static struct found missing(bool bulkhead, const char *what, const char *label, uint64_t value)
{
    return found(bulkhead ? FAIL : SKIP, what, label, value);
}

static struct found probe_cpuid(bool bulkhead)
{
    (void)bulkhead;
    return found(MEASURE, "CPUID leaf 0", NULL, 0);
}

static struct found probe_cpuid_hv(bool bulkhead)
{
    struct cpuid_regs r = cpuid(CPUID_BH_HV_LEAF, 0);

    if (r.ebx == 0x6b6c7542 && r.ecx == 0x64616568 && r.edx == 0x5648)   /* "BulkheadHV" */
        return found(MEASURE, "CPUID leaf 0x40000100, answered by hv itself", NULL, 0);
    return missing(bulkhead, "CPUID leaf 0x40000100 is not Bulkhead hv's own leaf here (under "
                             "the Bulkhead VMM it needs hv-leaf=1)", "ebx", r.ebx);
}

static void do_vmcall(void *arg)
{
    uint64_t *out = arg;
    out[0] = vmcall0(&out[1]);
}

static struct found probe_vmcall(bool bulkhead)
{
    uint64_t r[2] = { ~0ull, 0 };
    struct caught c;

    if (catch_run(do_vmcall, r)) {
        catch_result(&c);
        return missing(bulkhead, "VMCALL raises an exception here: nothing takes hypercalls",
                       "vector", c.vector);
    }
    if (r[0] == 0 && r[1] == VMINFO_MAGIC)
        return found(MEASURE, "VMCALL 0, the VMM's information hypercall", NULL, 0);
    if (bulkhead)
        return found(FAIL, "VMCALL 0 did not answer \"BHVM\"", "rbx", r[1]);
    return found(MEASURE, "VMCALL with rax 0, answered", "rax", r[0]);
}

static struct found probe_pio_vmm(bool bulkhead)
{
    (void)bulkhead;
    return found(MEASURE, "IN from port 0x21, the 8259's mask register", NULL, 0);
}

static struct found probe_pio_dm(bool bulkhead)
{
    (void)bulkhead;
    outb(PORT_COM1_SCR, 0x5a);
    uint8_t a = inb(PORT_COM1_SCR);
    outb(PORT_COM1_SCR, 0xa5);
    uint8_t b = inb(PORT_COM1_SCR);
    if (a != 0x5a || b != 0xa5)
        return found(FAIL, "COM1's scratch register (port 0x3ff) does not keep 0x5a and 0xa5",
                     "read", (uint64_t)a << 8 | b);
    return found(MEASURE, "IN from port 0x3ff, COM1's scratch register", NULL, 0);
}

static struct found probe_mmio_vmm(bool bulkhead)
{
    uint64_t v;

    if (paging_map(VMINFO_MMIO, VMINFO_MMIO + 4) || !safe_load(VMINFO_MMIO, 4, &v, NULL))
        return missing(bulkhead, "a 32-bit read of 0xfeb00000 faults here", NULL, 0);
    if (v == VMINFO_MAGIC)
        return found(MEASURE, "32-bit read of 0xfeb00000, the VMM's information device", NULL, 0);
    if (bulkhead)
        return found(FAIL, "0xfeb00000 does not read \"BHVM\"", "read", v);
    return found(MEASURE, "32-bit read of 0xfeb00000: no Bulkhead information device here, "
                          "an access to unassigned MMIO", "read", v);
}

static struct found probe_mmio_dm(bool bulkhead)
{
    uint64_t a = 0, b = 0;

    if (paging_map(UART_MMIO, UART_MMIO + 8) || !safe_store(UART_MMIO_SCR, 1, 0x5a, NULL) ||
        !safe_load(UART_MMIO_SCR, 1, &a, NULL) || !safe_store(UART_MMIO_SCR, 1, 0xa5, NULL) ||
        !safe_load(UART_MMIO_SCR, 1, &b, NULL))
        return missing(bulkhead, "an access to 0xfe000007 faults here", NULL, 0);
    if (a == 0x5a && b == 0xa5)
        return found(MEASURE, "8-bit read of 0xfe000007, the memory-mapped 16550's scratch "
                              "register", NULL, 0);
    if (bulkhead)
        return found(FAIL, "the memory-mapped 16550's scratch register (0xfe000007) does "
                           "not keep 0x5a and 0xa5", "read", a << 8 | b);
    return found(MEASURE, "8-bit read of 0xfe000007: no memory-mapped 16550 here, an access "
                          "to unassigned MMIO", "scratch read", a << 8 | b);
}

static struct found probe_rdmsr(bool bulkhead)
{
    uint64_t v;
    struct caught c;

    if (!safe_rdmsr(MSR_BIOS_SIGN_ID, &v, &c))
        return missing(bulkhead, "RDMSR 0x8b raises an exception here", "vector", c.vector);
    return found(MEASURE, "RDMSR 0x8b (IA32_BIOS_SIGN_ID)", NULL, 0);
}

/* The paths, named as root/bench_vmx.c names its own: -vmm answered by
 * the VMM, -hv by hv alone, -dm by a device-model server over IPC. */
static const struct path paths[] = {
    { "cpuid-vmm", op_cpuid, probe_cpuid },
    { "cpuid-hv", op_cpuid_hv, probe_cpuid_hv },
    { "vmcall-vmm", op_vmcall, probe_vmcall },
    { "pio-vmm", op_pio_vmm, probe_pio_vmm },
    { "pio-dm", op_pio_dm, probe_pio_dm },
    { "mmio-vmm", op_mmio_vmm, probe_mmio_vmm },
    { "mmio-dm", op_mmio_dm, probe_mmio_dm },
    { "rdmsr-vmm", op_rdmsr, probe_rdmsr },
};

/* ---- timing ---- */

/* RDTSC kept in place by LFENCE on both sides (SDM vol. 2B, RDTSC). */
static inline uint64_t tsc_fenced(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t __attribute__((noinline)) batch(void (*op)(void), uint32_t ops)
{
    uint64_t t0 = tsc_fenced();
    for (uint32_t i = 0; i < ops; i++)
        op();
    return tsc_fenced() - t0;
}

static void sort(uint64_t *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
}

/* Times o->bench_batches batches of op; the first is dropped, the rest
 * are left sorted in samples[]. Returns how many there are. */
static uint32_t run(void (*op)(void), const struct guest_opts *o)
{
    uint32_t n = o->bench_batches - 1;

    /* Bochs's magic breakpoint (XCHG BX, BX: a no-op unless enabled in
     * the bochsrc): where a debugger trace of one path can begin, to see
     * where its instructions go (docs/testing.md, VM exits). */
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");

    (void)batch(op, o->bench_ops);
    for (uint32_t i = 0; i < n; i++)
        samples[i] = batch(op, o->bench_ops);
    sort(samples, n);
    return n;
}

/* Ticks per operation of a batch, with the loop's median batch taken off. */
static uint64_t per_op(uint64_t ticks, uint64_t loop, uint32_t ops)
{
    return (ticks > loop ? ticks - loop : 0) / ops;
}

static void report(const char *name, uint32_t n, uint64_t loop, uint32_t ops, uint64_t f[3])
{
    f[0] = per_op(samples[0], loop, ops);
    f[1] = per_op(samples[n / 2], loop, ops);
    f[2] = per_op(samples[(n * 99) / 100], loop, ops);
    con_printf("# bench: vmexit %s min=%lu median=%lu p99=%lu ticks\n", name, f[0], f[1], f[2]);
}

/* "WHAT" or "WHAT (LABEL 0xVALUE)", for a result's text. */
static void say(const struct found *r)
{
    if (r->label)
        con_printf("%s (%s 0x%lx)", r->what, r->label, r->value);
    else
        con_printf("%s", r->what);
}

void t_bench(const struct guest_opts *o)
{
    bool bulkhead = is_bulkhead_vmm();
    uint32_t ops = o->bench_ops;
    uint64_t f[3];

    con_printf("# bench: %u batches of %u operations per path, the first dropped; ticks per "
               "operation, minus the empty loop's median batch; %s\n", o->bench_batches, ops,
               bulkhead ? "under the Bulkhead VMM: every path must reach its target"
                        : "not under the Bulkhead VMM");
    uint32_t n = run(op_none, o);
    uint64_t loop = samples[n / 2];
    report("loop", n, 0, ops, f);
    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        const struct path *p = &paths[i];
        struct found r = p->probe(bulkhead);
        if (r.v != MEASURE) {
            con_printf("# bench: %s: ", p->name);
            say(&r);
            con_printf("\n");
            if (r.v == SKIP)
                tap_skip("not on this platform", "bench: %s", p->name);
            else
                tap(false, "bench: %s: the path does not reach its target (see above)", p->name);
            continue;
        }
        n = run(p->op, o);
        report(p->name, n, loop, ops, f);
        if (r.label)
            tap(true, "bench: %s: %s (%s 0x%lx): %lu/%lu/%lu ticks (min/median/p99)", p->name,
                r.what, r.label, r.value, f[0], f[1], f[2]);
        else
            tap(true, "bench: %s: %s: %lu/%lu/%lu ticks (min/median/p99)", p->name, r.what,
                f[0], f[1], f[2]);
    }
}
