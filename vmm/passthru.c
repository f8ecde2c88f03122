/* Passing a PCI function through to the guest (`passthrough=BB:DD.F`,
   vmm/README.md "Passthrough"). The VMM gets the function's DEV
   capability from the PCI server (selector 18, its client number in the
   portal's badge), assigns it to the VM PD's DMA space and mirrors guest
   RAM there at IOVA = GPA (each DMA mapping a child of the VMM's own
   guest-RAM page, so unmapping that page takes it from the device too),
   shares the BARs into the guest as uncached memory at the addresses the
   guest gives them, and presents the configuration space (vpci.c) on
   ports 0xcf8-0xcff. The MSI-X table and PBA pages are not shared: they
   trap to the VMM, which keeps the guest's table (vpci.c) and binds each
   entry the guest enables to a semaphore of its own through interrupt
   remapping (BH_DEV_MSI_BIND); one thread per bound entry waits on it,
   marks the entry fired and recalls the vCPU, and the handler injects
   the vector the guest programmed (pt_poll, from irq.c's tick). */
#include "vmm.h"
#include "vpci.h"
#include <bh/io.h>
#include <bh/pci.h>
#include <string.h>

#define SEL_PCI 18u                        /* configured: the PCI server, CALL, badged */
#define SEL_PT_DEV 40u
#define SEL_PT_SM 48u                      /* 48..55: a semaphore per bound MSI-X entry */
#define SEL_PT_EC 56u                      /* 56..63: its thread */
#define SEL_PT_SC 64u                      /* 64..71: the thread's SC */
#define PT_CFG_VA 0x0000000300000000ull    /* the function's ECAM page, read-only */
#define PT_BAR_VA 0x0000000310000000ull    /* BAR i at PT_BAR_VA + i * PT_BAR_MAX */
#define PT_BAR_MAX (16ull << 20)           /* the largest BAR passed through */
#define PT_UTCB_VA 0x0000000020100000ull   /* the threads' UTCBs, a page each */
#define PT_GUEST_BARS 0xe0000000ull        /* where the guest's BARs start */
#define PT_GUEST_BARS_END 0xfe000000ull    /* below the VMM's own MMIO devices */
#define PT_STACK 8192u
#define REPORT_MAX 4u

static struct {
    bool on;
    struct vpci v;
    uint32_t sbdf;
    volatile const uint32_t *cfg;          /* the real function's configuration page */
    uint32_t real_n;                       /* MSI-X entries the device has */
    uint64_t mapped[VPCI_BARS];            /* GPA each BAR is shared at, or ~0 */
    bool bound[VPCI_MSIX_MAX];
    unsigned prio;
    uint64_t host_msgs, injected, dropped, map_errors;
} pt;

struct trap { unsigned bar; uint64_t first, len; };
static struct trap traps[4];
static unsigned ntraps;
static uint8_t stacks[VPCI_MSIX_MAX][PT_STACK] __attribute__((aligned(16)));

static volatile uint8_t *bar_va(unsigned i) { return (volatile uint8_t *)(PT_BAR_VA + i * PT_BAR_MAX); }

/* ---- interrupts ---------------------------------------------------------- */

static void __attribute__((noreturn)) msi_loop(unsigned i)
{
    for (;;) {
        if (bh_sm_down(SEL_PT_SM + i, 0) != BH_OK)
            continue;
        __atomic_fetch_or(&pt_fired, 1u << i, __ATOMIC_SEQ_CST);
        bh_syscall6(BH_SYS_VCPU_CTRL, SEL_VCPU, BH_VCPU_RECALL, 0, 0, 0, 0);
        bh_sm_up(SEL_WAKE);                /* a halted guest wakes too */
        bh_dev_msi(SEL_PT_DEV, BH_DEV_MSI_UNMASK, 0, 0, i | BH_DEV_MSIX, NULL);
    }
}

#define MSI_THREAD(n) static void msi_thread##n(void) { msi_loop(n); }
MSI_THREAD(0) MSI_THREAD(1) MSI_THREAD(2) MSI_THREAD(3)
MSI_THREAD(4) MSI_THREAD(5) MSI_THREAD(6) MSI_THREAD(7)
static void (*const threads[VPCI_MSIX_MAX])(void) = {
    msi_thread0, msi_thread1, msi_thread2, msi_thread3,
    msi_thread4, msi_thread5, msi_thread6, msi_thread7,
};

