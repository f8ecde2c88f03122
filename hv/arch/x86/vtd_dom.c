/* DMA spaces: one second-level page table per PD, made when the PD first
   gets a DMA mapping or a device, with a domain id from a fixed pool.
   Table pages are charged to the PD's quota; mem.c keeps the mapping
   nodes, so revoking a page removes it here too (vtd_dom_unmap), with
   the IOTLB invalidated on every unit a device of the space sits behind. */
#include "vtd.h"
#include "vtd_pt.h"
#include "acpi.h"
#include "obj.h"
#include "pd.h"
#include "paging.h"
#include "panic.h"
#include <string.h>

struct vtd_dom {
    uint64_t root;                   /* top-level table (physical); 0 = free */
    uint16_t did;
    uint16_t users[ACPI_MAX_DRHD];   /* devices attached through each unit */
};

static struct vtd_dom doms[VTD_DOMS];
static unsigned ndoms;               /* usable: the smallest unit's count - 1 */

void vtd_dom_limit(unsigned n)
{
    ndoms = n < VTD_DOMS ? n : VTD_DOMS;
}

/* Table pages come from the PD's quota. */
static enum bh_status pt_alloc(void *ctx, uint64_t *pa)
{
    void *p;
    enum bh_status s = quota_alloc(ctx, 1, &p);
    if (s == BH_OK)
        *pa = virt_to_phys(p);
    return s;
}

static void pt_free(void *ctx, uint64_t pa) { quota_free(ctx, phys_to_virt(pa), 1); }
static void *pt_virt(void *ctx, uint64_t pa) { (void)ctx; return phys_to_virt(pa); }
static void pt_flush(void *ctx, const void *p, size_t len) { (void)ctx; vtd_flush(p, len); }

static struct vtd_pt_env env(struct pd *pd)
{
    return (struct vtd_pt_env){ pd, pt_alloc, pt_free, pt_virt, pt_flush };
}

/* pd's DMA space, made (and charged to pd) if it has none yet. */
static enum bh_status get(struct pd *pd, struct vtd_dom **out)
{
    if (pd->dma) {
        *out = pd->dma;
        return BH_OK;
    }
    if (!vtd_active())
        return BH_ENOTSUP;
    struct vtd_dom *d = NULL;
    for (unsigned i = 0; i < ndoms && !d; i++)
        if (!doms[i].root)
            d = &doms[i];
    if (!d)
        return BH_ENOMEM;            /* out of domain ids */
    uint64_t root;
    enum bh_status s = pt_alloc(pd, &root);
    if (s != BH_OK)
        return s;
    vtd_flush(phys_to_virt(root), PAGE_SIZE);
    memset(d->users, 0, sizeof d->users);
    d->root = root;
    d->did = (uint16_t)(d - doms + 1);
    pd->dma = d;
    *out = d;
    return BH_OK;
}

enum bh_status vtd_dom_map(struct pd *pd, uint64_t iova, uint64_t pa, unsigned rights)
{
    struct vtd_dom *d;
    enum bh_status s = get(pd, &d);
    if (s != BH_OK)
        return s;
    struct vtd_pt_env e = env(pd);
    if ((s = vtd_pt_map(&e, d->root, vtd_levels(), iova, pa, rights)) != BH_OK)
        return s;
    for (unsigned u = 0; u < ACPI_MAX_DRHD; u++)
        if (d->users[u])
            vtd_after_map(u, d->did, iova);
    return BH_OK;
}

void vtd_dom_unmap(struct pd *pd, uint64_t iova)
{
    struct vtd_dom *d = pd->dma;
    if (!d)
        return;
    struct vtd_pt_env e = env(pd);
    if (!vtd_pt_unmap(&e, d->root, vtd_levels(), iova))
        return;
    for (unsigned u = 0; u < ACPI_MAX_DRHD; u++)
        if (d->users[u])
            vtd_iotlb_page(u, d->did, iova);
}

enum bh_status vtd_dom_attach(struct pd *pd, unsigned u, uint8_t bus, uint8_t devfn)
{
    struct vtd_dom *d;
    if (u >= ACPI_MAX_DRHD || !vtd_unit_active(u))
        return BH_ENOTSUP;
    enum bh_status s = get(pd, &d);
    if (s == BH_OK && (s = vtd_context_set(u, bus, devfn, d->root, d->did)) == BH_OK)
        d->users[u]++;
    return s;
}

void vtd_dom_detach(struct pd *pd, unsigned u, uint8_t bus, uint8_t devfn)
{
    struct vtd_dom *d = pd->dma;
    if (!d || u >= ACPI_MAX_DRHD || !d->users[u])
        return;
    vtd_context_clear(u, bus, devfn, d->did);
    d->users[u]--;
}

bool vtd_dom_destroy_step(struct pd *pd, unsigned *budget)
{
    struct vtd_dom *d = pd->dma;
    if (!d)
        return true;
    /* No device uses it any more (dev_release_pd ran first), and the last
       detach invalidated the did's IOTLB entries: the id is free again. */
    for (unsigned u = 0; u < ACPI_MAX_DRHD; u++)
        if (d->users[u])
            panic("vtd: DMA space of %s freed with %u devices attached", pd->name, d->users[u]);
    struct vtd_pt_env e = env(pd);
    unsigned n = 0;
    if (!vtd_pt_destroy_step(&e, d->root, vtd_levels(), budget, &n))
        return false;
    d->root = 0;
    pd->dma = NULL;
    return true;
}
