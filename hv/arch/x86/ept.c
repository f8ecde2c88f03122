/* Extended page tables; see ept.h. Tables come from the page allocator;
   the caller (mem.c) charges them to the VM's PD by counting free pages
   (and credits what a large leaf frees in their place). */
#include "ept.h"
#include "vmx.h"
#include "kmem.h"
#include "paging.h"
#include "percpu.h"
#include <string.h>

#define EPT_TABLE (EPT_R | EPT_W | EPT_X)

static unsigned idx(uint64_t gpa, unsigned l) { return (gpa >> (12 + 9 * l)) & 511; }

static uint64_t *table_new(uint64_t *pa)
{
    if (kmem_alloc_pages(1, pa) != BH_OK)
        return NULL;
    uint64_t *t = phys_to_virt(*pa);
    memset(t, 0, PAGE_SIZE);
    return t;
}

enum bh_status ept_create(uint64_t *root)
{
    return table_new(root) ? BH_OK : BH_ENOMEM;
}

static const struct ptab_fmt ept_fmt = { .present = EPT_R | EPT_W | EPT_X, .addr = EPT_ADDR,
                                         .owned = EPT_OWNED, .large = EPT_LARGE };

enum bh_status ept_map_level(uint64_t root, uint64_t gpa, uint64_t pa, unsigned rights,
                             unsigned level, uint64_t owned)
{
    if (!ept_leaf_fits(gpa, pa, level) || !(rights & BH_M_R))
        return BH_EINVAL;
    if (!ept_has_leaf(level))
        return BH_ENOTSUP;
    uint64_t *t = phys_to_virt(root);
    for (unsigned l = 3; l > level; l--) {
        uint64_t *e = &t[idx(gpa, l)];
        if (!*e) {
            uint64_t npa;
            if (!table_new(&npa))
                return BH_ENOMEM;
            *e = npa | EPT_TABLE;
        } else if (ept_is_leaf(*e, l)) {
            return BH_EEXIST;          /* inside a larger page */
        }
        t = phys_to_virt(*e & EPT_ADDR);
    }
    return ptab_set_leaf(&t[idx(gpa, level)], level, ept_leaf(pa, rights, level, owned), &ept_fmt);
}

bool ept_has_leaf(unsigned level)
{
    return level == 0 || (level == 1 && vmx_feat.ept_2m) || (level == 2 && vmx_feat.ept_1g);
}

enum bh_status ept_map(uint64_t root, uint64_t gpa, uint64_t pa, unsigned rights, uint64_t owned)
{
    return ept_map_level(root, gpa, pa, rights, 0, owned);
}

uint64_t ept_unmap(uint64_t root, uint64_t gpa)
{
    if (gpa >= EPT_GPA_TOP)
        return 0;
    uint64_t *t = phys_to_virt(root);
    for (unsigned l = 3; l > 0; l--) {
        uint64_t *e = &t[idx(gpa, l)];
        if (!*e)
            return 0;
        if (ept_is_leaf(*e, l)) {
            uint64_t old = *e;
            *e = 0;
            return old;
        }
        t = phys_to_virt(*e & EPT_ADDR);
    }
    uint64_t old = t[idx(gpa, 0)];
    t[idx(gpa, 0)] = 0;
    return old;
}

bool ept_destroy_step(uint64_t root, unsigned *budget)
{
    if (!ptab_free_step(phys_to_virt(root), 3, 512, &ept_fmt, budget))
        return false;
    kmem_free_pages(root, 1);
    return true;
}

void ept_flush_local(void)
{
    if (!vmx_active((unsigned)this_cpu()->id))
        return;
    struct { uint64_t eptp, zero; } desc = { 0, 0 };
    __asm__ volatile("invept %0, %1" ::"m"(desc), "r"(2ull) : "cc", "memory");
}
