/*
 * The per-guest VMM (vmm/README.md). Started by the root task's server
 * manager with its own PD (CTRL at SEL_SELF), a call capability to its
 * UART server (SEL_UART) and the guest image as a data module named
 * "guest" (bh/svcinfo.h). It makes the VM PD, gives it RAM from its own
 * quota, loads the image and the command string, creates the exit
 * portals and the vCPU, and waits until the VM ends; then it reports and
 * ends itself.
 */
#include "vmm.h"
#include "lib/fmt.h"
#include "uart_proto.h"
#include <bh/io.h>
#include <bh/srv.h>
#include <bh/svcinfo.h>
#include <string.h>

int main(const char *args, unsigned long arg2);

#define HANDLER_UTCB 0x20001000ull
#define VM_SLOTS 16u
#define VM_QUOTA_PAGES 160u            /* EPT tables, mapping nodes, the vCPU (3 pages) */
#define VCPU_BUDGET_US 10000u
#define VCPU_PERIOD_US 10000u

struct vm vm;
static uint8_t handler_stack[65536] __attribute__((aligned(16)));

static uint64_t ticks(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* The exit handler, a local EC: each call is one exit (rsi = reason),
   with the guest state in its UTCB; the reply names what to write back. */
static void __attribute__((noreturn)) handler(uint64_t badge, uint64_t reason)
{
    struct bh_vmstate *s = (struct bh_vmstate *)((struct bh_utcb *)HANDLER_UTCB)->mr;
    for (;;) {
        struct vexit x = { .s = s, .reason = reason };
        vmm_handle(&x);
        if (x.stop) {
            bh_kill_pd(SEL_VM);        /* main sees the VM's death semaphore */
            s->mtd = 0;
        } else {
            s->mtd = x.out;
        }
        struct bh_msg m = { 0, { 0 } };
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(98);
        reason = m.w[0];
    }
}

/* The TSC rate, against the kernel's timeouts (which run on the TSC as
   the kernel calibrated it): the shortest of five 5 ms downs that time
   out. A timed wait may end late, never early: the EC may not run at
   once when it is woken (the root task starting other servers at a
   higher priority, say), so the shortest is the best estimate. The
   kernel does not tell user space its TSC rate (vmm/README.md). */
static enum bh_status calibrate(void)
{
    enum bh_status s = bh_create_sm(SEL_CALIB, SEL_SELF, 0);
    if (s != BH_OK)
        return s;
    uint64_t best = ~0ull;
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = ticks();
        bh_sm_down(SEL_CALIB, 5000);
        uint64_t t = ticks() - t0;
        if (t < best)
            best = t;
    }
    vm.tsc_khz = best / 5 ? best / 5 : 1;
    vm.tsc_hz = vm.tsc_khz * 1000;
    return BH_OK;
}

static const struct svc_module *find_module(const struct svc_info *info, const char *name)
{
    for (unsigned i = 0; i < info->nmodules && i < SVC_MODULES_MAX; i++)
        if (!strncmp(info->mod[i].name, name, SVC_NAME_MAX))
            return &info->mod[i];
    return NULL;
}

#define RAM_FLAGS (BH_M_R | BH_M_W | BH_M_X)

/* One whole 2 MiB chunk of guest RAM as a block: fresh (contiguous) and
   shared whole, one 2 MiB EPT leaf. False, with nothing left mapped,
   where that cannot be (no contiguous block, no 2 MiB EPT pages). */
static bool ram_block(uint64_t va, uint64_t gpa)
{
    if (bh_map(SEL_SELF, va, va, BH_MAP_MAX, RAM_FLAGS | BH_MAP_FRESH | BH_MAP_2M) != BH_OK)
        return false;
    if (bh_map(SEL_VM, va, gpa, BH_MAP_MAX, RAM_FLAGS | BH_MAP_GUEST | BH_MAP_2M) == BH_OK)
        return true;
    bh_unmap(va, BH_MAP_MAX, BH_REVOKE_SELF);
    return false;
}

/* Guest RAM: fresh pages in the VMM's own space (its quota), shared into
   the VM as write-back RAM at guest-physical 0; 2 MiB blocks where they
   fit (GUEST_RAM_VA and each chunk's address are 2 MiB-aligned), 4 KiB
   pages for the rest. */