/* Binds host entry i (it stays bound: the guest's masks are virtual),
   writes the remappable message into the device's table, unmasks it
   there and starts its thread. */
static enum bh_status bind(unsigned i)
{
    uint64_t out[3];
    unsigned tb = pt.v.msix_table & 7;
    volatile uint32_t *e = (volatile uint32_t *)(bar_va(tb) + (pt.v.msix_table & ~7u) + 16 * i);
    enum bh_status s = bh_create_sm(SEL_PT_SM + i, SEL_SELF, 0);
    if (s == BH_OK)
        s = bh_dev_msi(SEL_PT_DEV, BH_DEV_MSI_BIND, SEL_PT_SM + i, vm.cpu, i | BH_DEV_MSIX, out);
    if (s != BH_OK)
        return s;
    e[0] = (uint32_t)out[0], e[1] = (uint32_t)(out[0] >> 32), e[2] = (uint32_t)out[1];
    e[3] = 0;
    uint64_t sp = (uint64_t)&stacks[i][PT_STACK] - 8;
    s = bh_create_ec(SEL_PT_EC + i, SEL_SELF, vm.cpu, 0, PT_UTCB_VA + i * 4096ull,
                     (uint64_t)threads[i], sp);
    if (s == BH_OK)
        s = bh_create_sc(SEL_PT_SC + i, SEL_SELF, SEL_PT_EC + i, pt.prio, 1000, 10000);
    if (s == BH_OK)
        s = bh_dev_msi(SEL_PT_DEV, BH_DEV_MSI_UNMASK, 0, 0, i | BH_DEV_MSIX, NULL);
    return s;
}

static void sync_msix(void)
{
    for (unsigned i = 0; i < pt.v.msix_n; i++)
        if (!pt.bound[i] && vpci_msix_vector(&pt.v, i) >= 0) {
            enum bh_status s = bind(i);
            pt.bound[i] = true;            /* tried once: a failure is said once */
            if (s != BH_OK)
                bh_printf("# vmm %s: passthrough: MSI-X entry %u: cannot bind it (status %d): "
                          "its interrupts are lost\n", vm.name, i, s);
        }
    uint32_t ready = vpci_msix_unpend(&pt.v);
    for (unsigned i = 0; i < pt.v.msix_n; i++)
        if (ready & 1u << i) {
            lapic_raise(&vm.lapic, (unsigned)vpci_msix_vector(&pt.v, i));
            pt.injected++;
            irq_touch();
        }
}

volatile uint32_t pt_fired;

void pt_poll(void)
{
    if (!pt_fired)
        return;
    uint32_t f = __atomic_exchange_n(&pt_fired, 0, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < VPCI_MSIX_MAX; i++)
        if (f & 1u << i) {
            pt.host_msgs++;
            int vec = vpci_msix_fire(&pt.v, i);
            if (vec >= 0)
                lapic_raise(&vm.lapic, (unsigned)vec), pt.injected++;
            else
                pt.dropped++;              /* pending in the PBA, or MSI-X off */
        }
}

/* ---- memory -------------------------------------------------------------- */

/* The trapped pages of BAR i (the MSI-X table's and the PBA's). */
static bool trapped(unsigned bar, uint64_t page)
{
    for (unsigned t = 0; t < ntraps; t++)
        if (traps[t].bar == bar && page >= traps[t].first && page < traps[t].first + traps[t].len)
            return true;
    return false;
}

static uint64_t trap_read(void *dev, uint64_t off, unsigned width);
static void trap_write(void *dev, uint64_t off, unsigned width, uint64_t val);
static const struct bus_ops trap_ops = { trap_read, trap_write };

/* Takes BAR i out of the guest (shares and trap ranges). */
static void bar_unmap(unsigned i)
{
    if (pt.mapped[i] == ~0ull)
        return;
    bh_unmap((uint64_t)bar_va(i), pt.v.bar[i].size / 4096, 0);   /* the guest's copies only */
    for (unsigned t = 0; t < ntraps; t++)
        if (traps[t].bar == i)
            bus_remove(&vm.mmio, pt.mapped[i] + traps[t].first * 4096);
    pt.mapped[i] = ~0ull;
}

/* Shares BAR i into the guest at gpa, uncached (hv makes device memory
   UC in EPT), except its trapped pages, which go on the MMIO bus. */
