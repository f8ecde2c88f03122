/* Devices; see dev.h. The function table is filled once at boot and
   never changes; DEV objects point into it, at most one per function. */
#include "dev.h"
#include "acpi.h"
#include "console.h"
#include "lib/fmt.h"
#include "mbi.h"
#include "mem.h"
#include "paging.h"
#include "pd.h"
#include "percpu.h"
#include "sm.h"
#include "smp.h"
#include "trap.h"
#include "vtd.h"
#include "vtd_hw.h"

#define MAX_FNS 256u
#define MAX_BUSES 32u
#define MAX_CFG_PAGES 1024u          /* ECAM pages mapped at boot (4 MiB of the MMIO window) */

struct pci_fn {
    uint16_t seg;
    uint8_t bus, devfn;
    uint16_t vendor, device;
    uint32_t class;                  /* base class << 16 | subclass << 8 | prog-if */
    bool bridge;
    uint8_t sec, sub;                /* a bridge's secondary and subordinate bus */
    int unit;                        /* its DMAR unit (DRHD index), -1: none */
    uint64_t faults;                 /* every fault it caused, for logging */
    volatile uint32_t *cfg;          /* its configuration space (ECAM page) */
    uint64_t cfg_pa;                 /* and that page's physical address */
    struct dev *obj;
};

static struct pci_fn fns[MAX_FNS];
static unsigned nfns, cfg_pages;
static bool truncated;
static uint64_t stray_faults;        /* from source ids hv found no function for */
static const struct acpi_info *acpi; /* what BH_DEV_MAP keeps devices away from */
static const struct boot_info *boot;
/* Remapped MSIs: the binding behind each host vector, and the vectors
   that arrived and are not delivered yet (set in interrupt context). */
static struct dev_msi *by_vec[VEC_MSI_COUNT];
static volatile uint64_t msi_pending;
_Static_assert(VEC_MSI_COUNT <= 64, "one pending word");

static uint32_t sbdf_of(const struct pci_fn *f) { return (uint32_t)f->seg << 16 | f->bus << 8 | f->devfn; }

static struct pci_fn *find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
    for (unsigned i = 0; i < nfns; i++)
        if (fns[i].seg == seg && fns[i].bus == bus && fns[i].devfn == devfn)
            return &fns[i];
    return NULL;
}

static uint64_t cfg_pa(const struct acpi_mcfg_seg *m, uint8_t bus, uint8_t devfn)
{
    return m->base + ((uint64_t)bus << 20 | (uint64_t)devfn << 12);
}

/* The ECAM page of one function (PCI Express Base 7.2.2), or NULL when
   the page budget or the MMIO window is used up. */
static volatile uint32_t *cfg(const struct acpi_mcfg_seg *m, uint8_t bus, uint8_t devfn)
{
    if (cfg_pages == MAX_CFG_PAGES)
        return NULL;
    cfg_pages++;
    return mmio_map(cfg_pa(m, bus, devfn), PAGE_SIZE);
}

/* Records every function on bus and queues the buses behind bridges. */
static void scan_bus(const struct acpi_mcfg_seg *m, uint8_t bus, uint8_t *queue, unsigned *nq,
                     bool *queued)
{
    for (unsigned dev = 0; dev < 32; dev++)
        for (unsigned fn = 0; fn < 8; fn++) {
            uint8_t devfn = (uint8_t)(dev << 3 | fn);
            volatile uint32_t *c = cfg(m, bus, devfn);
            if (!c || nfns == MAX_FNS) {
                truncated = true;
                return;
            }
            uint32_t id = c[0];
            if ((id & 0xffff) == 0xffff) {
                if (fn == 0)
                    break;           /* no device here */
                continue;
            }
            uint8_t hdr = (uint8_t)(c[3] >> 16);
            struct pci_fn *f = &fns[nfns++];
            *f = (struct pci_fn){ .seg = m->segment, .bus = bus, .devfn = devfn,
                                  .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16),
                                  .class = c[2] >> 8, .unit = -1, .cfg = c,
                                  .cfg_pa = cfg_pa(m, bus, devfn) };
            if ((hdr & 0x7f) == 1) {                  /* PCI-to-PCI bridge */
                uint32_t b = c[6];
                f->bridge = true;
                f->sec = (uint8_t)(b >> 8);
                f->sub = (uint8_t)(b >> 16);
                if (f->sec > bus && f->sec <= m->end_bus && !queued[f->sec]) {
                    if (*nq == MAX_BUSES)
                        truncated = true;
                    else
                        queued[f->sec] = true, queue[(*nq)++] = f->sec;
                }
            }
            if (fn == 0 && !(hdr & 0x80))
                break;               /* not multi-function */
        }
}

