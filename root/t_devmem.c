/* Device memory through DEV capabilities (BH_DEV_MAP), seen from the
   root task: an e1000e's memory BARs and its ECAM page mapped into the
   root's space, and every bad request refused with a clear status. The
   root holds the PCI configuration ports, so it can also move a BAR onto
   memory hv owns and watch hv refuse to map it. Needs VT-d's enumeration
   (an MCFG) and an e1000e on bus 0: tests/system/vtd.t boots one; other
   boots skip with the reason. */
#include "rt.h"

#define MMIO_VA 0x7b5e00000000ull     /* BAR0 pages 0..3 */
#define SHARE_VA (MMIO_VA + 0x10000)  /* a share of page 3 */
#define CFG_VA (MMIO_VA + 0x20000)    /* the ECAM page */
#define RAM_VA (MMIO_VA + 0x30000)    /* an ordinary page */

#define E_STATUS 0x0008
#define E_TDBAL 0x3800                /* a plain read/write register (82574 10.2.6) */

static void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static uint32_t cfg_rd(unsigned devfn, unsigned off)
{
    outl(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
    return inl(0xcfc);
}

static void cfg_wr(unsigned devfn, unsigned off, uint32_t v)
{
    outl(0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc));
    outl(0xcfc, v);
}

static uint16_t iobase;              /* the NIC's I/O BAR: IOADDR, IODATA */
static uint32_t io_rd(uint32_t reg) { outl(iobase, reg); return inl((uint16_t)(iobase + 4)); }

/* BH_DEV_MAP: region | rights << 8 in r10, first page in r8, pages in r9. */
static enum bh_status dev_map(uint64_t dev, uint64_t va, unsigned region, unsigned rights,
                              uint64_t first, uint64_t n, uint64_t *out)
{
    return bh_dev_map(dev, va, BH_DEV_REGION(region, rights), first, n, out);
}

static int find_e1000e(void)
{
    for (unsigned devfn = 0; devfn < 256; devfn++)
        if (cfg_rd(devfn, 0) == 0x10d38086u)
            return (int)devfn;
    return -1;
}

/* Argument and rights errors: nothing gets mapped. */
static void check_refusals(uint64_t dev, uint64_t weak)
{
    uint64_t out[3];
    const unsigned rw = BH_M_R | BH_M_W;
    bh_tap(dev_map(weak, MMIO_VA, 0, BH_M_R, 0, 1, out) == BH_ERIGHTS,
           "devmem: mapping through a DEV copy without CTRL: ERIGHTS");
    bh_tap(dev_map(dev, MMIO_VA, 7, BH_M_R, 0, 1, out) == BH_ERANGE &&
           dev_map(dev, MMIO_VA, 255, BH_M_R, 0, 1, out) == BH_ERANGE,
           "devmem: region 7 or 255 (BARs are 0-5, 6 is the ECAM page): ERANGE");
    bh_tap(dev_map(dev, MMIO_VA, 2, BH_M_R, 0, 1, out) == BH_ENOTSUP,
           "devmem: the I/O BAR (2): ENOTSUP");
    bh_tap(dev_map(dev, MMIO_VA, 4, BH_M_R, 0, 1, out) == BH_ENOENT &&
           dev_map(dev, MMIO_VA, 5, BH_M_R, 0, 1, out) == BH_ENOENT,
           "devmem: absent BARs (4, 5): ENOENT");
    bh_tap(dev_map(dev, MMIO_VA, 0, BH_M_R, 32, 1, out) == BH_ERANGE &&
           dev_map(dev, MMIO_VA, 0, BH_M_R, 30, 4, out) == BH_ERANGE &&
           dev_map(dev, MMIO_VA, 3, BH_M_R, ~0ull, 2, out) == BH_ERANGE,
           "devmem: pages beyond the BAR (32 of 32, 30+4, ~0+2): ERANGE");
    enum bh_status w = dev_map(dev, MMIO_VA + 0x100000, BH_DEV_REGION_CFG, rw, 0, 1, out);
    bool unmapped = w == BH_OK && bh_unmap(MMIO_VA + 0x100000, 1, BH_REVOKE_SELF) == BH_OK;
    bh_tap(w == BH_OK && unmapped,
           "devmem: the ECAM page writable for the root, which holds the configuration ports (%d) "
           "(nvme, without them, gets ERIGHTS: drivers.t)", w);
    bh_tap(bh_dev_map(dev, MMIO_VA, BH_DEV_REGION(0, BH_M_R) | 1u << 16, 0, 1, out) == BH_EINVAL &&
           dev_map(dev, MMIO_VA, 0, BH_M_R | BH_M_X, 0, 1, out) == BH_EINVAL &&
           dev_map(dev, MMIO_VA, 0, BH_M_R | BH_M_DMA, 0, 1, out) == BH_EINVAL &&
           dev_map(dev, MMIO_VA, 0, BH_M_W, 0, 1, out) == BH_EINVAL,
           "devmem: unknown bits, X, DMA, or no R: EINVAL");
    bh_tap(dev_map(dev, MMIO_VA + 8, 0, BH_M_R, 0, 1, out) == BH_EINVAL &&
           dev_map(dev, MMIO_VA, 0, BH_M_R, 0, 0, out) == BH_EINVAL &&
           dev_map(dev, MMIO_VA, 0, BH_M_R, 0, BH_MAP_MAX + 1, out) == BH_EINVAL &&
           dev_map(dev, 0xffff800000000000ull, 0, BH_M_R, 0, 1, out) == BH_EFAULT,
           "devmem: unaligned VA, 0 or too many pages: EINVAL; a kernel VA: EFAULT");
    bh_tap(dev_map(dev, RAM_VA, 0, BH_M_R, 0, 1, out) == BH_EEXIST && out[0] == 0,
           "devmem: onto a VA already mapped: EEXIST, nothing mapped");
}