static enum bh_status bar_map(unsigned i, uint64_t gpa)
{
    uint64_t pages = pt.v.bar[i].size / 4096;
    enum bh_status s = BH_OK;
    pt.mapped[i] = gpa;
    for (uint64_t p = 0; p < pages && s == BH_OK;) {
        if (trapped(i, p)) {
            p++;
            continue;
        }
        uint64_t n = 1;
        while (p + n < pages && n < BH_MAP_MAX && !trapped(i, p + n))
            n++;
        s = bh_map(SEL_VM, (uint64_t)bar_va(i) + p * 4096, gpa + p * 4096, n,
                   BH_M_R | BH_M_W | BH_MAP_GUEST);
        p += n;
    }
    for (unsigned t = 0; t < ntraps && s == BH_OK; t++)
        if (traps[t].bar == i)
            s = bus_add(&vm.mmio, gpa + traps[t].first * 4096, traps[t].len * 4096, "pt-msix",
                        &trap_ops, &traps[t], NULL);
    return s;
}

/* Moves the BARs to where the guest's configuration space says. */
static void sync_bars(void)
{
    for (unsigned i = 0; i < VPCI_BARS; i++) {
        uint64_t gpa = ~0ull, size;
        if (!vpci_bar_live(&pt.v, i, &gpa, &size))
            gpa = ~0ull;
        if (gpa == pt.mapped[i])
            continue;
        bar_unmap(i);
        if (gpa == ~0ull)
            continue;
        enum bh_status s = bar_map(i, gpa);
        if (s != BH_OK) {
            if (pt.map_errors++ < REPORT_MAX)
                bh_printf("# vmm %s: passthrough: BAR%u at guest 0x%lx: cannot map it there "
                          "(status %d): left unmapped\n", vm.name, i, gpa, s);
            bar_unmap(i);
        }
    }
}

/* An access to a trapped page: the MSI-X table and PBA are the guest's
   (vpci.c); anything else in those pages is the device's register. */
static uint64_t trap_read(void *dev, uint64_t off, unsigned width)
{
    const struct trap *t = dev;
    uint64_t b = t->first * 4096 + off;
    uint64_t tab = pt.v.msix_table & ~7u, pba = pt.v.msix_pba & ~7u;
    if ((pt.v.msix_table & 7) == t->bar && b - tab < pt.real_n * 16ull)
        return vpci_msix_read(&pt.v, b - tab, width);
    if ((pt.v.msix_pba & 7) == t->bar && b - pba < (pt.real_n + 63) / 64 * 8ull)
        return vpci_pba_read(&pt.v, b - pba, width);
    volatile uint8_t *r = bar_va(t->bar) + b;
    switch (width) {
    case 1: return *r;
    case 2: return *(volatile uint16_t *)r;
    case 4: return *(volatile uint32_t *)r;
    default: return *(volatile uint64_t *)r;
    }
}

static void trap_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
    const struct trap *t = dev;
    uint64_t b = t->first * 4096 + off;
    uint64_t tab = pt.v.msix_table & ~7u, pba = pt.v.msix_pba & ~7u;
    if ((pt.v.msix_table & 7) == t->bar && b - tab < pt.real_n * 16ull) {
        if (vpci_msix_write(&pt.v, b - tab, width, val))
            sync_msix();
        return;
    }
    if ((pt.v.msix_pba & 7) == t->bar && b - pba < (pt.real_n + 63) / 64 * 8ull)
        return;                            /* the PBA is read-only */
    volatile uint8_t *r = bar_va(t->bar) + b;
    switch (width) {
    case 1: *r = (uint8_t)val; break;
    case 2: *(volatile uint16_t *)r = (uint16_t)val; break;
    case 4: *(volatile uint32_t *)r = (uint32_t)val; break;
    default: *(volatile uint64_t *)r = val; break;
    }
}

/* ---- configuration space ------------------------------------------------- */

static uint64_t cfg_read(void *dev, uint64_t off, unsigned width)
{
    (void)dev;
    return vpci_port_read(&pt.v, (unsigned)off, width);
}

static void cfg_write(void *dev, uint64_t off, unsigned width, uint64_t val)
{
    (void)dev;
    uint16_t ctl = pt.v.msix_ctl;
    if (vpci_port_write(&pt.v, (unsigned)off, width, (uint32_t)val))
        sync_bars();
    if (pt.v.msix_ctl != ctl)
        sync_msix();
}

static const struct bus_ops cfg_ops = { cfg_read, cfg_write };

/* ---- start-up ------------------------------------------------------------ */

