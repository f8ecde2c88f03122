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
#include "percpu.h"
#include "ept.h"
#include "vtd.h"
#include <string.h>

#define MEM_NODE 0xfe        /* cap.type of mapping nodes (never a selector) */
#define IO_NODE 0xfd         /* cap.type of I/O port nodes; va = port << 12 */
#define DMA_NODE 0xfc        /* cap.type of DMA-space nodes (VT-d); va = IOVA */

struct mnode {
    struct cap c;            /* c.obj = the node itself, c.rights = BH_M_* */
    struct pd *pd;
    uint64_t va, pa;
    struct mnode *free_next;
    uint8_t order;           /* 0: one page; 9: a 2 MiB block, 18: 1 GiB */
    bool owned;              /* a block freed with this node (pages: the PTE says) */
};

#define NODES_PER_PAGE ((PAGE_SIZE - 64) / sizeof(struct mnode))

static unsigned level_idx(uint64_t va, unsigned l) { return (va >> (12 + 9 * l)) & 511; }

/* Radix entries hold tables (page-aligned) or nodes (never page-aligned:
   they sit 64 bytes or more into their page). A node above level 0 is a
   large block that stands in for the whole table it replaces. */
static bool is_node(uint64_t e) { return e & (PAGE_SIZE - 1); }

/* The slot for key va at level in the radix *root (levels above are
   created, charged to pd, if create), or the slot of a block holding va. */
static struct mnode **slot_at(struct pd *pd, uint64_t **root, uint64_t va, unsigned level,
                              bool create)
{
    if (!*root && (!create || quota_alloc(pd, 1, (void **)root) != BH_OK))
        return NULL;
    uint64_t *t = *root;
    for (unsigned l = 3; l > level; l--) {
        uint64_t *e = &t[level_idx(va, l)];
        if (is_node(*e))
            return (struct mnode **)e;
        if (!*e && (!create || quota_alloc(pd, 1, (void **)e) != BH_OK))
            return NULL;
        t = (uint64_t *)*e;
    }
    return (struct mnode **)&t[level_idx(va, level)];
}

static struct mnode **slot_in(struct pd *pd, uint64_t **root, uint64_t va, bool create)
{
    return slot_at(pd, root, va, 0, create);
}

static struct mnode **slot(struct pd *pd, uint64_t va, bool create)
{
    return slot_in(pd, &pd->mtree, va, create);
}

static struct mnode **io_slot(struct pd *pd, unsigned port, bool create)
{
    return slot_in(pd, &pd->iotree, (uint64_t)port << 12, create);
}