/* Where a DMAR device scope points: its path walked from start_bus
   through the bridges hv found (VT-d 8.3.1). */
static bool scope_target(const struct acpi_dmar_scope *s, uint16_t seg, uint8_t *bus, uint8_t *devfn)
{
    if (!s->path_len)
        return false;
    uint8_t b = s->start_bus;
    for (unsigned k = 0; k + 1u < s->path_len; k++) {
        struct pci_fn *br = find(seg, b, (uint8_t)(s->path[k][0] << 3 | (s->path[k][1] & 7)));
        if (!br || !br->bridge)
            return false;
        b = br->sec;
    }
    *bus = b;
    *devfn = (uint8_t)(s->path[s->path_len - 1][0] << 3 | (s->path[s->path_len - 1][1] & 7));
    return true;
}

/* The unit whose scope names f (the function itself or a bridge above
   it), else the segment's INCLUDE_PCI_ALL unit, else -1. */
static int unit_of(const struct acpi_dmar_info *d, const struct pci_fn *f)
{
    int all = -1;
    for (unsigned u = 0; u < d->ndrhd; u++) {
        const struct acpi_drhd *h = &d->drhd[u];
        if (h->segment != f->seg)
            continue;
        if (h->include_pci_all) {
            all = all < 0 ? (int)u : all;
            continue;
        }
        for (unsigned i = 0; i < h->nscopes; i++) {
            const struct acpi_dmar_scope *s = &h->scopes[i];
            uint8_t bus, devfn;
            if ((s->type != ACPI_SCOPE_ENDPOINT && s->type != ACPI_SCOPE_BRIDGE) ||
                !scope_target(s, f->seg, &bus, &devfn))
                continue;
            if (bus == f->bus && devfn == f->devfn)
                return (int)u;
            struct pci_fn *br = s->type == ACPI_SCOPE_BRIDGE ? find(f->seg, bus, devfn) : NULL;
            if (br && br->bridge && f->bus >= br->sec && f->bus <= br->sub)
                return (int)u;
        }
    }
    return all;
}

/* A remapped MSI arrived (interrupt context, maybe without the lock):
   remember it; dev_msi_deliver ups the semaphore under the lock. */
static void msi_irq(struct trapframe *tf)
{
    uint64_t v = tf->vector - VEC_MSI_BASE;
    if (v < VEC_MSI_COUNT)
        __atomic_fetch_or(&msi_pending, 1ull << v, __ATOMIC_RELEASE);
    this_cpu()->resched = true;
}

void dev_init(const struct acpi_info *ai, const struct boot_info *bi)
{
    acpi = ai, boot = bi;
    for (unsigned v = 0; v < VEC_MSI_COUNT; v++)
        irq_set_handler(VEC_MSI_BASE + v, msi_irq);
    if (!ai->nmcfg) {
        kprintf("hv: pci: no MCFG table (no ECAM): no device capabilities\n");
        return;
    }
    for (unsigned i = 0; i < ai->nmcfg; i++) {
        const struct acpi_mcfg_seg *m = &ai->mcfg[i];
        uint8_t queue[MAX_BUSES];
        bool queued[256] = { false };
        unsigned nq = 0;
        queue[nq++] = m->start_bus;
        queued[m->start_bus] = true;
        for (unsigned q = 0; q < nq && !truncated; q++)
            scan_bus(m, queue[q], queue, &nq, queued);
    }
    for (unsigned i = 0; i < nfns; i++) {
        struct pci_fn *f = &fns[i];
        char unit[16] = "no dmar unit";
        f->unit = unit_of(&ai->dmar, f);
        if (f->unit >= 0)
            snfmt(unit, sizeof unit, "dmar unit %d", f->unit);
        kprintf("# pci: %04x:%02x:%02x.%x %04x:%04x class %06x%s, %s\n", f->seg, f->bus,
                f->devfn >> 3, f->devfn & 7, f->vendor, f->device, f->class,
                f->bridge ? " bridge" : "", unit);
    }
    if (truncated)
        kprintf("hv: pci: enumeration stopped at %u functions, %u config pages\n", nfns, cfg_pages);
}

