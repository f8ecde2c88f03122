/* Kernel entry: bring the machine up, run the root task, end. */
#include "boot.h"
#include "cmdline.h"
#include "console.h"
#include "elf.h"
#include "kmem.h"
#include "panic.h"
#include "selftest.h"
#include "syscall.h"
#include "root.h"
#include "sc.h"
#include "bkl.h"
#include "cpu.h"
#include "lapic.h"
#include "paging.h"
#include "percpu.h"
#include "pic.h"
#include "ioapic.h"
#include "power.h"
#include "serial.h"
#include "smp.h"
#include "timer.h"
#include "trap.h"
#include "vmx.h"
#include "dev.h"
#include "vtd.h"
#include <string.h>

void __attribute__((noreturn)) kmain(uint32_t magic, uint32_t info);

static struct boot_info bi;
static struct acpi_info ai;
static struct hv_opts opts;
static struct memmap mm;
static uint8_t bsp_entry_stack[KSTACK_SIZE] __attribute__((aligned(16)));
static uint8_t bsp_ist[4 * IST_STACK_SIZE] __attribute__((aligned(16)));

static const char *loader_proto(void) { return bi.protocol == 2 ? "mb2" : "mb1"; }

static void __attribute__((noreturn)) finish(void)
{
    tap_plan();
    kprintf("# bulkhead: end\n");
    hv_exit();
}

static void setup_options(void)
{
    struct cmdline_diag diag;
    const char *args = cmdline_args(bi.cmdline, bi.loader);
    cmdline_defaults(&opts);
    bool bad = cmdline_parse(args, &opts, &diag) != BH_OK;
    if (opts.serial_port)
        serial_init(opts.serial_port, opts.serial_baud);
    else
        serial_disable();
    kprintf("# boot: proto=%s loader=%s\n", loader_proto(), bi.loader_name);
    kprintf("# cmdline: %s\n", args);
    if (opts.id[0])
        kprintf("# id: %s\n", opts.id);
    for (unsigned i = 0; i < diag.count; i++)
        kprintf("hv: cmdline: %s\n", diag.msg[i]);
    if (diag.dropped)
        kprintf("hv: cmdline: %u more problems not shown\n", diag.dropped);
    if (bad)
        kprintf("hv: cmdline: malformed options ignored; booting with defaults for them\n");
}

static void setup_power(void)
{
    struct power_cfg pc = { .debugexit_port = opts.debugexit_port };
    const struct acpi_fadt_info *f = &ai.fadt;
    if (f->present) {
        if (f->pm1a_cnt.space == 1)
            pc.pm1a_cnt = (uint16_t)f->pm1a_cnt.address;
        if (f->pm1b_cnt.space == 1)
            pc.pm1b_cnt = (uint16_t)f->pm1b_cnt.address;
        pc.smi_cmd = (uint16_t)f->smi_cmd;
        pc.acpi_enable = f->acpi_enable;
        pc.reset_valid = f->reset_supported && f->reset_reg.space == 1;
        pc.reset_port = (uint16_t)f->reset_reg.address;
        pc.reset_value = f->reset_value;
        if (f->pm_tmr.space == 1 && f->pm_tmr.address)
            timer_set_pmtimer((uint16_t)f->pm_tmr.address, f->pm_tmr_32bit);
    }
    pc.s5_valid = ai.s5_status == BH_OK;
    pc.slp_typa = ai.slp_typa;
    pc.slp_typb = ai.slp_typb;
    power_setup(&pc, opts.exit_action);
}

static void setup_acpi(void)
{
    const char *why = "";
    enum bh_status s = boot_acpi(&bi, &ai, &why);
    if (s != BH_OK) {
        kprintf("hv: acpi: %s (status %d); continuing on one CPU\n", why, s);
        memset(&ai, 0, sizeof ai);
    } else if (ai.problems) {
        kprintf("hv: acpi: %u problems, first: %s\n", ai.problems, ai.why);
    }
    kprintf("# acpi: rev %u oem %s tables %u cpus %u ioapics %u mcfg %u dmar %s\n",
            ai.rsdp_revision, ai.oem_id, ai.ntables, ai.madt.ncpus, ai.madt.nioapics,
            ai.nmcfg, ai.dmar.present ? "yes" : "no");
    for (unsigned i = 0; i < ai.dmar.ndrhd; i++)
        kprintf("# acpi: dmar unit %u at %lx scopes %u%s\n", i, ai.dmar.drhd[i].base,
                ai.dmar.drhd[i].nscopes, ai.dmar.drhd[i].include_pci_all ? " (all PCI)" : "");
    setup_power();
}

static void setup_memory(void)
{
    boot_build_memmap(&bi, &ai, &mm);
    uint64_t total = memmap_total(&mm);
    if (kmem_init(&mm) != BH_OK)
        panic("no usable memory for the page allocator (%lu bytes in the map)", total);
    uint64_t top = mm.n ? mm.r[mm.n - 1].end : 0;
    if (top > (4ull << 30)) {
        if (paging_physmap_extend(4ull << 30, top) != BH_OK)
            kprintf("hv: memory above 4 GiB not mapped: out of page tables\n");
        else
            kmem_set_reachable(top);
    }
    kprintf("# memory: %lu KiB usable in %u ranges, %lu pages free\n", total >> 10, mm.n,
            kmem_free_count());
}