static enum bh_status make_ram(const char **why)
{
    uint64_t pages = vm.ram_size / 4096;
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < BH_MAP_MAX ? pages - done : BH_MAP_MAX;
        uint64_t va = GUEST_RAM_VA + done * 4096;
        /* With passthrough a device's DMA mirrors guest RAM page by page
           (BH_MAP_DMA takes no 2 MiB block), so RAM stays in 4 KiB pages. */
        unsigned dma = vm.args.passthrough ? BH_M_DMA : 0;
        if (!dma && n == BH_MAP_MAX && ram_block(va, done * 4096)) {
            vm.ram_blocks++;
            done += n;
            continue;
        }
        enum bh_status s = bh_map(SEL_SELF, va, va, n, BH_M_R | BH_M_W | BH_M_X | dma | BH_MAP_FRESH);
        if (s != BH_OK) {
            *why = "fresh pages for guest RAM";
            return s;
        }
        s = bh_map(SEL_VM, va, done * 4096, n, BH_M_R | BH_M_W | BH_M_X | BH_MAP_GUEST);
        if (s != BH_OK) {
            *why = "mapping guest RAM into the VM";
            return s;
        }
        done += n;
    }
    vm.ram = (uint8_t *)GUEST_RAM_VA;
    return BH_OK;
}

/* The exit portals (one per reason the VMM handles, all to the one
   handler EC; the kernel stops the vCPU on a reason without one), the
   vCPU and its SC. */
static enum bh_status make_vcpu(const char **why)
{
    cpuid_init();
    enum bh_status s = bh_create_ec(SEL_HANDLER, SEL_SELF, vm.cpu, BH_EC_LOCAL, HANDLER_UTCB,
                                    (uint64_t)handler, (uint64_t)&handler_stack[sizeof handler_stack] - 8);
    *why = "the exit handler's EC";
    static uint64_t mtd[BH_VM_EXITS];
    exit_portals(mtd);
    for (unsigned r = 0; s == BH_OK && r < BH_VM_EXITS; r++)
        if (mtd[r] && (s = bh_create_pt_mtd(SEL_EXIT_BASE + r, SEL_SELF, SEL_HANDLER, r, mtd[r])) != BH_OK)
            *why = "an exit portal";
    if (s == BH_OK && (s = bh_create_vcpu(SEL_VCPU, SEL_VM, vm.cpu, SEL_SELF, SEL_EXIT_BASE)) != BH_OK)
        *why = "the vCPU";
    if (s == BH_OK && (s = bh_create_sc(SEL_VCPU_SC, SEL_SELF, SEL_VCPU, vm.args.vcpu_prio,
                                        VCPU_BUDGET_US, VCPU_PERIOD_US)) != BH_OK)
        *why = "the vCPU's SC";
    return s;
}

/* Tells the UART server the guest's name (its line prefix) and checks
   that it answers from this CPU. */
static void uart_hello(void)
{
    struct bh_msg m = { 4, { UART_OP_NAME, 0, 0, 0 } };
    memcpy(&m.w[1], vm.name, strnlen(vm.name, UART_NAME_MAX));
    enum bh_status s = bh_call(SEL_UART, &m);
    vm.uart_ok = s == BH_OK && m.w[0] == BH_OK;
    if (!vm.uart_ok)
        bh_printf("# vmm %s: the UART server does not answer (status %d/%lu; is it on CPU %u?): "
                  "the guest's serial output is lost\n", vm.name, s, s == BH_OK ? m.w[0] : 0, vm.cpu);
}

static void report(void)
{
    bh_printf("# vmm %s: VM ended: %s\n", vm.name, vm.why[0] ? vm.why : "(no reason recorded)");
    bh_printf("# vmm %s: %lu exits: io %lu, mmio %lu, msr %lu, cpuid %lu, hlt %lu, preempt %lu, "
              "window %lu; %lu interrupts and %lu exceptions injected; %lu halt waits\n", vm.name,
              vm.exits, vm.by_reason[EXIT_IO], vm.by_reason[EXIT_EPT_VIOLATION],
              vm.by_reason[EXIT_RDMSR] + vm.by_reason[EXIT_WRMSR], vm.by_reason[EXIT_CPUID],
              vm.by_reason[EXIT_HLT], vm.by_reason[EXIT_PREEMPT], vm.by_reason[EXIT_INTR_WINDOW],
              vm.injected_irqs, vm.injected_exc, vm.halt_waits);
    bh_printf("# vmm %s: unassigned ports %lu reads, %lu writes; unknown MSRs %lu; unassigned "
              "MMIO %lu; %lu UART calls; APIC timer fired %lu times\n", vm.name, vm.unknown_pio_rd,
              vm.unknown_pio_wr, vm.unknown_msr, vm.unassigned_mmio, vm.uart_calls, vm.lapic.fired);
    pt_report();
}