enum bh_status dev_create(struct pd *pd, uint32_t sbdf, struct dev **out)
{
    struct pci_fn *f = find((uint16_t)(sbdf >> 16), (uint8_t)(sbdf >> 8), (uint8_t)sbdf);
    if (!f)
        return BH_ENOENT;
    if (f->obj)
        return BH_EEXIST;
    struct dev *d;
    enum bh_status s = kobj_new(pd, BH_OBJ_DEV, (void **)&d);
    if (s != BH_OK)
        return s;
    d->fn = f;
    f->obj = d;
    *out = d;
    return BH_OK;
}

/* Frees one MSI binding: the IRTE goes (invalidated), so the device's
   messages through it are blocked and fault from now on. The device's
   MSI capability is left as it is: turning MSI off would let the
   function fall back to INTx, a line its driver may not hold. */
static void msi_unbind(struct dev *d, struct dev_msi *m)
{
    vtd_ir_free((unsigned)d->fn->unit, m->irte);
    by_vec[m->vec] = NULL;
    __atomic_fetch_and(&msi_pending, ~(1ull << m->vec), __ATOMIC_RELEASE);
    kobj_put(&m->sm->obj);
    *m = (struct dev_msi){ 0 };
}

static void msi_unbind_all(struct dev *d)
{
    for (unsigned i = 0; i < DEV_MSI_MAX; i++)
        if (d->msi[i].sm)
            msi_unbind(d, &d->msi[i]);
}

static void unassign(struct dev *d)
{
    msi_unbind_all(d);
    vtd_dom_detach(d->pd, (unsigned)d->fn->unit, d->fn->bus, d->fn->devfn);
    d->pd = NULL;
}

static void unbind(struct dev *d)
{
    if (d->fault_sm)
        kobj_put(&d->fault_sm->obj);
    d->fault_sm = NULL;
}

void dev_destroy(struct dev *d)
{
    if (d->pd)
        unassign(d);
    unbind(d);
    d->fn->obj = NULL;
    quota_free(d->obj.quota, d, 1);
}

static unsigned width(void)
{
    unsigned w = 0;
    for (uint64_t l = vtd_limit(); l > 1; l >>= 1)
        w++;
    return w;
}

/* The configuration-space offset of capability id of f (PCI 6.7), or 0.
   The list is bounded: at most 48 entries of 4 bytes fit above 0x40. */
static unsigned find_cap(const struct pci_fn *f, uint8_t id)
{
    volatile uint32_t *c = f->cfg;
    if (!c || !(c[1] >> 16 & 0x10))
        return 0;                    /* status: no capabilities list */
    unsigned p = c[0x34 / 4] & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        uint32_t v = c[p / 4];
        if ((v & 0xff) == id)
            return p;
        p = (v >> 8) & 0xfc;
    }
    return 0;
}

#define PCI_CAP_MSI 0x05
#define PCI_CAP_MSIX 0x11

static struct dev_msi *msi_find(struct dev *d, uint64_t entry)
{
    for (unsigned i = 0; i < DEV_MSI_MAX; i++)
        if (d->msi[i].sm && d->msi[i].entry == entry)
            return &d->msi[i];
    return NULL;
}

/* Programs MSI capability cap of f (PCI 6.8.1) with one message, address
   addr and data, and enables it. */
static void msi_program(struct pci_fn *f, unsigned cap, uint32_t addr, uint16_t data)
{
    volatile uint16_t *ctl = (volatile uint16_t *)((volatile uint8_t *)f->cfg + cap + 2);
    bool is64 = *ctl & (1u << 7);
    *ctl = (uint16_t)(*ctl & ~(1u | 7u << 4));        /* off, one message (MME 0) */
    f->cfg[(cap + 4) / 4] = addr;
    if (is64)
        f->cfg[(cap + 8) / 4] = 0;
    *(volatile uint16_t *)((volatile uint8_t *)f->cfg + cap + (is64 ? 12 : 8)) = data;
    *ctl = (uint16_t)(*ctl | 1u);                     /* MSI enable */
}

