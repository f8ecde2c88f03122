/* The configuration space of a passed-through device; see vpci.h. */
#include "vpci.h"
#include <string.h>

#define CF8_ENABLE (1u << 31)
#define HB_ID (0x1b36u | 0x0008u << 16)    /* a generic PCIe host bridge's IDs */
#define HB_CLASS (0x060000u << 8)          /* bridge, host */
#define PCI_CAP_ID_MSIX 0x11u
#define STATUS_CAPS (1u << 4)
#define CMD_WRITABLE (VPCI_CMD_MEM | VPCI_CMD_MASTER | 1u << 10)   /* INTx disable */
#define BAR_MEM64 (2u << 1)
#define BAR_PREF (1u << 3)

void vpci_reset(struct vpci *v)
{
    v->cf8 = 0;
    v->command = 0;
    v->msix_ctl = 0;
    memset(v->ent, 0, sizeof v->ent);
    for (unsigned i = 0; i < VPCI_MSIX_MAX; i++)
        v->ent[i].ctrl = VPCI_ENT_MASKED;
    v->pending = 0;
}

uint64_t vpci_place_bars(struct vpci *v, uint64_t base, uint64_t limit)
{
    for (unsigned i = 0; i < VPCI_BARS; i++) {
        uint64_t size = v->bar[i].size;
        if (!size)
            continue;
        uint64_t a = (base + size - 1) & ~(size - 1);
        if (a < base || a > limit || size > limit - a)
            return 0;
        v->bar[i].gpa = a;
        base = a + size;
    }
    return base;
}

static uint32_t bar_read(const struct vpci *v, unsigned i)
{
    const struct vpci_bar *b = &v->bar[i];
    if (b->upper)
        return (uint32_t)(v->bar[i - 1].gpa >> 32);
    if (!b->size)
        return 0;
    return (uint32_t)b->gpa | (b->is64 ? BAR_MEM64 : 0) | (b->pref ? BAR_PREF : 0);
}

/* Sizing (PCI 3.0, 6.2.5.1): the bits below the size read as zero, so
   writing all ones reads back the size's complement with the flags. */
static void bar_write(struct vpci *v, unsigned i, uint32_t val)
{
    struct vpci_bar *b = &v->bar[i];
    if (b->upper) {
        b = &v->bar[i - 1];
        b->gpa = ((uint64_t)val << 32 | (b->gpa & 0xffffffffu)) & ~(b->size - 1);
    } else if (b->size) {
        b->gpa = ((b->gpa & ~0xffffffffull) | (val & ~0xfu)) & ~(b->size - 1);
    }
}

static uint32_t dev_dword(const struct vpci *v, unsigned reg)
{
    switch (reg) {
    case 0x00: return v->id;
    case 0x04: return v->command | (uint32_t)(v->has_msix ? STATUS_CAPS : 0) << 16;
    case 0x08: return v->class_rev;
    case 0x2c: return v->subsys;
    case 0x34: return v->has_msix ? VPCI_CAP_MSIX : 0;
    default: break;
    }
    if (reg >= 0x10 && reg < 0x28)
        return bar_read(v, (reg - 0x10) / 4);
    if (!v->has_msix)
        return 0;
    switch (reg) {
    case VPCI_CAP_MSIX:
        return PCI_CAP_ID_MSIX | (uint32_t)(v->msix_ctl | (v->msix_n - 1u)) << 16;
    case VPCI_CAP_MSIX + 4: return v->msix_table;
    case VPCI_CAP_MSIX + 8: return v->msix_pba;
    default: return 0;
    }
}

static uint32_t dword(const struct vpci *v, unsigned bus, unsigned devfn, unsigned reg)
{
    if (bus != 0)
        return ~0u;
    if (devfn == VPCI_DEVFN_HB)
        return reg == 0 ? HB_ID : reg == 8 ? HB_CLASS : 0;
    return devfn == VPCI_DEVFN_DEV ? dev_dword(v, reg) : ~0u;
}

static uint32_t ones(unsigned width) { return width >= 4 ? ~0u : (1u << (8 * width)) - 1; }

static bool access_ok(unsigned reg, unsigned width)
{
    return (width == 1 || width == 2 || width == 4) && !(reg & (width - 1)) && reg < 256;
}

uint32_t vpci_cfg_read(const struct vpci *v, unsigned bus, unsigned devfn, unsigned reg,
                       unsigned width)
{
    if (!access_ok(reg, width))
        return ones(width);
    return (dword(v, bus, devfn, reg & ~3u) >> (8 * (reg & 3))) & ones(width);
}

/* A fingerprint of what the guest's memory map depends on. */
static uint64_t live_map(const struct vpci *v)
{
    uint64_t h = 0;
    for (unsigned i = 0; i < VPCI_BARS; i++) {
        uint64_t gpa = 0, size = 0;
        if (vpci_bar_live(v, i, &gpa, &size))
            h = h * 1000003u ^ gpa ^ (uint64_t)(i + 1) << 60;
    }
    return h ^ (v->command & VPCI_CMD_MEM);
}

