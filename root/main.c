/* The root task. Today it is the system's in-system test suite: it runs
   the tests of the kernel interface (TAP through BH_SYS_PRINT) and exits;
   the kernel then tears its PD down and checks every page came back.
   With servers it also starts the servers of the boot configuration
   (module bulkhead.dtb) and runs the multi-PD tests on them.
   With fault=<kind> in its arguments it deliberately faults first thing, to
   test that hv contains it; with bench it prints the IPC benchmark instead;
   with nosuite (and servers) it only runs its configuration. */
#include "rt.h"
#include <string.h>

int main(const char *args, unsigned long cpus);

static unsigned ncpus = 1;

unsigned rt_cpus(void) { return ncpus; }

static bool has_arg(const char *args, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = args; *p; p++)
        if ((p == args || p[-1] == ' ') && !strncmp(p, want, n) && (p[n] == ' ' || !p[n] || p[n] == '='))
            return true;
    return false;
}

/* Addresses held in volatile variables so the compiler cannot see them. */
static volatile uintptr_t null_page = 0x10, kernel_page = 0xffffffff80200000ull;

static void fault(const char *args)
{
    if (has_arg(args, "fault=gp"))
        __asm__ volatile("cli");                             /* IOPL 0: #GP in ring 3 */
    if (has_arg(args, "fault=pf"))
        *(volatile int *)null_page = 1;
    if (has_arg(args, "fault=kernel"))
        *(volatile int *)kernel_page = 1;
    if (has_arg(args, "fault=ud"))
        __asm__ volatile("ud2");
}

/* The multi-PD tests: servers started from the measured configuration. */
static void run_servers(void)
{
    test_servers();
}

/* The kernel starts the root task with its argument string and the
   number of CPUs online. */
int main(const char *args, unsigned long cpus)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    ncpus = cpus ? (unsigned)cpus : 1;
    bh_tap((cs & 3) == 3, "root: running in ring 3 (cs=0x%x)", cs);
    bh_printf("# root: args=%s\n", args);
    if (has_arg(args, "bench")) {
        bench_ipc();
        bench_vmx();
        return 0;
    }
    fault(args);            /* returns only without a fault= argument */
    if (has_arg(args, "nosuite") && has_arg(args, "servers")) {
        bh_printf("# root: nosuite: the in-system suite is skipped\n");
        run_servers();      /* a configuration boot only (make bench) */
        return 0;
    }
    test_syscalls();
    test_caps();
    test_ipc();
    test_tlb();
    test_sm();
    test_teardown();
    test_fpu();
    test_regs();
    test_segbase();
    test_irq();
    test_vmx();
    test_vtd();
    test_devmem();
    if (has_arg(args, "servers"))
        run_servers();
    return 0;
}
