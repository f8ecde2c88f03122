/* VT-d second-level page tables; see vtd_pt.h. */
#include "vtd_pt.h"
#include "vtd_hw.h"

static unsigned idx(uint64_t iova, unsigned l) { return (unsigned)(iova >> (12 + 9 * l)) & 511; }

static void flush(const struct vtd_pt_env *e, const void *p, size_t len)
{
    if (e->flush)
        e->flush(e->ctx, p, len);
}

static bool present(uint64_t pte) { return pte & (VTD_SL_R | VTD_SL_W); }

/* The leaf slot for iova, or NULL if a table on the way is missing (and
   cannot be added: create is false or allocation failed, *s says which). */
static uint64_t *walk(const struct vtd_pt_env *e, uint64_t root, unsigned levels, uint64_t iova,
                      bool create, enum bh_status *s)
{
    uint64_t *t = e->virt(e->ctx, root);
    for (unsigned l = levels - 1; l > 0; l--) {
        uint64_t *pte = &t[idx(iova, l)];
        if (!present(*pte)) {
            uint64_t pa;
            if (!create || (*s = e->alloc(e->ctx, &pa)) != BH_OK)
                return NULL;
            flush(e, e->virt(e->ctx, pa), 4096);     /* the zeroes, before it is linked */
            *pte = (pa & VTD_ADDR) | VTD_SL_R | VTD_SL_W;
            flush(e, pte, sizeof *pte);
        }
        t = e->virt(e->ctx, *pte & VTD_ADDR);
    }
    return &t[idx(iova, 0)];
}

static bool ok_levels(unsigned levels) { return levels == 3 || levels == 4; }

enum bh_status vtd_pt_map(const struct vtd_pt_env *e, uint64_t root, unsigned levels,
                          uint64_t iova, uint64_t pa, unsigned rights)
{
    if (!ok_levels(levels) || !(rights & BH_M_R) || ((iova | pa) & 0xfff) ||
        iova >= vtd_pt_span(levels) || (pa & ~VTD_ADDR))
        return BH_EINVAL;
    enum bh_status s = BH_OK;
    uint64_t *pte = walk(e, root, levels, iova, true, &s);
    if (!pte)
        return s;
    if (present(*pte))
        return BH_EEXIST;
    *pte = pa | VTD_SL_R | ((rights & BH_M_W) ? VTD_SL_W : 0);
    flush(e, pte, sizeof *pte);
    return BH_OK;
}

/* The leaf entry for iova, or NULL where no table reaches it. */
static uint64_t *leaf(const struct vtd_pt_env *e, uint64_t root, unsigned levels, uint64_t iova)
{
    if (!ok_levels(levels) || iova >= vtd_pt_span(levels))
        return NULL;
    enum bh_status s;
    return walk(e, root, levels, iova, false, &s);
}

uint64_t vtd_pt_unmap(const struct vtd_pt_env *e, uint64_t root, unsigned levels, uint64_t iova)
{
    uint64_t *pte = leaf(e, root, levels, iova);
    if (!pte || !present(*pte))
        return 0;
    uint64_t old = *pte;
    *pte = 0;
    flush(e, pte, sizeof *pte);
    return old;
}

uint64_t vtd_pt_lookup(const struct vtd_pt_env *e, uint64_t root, unsigned levels, uint64_t iova)
{
    uint64_t *pte = leaf(e, root, levels, iova);
    return pte ? *pte : 0;
}

/* Frees the tables below t (level l), clearing their entries as it goes,
   while *budget lasts (one unit per table); counts them in *n. */
static bool destroy_step(const struct vtd_pt_env *e, uint64_t *t, unsigned l, unsigned *budget,
                         unsigned *n)
{
    for (unsigned i = 0; l > 0 && i < VTD_PTES; i++) {
        if (!present(t[i]))
            continue;
        if (*budget == 0)
            return false;
        uint64_t pa = t[i] & VTD_ADDR;
        if (!destroy_step(e, e->virt(e->ctx, pa), l - 1, budget, n) || *budget == 0)
            return false;              /* an emptied table waits for the next step */
        e->free(e->ctx, pa);
        (*n)++, (*budget)--;
        t[i] = 0;
    }
    return true;
}

bool vtd_pt_destroy_step(const struct vtd_pt_env *e, uint64_t root, unsigned levels,
                         unsigned *budget, unsigned *freed)
{
    if (!ok_levels(levels))
        return true;
    if (!destroy_step(e, e->virt(e->ctx, root), levels - 1, budget, freed))
        return false;
    e->free(e->ctx, root);
    (*freed)++;
    return true;
}

unsigned vtd_pt_destroy(const struct vtd_pt_env *e, uint64_t root, unsigned levels)
{
    unsigned budget = ~0u, n = 0;
    vtd_pt_destroy_step(e, root, levels, &budget, &n);
    return n;
}