static void io_set(struct pd *pd, unsigned port, bool allow)
{
    uint8_t *b = &pd->iobm[port >> 15][(port >> 3) & 4095];
    if (allow)
        *b &= (uint8_t)~(1u << (port & 7));
    else
        *b |= (uint8_t)(1u << (port & 7));
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

static void node_free(struct pd *pd, struct mnode *n)
{
    n->free_next = pd->mfree;
    pd->mfree = n;
}

/* A node attribute kept in c.rights beside the BH_M_* bits (which stop
   below it): the page is device memory (dev.c), mapped uncached, never
   owned, never executable, never DMA-mappable; shares inherit it. */
#define MEM_DEVICE 0x80u
_Static_assert(MEM_DEVICE > (BH_M_R | BH_M_W | BH_M_X | BH_M_DMA), "attribute above the rights");

/* W^X per PTE: a mapping with both rights is writable, not executable. */
static uint64_t pte_flags(unsigned rights)
{
    bool exec = (rights & BH_M_X) && !(rights & BH_M_W);
    return ((rights & BH_M_W) ? PTE_W : 0) | (exec ? 0 : PTE_NX) |
           ((rights & MEM_DEVICE) ? PTE_PCD | PTE_PWT : 0);
}

/* EPT attributes of a guest mapping: a fresh page is freed with it;
   device memory goes in uncached and never executable (ept_leaf). */
static uint64_t ept_attr(unsigned rights, uint64_t owned)
{
    return (owned ? EPT_OWNED : 0) | ((rights & MEM_DEVICE) ? EPT_DEVICE : 0);
}

/* Fills in node n of type (MEM_NODE, IO_NODE, DMA_NODE) for pa at key
   va in pd (not yet in a slot). */
static void node_set(struct mnode *n, uint8_t type, struct pd *pd, uint64_t va, uint64_t pa,
                     unsigned rights)
{
    n->c.obj = n;
    n->c.type = type;
    n->c.rights = (uint8_t)rights;
    n->pd = pd, n->va = va, n->pa = pa;
}

/* Fills in and publishes node n for a mapping of pa at va in pd. */
static enum bh_status place(struct pd *pd, struct mnode *n, struct mnode **sl, uint64_t va,
                            uint64_t pa, unsigned rights, uint64_t owned)
{
    if (quota_left(pd) < 3)            /* page tables as_map may need */
        return BH_ENOMEM;
    uint64_t before = kmem_free_count();
    enum bh_status s = pd->ept ? ept_map(pd->ept, va, pa, rights, ept_attr(rights, owned))
                               : as_map(pd->root, va, pa, pte_flags(rights) | owned);
    pd->used += before - kmem_free_count();
    if (s != BH_OK)
        return s;
    node_set(n, MEM_NODE, pd, va, pa, rights);
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
            node_free(pd, n);
        return BH_ENOMEM;
    }
    enum bh_status s = place(pd, n, sl, va, virt_to_phys(page), rights, PTE_OWNED);
    if (s != BH_OK) {
        quota_free(pd, page, 1);
        node_free(pd, n);
    }
    return s;
}

enum bh_status mem_map_device(struct pd *pd, uint64_t va, uint64_t pa, unsigned rights)
{
    struct mnode **sl = slot(pd, va, true);
    if (!sl)
        return BH_ENOMEM;
    if (*sl)
        return BH_EEXIST;
    struct mnode *n = node_alloc(pd);
    if (!n)
        return BH_ENOMEM;
    enum bh_status s = place(pd, n, sl, va, pa, (rights & (BH_M_R | BH_M_W)) | MEM_DEVICE, 0);
    if (s != BH_OK)
        node_free(pd, n);
    return s;
}

/* What sharing a page and mapping it for DMA have in common: src's node
   at sva, whose rights & mask must include R and whose own rights must
   include need; a free slot *ds in dst's radix *tree at key, and a new
   node *n for the copy. */
static enum bh_status derive(struct pd *src, uint64_t sva, unsigned mask, unsigned need,
                             struct pd *dst, uint64_t **tree, uint64_t key,
                             struct mnode **parent, struct mnode ***ds, struct mnode **n)
{
    struct mnode **ss = slot(src, sva, false);
    if (!ss || !*ss)
        return BH_ENOENT;
    struct mnode *p = *ss;
    if (p->order)
        return BH_EINVAL;              /* a block goes on only whole (mem_map_share_large) */
    if (!(p->c.rights & mask & BH_M_R) || (p->c.rights & need) != need)
        return BH_ERIGHTS;
    if (p->c.depth >= CAP_MAX_DEPTH)
        return BH_ERANGE;
    struct mnode **sl = slot_in(dst, tree, key, true);
    if (!sl)
        return BH_ENOMEM;
    if (*sl)
        return BH_EEXIST;
    if (!(*n = node_alloc(dst)))
        return BH_ENOMEM;
    *parent = p, *ds = sl;
    return BH_OK;
}

enum bh_status mem_map_share(struct pd *src, uint64_t sva, struct pd *dst, uint64_t dva,
                             unsigned mask)
{
    struct mnode *p, **ds, *n;
    enum bh_status s = derive(src, sva, mask, 0, dst, &dst->mtree, dva, &p, &ds, &n);
    if (s != BH_OK)
        return s;
    if ((s = place(dst, n, ds, dva, p->pa, p->c.rights & (mask | MEM_DEVICE), 0)) != BH_OK) {
        node_free(dst, n);
        return s;
    }
    cap_attach(&p->c, &n->c);
    return BH_OK;
}