bool vpci_cfg_write(struct vpci *v, unsigned bus, unsigned devfn, unsigned reg, unsigned width,
                    uint32_t val)
{
    if (!access_ok(reg, width) || bus != 0 || devfn != VPCI_DEVFN_DEV)
        return false;
    unsigned at = reg & ~3u, sh = 8 * (reg & 3);
    uint32_t mask = ones(width) << sh;
    uint32_t d = (dev_dword(v, at) & ~mask) | ((val << sh) & mask);
    uint64_t before = live_map(v);
    if (at == 0x04)
        v->command = (uint16_t)(d & CMD_WRITABLE);
    else if (at >= 0x10 && at < 0x28)
        bar_write(v, (at - 0x10) / 4, d);
    else if (at == VPCI_CAP_MSIX && v->has_msix)
        v->msix_ctl = (uint16_t)((d >> 16) & (VPCI_MSIX_ENABLE | VPCI_MSIX_FMASK));
    return live_map(v) != before;
}

uint32_t vpci_port_read(struct vpci *v, unsigned off, unsigned width)
{
    if (off < 4)
        return off == 0 && width == 4 ? v->cf8 : ones(width);
    unsigned k = off - 4;
    if (!(v->cf8 & CF8_ENABLE) || k + width > 4)
        return ones(width);
    return vpci_cfg_read(v, v->cf8 >> 16 & 0xff, v->cf8 >> 8 & 0xff, (v->cf8 & 0xfc) + k, width);
}

bool vpci_port_write(struct vpci *v, unsigned off, unsigned width, uint32_t val)
{
    if (off < 4) {
        if (off == 0 && width == 4)
            v->cf8 = val & (CF8_ENABLE | 0x00fffffcu);
        return false;
    }
    unsigned k = off - 4;
    if (!(v->cf8 & CF8_ENABLE) || k + width > 4)
        return false;
    return vpci_cfg_write(v, v->cf8 >> 16 & 0xff, v->cf8 >> 8 & 0xff, (v->cf8 & 0xfc) + k,
                          width, val);
}

bool vpci_bar_live(const struct vpci *v, unsigned i, uint64_t *gpa, uint64_t *size)
{
    if (i >= VPCI_BARS || !v->bar[i].size || !(v->command & VPCI_CMD_MEM))
        return false;
    *gpa = v->bar[i].gpa;
    *size = v->bar[i].size;
    return true;
}

/* ---- MSI-X (PCI 3.0, 6.8.2) ------------------------------------------- */

static uint32_t *field(struct vpci_msix_ent *e, unsigned f)
{
    return f == 0 ? &e->addr_lo : f == 1 ? &e->addr_hi : f == 2 ? &e->data : &e->ctrl;
}

static bool table_ok(const struct vpci *v, uint64_t off, unsigned width)
{
    return (width == 4 || width == 8) && !(off & (width - 1)) &&
           off < (uint64_t)v->msix_n * VPCI_MSIX_ENT;
}

uint64_t vpci_msix_read(const struct vpci *v, uint64_t off, unsigned width)
{
    if (!table_ok(v, off, width))
        return 0;
    struct vpci_msix_ent e = v->ent[off / VPCI_MSIX_ENT];
    unsigned f = (unsigned)(off % VPCI_MSIX_ENT) / 4;
    uint64_t val = *field(&e, f);
    if (width == 8)
        val |= (uint64_t)*field(&e, f + 1) << 32;
    return val;
}

uint32_t vpci_msix_write(struct vpci *v, uint64_t off, unsigned width, uint64_t val)
{
    if (!table_ok(v, off, width))
        return 0;
    unsigned i = (unsigned)(off / VPCI_MSIX_ENT), f = (unsigned)(off % VPCI_MSIX_ENT) / 4;
    for (unsigned k = 0; k < width / 4; k++, f++, val >>= 32) {
        uint32_t x = (uint32_t)val;
        *field(&v->ent[i], f) = f == 0 ? x & ~3u : f == 3 ? x & VPCI_ENT_MASKED : x;
    }
    return 1u << i;
}

uint64_t vpci_pba_read(const struct vpci *v, uint64_t off, unsigned width)
{
    if ((width != 4 && width != 8) || (off & (width - 1)) || off >= 8)
        return 0;
    return off == 0 ? v->pending : 0;
}

int vpci_msix_vector(const struct vpci *v, unsigned i)
{
    if (i >= v->msix_n || (v->msix_ctl & (VPCI_MSIX_ENABLE | VPCI_MSIX_FMASK)) != VPCI_MSIX_ENABLE)
        return -1;
    const struct vpci_msix_ent *e = &v->ent[i];
    unsigned mode = e->data >> 8 & 7, vec = e->data & 0xff;
    if ((e->ctrl & VPCI_ENT_MASKED) || e->addr_hi || (e->addr_lo >> 20) != 0xfee || mode > 1 ||
        vec < 16)
        return -1;
    return (int)vec;
}

int vpci_msix_fire(struct vpci *v, unsigned i)
{
    if (i >= v->msix_n)
        return -1;
    int vec = vpci_msix_vector(v, i);
    bool masked = (v->msix_ctl & VPCI_MSIX_FMASK) || (v->ent[i].ctrl & VPCI_ENT_MASKED);
    if (vec < 0 && (v->msix_ctl & VPCI_MSIX_ENABLE) && masked)
        v->pending |= 1u << i;
    return vec;
}

uint32_t vpci_msix_unpend(struct vpci *v)
{
    uint32_t out = 0;
    for (unsigned i = 0; i < v->msix_n; i++)
        if ((v->pending & 1u << i) && vpci_msix_vector(v, i) >= 0)
            out |= 1u << i;
    v->pending &= ~out;
    return out;
}