static enum bh_status get_device(const char **why)
{
    struct bh_msg m;
    enum bh_status s = pci_get((struct bh_utcb *)BH_ROOT_UTCB, SEL_PCI, SEL_PT_DEV, 0, m.w);
    *why = "asking the PCI server (selector 18) for the function";
    if (s != BH_OK)
        return s;
    pt.sbdf = (uint32_t)m.w[1];
    if (pt.sbdf != vm.args.pt_bdf) {
        *why = "the PCI server handed out another function than passthrough= names";
        return BH_EINVAL;
    }
    return BH_OK;
}

/* The function's MSI-X capability (PCI 3.0, 6.8.2) in its ECAM page: its
   offset, or 0. The list is walked at most 48 steps. */
static unsigned find_msix(void)
{
    return pci_cap_find(pt.cfg, 0x11);
}

/* Maps every memory BAR into the VMM (at PT_BAR_VA) and fills the
   configuration model from the real function. */
static enum bh_status read_device(const char **why)
{
    uint64_t out[3];
    enum bh_status s = bh_dev_map(SEL_PT_DEV, PT_CFG_VA, BH_DEV_REGION(BH_DEV_REGION_CFG, BH_M_R),
                                  0, 1, out);
    *why = "mapping the function's configuration page";
    if (s != BH_OK)
        return s;
    pt.cfg = (volatile const uint32_t *)PT_CFG_VA;
    pt.v.id = pt.cfg[0];
    pt.v.class_rev = pt.cfg[2];
    pt.v.subsys = pt.cfg[0x2c / 4];
    bool upper = false;                    /* this register is a 64-bit BAR's upper half */
    for (unsigned i = 0; i < VPCI_BARS; i++) {
        pt.mapped[i] = ~0ull;
        uint32_t reg = pt.cfg[(0x10 + 4 * i) / 4];
        if (upper) {
            pt.v.bar[i].upper = pt.v.bar[i - 1].is64;   /* presented only if the BAR is */
            upper = false;
            continue;
        }
        upper = !(reg & 1) && (reg >> 1 & 3) == 2;
        if (reg & 1)
            continue;                      /* an I/O BAR: not passed through */
        uint64_t va = (uint64_t)bar_va(i);
        s = bh_dev_map(SEL_PT_DEV, va, BH_DEV_REGION(i, BH_M_R | BH_M_W), 0, 1, out);
        if (s == BH_ENOENT)
            continue;                      /* absent */
        *why = "mapping a BAR (BH_DEV_MAP)";
        if (s != BH_OK)
            return s;
        uint64_t size = out[1];
        if (size > PT_BAR_MAX || (size & (size - 1))) {
            *why = "a BAR larger than 16 MiB";
            return BH_ERANGE;
        }
        for (uint64_t p = 1; p < size / 4096 && s == BH_OK; p += BH_MAP_MAX) {
            uint64_t n = size / 4096 - p < BH_MAP_MAX ? size / 4096 - p : BH_MAP_MAX;
            s = bh_dev_map(SEL_PT_DEV, va + p * 4096, BH_DEV_REGION(i, BH_M_R | BH_M_W), p, n, out);
        }
        if (s != BH_OK)
            return s;
        pt.v.bar[i] = (struct vpci_bar){ .size = size, .is64 = (reg >> 1 & 3) == 2,
                                         .pref = reg & 8 };
    }
    return BH_OK;
}

/* The MSI-X table's and PBA's pages trap; the guest sees at most
   VPCI_MSIX_MAX entries. */
static void setup_msix(void)
{
    unsigned cap = find_msix();
    if (!cap)
        return;
    uint32_t tab = pt.cfg[cap / 4 + 1], pba = pt.cfg[cap / 4 + 2];
    if ((tab & 7) >= VPCI_BARS || (pba & 7) >= VPCI_BARS || !pt.v.bar[tab & 7].size ||
        !pt.v.bar[pba & 7].size)
        return;                            /* not in a memory BAR we pass through */
    pt.real_n = (pt.cfg[cap / 4] >> 16 & 0x7ff) + 1;
    pt.v.has_msix = true;
    pt.v.msix_n = (uint16_t)(pt.real_n < VPCI_MSIX_MAX ? pt.real_n : VPCI_MSIX_MAX);
    pt.v.msix_table = tab, pt.v.msix_pba = pba;
    uint64_t t0 = (tab & ~7u) / 4096, t1 = ((tab & ~7u) + pt.real_n * 16 - 1) / 4096;
    uint64_t p0 = (pba & ~7u) / 4096, p1 = ((pba & ~7u) + (pt.real_n + 63) / 64 * 8 - 1) / 4096;
    traps[ntraps++] = (struct trap){ tab & 7, t0, t1 - t0 + 1 };
    if ((pba & 7) != (tab & 7) || p1 < t0 || p0 > t1)
        traps[ntraps++] = (struct trap){ pba & 7, p0, p1 - p0 + 1 };
    else if (p0 < t0 || p1 > t1) {         /* overlapping: one range covers both */
        uint64_t a = p0 < t0 ? p0 : t0, b = p1 > t1 ? p1 : t1;
        traps[0] = (struct trap){ tab & 7, a, b - a + 1 };
    }
}

