/* VT-d DMA remapping, seen from the root task: device capabilities, DMA
   spaces and their errors, and a real device's DMA. The root holds every
   port, so it drives an e1000e entirely through its I/O BAR (IOADDR and
   IODATA, 82574 datasheet 10.2.1.3) and PCI configuration mechanism #1:
   it gives the NIC a transmit ring in a DMA space and watches whether the
   descriptor fetch and the status write-back land (DD) or fault.
   Without VT-d (Bochs) or without an e1000e (most boots) the parts that
   need them are skipped with the reason; tests/system/vtd.t boots QEMU
   with an e1000e, so there they must run. */
#include "rt.h"

#define RING_VA 0x7b5d00000000ull     /* the root's view of the transmit ring */
#define DATA_VA (RING_VA + 0x1000)   /* and of the frame it sends */
#define PLAIN_VA (RING_VA + 0x2000)  /* a page without BH_M_DMA */
#define RING_IOVA 0x100000ull        /* where the NIC sees them */
#define DATA_IOVA 0x101000ull

/* 82574 registers (datasheet 10.2) and descriptor bits (7.2.10). */
#include <bh/e1000e_regs.h>
#define E_CAUSE_A (1u << 7)              /* RXT0 and RXO: causes the test raises through ICS */
#define E_CAUSE_B (1u << 6)
#define TXD_EOP 0x01u
#define TXD_IFCS 0x02u
#define TXD_RS 0x08u
#define TXD_DD 0x01u

struct txd {                         /* legacy transmit descriptor */
    uint64_t addr;
    uint32_t lower;                  /* length 15:0, cso 23:16, cmd 31:24 */
    uint32_t upper;                  /* status 7:0 */
};

/* Selectors of its own, from the top of the root's 2048 slots: the
   server tests after this one need rt_sel()'s range, which must stay
   below the IRQ capabilities at BH_SEL_IRQ_BASE (1024). */
#define VTD_SEL_FIRST 1984u
#define VTD_SEL_END 2048u
static uint64_t next_sel = VTD_SEL_FIRST;
static uint64_t vsel(void) { return next_sel < VTD_SEL_END ? next_sel++ : BH_SEL_NONE; }