/* BH_DEV_MSI_BIND: an IRTE for the entry that accepts only this
   function's requester id, a host vector on cpu, the semaphore. MSI is
   programmed here (config space is hv's: drivers only read their own
   page); for MSI-X the driver writes out[0] / out[1] into its table
   entry (in a BAR of its own). */
static enum bh_status msi_bind(struct dev *d, struct sm *sm, uint64_t cpu, uint64_t entry, uint64_t out[3])
{
    struct pci_fn *f = d->fn;
    bool msix = entry & BH_DEV_MSIX;
    uint32_t idx = (uint32_t)(entry & 0xffff);
    if (f->unit < 0 || !vtd_ir_active((unsigned)f->unit))
        return BH_ENOTSUP;
    if (!d->pd)
        return BH_EINVAL;            /* its interrupts go to its owner: assign it first */
    if (cpu >= smp_online())
        return BH_ERANGE;
    unsigned cap = find_cap(f, msix ? PCI_CAP_MSIX : PCI_CAP_MSI);
    if (!cap)
        return BH_ENOENT;
    uint32_t n = msix ? (f->cfg[cap / 4] >> 16 & 0x7ff) + 1 : 1;   /* hv enables one MSI message */
    if (idx >= n)
        return BH_ERANGE;
    if (msi_find(d, entry))
        return BH_EEXIST;
    struct dev_msi *m = NULL;
    for (unsigned i = 0; i < DEV_MSI_MAX && !m; i++)
        m = d->msi[i].sm ? NULL : &d->msi[i];
    unsigned v = 0;
    while (v < VEC_MSI_COUNT && by_vec[v])
        v++;
    if (!m || v == VEC_MSI_COUNT)
        return BH_ENOMEM;
    uint16_t irte;
    enum bh_status s = vtd_ir_alloc((unsigned)f->unit, (uint16_t)(f->bus << 8 | f->devfn),
                                    cpus[cpu].apic_id, (uint8_t)(VEC_MSI_BASE + v), &irte);
    if (s != BH_OK)
        return s;
    kobj_get(&sm->obj);
    *m = (struct dev_msi){ .sm = sm, .entry = (uint32_t)entry, .irte = irte, .vec = (uint8_t)v,
                           .masked = true };
    by_vec[v] = m;
    if (!msix)
        msi_program(f, cap, vtd_ir_msi_addr(irte), VTD_IR_MSI_DATA);
    out[0] = vtd_ir_msi_addr(irte);
    out[1] = VTD_IR_MSI_DATA;
    out[2] = irte;
    return BH_OK;
}

enum bh_status dev_ctrl(struct dev *d, uint64_t op, struct pd *pd, struct sm *sm, uint64_t cpu,
                        uint64_t entry, uint64_t out[3])
{
    struct pci_fn *f = d->fn;
    bool iommu = f->unit >= 0 && vtd_unit_active((unsigned)f->unit);
    switch (op) {
    case BH_DEV_INFO:
        out[0] = sbdf_of(f);
        out[1] = f->vendor | (uint64_t)f->device << 16 | (uint64_t)f->class << 32;
        out[2] = (iommu ? BH_DEV_F_IOMMU : 0) | (d->pd ? BH_DEV_F_ASSIGNED : 0) |
                 (iommu && vtd_ir_active((unsigned)f->unit) ? BH_DEV_F_IR : 0) |
                 (uint64_t)(iommu ? width() : 0) << 8;
        return BH_OK;
    case BH_DEV_ASSIGN:
        if (!iommu)
            return BH_ENOTSUP;       /* nothing could confine it */
        if (d->pd)
            return BH_EBUSY;
        if (pd->dying)
            return BH_EINVAL;
        {
            enum bh_status s = vtd_dom_attach(pd, (unsigned)f->unit, f->bus, f->devfn);
            if (s != BH_OK)
                return s;
        }
        d->pd = pd;
        return BH_OK;
    case BH_DEV_UNASSIGN:
        if (!d->pd)
            return BH_ENOENT;
        unassign(d);
        return BH_OK;
    case BH_DEV_FAULT_BIND:
        unbind(d);
        if (sm)
            kobj_get(&sm->obj);
        d->fault_sm = sm;
        return BH_OK;
    case BH_DEV_FAULT_READ:
        vtd_fault_poll();            /* records the interrupt has not drained yet */
        if (!d->nfaults)
            return BH_ENOENT;
        out[0] = d->fault_addr;
        out[1] = d->fault_info;
        out[2] = d->nfaults;
        d->nfaults = 0;
        return BH_OK;
    case BH_DEV_MSI_BIND:
        return msi_bind(d, sm, cpu, entry, out);
    case BH_DEV_MSI_UNMASK: {
        struct dev_msi *m = msi_find(d, entry);
        if (!m)
            return BH_ENOENT;
        m->masked = false;
        if (m->latched) {            /* it came while masked: deliver it now */
            m->latched = false;
            m->masked = true;
            sm_up(m->sm);
        }
        return BH_OK;
    }
    case BH_DEV_MSI_UNBIND: {
        struct dev_msi *m = msi_find(d, entry);
        if (!m)
            return BH_ENOENT;
        msi_unbind(d, m);
        return BH_OK;
    }
    default:
        return BH_EINVAL;
    }
}