/* ---- DMA spaces (VT-d) --------------------------------------------------
   A page enters a PD's DMA space only as a child of one of the caller's
   delegatable pages that carries BH_M_DMA, in a second radix keyed by
   IOVA. Revoking the parent removes it like any mapping; vtd_dom_unmap
   then invalidates the IOTLB before the revocation step returns. */
static struct mnode **dma_slot(struct pd *pd, uint64_t iova, bool create)
{
    return slot_in(pd, &pd->dtree, iova, create);
}

enum bh_status mem_map_dma(struct pd *src, uint64_t sva, struct pd *dst, uint64_t iova,
                           unsigned mask)
{
    struct mnode *p, **ds, *n;
    enum bh_status s = derive(src, sva, mask, BH_M_DMA, dst, &dst->dtree, iova, &p, &ds, &n);
    if (s != BH_OK)
        return s;
    unsigned rights = p->c.rights & mask & (BH_M_R | BH_M_W);
    if ((s = vtd_dom_map(dst, iova, p->pa, rights)) != BH_OK) {
        node_free(dst, n);
        return s;
    }
    node_set(n, DMA_NODE, dst, iova, p->pa, rights);
    *ds = n;
    cap_attach(&p->c, &n->c);
    return BH_OK;
}

static void dma_release(struct mnode *n)
{
    vtd_dom_unmap(n->pd, n->va);     /* entry cleared, IOTLB invalidated */
    struct mnode **sl = dma_slot(n->pd, n->va, false);
    if (sl)
        *sl = NULL;
}

/* ---- Large pages (2 MiB, 1 GiB) --------------------------------------------
   A block of 2^order contiguous, naturally aligned pages (order 9: 2 MiB,
   18: 1 GiB) is one node, kept in the radix entry at level order / 9 in
   place of a table (is_node), so a lookup of any page of the block ends at
   it and the reaper meets it as one node. Revoking it removes the whole
   block from every PD it reached: one EPT leaf in a VM (the caller's
   tlb_shootdown runs INVEPT on every CPU), one large PTE in a user PD (512
   of 2 MiB for 1 GiB on a CPU without 1 GiB pages). A block is shared only
   whole, to an aligned address; its pages never go on one by one (derive
   refuses). */
static uint64_t block_size(unsigned order) { return (uint64_t)PAGE_SIZE << order; }

/* True if the radix table t (level l) holds nothing, however deep. */
static bool radix_empty(const uint64_t *t, unsigned l)
{
    for (unsigned i = 0; i < 512; i++)
        if (t[i] && (l == 0 || is_node(t[i]) || !radix_empty((const uint64_t *)t[i], l - 1)))
            return false;
    return true;
}

static void radix_free(struct pd *pd, uint64_t *t, unsigned l)
{
    for (unsigned i = 0; l > 0 && i < 512; i++)
        if (t[i])
            radix_free(pd, (uint64_t *)t[i], l - 1);
    quota_free(pd, t, 1);
}

/* dst's free slot for a block of order at va; empty radix tables left
   there by earlier unmaps are freed. NULL with *s = BH_ENOMEM or
   BH_EEXIST (a page of the range is mapped). */
static struct mnode **block_slot(struct pd *pd, uint64_t va, unsigned order, enum bh_status *s)
{
    unsigned level = order / 9;
    struct mnode **sl = slot_at(pd, &pd->mtree, va, level, true);
    uint64_t e = sl ? (uint64_t)*sl : 0;
    *s = !sl ? BH_ENOMEM : e && (is_node(e) || !radix_empty((uint64_t *)e, level - 1)) ? BH_EEXIST : BH_OK;
    if (*s != BH_OK)
        return NULL;
    if (e) {
        radix_free(pd, (uint64_t *)e, level - 1);
        *sl = NULL;
    }
    return sl;
}