uint64_t pt_vm_quota(uint64_t ram_pages)
{
    if (!vm.args.passthrough)
        return 0;
    /* DMA mapping nodes (about 40 a page), their radix and the DMA
       space's tables (a page per 2 MiB each, plus the upper levels), the
       BARs' mapping nodes and EPT tables */
    return ram_pages / 32 + 2 * (ram_pages / 512) + 64;
}

enum bh_status pt_init(unsigned prio)
{
    if (!vm.args.passthrough)
        return BH_OK;
    const char *why = "";
    pt.prio = prio;
    vpci_reset(&pt.v);
    enum bh_status s = get_device(&why);
    if (s == BH_OK)
        s = read_device(&why);
    if (s == BH_OK) {
        setup_msix();
        why = "placing the BARs in the guest";
        if (!vpci_place_bars(&pt.v, PT_GUEST_BARS, PT_GUEST_BARS_END))
            s = BH_ERANGE;
    }
    if (s == BH_OK)
        s = bh_dev_ctrl(SEL_PT_DEV, BH_DEV_ASSIGN, SEL_VM, NULL), why = "assigning it to the VM";
    for (uint64_t off = 0; s == BH_OK && off < vm.ram_size; off += BH_MAP_MAX * 4096ull) {
        uint64_t n = (vm.ram_size - off) / 4096 < BH_MAP_MAX ? (vm.ram_size - off) / 4096 : BH_MAP_MAX;
        s = bh_map(SEL_VM, GUEST_RAM_VA + off, off, n, BH_M_R | BH_M_W | BH_MAP_DMA);
        why = "mirroring guest RAM into the VM's DMA space (IOVA = GPA)";
    }
    if (s == BH_OK)
        s = bus_add(&vm.pio, 0xcf8, 8, "pci-config", &cfg_ops, NULL, NULL), why = "ports 0xcf8-0xcff";
    if (s != BH_OK) {
        bh_printf("# vmm %s: passthrough %02x:%02x.%x: %s: status %d\n", vm.name,
                  vm.args.pt_bdf >> 8, vm.args.pt_bdf >> 3 & 31, vm.args.pt_bdf & 7, why, s);
        return s;
    }
    pt.on = true;
    bh_printf("# vmm %s: passthrough %02x:%02x.%x (%04x:%04x, class %06x) as 00:01.0; DMA space "
              "mirrors %lu MiB of guest RAM at IOVA = GPA; MSI-X: %u of %u entries\n", vm.name,
              pt.sbdf >> 8 & 0xff, pt.sbdf >> 3 & 31, pt.sbdf & 7, pt.v.id & 0xffff, pt.v.id >> 16,
              pt.v.class_rev >> 8, vm.ram_size >> 20, pt.v.msix_n, pt.real_n);
    for (unsigned i = 0; i < VPCI_BARS; i++)
        if (pt.v.bar[i].size)
            bh_printf("# vmm %s: passthrough BAR%u: %lu KiB%s, guest 0x%lx\n", vm.name, i,
                      pt.v.bar[i].size >> 10, pt.v.bar[i].is64 ? ", 64-bit" : "", pt.v.bar[i].gpa);
    return BH_OK;
}

void pt_report(void)
{
    if (!pt.on)
        return;
    uint64_t out[3] = { 0, 0, 0 };
    enum bh_status s = bh_dev_ctrl(SEL_PT_DEV, BH_DEV_FAULT_READ, 0, out);
    bh_printf("# vmm %s: passthrough: %lu host messages, %lu interrupts injected, %lu held or "
              "dropped; DMA faults: %lu%s\n", vm.name, pt.host_msgs, pt.injected, pt.dropped,
              s == BH_OK ? out[2] : 0, s == BH_OK ? " (see hv's log)" : "");
}