int main(const char *args, unsigned long arg2)
{
    (void)arg2;
    /* The info page is there only if the configuration gave data modules;
       without it the read below faults and the root says so. */
    const struct svc_info *info = (const struct svc_info *)SVC_INFO_VA;
    unsigned type = 0, rights = 0;
    bool have_self = bh_lookup(SEL_SELF, &type, &rights) == BH_OK && type == BH_OBJ_PD &&
                     (rights & BH_R_CTRL);
    if (svc_serve(NULL) != BH_OK)
        return 1;
    if (!have_self || info->magic != SVC_INFO_MAGIC) {
        bh_printf("# vmm: no CTRL capability to its own PD at selector %u, or no information "
                  "page: check the configuration\n", SEL_SELF);
        return 1;
    }
    snfmt(vm.name, sizeof vm.name, "%.31s", info->name);
    vm.cpu = info->cpu;
    char err[96];
    if (vmm_args_parse(args, &vm.args, err, sizeof err) != BH_OK) {
        bh_printf("# vmm %s: bad arguments: %s; not starting the guest\n", vm.name, err);
        return 1;
    }
    const struct svc_module *img = find_module(info, "guest");
    vm.ram_size = (uint64_t)vm.args.ram_mib << 20;
    if (!img || img->size == 0 || img->size > vm.ram_size - GUEST_LOAD) {
        bh_printf("# vmm %s: no data module 'guest' that fits %u MiB of RAM above 0x7c00\n", vm.name,
                  vm.args.ram_mib);
        return 1;
    }

    /* Without VMX there is nothing to do: say so and end cleanly. */
    char vmname[32];
    snfmt(vmname, sizeof vmname, "%.25s-guest", vm.name);
    enum bh_status s = bh_create_sm(SEL_VM_DEATH, SEL_SELF, 0);
    if (s == BH_OK)
        s = (enum bh_status)bh_syscall6(BH_SYS_CREATE_PD, SEL_VM, SEL_SELF, VM_SLOTS | BH_PD_VM,
                                        VM_QUOTA_PAGES + pt_vm_quota(vm.ram_size / 4096),
                                        SEL_VM_DEATH, (uint64_t)vmname);
    if (s == BH_ENOTSUP) {
        bh_printf("# vmm %s: cannot run guests: no VMX on this machine (BH_PD_VM: status %d); "
                  "exiting\n", vm.name, s);
        return 0;
    }
    const char *why = "the VM PD";
    if (s == BH_OK)
        s = calibrate(), why = "calibrating the TSC";
    if (s == BH_OK)
        s = make_ram(&why);
    if (s == BH_OK)
        s = bh_create_sm(SEL_WAKE, SEL_SELF, 0), why = "a semaphore";
    if (s != BH_OK) {
        bh_printf("# vmm %s: cannot start the guest: %s (status %d)\n", vm.name, why, s);
        return 1;
    }
    memcpy(vm.ram + GUEST_LOAD, (const void *)img->va, img->size);
    if (vm.args.has_cmdline)
        memcpy(vm.ram + GUEST_CMDLINE, vm.args.cmdline, strlen(vm.args.cmdline) + 1);
    pic_reset(&vm.pic);
    pit_reset(&vm.pit, vm.tsc_hz);
    rtc_reset(&vm.rtc, vm.tsc_hz);
    lapic_reset(&vm.lapic);
    vm.misc_enable = 1;                /* fast strings */
    uart_hello();
    if ((s = devs_init()) != BH_OK) {
        bh_printf("# vmm %s: cannot start the guest: the device bus (status %d)\n", vm.name, s);
        return 1;
    }
    if ((s = pt_init(info->priority)) != BH_OK) {
        bh_printf("# vmm %s: cannot start the guest: passthrough (status %d)\n", vm.name, s);
        bh_kill_pd(SEL_VM);
        return 1;
    }
    bh_printf("# vmm %s: guest '%s' (%lu bytes) at 0x%lx, %u MiB RAM, command string \"%s\", "
              "vCPU on cpu %u, TSC %lu kHz, RAM in 2 MiB pages: %u of %lu\n", vm.name, img->name,
              img->size, (uint64_t)GUEST_LOAD, vm.args.ram_mib, vm.args.cmdline, vm.cpu, vm.tsc_khz,
              vm.ram_blocks, vm.ram_size >> 21);
    if ((s = make_vcpu(&why)) != BH_OK) {
        bh_printf("# vmm %s: cannot start the guest: %s (status %d)\n", vm.name, why, s);
        bh_kill_pd(SEL_VM);
        return 1;
    }
    bh_sm_down(SEL_VM_DEATH, 0);
    if (vm.end == VM_RUNNING)
        snfmt(vm.why, sizeof vm.why, "the kernel stopped the vCPU (see its message above)");
    report();
    bh_kill_pd(SEL_SELF);              /* the handler EC and every object go with the PD */
    return 0;
}