static void setup_cpus(void)
{
    lapic_setup(opts.apic == HV_APIC_XAPIC, ai.madt.lapic_addr);
    if (opts.apic == HV_APIC_X2APIC && !lapic_is_x2apic())
        kprintf("hv: apic=x2apic requested, but this CPU has no x2APIC; using xAPIC\n");
    lapic_init_cpu();
    timer_calibrate();
    enum timer_mode want = opts.timer == HV_TIMER_LAPIC ? TIMER_LAPIC
                         : opts.timer == HV_TIMER_TSC_DEADLINE ? TIMER_TSC_DEADLINE : TIMER_AUTO;
    enum timer_mode got = timer_select(want);
    if (want == TIMER_TSC_DEADLINE && got != TIMER_TSC_DEADLINE)
        kprintf("hv: timer=tsc-deadline requested, but it is missing or does not fire; using %s\n",
                timer_mode_name(got));
    kprintf("# apic: %s id %u, timer %s, tsc %lu kHz\n", lapic_is_x2apic() ? "x2apic" : "xapic",
            lapic_id(), timer_mode_name(got), timer_tsc_hz() / 1000);
    selftest_timer(got);
    syscall_init_cpu();
    if (percpu_io_init(&cpus[0]) != BH_OK)
        panic("no memory for the I/O bitmap window");
    kprintf("# ioapic: %u interrupt lines\n", ioapic_init(&ai));
    sched_init_cpu(0);
    vmx_init_cpu(0);
    if (opts.no_1g) {                  /* before any PD exists */
        vmx_feat.ept_1g = false;
        paging_hide_1g();
    }
    uint32_t ids[MAX_CPUS];
    unsigned n = 0;
    for (unsigned i = 0; i < ai.madt.ncpus && n < MAX_CPUS; i++)
        if (ai.madt.cpus[i].enabled)
            ids[n++] = ai.madt.cpus[i].apic_id;
    unsigned max = opts.smp_max ? opts.smp_max : MAX_CPUS;
    unsigned up = smp_boot(ids, n, max);
    unsigned expect = n ? (n < max ? n : max) : 1;
    kprintf("# cpus: %u/%u\n", up, n ? n : 1);
    tap_result(up == expect, "smp: %u of %u CPUs online", up, expect);
    selftest_ap_timers(up);
    vmx_report(up);
}

/* Starts the root task (the module named by root=, else the first) and
   returns true, or explains why there is none and returns false. */
static bool start_root(void)
{
    const struct boot_module *root = NULL;
    unsigned ri = 0;
    for (unsigned i = 0; i < bi.module_count && !root; i++)
        if (!opts.root[0] ? i == 0 : !strcmp(bi.modules[i].cmd.name, opts.root))
            root = &bi.modules[i], ri = i;
    if (!root) {
        kprintf("hv: no root task: %s\n", bi.module_count ? "no module matches root=" : "no boot modules");
        return false;
    }
    const char *why = "";
    if (root_start(&bi, ri, &why) != BH_OK) {
        kprintf("hv: no root task: module %u (%s) rejected: %s\n", ri, root->cmd.name, why);
        return false;
    }
    kprintf("# root task %s started\n", root->cmd.name);
    return true;
}

static void check_modules(void)
{
    boot_report_modules(&bi);
    for (unsigned i = 0; i < bi.module_count; i++) {
        struct elf_image ei;
        const char *why = "";
        const struct boot_module *m = &bi.modules[i];
        const void *p = boot_phys_map(NULL, m->start, m->end - m->start);
        uint64_t len = m->end - m->start;
        if (!p)
            kprintf("hv: module %u (%s) rejected: unreadable\n", i, m->cmd.name);
        else if (len < 4 || memcmp(p, "\177ELF", 4) != 0)
            kprintf("# module %u (%s): not an ELF image; data for the root task\n", i, m->cmd.name);
        else if (elf_check(p, len, &ei, &why) != BH_OK)
            kprintf("hv: module %u (%s) rejected: %s\n", i, m->cmd.name, why);
    }
}

void kmain(uint32_t magic, uint32_t info)
{
    cpus[0].self = &cpus[0];
    wrmsr(MSR_GS_BASE, (uint64_t)&cpus[0]);
    serial_init(0x3f8, 115200);
    kprintf("\nBulkhead hv starting\n");
    pic_disable();
    idt_init();
    idt_load();
    percpu_init(&cpus[0], 0, (uint64_t)bsp_entry_stack + sizeof bsp_entry_stack, (uint64_t)bsp_ist);
    paging_init();
    struct mbi_mem mem = { NULL, boot_phys_map };
    const char *why = "";
    enum bh_status s = mbi_parse(magic, info, &mem, &bi, &why);
    if (s != BH_OK)
        panic("boot information unusable (magic %x): %s", magic, why);
    setup_options();
    for (unsigned i = 0; i < bi.note_count; i++)
        kprintf("hv: boot info: %s\n", bi.notes[i]);
    tap_result(true, "boot: %s information from '%s' parsed", loader_proto(), bi.loader_name);
    setup_acpi();
    setup_memory();
    selftest_paging();
    selftest_memory(&bi, &ai);
    setup_cpus();
    dev_init(&ai, &bi);                /* PCI functions (ECAM), then DMA remapping */
    vtd_init(&ai, &opts);
    selftest_named(&opts);
    check_modules();
    if (!start_root())
        finish();
    bkl_lock();
    schedule();
}