static void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static uint32_t cfg_rd(unsigned bus, unsigned devfn, unsigned off)
{
    outl(0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
    return inl(0xcfc);
}

static void cfg_wr(unsigned bus, unsigned devfn, unsigned off, uint32_t v)
{
    outl(0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
    outl(0xcfc, v);
}

static uint16_t iobase;
static void e_wr(uint32_t reg, uint32_t v) { outl(iobase, reg), outl((uint16_t)(iobase + 4), v); }
static uint32_t e_rd(uint32_t reg) { outl(iobase, reg); return inl((uint16_t)(iobase + 4)); }

static enum bh_status map_dma(uint64_t pd, uint64_t va, uint64_t iova, uint64_t pages, unsigned fl)
{
    return bh_map(pd, va, iova, pages, fl | BH_MAP_DMA);
}

/* Every function on bus 0 (through mechanism #1) gets a DEV capability
   (the host bridge's is hb already) and must say that a remapping unit
   translates its DMA. Returns how many there were; *e1000e gets the
   NIC's devfn, or -1. */
static unsigned check_bus0(uint64_t hb, bool iommu, int *e1000e)
{
    unsigned n = 0, confined = 0;
    uint64_t tmp = vsel();           /* each function's capability, in turn */
    *e1000e = -1;
    for (unsigned devfn = 0; devfn < 256; devfn++) {
        uint32_t id = cfg_rd(0, devfn, 0);
        if ((id & 0xffff) == 0xffff)
            continue;
        uint64_t sel = devfn ? tmp : hb, info[3];
        if ((devfn && bh_create_dev(sel, SEL_PD, BH_SBDF(0, 0, devfn >> 3, devfn & 7)) != BH_OK) ||
            bh_dev_ctrl(sel, BH_DEV_INFO, 0, info) != BH_OK) {
            bh_tap(false, "vtd: a DEV capability for 00:%02x.%x", devfn >> 3, devfn & 7);
            continue;
        }
        n++;
        confined += (info[2] & BH_DEV_F_IOMMU) != 0 && (uint32_t)info[1] == id;
        if (id == 0x10d38086u)
            *e1000e = (int)devfn;
        if (devfn)
            bh_revoke(sel, BH_REVOKE_SELF);
    }
    if (iommu)
        bh_tap(n && confined == n, "vtd: all %u functions on bus 0 have a DEV capability whose "
               "DMA a remapping unit translates (%u)", n, confined);
    return n;
}

/* The argument checks: capabilities, rights, widths, double use. */
static void check_errors(uint64_t hb, unsigned width)
{
    uint64_t info[3], copy = vsel(), child = vsel(), sm = vsel();
    bh_tap(bh_create_dev(vsel(), SEL_PD, BH_SBDF(0, 0xfe, 31, 7)) == BH_ENOENT,
           "vtd: a DEV capability for a function that does not exist: ENOENT");
    bh_tap(bh_create_dev(vsel(), SEL_PD, BH_SBDF(0, 0, 0, 0)) == BH_EEXIST,
           "vtd: a second DEV object for the same function: EEXIST");
    bh_tap(bh_create_dev(vsel(), SEL_PD, 1ull << 40) == BH_EINVAL,
           "vtd: an sbdf beyond 32 bits: EINVAL");
    bh_tap(bh_create_dev(vsel(), hb, BH_SBDF(0, 0, 1, 0)) == BH_ECAP,
           "vtd: a DEV where the PD to charge is needed: ECAP");
    bh_tap(bh_dev_ctrl(SEL_PD, BH_DEV_INFO, 0, info) == BH_ECAP &&
           bh_dev_ctrl(vsel(), BH_DEV_INFO, 0, info) == BH_ECAP,
           "vtd: DEV_CTRL on a PD capability and on an empty slot: ECAP");
    bh_tap(bh_dev_ctrl(hb, 9, 0, info) == BH_EINVAL, "vtd: unknown DEV_CTRL operation: EINVAL");
    bh_delegate(SEL_PD, hb, copy, BH_R_DELEGATE);             /* a copy without CTRL */
    bh_tap(bh_dev_ctrl(copy, BH_DEV_INFO, 0, info) == BH_OK &&
           bh_dev_ctrl(copy, BH_DEV_ASSIGN, SEL_PD, NULL) == BH_ERIGHTS,
           "vtd: a DEV copy without CTRL reads INFO but cannot assign: ERIGHTS");
    bh_tap(bh_dev_ctrl(hb, BH_DEV_ASSIGN, hb, NULL) == BH_ECAP,
           "vtd: assigning to something that is no PD: ECAP");
    bh_tap(bh_dev_ctrl(hb, BH_DEV_UNASSIGN, 0, NULL) == BH_ENOENT &&
           bh_dev_ctrl(hb, BH_DEV_FAULT_READ, 0, info) == BH_ENOENT,
           "vtd: unassigning an unassigned device, reading faults it never had: ENOENT");
    enum bh_status s = bh_dev_ctrl(hb, BH_DEV_ASSIGN, SEL_PD, NULL);
    bh_tap(s == BH_OK && bh_dev_ctrl(hb, BH_DEV_INFO, 0, info) == BH_OK &&
           (info[2] & BH_DEV_F_ASSIGNED), "vtd: the host bridge assigned to the root's DMA space (%d)", s);
    bh_tap(bh_dev_ctrl(hb, BH_DEV_ASSIGN, SEL_PD, NULL) == BH_EBUSY,
           "vtd: assigning a device that is already assigned: EBUSY");
    bh_tap(bh_dev_ctrl(hb, BH_DEV_UNASSIGN, 0, NULL) == BH_OK &&
           bh_dev_ctrl(hb, BH_DEV_INFO, 0, info) == BH_OK && !(info[2] & BH_DEV_F_ASSIGNED),
           "vtd: unassigned again");
    /* A device assigned to a PD that dies is blocked again. */
    s = bh_create_pd(child, SEL_PD, 16, 32, BH_SEL_NONE);
    if (s == BH_OK)
        s = bh_dev_ctrl(hb, BH_DEV_ASSIGN, child, NULL);
    bh_kill_pd(child);
    bh_tap(s == BH_OK && bh_dev_ctrl(hb, BH_DEV_INFO, 0, info) == BH_OK &&
           !(info[2] & BH_DEV_F_ASSIGNED) && bh_dev_ctrl(hb, BH_DEV_ASSIGN, child, NULL) == BH_EABORT,
           "vtd: a device assigned to a PD that dies is unassigned; the dead PD takes none: EABORT (%d)", s);
    /* The DEV object's end blocks the device too: a new object finds it
       unassigned (and assignable). */
    uint64_t vga = vsel();
    s = bh_create_dev(vga, SEL_PD, BH_SBDF(0, 0, 1, 0));
    if (s == BH_OK)
        s = bh_dev_ctrl(vga, BH_DEV_ASSIGN, SEL_PD, NULL);
    bh_revoke(vga, BH_REVOKE_SELF);
    bh_tap(s == BH_OK && bh_create_dev(vga, SEL_PD, BH_SBDF(0, 0, 1, 0)) == BH_OK &&
           bh_dev_ctrl(vga, BH_DEV_INFO, 0, info) == BH_OK && !(info[2] & BH_DEV_F_ASSIGNED) &&
           bh_dev_ctrl(vga, BH_DEV_ASSIGN, SEL_PD, NULL) == BH_OK &&
           bh_dev_ctrl(vga, BH_DEV_UNASSIGN, 0, NULL) == BH_OK,
           "vtd: a device whose DEV object ends is unassigned with it (%d)", s);
    bh_revoke(vga, BH_REVOKE_SELF);
    bh_create_sm(sm, SEL_PD, 0);
    bh_tap(bh_dev_ctrl(hb, BH_DEV_FAULT_BIND, copy, NULL) == BH_ECAP &&
           bh_dev_ctrl(hb, BH_DEV_FAULT_BIND, sm, NULL) == BH_OK &&
           bh_dev_ctrl(hb, BH_DEV_FAULT_BIND, BH_SEL_NONE, NULL) == BH_OK,
           "vtd: a fault semaphore binds (ECAP for a non-SM) and unbinds");
    bh_revoke(copy, BH_REVOKE_SELF);
    bh_revoke(sm, BH_REVOKE_SELF);

    /* DMA mappings. */
    uint64_t top = 1ull << width;
    bh_tap(map_dma(SEL_PD, PLAIN_VA, 0x200000, 1, BH_M_R) == BH_ERIGHTS,
           "vtd: DMA-mapping a page that lacks BH_M_DMA: ERIGHTS");
    bh_tap(map_dma(SEL_PD, RING_VA, top, 1, BH_M_R) == BH_ERANGE &&
           map_dma(SEL_PD, RING_VA, top - 0x1000, 2, BH_M_R) == BH_ERANGE &&
           map_dma(SEL_PD, RING_VA, 1ull << 63, 1, BH_M_R) == BH_ERANGE,
           "vtd: an IOVA beyond the %u-bit DMA space: ERANGE", width);
    bh_tap(map_dma(SEL_PD, RING_VA, 0x200800, 1, BH_M_R) == BH_EINVAL &&
           map_dma(SEL_PD, RING_VA, 0x200000, 1, BH_M_R | BH_M_X) == BH_EINVAL &&
           map_dma(SEL_PD, RING_VA, 0x200000, 1, BH_M_W) == BH_EINVAL &&
           map_dma(SEL_PD, RING_VA, 0x200000, 1, BH_M_R | BH_MAP_FRESH) == BH_EINVAL,
           "vtd: unaligned IOVA, X, no R, or fresh pages for a DMA space: EINVAL");
    bh_tap(map_dma(hb, RING_VA, 0x200000, 1, BH_M_R) == BH_ECAP,
           "vtd: a DMA mapping into something that is no PD: ECAP");
    bh_tap(map_dma(SEL_PD, RING_VA + 0x10000, 0x200000, 1, BH_M_R) == BH_ENOENT,
           "vtd: a DMA mapping of an address the caller has no page at: ENOENT");
    s = map_dma(SEL_PD, RING_VA, top - 0x1000, 1, BH_M_R);
    bh_tap(s == BH_OK && map_dma(SEL_PD, DATA_VA, top - 0x1000, 1, BH_M_R) == BH_EEXIST,
           "vtd: the last page below the width maps (%d); a taken IOVA: EEXIST", s);
    bh_unmap(RING_VA, 1, 0);          /* takes that mapping away again */
    /* A DMA space's tables come from its PD's quota: a small PD runs out
       with ENOMEM, and its death gives everything back (the root's page
       count at the end checks that). */
    uint64_t small = vsel();
    s = bh_create_pd(small, SEL_PD, 16, 12, BH_SEL_NONE);
    unsigned ok = 0;
    for (uint64_t i = 0; i < 16 && s == BH_OK; i++, ok += s == BH_OK)
        s = map_dma(small, RING_VA, i << 30, 1, BH_M_R);
    bh_tap(s == BH_ENOMEM && ok > 0, "vtd: DMA mappings into a PD with a small quota: %u fit, "
           "then ENOMEM (%d)", ok, s);
    bh_kill_pd(small);
}

/* Puts descriptor i in the ring (in the root's memory) and hands it to
   the NIC; QEMU runs the transmit path within the TDT write. */
static void send(volatile struct txd *ring, unsigned i)
{
    ring[i].addr = DATA_IOVA;
    ring[i].lower = 60u | (TXD_EOP | TXD_IFCS | TXD_RS) << 24;
    ring[i].upper = 0;
    e_wr(E_TDT, i + 1);
    for (unsigned k = 0; k < 100000 && e_rd(E_TDH) != i + 1; k++)
        ;                            /* QEMU has usually finished within the write */
}

/* Waits (up to 1 s) for a fault semaphore up and reads the device's
   first unread fault: true if there was one at iova. */
static bool faulted(uint64_t sm, uint64_t dev, uint64_t iova, uint64_t *info)
{
    if (bh_sm_down(sm, 1000000) != BH_OK)
        return false;
    while (bh_sm_down(sm, 1000) == BH_OK)
        ;                            /* one up per fault */
    return bh_dev_ctrl(dev, BH_DEV_FAULT_READ, 0, info) == BH_OK && info[0] == iova;
}

/* The MSI capability of a bus-0 function (mechanism #1), or 0. */
static unsigned msi_cap(unsigned devfn)
{
    if (!(cfg_rd(0, devfn, 0x04) >> 16 & 0x10))
        return 0;
    unsigned p = cfg_rd(0, devfn, 0x34) & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        uint32_t v = cfg_rd(0, devfn, p);
        if ((v & 0xff) == 0x05)
            return p;
        p = (v >> 8) & 0xfc;
    }
    return 0;
}

/* Makes the e1000e raise one MSI (82574 datasheet 10.2.4: ICR clears
   on read without MSI-X, ICS sets a cause, IMS lets it interrupt). Two
   causes take turns: QEMU's model sends no second MSI for a cause it
   still counts as pending, and only a different cause resets that. */
static void e_raise(void)
{
    static unsigned turn;
    e_rd(E_ICR);
    e_wr(E_ICS, turn++ & 1 ? E_CAUSE_B : E_CAUSE_A);
}

/* True if sm is upped within us microseconds. */
static bool upped(uint64_t sm, uint64_t us) { return bh_sm_down(sm, us) == BH_OK; }

/* Takes the ups sm already got. Before a check that an MSI is blocked:
   QEMU's e1000e may send a late second message for an earlier cause while
   its IRTE was still bound (seen on a loaded host); that up is legitimate
   and must not count as a leak. Only ups from before the blocking step
   are drained: the check's own MSI is raised afterwards. */
static void drain(uint64_t sm)
{
    while (upped(sm, 1))
        ;
}

/* Interrupt remapping with the e1000e (assigned to the root's DMA space
   on entry): its MSI through an IRTE of its own ups a semaphore; without
   one, through another device's, or after unbinding it is blocked. */
static void check_msi(uint64_t dev, unsigned devfn, uint64_t hb)
{
    uint64_t sm = vsel(), sm2 = vsel(), copy = vsel(), other = vsel(), r[3], info[3];
    unsigned cap = msi_cap(devfn);
    bh_dev_ctrl(dev, BH_DEV_INFO, 0, info);
    if (!(info[2] & BH_DEV_F_IR)) {
        bh_tap(bh_create_sm(sm, SEL_PD, 0) == BH_OK &&
               bh_dev_msi(dev, BH_DEV_MSI_BIND, sm, 0, 0, r) == BH_ENOTSUP,
               "vtd: MSI binding without interrupt remapping: ENOTSUP # SKIP the unit does not "
               "remap interrupts here (it needs queued invalidation)");
        bh_revoke(sm, BH_REVOKE_SELF);
        return;
    }
    bh_create_sm(sm, SEL_PD, 0);
    bh_create_sm(sm2, SEL_PD, 0);
    bool is64 = cfg_rd(0, devfn, cap) >> 16 & (1u << 7);
    e_wr(E_IMC, ~0u);
    e_wr(E_ITR, 0);                  /* no throttling: one message per cause */
    e_rd(E_ICR);
    e_wr(E_IMS, E_CAUSE_A | E_CAUSE_B);

    /* 1. An MSI at an IRTE nobody was given is blocked. */
    cfg_wr(0, devfn, cap + 4, 0xfee00000u | 200u << 5 | 1u << 4 | 1u << 3);   /* handle 200 */
    if (is64)
        cfg_wr(0, devfn, cap + 8, 0);
    cfg_wr(0, devfn, cap + (is64 ? 12 : 8), 0);
    cfg_wr(0, devfn, cap, cfg_rd(0, devfn, cap) | 1u << 16);                   /* MSI enable */
    e_raise();
    bh_tap(!upped(sm, 100000), "vtd: an MSI through an IRTE nobody was given (handle 200) is blocked");

    /* 2. Bound: the MSI ups the semaphore, once per acknowledgement. */
    enum bh_status s = bh_dev_msi(dev, BH_DEV_MSI_BIND, sm, 0, 0, r);
    uint32_t addr = cfg_rd(0, devfn, cap + 4), own = (uint32_t)r[0];
    bh_tap(s == BH_OK && addr == r[0] && (addr & 0xfff00018u) == 0xfee00018u && r[1] == 0 &&
           (cfg_rd(0, devfn, cap) >> 16 & 1) && ((addr >> 5 & 0x7fff) | (addr >> 2 & 1) << 15) == r[2],
           "vtd: MSI vector 0 bound: hv programmed the capability in remappable format "
           "(address %x = IRTE %lu, data %lx, %d)", addr, r[2], r[1], s);
    e_raise();                       /* bound masked, like an IRQ line: held back */
    bool held0 = !upped(sm, 50000);
    s = bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);
    bh_tap(held0 && s == BH_OK && upped(sm, 1000000),
           "vtd: the e1000e's MSI through its IRTE ups the semaphore (held until the first unmask)");
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL) == BH_OK, "vtd: and is acknowledged");
    e_raise();
    bool again = upped(sm, 1000000);
    e_raise();                       /* not acknowledged: held back, then delivered at unmask */
    bool held = !upped(sm, 50000);
    s = bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);
    bh_tap(again && held && s == BH_OK && upped(sm, 100000),
           "vtd: a second MSI ups it again; one that comes before the acknowledgement is "
           "delivered at the unmask");
    bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);

    /* 3. Bad inputs. */
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_BIND, sm2, 0, 0, r) == BH_EEXIST,
           "vtd: binding a bound MSI vector again: EEXIST");
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_BIND, sm2, 0, 1, r) == BH_ERANGE &&
           bh_dev_msi(dev, BH_DEV_MSI_BIND, sm2, 0, BH_DEV_MSIX | 5, r) == BH_ERANGE &&
           bh_dev_msi(dev, BH_DEV_MSI_BIND, sm2, 64, BH_DEV_MSIX, r) == BH_ERANGE,
           "vtd: MSI vector 1 (hv enables one), MSI-X entry 5 of 5, CPU 64: ERANGE");
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_BIND, sm2, 0, 1u << 17, r) == BH_EINVAL &&
           bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 1u << 20, r) == BH_EINVAL,
           "vtd: unknown entry bits: EINVAL");
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_BIND, hb, 0, BH_DEV_MSIX, r) == BH_ECAP &&
           bh_dev_msi(dev, BH_DEV_MSI_BIND, vsel(), 0, BH_DEV_MSIX, r) == BH_ECAP,
           "vtd: binding to something that is no semaphore, or an empty slot: ECAP");
    bh_delegate(SEL_PD, sm2, copy, BH_R_DOWN | BH_R_DELEGATE);
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_BIND, copy, 0, BH_DEV_MSIX, r) == BH_ERIGHTS,
           "vtd: binding to a semaphore copy without UP: ERIGHTS");
    bh_revoke(copy, BH_REVOKE_SELF);
    bh_delegate(SEL_PD, dev, copy, BH_R_DELEGATE);
    bh_tap(bh_dev_msi(copy, BH_DEV_MSI_BIND, sm2, 0, BH_DEV_MSIX, r) == BH_ERIGHTS,
           "vtd: binding through a DEV copy without CTRL: ERIGHTS");
    bh_revoke(copy, BH_REVOKE_SELF);
    bh_tap(bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, BH_DEV_MSIX | 1, r) == BH_ENOENT &&
           bh_dev_msi(dev, BH_DEV_MSI_UNBIND, 0, 0, BH_DEV_MSIX | 1, r) == BH_ENOENT,
           "vtd: unmasking or unbinding an entry that is not bound: ENOENT");
    s = bh_dev_msi(dev, BH_DEV_MSI_BIND, sm2, 1, BH_DEV_MSIX | 4, r);
    bh_tap(s == BH_OK && (r[0] & 0xfff00018u) == 0xfee00018u &&
           bh_dev_msi(dev, BH_DEV_MSI_UNBIND, 0, 0, BH_DEV_MSIX | 4, r) == BH_OK,
           "vtd: MSI-X entry 4 binds on CPU 1, its address and data returned for the driver's table "
           "(%d)", s);
    /* The host bridge has no MSI capability; an unassigned device may
       not bind (its interrupts belong to the PD it is assigned to). */
    s = bh_dev_ctrl(hb, BH_DEV_ASSIGN, SEL_PD, NULL);
    bh_tap(s == BH_OK && bh_dev_msi(hb, BH_DEV_MSI_BIND, sm2, 0, 0, r) == BH_ENOENT &&
           bh_dev_msi(hb, BH_DEV_MSI_BIND, sm2, 0, BH_DEV_MSIX, r) == BH_ENOENT,
           "vtd: binding an MSI of a device without MSI or MSI-X capability: ENOENT (%d)", s);
    bh_dev_ctrl(hb, BH_DEV_UNASSIGN, 0, NULL);
    bh_tap(bh_dev_msi(hb, BH_DEV_MSI_BIND, sm2, 0, 0, r) == BH_EINVAL,
           "vtd: binding an MSI of an unassigned device: EINVAL");

    /* 4. Another device's IRTE: the source-id check blocks it. The AHCI
       controller (00:1f.2 on q35) has an MSI capability hv programs. */
    uint16_t other_irte = 0xffff;
    if (msi_cap(0xfa) && bh_create_dev(other, SEL_PD, BH_SBDF(0, 0, 31, 2)) == BH_OK &&
        bh_dev_ctrl(other, BH_DEV_ASSIGN, SEL_PD, NULL) == BH_OK &&
        bh_dev_msi(other, BH_DEV_MSI_BIND, sm2, 0, 0, r) == BH_OK) {
        other_irte = (uint16_t)r[2];
        bh_dev_msi(other, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);
        cfg_wr(0, devfn, cap + 4, (uint32_t)r[0]);       /* the e1000e aims at it */
        drain(sm), drain(sm2);
        e_raise();
        bh_tap(!upped(sm2, 100000) && !upped(sm, 1000),
               "vtd: the e1000e's MSI through another device's IRTE (%u) is blocked by the "
               "source-id check", other_irte);
        bh_dev_msi(other, BH_DEV_MSI_UNBIND, 0, 0, 0, NULL);
        bh_revoke(other, BH_REVOKE_SELF);
    } else {
        bh_tap(true, "vtd: an MSI through another device's IRTE # SKIP no AHCI with MSI at 00:1f.2");
    }

    /* 5. Unbound: the IRTE is gone, the next MSI is blocked. */
    cfg_wr(0, devfn, cap + 4, own);  /* its own IRTE again: it arrives */
    bool back = false;
    for (unsigned i = 0; i < 3 && !back; i++) {   /* the model may swallow one (see e_raise) */
        e_raise();
        back = upped(sm, 1000000);
    }
    bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);
    s = bh_dev_msi(dev, BH_DEV_MSI_UNBIND, 0, 0, 0, NULL);
    drain(sm);
    e_raise();
    bool leak = upped(sm, 100000);
    bh_tap(back && s == BH_OK && !leak,
           "vtd: aimed at its own IRTE again it arrives; after unbinding, it is blocked "
           "(arrived %d, unbind %d, after %d)", back, s, leak);
    s = bh_dev_msi(dev, BH_DEV_MSI_BIND, sm, 0, 0, r);
    bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);
    e_raise();
    bh_tap(s == BH_OK && upped(sm, 1000000), "vtd: bound again, it arrives again");
    bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);

    /* 6. Unassigning the device frees its IRTEs. */
    s = bh_dev_ctrl(dev, BH_DEV_UNASSIGN, 0, NULL);
    enum bh_status s2 = bh_dev_msi(dev, BH_DEV_MSI_UNBIND, 0, 0, 0, NULL);
    drain(sm);
    e_raise();
    bh_tap(s == BH_OK && s2 == BH_ENOENT && !upped(sm, 100000),
           "vtd: unassigning the device unbinds its MSI and blocks it");
    /* 7. The death of the PD the device is assigned to frees them too. */
    uint64_t child = vsel();
    s = bh_create_pd(child, SEL_PD, 16, 32, BH_SEL_NONE);
    if (s == BH_OK)
        s = bh_dev_ctrl(dev, BH_DEV_ASSIGN, child, NULL);
    if (s == BH_OK)
        s = bh_dev_msi(dev, BH_DEV_MSI_BIND, sm, 0, 0, r);
    bh_dev_msi(dev, BH_DEV_MSI_UNMASK, 0, 0, 0, NULL);
    bh_kill_pd(child);
    s2 = bh_dev_msi(dev, BH_DEV_MSI_UNBIND, 0, 0, 0, NULL);
    drain(sm);
    e_raise();
    bh_tap(s == BH_OK && s2 == BH_ENOENT && !upped(sm, 100000),
           "vtd: the MSI of a device assigned to a PD that dies is unbound and blocked (%d)", s);
    /* The faults, where the unit records interrupt faults (QEMU 7.2 only
       logs them on its own stderr; tests/system/vtd.t checks that). */
    if (bh_dev_ctrl(dev, BH_DEV_FAULT_READ, 0, info) == BH_OK && (info[1] & 0xff) >= BH_DEV_FAULT_IR)
        bh_printf("# vtd: interrupt fault recorded: index %lu reason %lx, %lu fault(s)\n", info[0],
                  info[1] & 0xff, info[2]);
    else
        bh_printf("# vtd: the unit recorded no interrupt-remapping fault (QEMU 7.2 does not)\n");
    e_wr(E_IMC, ~0u);
    cfg_wr(0, devfn, cap, cfg_rd(0, devfn, cap) & ~(1u << 16));              /* MSI off */
    bh_revoke(sm, BH_REVOKE_SELF);
    bh_revoke(sm2, BH_REVOKE_SELF);
}