/* Maps the block and publishes node n in its slot. */
static enum bh_status place_large(struct pd *pd, struct mnode *n, struct mnode **sl, uint64_t va,
                                  uint64_t pa, unsigned rights, unsigned order, bool owned)
{
    if (quota_left(pd) < 3)            /* the tables the mapping may need */
        return BH_ENOMEM;
    uint64_t before = kmem_free_count();
    enum bh_status s = pd->ept ? ept_map_level(pd->ept, va, pa, rights, order / 9, 0)
                               : as_map_large(pd->root, va, pa, pte_flags(rights), order / 9);
    pd->used += before - kmem_free_count();
    if (s != BH_OK)
        return s;
    node_set(n, MEM_NODE, pd, va, pa, rights);
    n->order = (uint8_t)order, n->owned = owned;
    *sl = n;
    return BH_OK;
}

/* Zeroing 1 GiB takes tens of milliseconds on hardware, in one system
   call: a bounded cost, paid once per block, when a VMM sets up guest RAM. */
enum bh_status mem_map_fresh_large(struct pd *pd, uint64_t va, unsigned rights, unsigned order)
{
    uint64_t pages = 1ull << order, pa;
    enum bh_status s;
    if ((va & (block_size(order) - 1)) || pd->ept)
        return BH_EINVAL;
    struct mnode **sl = block_slot(pd, va, order, &s), *n;
    if (!sl)
        return s;
    if (quota_left(pd) < pages + 4 || !(n = node_alloc(pd)))
        return BH_ENOMEM;
    if (kmem_alloc_aligned(pages, pages, &pa) != BH_OK) {
        node_free(pd, n);
        return BH_ENOMEM;
    }
    memset(phys_to_virt(pa), 0, block_size(order));
    pd->used += pages;
    if ((s = place_large(pd, n, sl, va, pa, rights, order, true)) != BH_OK) {
        kmem_free_pages(pa, pages);
        pd->used -= pages;
        node_free(pd, n);
    }
    return s;
}

enum bh_status mem_map_share_large(struct pd *src, uint64_t sva, struct pd *dst, uint64_t dva,
                                   unsigned mask, unsigned order)
{
    if (dst->ept && !ept_has_leaf(order / 9))
        return BH_ENOTSUP;             /* whatever the block: no leaf of that size */
    if ((sva | dva) & (block_size(order) - 1))
        return BH_EINVAL;
    struct mnode **ss = slot(src, sva, false), *p, *n;
    if (!ss || !*ss)
        return BH_ENOENT;
    if ((p = *ss)->order != order || p->va != sva)
        return BH_EINVAL;              /* only a whole block of that size */
    if (!(p->c.rights & mask & BH_M_R))
        return BH_ERIGHTS;
    if (p->c.depth >= CAP_MAX_DEPTH)
        return BH_ERANGE;
    enum bh_status s;
    struct mnode **sl = block_slot(dst, dva, order, &s);
    if (!sl)
        return s;
    if (!(n = node_alloc(dst)))
        return BH_ENOMEM;
    if ((s = place_large(dst, n, sl, dva, p->pa, p->c.rights & mask, order, false)) != BH_OK) {
        node_free(dst, n);
        return s;
    }
    cap_attach(&p->c, &n->c);
    return BH_OK;
}

static void release_large(struct mnode *n)
{
    struct pd *pd = n->pd;
    if (pd->ept)
        ept_unmap(pd->ept, n->va);
    else                               /* one large PTE, or 512 of 2 MiB (as_map_large) */
        for (uint64_t off = 0; off < block_size(n->order); off += block_size(9))
            as_unmap(pd->root, n->va + off);
    if (n->owned) {
        kmem_free_pages(n->pa, 1ull << n->order);
        pd->used -= 1ull << n->order;
    }
}