void dev_release_pd(struct pd *pd)
{
    for (unsigned i = 0; i < nfns; i++) {
        struct dev *d = fns[i].obj;
        if (!d)
            continue;
        if (d->pd == pd)
            unassign(d);
        if (d->fault_sm && d->fault_sm->obj.quota == pd)
            unbind(d);
        for (unsigned k = 0; k < DEV_MSI_MAX; k++)
            if (d->msi[k].sm && d->msi[k].sm->obj.quota == pd)
                msi_unbind(d, &d->msi[k]);
    }
}

void dev_msi_deliver(void)
{
    uint64_t bits = __atomic_exchange_n(&msi_pending, 0, __ATOMIC_ACQUIRE);
    while (bits) {
        struct dev_msi *m = by_vec[__builtin_ctzll(bits)];
        bits &= bits - 1;
        if (!m)
            continue;                /* unbound meanwhile */
        if (m->masked) {
            m->latched = true;
        } else {
            m->masked = true;
            sm_up(m->sm);
        }
    }
}

uint64_t dev_fault(uint16_t seg, uint16_t sid, uint64_t addr, uint8_t reason, bool write)
{
    struct pci_fn *f = find(seg, (uint8_t)(sid >> 8), (uint8_t)sid);
    if (!f)
        return ++stray_faults;
    struct dev *d = f->obj;
    if (d) {
        if (!d->nfaults) {
            d->fault_addr = addr;
            d->fault_info = reason | (write ? BH_DEV_FAULT_WRITE : 0) | (uint32_t)sid << 16;
        }
        if (d->nfaults < UINT32_MAX)
            d->nfaults++;
        if (d->fault_sm)
            sm_up(d->fault_sm);
    }
    return ++f->faults;
}

/* ---- device memory (BH_DEV_MAP) -----------------------------------------
   A DEV capability maps its own function's memory BARs and its own ECAM
   page (read-only: a writable one would let its holder move BARs onto
   memory hv checked, or reprogram the MSI capability hv owns). */

static bool overlaps(uint64_t b, uint64_t e, uint64_t base, uint64_t len)
{
    return b < base + len && base < e;
}

/* True if [b, e) touches memory hv or the firmware owns: anything in
   the loader's memory map (RAM, ACPI, reserved), the first MiB, the
   interrupt address range (local APICs), an I/O APIC, a remapping unit
   (64 KiB: register sets are at most that) or any ECAM window. */
static bool owned_by_hv(uint64_t b, uint64_t e)
{
    if (b < (1ull << 20) || overlaps(b, e, 0xfee00000u, 0x100000u) ||
        overlaps(b, e, acpi->madt.lapic_addr, PAGE_SIZE))
        return true;
    for (unsigned i = 0; i < boot->mmap_count; i++)
        if (overlaps(b, e, boot->mmap[i].base, boot->mmap[i].length))
            return true;
    uint64_t upper = (1ull << 20) + ((uint64_t)boot->mem_upper_kib << 10);
    if (!(boot->has & BOOT_HAS_MMAP) && overlaps(b, e, 0, upper))
        return true;
    for (unsigned i = 0; i < acpi->madt.nioapics; i++)
        if (overlaps(b, e, acpi->madt.ioapics[i].address, PAGE_SIZE))
            return true;
    for (unsigned i = 0; i < acpi->dmar.ndrhd; i++)
        if (overlaps(b, e, acpi->dmar.drhd[i].base, 0x10000))
            return true;
    for (unsigned i = 0; i < acpi->nmcfg; i++) {
        const struct acpi_mcfg_seg *m = &acpi->mcfg[i];
        if (overlaps(b, e, m->base + ((uint64_t)m->start_bus << 20),
                     ((uint64_t)m->end_bus - m->start_bus + 1) << 20))
            return true;
    }
    return false;
}

