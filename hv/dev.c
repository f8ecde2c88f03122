/* Devices; see dev.h. The function table is filled once at boot and
   never changes; DEV objects point into it, at most one per function. */
#include "dev.h"
#include "acpi.h"
#include "console.h"
#include "lib/fmt.h"
#include "paging.h"
#include "pd.h"
#include "sm.h"
#include "vtd.h"

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
    struct dev *obj;
};

static struct pci_fn fns[MAX_FNS];
static unsigned nfns, cfg_pages;
static bool truncated;
static uint64_t stray_faults;        /* from source ids hv found no function for */

static uint32_t sbdf_of(const struct pci_fn *f) { return (uint32_t)f->seg << 16 | f->bus << 8 | f->devfn; }

static struct pci_fn *find(uint16_t seg, uint8_t bus, uint8_t devfn)
{
    for (unsigned i = 0; i < nfns; i++)
        if (fns[i].seg == seg && fns[i].bus == bus && fns[i].devfn == devfn)
            return &fns[i];
    return NULL;
}

/* The ECAM page of one function (PCI Express Base 7.2.2), or NULL when
   the page budget or the MMIO window is used up. */
static volatile uint32_t *cfg(const struct acpi_mcfg_seg *m, uint8_t bus, uint8_t devfn)
{
    if (cfg_pages == MAX_CFG_PAGES)
        return NULL;
    cfg_pages++;
    return mmio_map(m->base + ((uint64_t)bus << 20 | (uint64_t)devfn << 12), PAGE_SIZE);
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
                                  .class = c[2] >> 8, .unit = -1 };
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

void dev_init(const struct acpi_info *ai)
{
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

static void unassign(struct dev *d)
{
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

enum bh_status dev_ctrl(struct dev *d, uint64_t op, struct pd *pd, struct sm *sm, uint64_t out[3])
{
    struct pci_fn *f = d->fn;
    bool iommu = f->unit >= 0 && vtd_unit_active((unsigned)f->unit);
    switch (op) {
    case BH_DEV_INFO:
        out[0] = sbdf_of(f);
        out[1] = f->vendor | (uint64_t)f->device << 16 | (uint64_t)f->class << 32;
        out[2] = (iommu ? BH_DEV_F_IOMMU : 0) | (d->pd ? BH_DEV_F_ASSIGNED : 0) |
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