/* Moves BAR3 (the MSI-X BAR, 16 KiB) onto memory hv owns, decoding off,
   and asks for it: hv must refuse every one. */
static void check_owned(uint64_t dev, unsigned devfn)
{
    static const uint32_t at[] = { 0x00200000u, 0xfec00000u, 0xfee00000u, 0xfed90000u, 0xb0000000u };
    static const char *what[] = { "RAM", "the I/O APIC", "the interrupt range",
                                  "the remapping unit", "the ECAM window" };
    uint32_t cmd = cfg_rd(devfn, 4), bar = cfg_rd(devfn, 0x1c), out_bar;
    uint64_t out[3];
    cfg_wr(devfn, 4, (cmd & 0xffff) & ~2u);          /* memory decoding off */
    for (unsigned i = 0; i < sizeof at / sizeof at[0]; i++) {
        cfg_wr(devfn, 0x1c, at[i]);
        out_bar = cfg_rd(devfn, 0x1c) & ~0xfu;
        enum bh_status s = dev_map(dev, MMIO_VA + 0x8000, 3, BH_M_R, 0, 1, out);
        bh_tap(out_bar == at[i] && s == BH_EBUSY,
               "devmem: BAR3 moved onto %s (%x): EBUSY (%d)", what[i], out_bar, s);
    }
    cfg_wr(devfn, 0x1c, bar);
    cfg_wr(devfn, 4, cmd & 0xffff);
}