#define BAR_IO 1u
#define PHYS_LIMIT (1ull << 52)      /* the architectural physical-address width */
#define BAR_64 4u                    /* memory BAR type 10b: 64-bit (PCI 7.5.1.2.1) */

/* Base and size of memory BAR idx of f, read at the call (PCI 7.5.1.2.1:
   size by writing ones with memory decoding off, then restore). */
static enum bh_status bar_read(struct pci_fn *f, unsigned idx, uint64_t *base, uint64_t *size)
{
    volatile uint32_t *c = f->cfg;
    unsigned nbars = (c[3] >> 16 & 0x7f) == 0 ? 6 : 2;   /* header type 0 or 1 */
    unsigned i = 0;
    if (idx >= nbars)
        return BH_ERANGE;
    while (i < idx)                  /* the upper half of a 64-bit BAR is no BAR */
        i += (c[4 + i] & (BAR_IO | 6u)) == BAR_64 ? 2 : 1;
    if (i != idx)
        return BH_ENOENT;
    uint32_t lo = c[4 + idx];
    if (lo & BAR_IO)
        return BH_ENOTSUP;
    bool is64 = (lo & 6u) == BAR_64;
    if (is64 && idx + 1 >= nbars)
        return BH_ENOENT;
    uint32_t hi = is64 ? c[5 + idx] : 0;
    uint32_t cmd = c[1] & 0xffff;
    c[1] = cmd & ~2u;                /* memory decoding off while sizing */
    c[4 + idx] = ~0u;
    uint32_t mlo = c[4 + idx], mhi = ~0u;
    c[4 + idx] = lo;
    if (is64) {
        c[5 + idx] = ~0u;
        mhi = c[5 + idx];
        c[5 + idx] = hi;
    }
    c[1] = cmd;
    uint64_t mask = ((uint64_t)mhi << 32 | (mlo & ~0xfu));
    *base = ((uint64_t)hi << 32 | (lo & ~0xfu));
    *size = mask ? ~mask + 1 : 0;
    return *size && *base ? BH_OK : BH_ENOENT;
}

bool dev_cfg_owner(struct pd *pd)
{
    for (unsigned p = 0xcf8; p <= 0xcff; p++)
        if (!pd->all_ports && !mem_io_held(pd, p))
            return false;
    return true;
}

enum bh_status dev_map(struct dev *d, struct pd *pd, uint64_t va, unsigned region, unsigned rights,
                       uint64_t first, uint64_t n, uint64_t out[3])
{
    struct pci_fn *f = d->fn;
    uint64_t base, size = PAGE_SIZE;
    enum bh_status s = BH_OK;
    if (region == BH_DEV_REGION_CFG) {
        if ((rights & BH_M_W) && !dev_cfg_owner(pd))
            return BH_ERIGHTS;           /* writable: the configuration owner only */
        base = f->cfg_pa;
    } else if (region < BH_DEV_REGION_CFG) {
        if ((s = bar_read(f, region, &base, &size)) != BH_OK)
            return s;
        if ((base | size) & (PAGE_SIZE - 1))
            return BH_ENOTSUP;       /* it shares its page with something else */
        if (base + size < base || base + size > PHYS_LIMIT)
            return BH_ERANGE;        /* no page-table entry can hold it */
        if (owned_by_hv(base, base + size))
            return BH_EBUSY;
    } else {
        return BH_ERANGE;
    }
    out[1] = size;
    if (first >= size / PAGE_SIZE || n > size / PAGE_SIZE - first)
        return BH_ERANGE;
    uint64_t done = 0;
    while (done < n && s == BH_OK) {
        s = mem_map_device(pd, va + done * PAGE_SIZE, base + (first + done) * PAGE_SIZE, rights);
        done += s == BH_OK;
    }
    out[0] = done;
    return s;
}
