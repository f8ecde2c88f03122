/* passthrough: drive a passed-through NVMe controller (NVMe 1.4) the way
 * a driver on bare metal would. The VMM presents it on bus 0 through
 * configuration mechanism #1 (0xcf8/0xcfc); the guest finds it by class
 * (01:08:02), sizes and places BAR0 itself, turns on memory decoding and
 * bus mastering, aims MSI-X entry 0 at its local APIC (vector 0x50),
 * builds the admin queues in its own RAM, enables the controller and
 * issues Identify Controller. Results: the function is found with a
 * sane BAR0; the controller becomes ready; the completion arrives (the
 * device's DMA reached guest-physical memory, IOVA = GPA); the identify
 * data has a printable model number; the MSI-X interrupt arrives as the
 * vector the guest chose. Every wait is bounded by the TSC. */
#include "console.h"
#include "paging.h"
#include "safe.h"
#include "tap.h"
#include "tests.h"
#include "trap.h"
#include "x86.h"

#define CFG_ADDR 0xcf8u
#define CFG_DATA 0xcfcu
#define NVME_CLASS 0x010802u
#define BAR0_GPA 0xe0000000ul           /* where the guest puts BAR0 (uncached GiB 3) */
#define ASQ_PA 0x200000ul               /* admin queues and the identify buffer: RAM */
#define ACQ_PA 0x201000ul
#define IDENT_PA 0x202000ul
#define QDEPTH 8u
#define MSI_VECTOR 0x50u
#define SPURIOUS_VECTOR 0xffu
#define WAIT_TICKS 20000000000ull       /* at least 5 s at up to 4 GHz */

#define NVME_CAP 0x00u
#define NVME_VS 0x08u
#define NVME_CC 0x14u
#define NVME_CSTS 0x1cu
#define NVME_AQA 0x24u
#define NVME_ASQ 0x28u
#define NVME_ACQ 0x30u
#define NVME_DBS 0x1000u

static volatile uint32_t msi_count;
static uint64_t bar, apic;

static uint32_t cfg_read(unsigned dev, unsigned reg)
{
    outl(CFG_ADDR, 0x80000000u | dev << 11 | (reg & 0xfcu));
    return inl(CFG_DATA);
}

static void cfg_write(unsigned dev, unsigned reg, uint32_t v)
{
    outl(CFG_ADDR, 0x80000000u | dev << 11 | (reg & 0xfcu));
    outl(CFG_DATA, v);
}

static uint32_t r32(uint32_t off) { return mmio_read32(bar + off); }
static void w32(uint32_t off, uint32_t v) { mmio_write32(bar + off, v); }
static uint64_t r64(uint32_t off) { return r32(off) | (uint64_t)r32(off + 4) << 32; }
static void w64(uint32_t off, uint64_t v) { w32(off, (uint32_t)v); w32(off + 4, (uint32_t)(v >> 32)); }

static void on_msi(struct trap_frame *f)
{
    (void)f;
    msi_count++;
    mmio_write32(apic + 0xb0, 0);       /* EOI */
}

static void on_spurious(struct trap_frame *f) { (void)f; }

/* The first function on bus 0 with the NVMe class, or -1. */
static int find_nvme(void)
{
    for (unsigned d = 0; d < 32; d++) {
        uint32_t id = cfg_read(d, 0);
        if ((id & 0xffff) == 0xffff)
            continue;
        if (cfg_read(d, 8) >> 8 == NVME_CLASS) {
            con_printf("# passthrough: 00:%02x.0 %04x:%04x class %06x\n", d, id & 0xffff, id >> 16,
                       NVME_CLASS);
            return (int)d;
        }
    }
    return -1;
}

/* Sizes BAR0 (PCI 3.0, 6.2.5.1), places it at BAR0_GPA, enables memory
   decoding and bus mastering. Returns its size, or 0. */