/* Nodes removed by one revoke call are freed after it (cap.c still
   touches a node right after its release callback). */
struct gone { unsigned n; struct mnode *node[64]; };

static void release(void *ctx, struct cap *c)
{
    struct gone *g = ctx;
    struct mnode *n = (struct mnode *)c;
    if (c->type == IO_NODE) {
        unsigned port = (unsigned)(n->va >> 12);
        if (!n->pd->all_ports)
            io_set(n->pd, port, false);
        struct mnode **sl = io_slot(n->pd, port, false);
        if (sl)
            *sl = NULL;
        g->node[g->n++] = n;
        return;
    }
    if (c->type == DMA_NODE) {
        dma_release(n);
        g->node[g->n++] = n;
        return;
    }
    struct pd *pd = n->pd;
    if (n->order) {
        release_large(n);
    } else {
        uint64_t old = pd->ept ? ept_unmap(pd->ept, n->va) : as_unmap(pd->root, n->va);
        if (old & (pd->ept ? EPT_OWNED : PTE_OWNED)) {
            kmem_free_pages(n->pa, 1);
            pd->used--;
        }
    }
    struct mnode **sl = slot_at(pd, &pd->mtree, n->va, n->order / 9, false);
    if (sl)
        *sl = NULL;
    g->node[g->n++] = n;
}

static void free_gone(struct gone *g)
{
    for (unsigned i = 0; i < g->n; i++) {
        struct mnode *n = g->node[i];
        node_free(n->pd, n);
    }
}

/* Revokes node *sl (bounded by *budget, at most 64 per call). */
static enum bh_status revoke_node(struct mnode **sl, bool self, unsigned *budget)
{
    if (!sl || !*sl)
        return BH_ENOENT;
    struct gone g = { 0 };
    unsigned b = *budget > 64 ? 64 : *budget, used = b;
    enum bh_status s = cap_revoke(&(*sl)->c, self, &b, release, &g);
    *budget -= used - b;
    free_gone(&g);
    return s;
}

enum bh_status mem_unmap(struct pd *pd, uint64_t va, bool self, unsigned *budget)
{
    return revoke_node(slot(pd, va, false), self, budget);
}

/* One bounded step of revoking every node under table t (level l) of a
   radix of pd: a node goes with everything derived from it (cap.c's
   bounded revocation), an emptied table is freed. Entries done are
   cleared (release() clears a node's slot), so the next step rescans at
   most 512 entries per level before it finds work. True when t is empty. */
static bool level_step(struct pd *pd, uint64_t *t, unsigned l, unsigned *budget)
{
    for (unsigned i = 0; i < 512; i++) {
        if (!t[i])
            continue;
        if (*budget == 0)
            return false;
        if (l > 0 && !is_node(t[i])) {
            if (!level_step(pd, (uint64_t *)t[i], l - 1, budget) || *budget == 0)
                return false;          /* an emptied table waits for the next step */
            quota_free(pd, (void *)t[i], 1);
            t[i] = 0;
            (*budget)--;
            continue;
        }
        struct gone g = { 0 };
        unsigned b = *budget > 64 ? 64 : *budget, used = b;
        enum bh_status s = cap_revoke(&((struct mnode *)t[i])->c, true, &b, release, &g);
        *budget -= used - b;
        free_gone(&g);
        if (s == BH_EBUSY)
            return false;            /* descendants elsewhere remain */
    }
    return true;
}

static bool tree_step(struct pd *pd, uint64_t **tree, unsigned *budget)
{
    if (!*tree)
        return true;
    if (!level_step(pd, *tree, 3, budget))
        return false;
    quota_free(pd, *tree, 1);
    *tree = NULL;
    return true;
}

uint64_t mem_io_gen;

/* A PD's bitmap pages appeared or went: vCPUs re-check (their gen), and
   no CPU trusts the pages it has mapped (ctx_io, fastpath.asm). The PD
   pointer a CPU holds may be a freed one's, reused. */