static void check_e1000e(unsigned devfn, uint64_t hb)
{
    uint64_t dev = vsel(), sm = vsel(), info[3];
    volatile struct txd *ring = (volatile struct txd *)RING_VA;
    unsigned sid = devfn;            /* bus 0 */
    for (unsigned bar = 0; bar < 6 && !iobase; bar++) {
        uint32_t v = cfg_rd(0, devfn, 0x10 + bar * 4);
        if (v & 1)
            iobase = (uint16_t)(v & 0xfffc);
    }
    if (!iobase || bh_create_dev(dev, SEL_PD, BH_SBDF(0, 0, devfn >> 3, devfn & 7)) != BH_OK ||
        bh_create_sm(sm, SEL_PD, 0) != BH_OK || bh_dev_ctrl(dev, BH_DEV_FAULT_BIND, sm, NULL) != BH_OK) {
        bh_tap(false, "vtd: e1000e at 00:%02x.%x set up (I/O BAR %x)", devfn >> 3, devfn & 7, iobase);
        return;
    }
    cfg_wr(0, devfn, 0x04, (cfg_rd(0, devfn, 0x04) & 0xffff) | 0x5);   /* I/O space, bus master */
    e_wr(E_IMC, ~0u);
    e_wr(E_CTRL, e_rd(E_CTRL) | E_CTRL_RST);
    e_wr(E_IMC, ~0u);                /* no interrupts: the test looks at memory */
    e_wr(E_TDBAL, (uint32_t)RING_IOVA);
    e_wr(E_TDBAH, 0);
    e_wr(E_TDLEN, 4096);
    e_wr(E_TDH, 0);
    e_wr(E_TDT, 0);
    e_wr(E_TARC0, e_rd(E_TARC0) | E_TARC_ENABLE);
    e_wr(E_TCTL, E_TCTL_EN | E_TCTL_PSP);
    enum bh_status s = map_dma(SEL_PD, RING_VA, RING_IOVA, 2, BH_M_R | BH_M_W);
    bh_tap(s == BH_OK, "vtd: the ring and frame pages mapped into the root's DMA space (%d)", s);

    /* 1. Assigned to nobody: blocked, and the fault names the NIC. */
    send(ring, 0);
    bool f = faulted(sm, dev, RING_IOVA, info);
    bh_tap(e_rd(E_TDH) == 1 && !(ring[0].upper & TXD_DD),
           "vtd: an unassigned e1000e fetched descriptor 0, but its DMA did not land (TDH %u, status %x)",
           e_rd(E_TDH), ring[0].upper);
    bh_tap(f && (info[1] >> 16) == sid && !(info[1] & BH_DEV_FAULT_WRITE),
           "vtd: the blocked read is reported: source %02x:%02x.%x, IOVA %lx, reason %lu, %lu fault(s)",
           (unsigned)(info[1] >> 24), (unsigned)(info[1] >> 19) & 31, (unsigned)(info[1] >> 16) & 7,
           info[0], info[1] & 0xff, info[2]);

    /* 2. Assigned to the root's DMA space: the same DMA lands. */
    s = bh_dev_ctrl(dev, BH_DEV_ASSIGN, SEL_PD, NULL);
    send(ring, 1);
    bh_tap(s == BH_OK && e_rd(E_TDH) == 2 && (ring[1].upper & TXD_DD),
           "vtd: assigned to the root's DMA space, the e1000e's descriptor fetch and write-back land "
           "(status %x, %d)", ring[1].upper, s);
    bh_tap(bh_sm_down(sm, 20000) == BH_ETIMEOUT && bh_dev_ctrl(dev, BH_DEV_FAULT_READ, 0, info) == BH_ENOENT,
           "vtd: and no fault is reported");

    /* 3. The ring's DMA mapping revoked: the next fetch faults. */
    s = bh_unmap(RING_VA, 1, 0);
    send(ring, 2);
    f = faulted(sm, dev, RING_IOVA, info);
    bh_tap(s == BH_OK && !(ring[2].upper & TXD_DD) && f,
           "vtd: after the ring's DMA mapping is revoked the fetch no longer lands and faults "
           "(reason %lu)", info[1] & 0xff);

    /* 4. Mapped again, it lands again (the IOTLB held nothing stale). */
    s = map_dma(SEL_PD, RING_VA, RING_IOVA, 1, BH_M_R | BH_M_W);
    send(ring, 3);
    bh_tap(s == BH_OK && (ring[3].upper & TXD_DD), "vtd: mapped again, DMA lands again (status %x)",
           ring[3].upper);

    /* 5. Unassigned: blocked again. */
    s = bh_dev_ctrl(dev, BH_DEV_UNASSIGN, 0, NULL);
    send(ring, 4);
    f = faulted(sm, dev, RING_IOVA, info);
    bh_tap(s == BH_OK && !(ring[4].upper & TXD_DD) && f,
           "vtd: unassigned again, the e1000e is blocked and faults (reason %lu)", info[1] & 0xff);

    /* 6. Its MSIs, assigned to the root again. */
    s = bh_dev_ctrl(dev, BH_DEV_ASSIGN, SEL_PD, NULL);
    if (s == BH_OK && msi_cap(devfn))
        check_msi(dev, devfn, hb);
    else
        bh_tap(false, "vtd: the e1000e reassigned (%d) with an MSI capability", s);

    e_wr(E_TCTL, 0);
    e_wr(E_CTRL, e_rd(E_CTRL) | E_CTRL_RST);
    cfg_wr(0, devfn, 0x04, cfg_rd(0, devfn, 0x04) & 0xfffb);          /* no bus master */
    bh_dev_ctrl(dev, BH_DEV_FAULT_BIND, BH_SEL_NONE, NULL);
    bh_revoke(dev, BH_REVOKE_SELF);
    bh_revoke(sm, BH_REVOKE_SELF);
}