static uint64_t setup_bar(unsigned d)
{
    cfg_write(d, 4, 0);                 /* decoding off while sizing */
    uint32_t lo = cfg_read(d, 0x10);
    bool is64 = (lo >> 1 & 3) == 2;
    cfg_write(d, 0x10, 0xffffffffu);
    uint32_t szlo = cfg_read(d, 0x10) & ~0xfu;
    uint64_t size = (uint64_t)(~szlo + 1u);
    if ((lo & 1) || !szlo || (size & (size - 1)) || size > (64u << 20))
        return 0;
    cfg_write(d, 0x10, (uint32_t)BAR0_GPA);
    if (is64)
        cfg_write(d, 0x14, 0);
    cfg_write(d, 4, 0x6);               /* memory space, bus master */
    if ((cfg_read(d, 0x10) & ~0xfu) != BAR0_GPA || (cfg_read(d, 4) & 6) != 6)
        return 0;
    bar = BAR0_GPA;
    return size;
}

/* Aims MSI-X entry 0 at this CPU's local APIC with MSI_VECTOR and
   enables MSI-X. False if the function has no MSI-X in BAR0. */
static bool setup_msix(unsigned d)
{
    uint64_t base;
    struct caught c;
    if (!safe_rdmsr(MSR_IA32_APIC_BASE, &base, &c) || (base & APIC_BASE_EXTD))
        return false;
    if (!(base & APIC_BASE_EN))
        wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
    apic = base & 0x000ffffffffff000ull;
    if (paging_map(apic, apic + 0x1000))
        return false;
    mmio_write32(apic + 0xf0, 0x100u | SPURIOUS_VECTOR);
    mmio_write32(apic + 0x80, 0);
    trap_set_handler(MSI_VECTOR, on_msi);
    trap_set_handler(SPURIOUS_VECTOR, on_spurious);
    unsigned p = cfg_read(d, 0x34) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        uint32_t h = cfg_read(d, p);
        if ((h & 0xff) == 0x11) {
            uint32_t tab = cfg_read(d, p + 4);
            if (tab & 7)
                return false;           /* the table is not in BAR0 */
            uint64_t e = bar + tab;
            mmio_write32(e + 0, 0xfee00000u);   /* APIC 0, physical */
            mmio_write32(e + 4, 0);
            mmio_write32(e + 8, MSI_VECTOR);    /* fixed, edge */
            mmio_write32(e + 12, 0);            /* unmasked */
            cfg_write(d, p, (h & 0x3fffffffu) | 1u << 31);   /* enable, no function mask */
            con_printf("# passthrough: MSI-X: %u entries, table at BAR0+0x%x; entry 0 -> vector "
                       "0x%x\n", (h >> 16 & 0x7ff) + 1, tab, MSI_VECTOR);
            return true;
        }
        p = (h >> 8) & 0xfc;
    }
    return false;
}

static bool wait_ready(bool want)
{
    uint64_t t0 = rdtsc();
    while (rdtsc() - t0 < WAIT_TICKS) {
        uint32_t st = r32(NVME_CSTS);
        if (st & 2)
            return false;               /* controller fatal status */
        if ((st & 1) == (want ? 1u : 0u))
            return true;
    }
    return false;
}

static void copy_str(char *out, const volatile uint8_t *in, unsigned n)
{
    unsigned k = n;
    while (k > 0 && (in[k - 1] == ' ' || in[k - 1] == 0))
        k--;
    for (unsigned i = 0; i < k; i++)
        out[i] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
    out[k] = '\0';
}

static bool printable(const volatile uint8_t *in, unsigned n)
{
    bool any = false;
    for (unsigned i = 0; i < n; i++) {
        if (in[i] < 0x20 || in[i] >= 0x7f)
            return false;
        any |= in[i] != ' ';
    }
    return any;
}

/* Identify Controller (CNS 1) through the admin queue; waits for the
   completion and then for the interrupt. */