static void check_maps(uint64_t dev, unsigned devfn)
{
    uint64_t out[3], info[3];
    const unsigned rw = BH_M_R | BH_M_W;
    enum bh_status s = dev_map(dev, MMIO_VA, 0, rw, 0, 4, out);
    volatile uint32_t *r = (volatile uint32_t *)MMIO_VA;
    bh_tap(s == BH_OK && out[0] == 4 && out[1] == 128 * 1024,
           "devmem: BAR0 pages 0-3 mapped (%d, %lu pages of a %lu-byte BAR)", s, out[0], out[1]);
    if (s != BH_OK)
        return;
    uint32_t st = r[E_STATUS / 4];
    r[E_TDBAL / 4] = 0x5a5a1000u;
    bh_tap(st == io_rd(E_STATUS) && io_rd(E_TDBAL) == 0x5a5a1000u && r[E_TDBAL / 4] == 0x5a5a1000u,
           "devmem: reads and writes through the mapping reach the NIC (STATUS %x, TDBAL via I/O %x)",
           st, io_rd(E_TDBAL));
    r[E_TDBAL / 4] = 0;
    bh_tap(dev_map(dev, MMIO_VA + 0x2000, 0, BH_M_R, 0, 1, out) == BH_EEXIST,
           "devmem: mapping over its own device pages: EEXIST");
    bh_tap(bh_map(SEL_PD, MMIO_VA + 0x3000, 0x200000, 1, BH_M_R | BH_M_W | BH_MAP_DMA) == BH_ERIGHTS &&
           bh_map(SEL_PD, MMIO_VA + 0x3000, 0x200000, 1, BH_M_R | BH_M_DMA | BH_MAP_DMA) == BH_ERIGHTS,
           "devmem: DMA-mapping a device page: ERIGHTS (it never carries BH_M_DMA)");
    s = bh_map(SEL_PD, MMIO_VA + 0x3000, SHARE_VA, 1, BH_M_R);
    volatile uint32_t *sh = (volatile uint32_t *)SHARE_VA;
    r[E_TDBAL / 4] = 0x77777000u;
    bh_tap(s == BH_OK && sh[(E_TDBAL & 0xfff) / 4] == 0x77777000u,
           "devmem: shared read-only with BH_SYS_MAP, the copy reads the NIC (%d)", s);
    r[E_TDBAL / 4] = 0;
    s = bh_dev_map(dev, CFG_VA, BH_DEV_REGION(BH_DEV_REGION_CFG, BH_M_R), 0, 1, out);
    bh_dev_ctrl(dev, BH_DEV_INFO, 0, info);
    volatile uint32_t *c = (volatile uint32_t *)CFG_VA;
    bh_tap(s == BH_OK && out[1] == 4096 && c[0] == (uint32_t)info[1] && c[0] == cfg_rd(devfn, 0) &&
           c[4] == cfg_rd(devfn, 0x10),
           "devmem: its ECAM page, read-only: ids %x, BAR0 %x as mechanism #1 reads them", c[0], c[4]);
    s = bh_unmap(MMIO_VA, 4, BH_REVOKE_SELF);
    enum bh_status s2 = bh_map(SEL_PD, 0, SHARE_VA, 1, BH_M_R | BH_MAP_FRESH);   /* free again? */
    bh_tap(s == BH_OK && s2 == BH_OK, "devmem: unmapping the BAR pages takes the share with them "
           "(its VA takes a fresh page: %d)", s2);
    bh_unmap(SHARE_VA, 1, BH_REVOKE_SELF);
    s = dev_map(dev, MMIO_VA, 3, rw, 0, 4, out);
    bh_tap(s == BH_OK && out[1] == 16384, "devmem: the freed VAs take BAR3 whole (%d, %lu bytes)", s, out[1]);
    bh_unmap(MMIO_VA, 4, BH_REVOKE_SELF);
    bh_unmap(CFG_VA, 1, BH_REVOKE_SELF);
}

void test_devmem(void)
{
    uint64_t dev = rt_sel(), weak = rt_sel();
    int nic = find_e1000e();
    if (nic < 0 || bh_create_dev(dev, SEL_PD, BH_SBDF(0, 0, (unsigned)nic >> 3, (unsigned)nic & 7)) != BH_OK) {
        bh_tap(true, "devmem: device memory # SKIP no e1000e with a DEV capability (tests/system/vtd.t has one)");
        return;
    }
    for (unsigned bar = 0; bar < 6 && !iobase; bar++) {
        uint32_t v = cfg_rd((unsigned)nic, 0x10 + bar * 4);
        if (v & 1)
            iobase = (uint16_t)(v & 0xfffc);
    }
    cfg_wr((unsigned)nic, 4, (cfg_rd((unsigned)nic, 4) & 0xffff) | 3u);   /* I/O and memory space */
    bh_map(SEL_PD, 0, RAM_VA, 1, BH_M_R | BH_M_W | BH_MAP_FRESH);
    bh_delegate(SEL_PD, dev, weak, BH_R_DELEGATE);
    check_refusals(dev, weak);
    check_owned(dev, (unsigned)nic);
    check_maps(dev, (unsigned)nic);
    bh_unmap(RAM_VA, 1, BH_REVOKE_SELF);
    bh_revoke(weak, BH_REVOKE_SELF);
    bh_revoke(dev, BH_REVOKE_SELF);
}
