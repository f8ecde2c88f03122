/* Protection domains. This slice creates only the root PD; child PDs,
   memory delegation and PD kill by capability come with the next slice. */
#include "pd.h"
#include "ec.h"
#include "mem.h"
#include "kmem.h"
#include "paging.h"
#include "cpu.h"
#include "lib/fmt.h"
#include <string.h>

static uint32_t slot_pages(uint32_t nslots)
{
    return (uint32_t)((nslots * sizeof(struct cap) + PAGE_SIZE - 1) / PAGE_SIZE);
}

enum bh_status pd_create(struct pd *parent, uint32_t nslots, uint64_t quota,
                         const char *name, struct pd **out)
{
    struct pd *pd;
    void *slots;
    if (nslots == 0 || nslots > 65536)
        return BH_ERANGE;
    if (parent && quota > quota_left(parent))
        return BH_ENOMEM;
    enum bh_status s = quota_alloc(parent, 1, (void **)&pd);
    if (s != BH_OK)
        return s;
    pd->obj = (struct kobj){ .refs = 1, .type = BH_OBJ_PD, .quota = NULL, .pages = 1 };
    pd->parent = parent;
    pd->quota = quota;
    pd->used = 1;                      /* the PD page itself */
    if (parent)
        parent->used += quota - 1;     /* the rest of the quota is reserved */
    pd->nslots = nslots;
    snfmt(pd->name, sizeof pd->name, "%s", name);
    if ((s = quota_alloc(pd, slot_pages(nslots), &slots)) != BH_OK ||
        (s = as_create(&pd->root)) != BH_OK) {
        pd_destroy(pd);
        return s;
    }
    pd->used++;                        /* the PML4 */
    capspace_init(&pd->caps, slots, nslots);
    *out = pd;
    return BH_OK;
}

enum bh_status pd_map_new(struct pd *pd, uint64_t va, uint64_t flags, void **kva)
{
    void *page;
    if (quota_left(pd) < 4)            /* the page and up to 3 tables */
        return BH_ENOMEM;
    enum bh_status s = quota_alloc(pd, 1, &page);
    if (s != BH_OK)
        return s;
    uint64_t before = kmem_free_count();
    s = as_map(pd->root, va, virt_to_phys(page), flags | PTE_OWNED);
    pd->used += before - kmem_free_count();      /* tables it took */
    if (s != BH_OK) {
        quota_free(pd, page, 1);
        return s;
    }
    if (kva)
        *kva = page;
    return BH_OK;
}

void pd_destroy(struct pd *pd)
{
    if (pd->root && read_cr3() == pd->root)
        write_cr3(paging_kernel_root());   /* never free the live tables */
    mem_destroy(pd);
    if (pd->caps.slots)
        quota_free(pd, pd->caps.slots, slot_pages(pd->nslots));
    if (pd->root)
        as_destroy(pd->root);          /* user pages, tables and the PML4 */
    struct pd *parent = pd->parent;
    uint64_t quota = pd->quota;
    kmem_free_pages(virt_to_phys(pd), 1);
    if (parent)
        parent->used -= quota;
}