void test_vtd(void)
{
    uint64_t hb = vsel(), info[3];
    enum bh_status s = bh_map(SEL_PD, 0, RING_VA, 2, BH_M_R | BH_M_W | BH_M_DMA | BH_MAP_FRESH);
    if (s == BH_OK)
        s = bh_map(SEL_PD, 0, PLAIN_VA, 1, BH_M_R | BH_M_W | BH_MAP_FRESH);
    bh_tap(s == BH_OK, "vtd: fresh pages with the DMA right (%d)", s);
    s = bh_create_dev(hb, SEL_PD, BH_SBDF(0, 0, 0, 0));
    if (s == BH_ENOENT) {            /* hv enumerated no PCI functions: no MCFG */
        bh_tap(map_dma(SEL_PD, RING_VA, RING_IOVA, 1, BH_M_R) == BH_ENOTSUP,
               "vtd: no device capabilities and no DMA spaces here (ENOTSUP) # SKIP no MCFG, no VT-d");
        bh_unmap(RING_VA, 3, BH_REVOKE_SELF);
        return;
    }
    bh_dev_ctrl(hb, BH_DEV_INFO, 0, info);
    bool iommu = info[2] & BH_DEV_F_IOMMU;
    unsigned width = (unsigned)(info[2] >> 8) & 0xff;
    bh_tap(s == BH_OK && info[0] == BH_SBDF(0, 0, 0, 0) && (uint32_t)info[1] == cfg_rd(0, 0, 0),
           "vtd: a DEV capability for the host bridge; INFO gives its sbdf and ids (%x:%x)",
           (unsigned)info[1] & 0xffff, (unsigned)(info[1] >> 16) & 0xffff);
    int nic;
    check_bus0(hb, iommu, &nic);
    if (!iommu) {
        bh_tap(map_dma(SEL_PD, RING_VA, RING_IOVA, 1, BH_M_R) == BH_ENOTSUP &&
               bh_dev_ctrl(hb, BH_DEV_ASSIGN, SEL_PD, NULL) == BH_ENOTSUP,
               "vtd: without a remapping unit, DMA mapping and assignment: ENOTSUP # SKIP no VT-d");
    } else {
        bh_printf("# vtd: DMA spaces are %u bits wide\n", width);
        check_errors(hb, width);
        if (nic >= 0)
            check_e1000e((unsigned)nic, hb);
        else
            bh_tap(true, "vtd: a real device's DMA # SKIP no e1000e on bus 0 (tests/system/vtd.t adds one)");
    }
    bh_revoke(hb, BH_REVOKE_SELF);
    bh_unmap(RING_VA, 3, BH_REVOKE_SELF);
}