static void io_changed(void)
{
    mem_io_gen++;
    for (unsigned c = 0; c < MAX_CPUS; c++)
        cpus[c].io_pd = NULL;
}

bool mem_destroy_step(struct pd *pd, unsigned *budget)
{
    if (!tree_step(pd, &pd->mtree, budget) || !tree_step(pd, &pd->iotree, budget) ||
        !tree_step(pd, &pd->dtree, budget))          /* DMA mappings (VT-d) */
        return false;
    for (unsigned i = 0; i < 2; i++)
        if (pd->iobm[i]) {
            quota_free(pd, pd->iobm[i], 1);
            pd->iobm[i] = NULL;
            io_changed();
        }
    pd->mfree = NULL;                  /* every node is free now */
    while (pd->mpages) {
        if (*budget == 0)
            return false;
        void *next = *(void **)pd->mpages;
        quota_free(pd, pd->mpages, 1);
        pd->mpages = next;
        (*budget)--;
    }
    return true;
}

/* The bitmap pages of pd, all ports denied at first (all allowed for the
   root task, which holds every port); page 0 first, so that a PD with
   any has page 0 (ctx_io). */
static enum bh_status io_bitmap(struct pd *pd)
{
    for (unsigned i = 0; i < 2; i++)
        if (!pd->iobm[i]) {
            if (quota_alloc(pd, 1, (void **)&pd->iobm[i]) != BH_OK)
                return BH_ENOMEM;
            memset(pd->iobm[i], pd->all_ports ? 0 : 0xff, PAGE_SIZE);
            io_changed();              /* CPUs re-check which pages to map */
        }
    return BH_OK;
}

enum bh_status mem_io_root(struct pd *pd)
{
    pd->all_ports = true;
    return io_bitmap(pd);
}

enum bh_status mem_io_grant(struct pd *src, struct pd *dst, unsigned port)
{
    struct mnode **ss = io_slot(src, port, src->all_ports);
    if (!ss)
        return src->all_ports ? BH_ENOMEM : BH_ERIGHTS;
    if (!*ss) {                       /* the root's implicit port gets a node */
        if (!src->all_ports)
            return BH_ERIGHTS;
        struct mnode *r = node_alloc(src);
        if (!r)
            return BH_ENOMEM;
        node_set(r, IO_NODE, src, (uint64_t)port << 12, 0, 0);
        *ss = r;
    }
    struct mnode *p = *ss;
    if (p->c.depth >= CAP_MAX_DEPTH)
        return BH_ERANGE;
    if (io_bitmap(dst) != BH_OK)
        return BH_ENOMEM;
    struct mnode **ds = io_slot(dst, port, true);
    if (!ds)
        return BH_ENOMEM;
    if (*ds)
        return BH_OK;                  /* already granted: nothing to do */
    struct mnode *n = node_alloc(dst);
    if (!n)
        return BH_ENOMEM;
    node_set(n, IO_NODE, dst, (uint64_t)port << 12, 0, 0);
    *ds = n;
    cap_attach(&p->c, &n->c);
    if (!dst->all_ports)
        io_set(dst, port, true);
    return BH_OK;
}

enum bh_status mem_io_revoke(struct pd *pd, unsigned port, bool self, unsigned *budget)
{
    return revoke_node(io_slot(pd, port, false), self, budget);
}

void mem_io_bitmap_pages(const struct pd *pd, uint64_t *pa0, uint64_t *pa1)
{
    *pa0 = pd->iobm[0] ? virt_to_phys(pd->iobm[0]) : percpu_io_deny(0);
    *pa1 = pd->iobm[1] ? virt_to_phys(pd->iobm[1]) : percpu_io_deny(1);
}

bool mem_io_held(struct pd *pd, unsigned port)
{
    struct mnode **sl = io_slot(pd, port, false);
    return sl && *sl;
}
