/* Memory delegation; see mem.h. Per PD: a 4-level radix tree from VA to
   mapping node, and a free list of nodes carved from pages charged to the
   PD's quota. A node embeds a struct cap so cap.c's derivation tree and
   bounded, iterative revocation serve pages as well as capabilities. */
#include "mem.h"
#include "pd.h"
#include "obj.h"
#include "cap.h"
#include "kmem.h"
#include "paging.h"
#include <string.h>

#define MEM_NODE 0xfe        /* cap.type of mapping nodes (never a selector) */

struct mnode {
    struct cap c;            /* c.obj = the node itself, c.rights = BH_M_* */
    struct pd *pd;
    uint64_t va, pa;
    struct mnode *free_next;
};

#define NODES_PER_PAGE ((PAGE_SIZE - 64) / sizeof(struct mnode))

static unsigned level_idx(uint64_t va, unsigned l) { return (va >> (12 + 9 * l)) & 511; }

/* The radix slot for va; levels are created (charged to pd) if create. */
static struct mnode **slot(struct pd *pd, uint64_t va, bool create)
{
    if (!pd->mtree && (!create || quota_alloc(pd, 1, (void **)&pd->mtree) != BH_OK))
        return NULL;
    uint64_t *t = pd->mtree;
    for (unsigned l = 3; l > 0; l--) {
        uint64_t *e = &t[level_idx(va, l)];
        if (!*e && (!create || quota_alloc(pd, 1, (void **)e) != BH_OK))
            return NULL;
        t = (uint64_t *)*e;
    }
    return (struct mnode **)&t[level_idx(va, 0)];
}

static struct mnode *node_alloc(struct pd *pd)
{
    if (!pd->mfree) {
        uint8_t *page;
        if (quota_alloc(pd, 1, (void **)&page) != BH_OK)
            return NULL;
        *(void **)page = pd->mpages;          /* chain of node pages */
        pd->mpages = page;
        struct mnode *n = (struct mnode *)(page + 64);
        for (unsigned i = 0; i < NODES_PER_PAGE; i++) {
            n[i].free_next = pd->mfree;
            pd->mfree = &n[i];
        }
    }
    struct mnode *n = pd->mfree;
    pd->mfree = n->free_next;
    memset(n, 0, sizeof *n);
    return n;
}

/* W^X per PTE: a mapping with both rights is writable, not executable. */
static uint64_t pte_flags(unsigned rights)
{
    bool exec = (rights & BH_M_X) && !(rights & BH_M_W);
    return ((rights & BH_M_W) ? PTE_W : 0) | (exec ? 0 : PTE_NX);
}

/* Fills in and publishes node n for a mapping of pa at va in pd. */
static enum bh_status place(struct pd *pd, struct mnode *n, struct mnode **sl, uint64_t va,
                            uint64_t pa, unsigned rights, uint64_t owned)
{
    enum bh_status s = as_map(pd->root, va, pa, pte_flags(rights) | owned);
    if (s != BH_OK)
        return s;
    n->c.obj = n;
    n->c.type = MEM_NODE;
    n->c.rights = (uint8_t)rights;
    n->pd = pd, n->va = va, n->pa = pa;
    *sl = n;
    return BH_OK;
}

enum bh_status mem_map_fresh(struct pd *pd, uint64_t va, unsigned rights)
{
    struct mnode **sl = slot(pd, va, true);
    if (!sl)
        return BH_ENOMEM;
    if (*sl)
        return BH_EEXIST;
    struct mnode *n = node_alloc(pd);
    void *page;
    if (!n || quota_alloc(pd, 1, &page) != BH_OK) {
        if (n)
            n->free_next = pd->mfree, pd->mfree = n;
        return BH_ENOMEM;
    }
    enum bh_status s = place(pd, n, sl, va, virt_to_phys(page), rights, PTE_OWNED);
    if (s != BH_OK) {
        quota_free(pd, page, 1);
        n->free_next = pd->mfree, pd->mfree = n;
    }
    return s;
}

enum bh_status mem_map_share(struct pd *src, uint64_t sva, struct pd *dst, uint64_t dva,
                             unsigned mask)
{
    struct mnode **ss = slot(src, sva, false);
    if (!ss || !*ss)
        return BH_ENOENT;
    struct mnode *p = *ss;
    unsigned rights = p->c.rights & mask;
    if (!(rights & BH_M_R))
        return BH_ERIGHTS;
    if (p->c.depth >= CAP_MAX_DEPTH)
        return BH_ERANGE;
    struct mnode **ds = slot(dst, dva, true);
    if (!ds)
        return BH_ENOMEM;
    if (*ds)
        return BH_EEXIST;
    struct mnode *n = node_alloc(dst);
    if (!n)
        return BH_ENOMEM;
    enum bh_status s = place(dst, n, ds, dva, p->pa, rights, 0);
    if (s != BH_OK) {
        n->free_next = dst->mfree, dst->mfree = n;
        return s;
    }
    cap_attach(&p->c, &n->c);
    return BH_OK;
}

/* Nodes removed by one revoke call are freed after it (cap.c still
   touches a node right after its release callback). */
struct gone { unsigned n; struct mnode *node[64]; };

static void release(void *ctx, struct cap *c)
{
    struct gone *g = ctx;
    struct mnode *n = (struct mnode *)c;
    uint64_t old = as_unmap(n->pd->root, n->va);
    if (old & PTE_OWNED) {
        kmem_free_pages(n->pa, 1);
        n->pd->used--;
    }
    struct mnode **sl = slot(n->pd, n->va, false);
    if (sl)
        *sl = NULL;
    g->node[g->n++] = n;
}

static void free_gone(struct gone *g)
{
    for (unsigned i = 0; i < g->n; i++) {
        struct mnode *n = g->node[i];
        n->free_next = n->pd->mfree;
        n->pd->mfree = n;
    }
}

enum bh_status mem_unmap(struct pd *pd, uint64_t va, bool self, unsigned *budget)
{
    struct mnode **sl = slot(pd, va, false);
    if (!sl || !*sl)
        return BH_ENOENT;
    struct gone g = { 0 };
    unsigned b = *budget > 64 ? 64 : *budget, used;
    used = b;
    enum bh_status s = cap_revoke(&(*sl)->c, self, &b, release, &g);
    *budget -= used - b;
    free_gone(&g);
    return s;
}

/* Revokes every node found under table t (level l) of pd's radix. */
static void revoke_level(struct pd *pd, uint64_t *t, unsigned l)
{
    for (unsigned i = 0; i < 512; i++) {
        if (!t[i])
            continue;
        if (l > 0) {
            revoke_level(pd, (uint64_t *)t[i], l - 1);
            quota_free(pd, (void *)t[i], 1);
            continue;
        }
        struct mnode *n = (struct mnode *)t[i];
        enum bh_status s;
        do {
            struct gone g = { 0 };
            unsigned b = 64;
            s = cap_revoke(&n->c, true, &b, release, &g);
            free_gone(&g);
        } while (s == BH_EBUSY);
    }
}

void mem_destroy(struct pd *pd)
{
    if (pd->mtree) {
        revoke_level(pd, pd->mtree, 3);
        quota_free(pd, pd->mtree, 1);
        pd->mtree = NULL;
    }
    while (pd->mpages) {
        void *next = *(void **)pd->mpages;
        quota_free(pd, pd->mpages, 1);
        pd->mpages = next;
    }
    pd->mfree = NULL;
}