static void identify(uint32_t dstrd)
{
    volatile uint32_t *sq = (volatile uint32_t *)(uintptr_t)ASQ_PA;
    volatile uint32_t *cq = (volatile uint32_t *)(uintptr_t)ACQ_PA;
    volatile uint8_t *id = (volatile uint8_t *)(uintptr_t)IDENT_PA;
    for (unsigned i = 0; i < 4096; i++)
        id[i] = 0xa5;
    for (unsigned i = 0; i < 16; i++)
        sq[i] = 0;
    sq[0] = 0x06u | 1u << 16;           /* Identify, CID 1 */
    sq[6] = (uint32_t)IDENT_PA;         /* PRP1 */
    sq[7] = (uint32_t)(IDENT_PA >> 32);
    sq[10] = 1;                         /* CNS 1: the controller */
    msi_count = 0;
    __asm__ volatile("sti" ::: "memory");
    w32(NVME_DBS, 1);                   /* SQ 0 tail */
    uint64_t t0 = rdtsc();
    while (!(cq[3] & 1u << 16) && rdtsc() - t0 < WAIT_TICKS)
        __asm__ volatile("pause");
    uint32_t dw3 = cq[3];
    while (!msi_count && rdtsc() - t0 < WAIT_TICKS)
        __asm__ volatile("pause");
    cli();
    bool done = dw3 & 1u << 16;
    tap(done && (dw3 & 0xffff) == 1 && (dw3 >> 17) == 0,
        "passthrough: Identify Controller completed through the admin queue in guest RAM "
        "(completion 0x%08x: cid %u, status 0x%x)", dw3, dw3 & 0xffff, dw3 >> 17);
    if (done)
        w32(NVME_DBS + (4u << dstrd), 1);   /* CQ 0 head */
    char model[41], serial[21];
    copy_str(model, id + 24, 40);
    copy_str(serial, id + 4, 20);
    tap(done && printable(id + 24, 40) && printable(id + 4, 20),
        "passthrough: the device's DMA landed in guest RAM at IOVA = GPA 0x%lx: model \"%s\", "
        "serial \"%s\"", IDENT_PA, model, serial);
    con_printf("# passthrough: model \"%s\"\n", model);
    tap(msi_count >= 1, "passthrough: MSI-X entry 0 arrived as vector 0x%x (%u interrupt(s))",
        MSI_VECTOR, msi_count);
}

void t_passthrough(void)
{
    int d = find_nvme();
    uint64_t size = d >= 0 ? setup_bar((unsigned)d) : 0;
    tap(d >= 0 && size >= 0x2000, "passthrough: an NVMe controller on bus 0 through 0xcf8/0xcfc, "
        "BAR0 %lu KiB placed at 0x%lx", size >> 10, BAR0_GPA);
    if (d < 0 || size < 0x2000 || paging_map(bar, bar + size)) {
        tap_skip("no device", "passthrough: the rest needs the device");
        return;
    }
    bool msix = setup_msix((unsigned)d);
    uint64_t cap = r64(NVME_CAP);
    uint32_t dstrd = (uint32_t)(cap >> 32) & 0xf;
    con_printf("# passthrough: CAP 0x%lx, version 0x%x\n", cap, r32(NVME_VS));
    w32(NVME_CC, 0);
    bool ok = wait_ready(false);
    for (unsigned i = 0; i < 1024; i++)
        ((volatile uint32_t *)(uintptr_t)ACQ_PA)[i] = 0;
    w32(NVME_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
    w64(NVME_ASQ, ASQ_PA);
    w64(NVME_ACQ, ACQ_PA);
    w32(NVME_CC, 1u | 6u << 16 | 4u << 20);   /* EN, 64-byte SQEs, 16-byte CQEs, 4 KiB pages */
    ok = ok && wait_ready(true);
    tap(ok && msix, "passthrough: the controller is ready (CSTS.RDY) with its admin queues in "
        "guest RAM; MSI-X %s", msix ? "programmed" : "missing");
    if (!ok) {
        tap_skip("controller not ready", "passthrough: identify");
        return;
    }
    identify(dstrd);
    w32(NVME_CC, 0);
    wait_ready(false);
}
