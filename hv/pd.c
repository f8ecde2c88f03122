/* Protection domains: creation with a quota carved from the parent's, PD
   death (kill, or its last EC ending) and the deferred free of page-table
   roots a CPU may still have loaded. */
#include "pd.h"
#include "ec.h"
#include "mem.h"
#include "kmem.h"
#include "paging.h"
#include "cpu.h"
#include "percpu.h"
#include "smp.h"
#include "sm.h"
#include "tlb.h"
#include "lib/fmt.h"
#include "ept.h"
#include "irq.h"
#include "dev.h"
#include "vtd.h"
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
    if (parent)
        parent->charged++;             /* its quota goes back to the parent */
    pd->quota = quota;
    pd->used = 1;                      /* the PD page itself */
    if (parent)
        parent->used += quota - 1;     /* the rest of the quota is reserved */
    pd->nslots = nslots;
    pd->prio_max = parent ? parent->prio_max : BH_PRIO_MAX;
    snfmt(pd->name, sizeof pd->name, "%s", name);
    if ((s = quota_alloc(pd, slot_pages(nslots), &slots)) != BH_OK ||
        (s = as_create(&pd->root)) != BH_OK) {
        pd_destroy(pd);
        return s;
    }
    pd->used++;                        /* the PML4 */
    bool flush;
    pd->pcid = paging_pcid_alloc(&flush);
    pd->cr3 = paging_cr3(pd->root, pd->pcid);
    if (flush)
        tlb_shootdown();               /* no CPU may keep old entries of a reused PCID */
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

/* PML4 pages of dead PDs that some CPU may still have loaded (it may be
   spinning for the kernel lock with that CR3): freed when no CPU does. */
#define ZOMBIES 32
static struct { uint64_t root; uint64_t cpus; } zombies[ZOMBIES];
unsigned pd_root_zombies;              /* roots waiting for CPUs (pd.h) */

void pd_reap_roots_now(void)
{
    uint64_t me = 1ull << this_cpu()->id;
    for (unsigned i = 0; pd_root_zombies && i < ZOMBIES; i++)
        if (zombies[i].root && (zombies[i].cpus &= ~me) == 0) {
            kmem_free_pages(zombies[i].root, 1);
            zombies[i].root = 0;
            pd_root_zombies--;
        }
}

/* Frees everything below the PML4 now and the PML4 itself once no CPU
   has it loaded. */
static void free_tables(uint64_t root)
{
    uint64_t users = 0;
    if (this_cpu()->loaded_root == root) {
        paging_load_kernel();
        this_cpu()->loaded_root = 0;
    }
    for (unsigned c = 0; c < smp_online(); c++)
        if (cpus[c].loaded_root == root && c != this_cpu()->id)
            users |= 1ull << c;
    as_clear(root);                    /* user pages and tables, not the PML4 */
    for (unsigned i = 0; users && i < ZOMBIES; i++)
        if (!zombies[i].root) {
            zombies[i].root = root, zombies[i].cpus = users;
            pd_root_zombies++;
            return;
        }
    if (users)                         /* table full: leak one page, stay safe */
        return;
    kmem_free_pages(root, 1);
}

enum bh_status pd_make_vm(struct pd *pd)
{
    if (quota_left(pd) < 1)
        return BH_ENOMEM;
    enum bh_status s = ept_create(&pd->ept);
    if (s == BH_OK)
        pd->used++;
    return s;
}

/* After the shootdown (no CPU runs the guest or caches its EPT). */
static void drop_ept(struct pd *pd)
{
    if (!pd->ept)
        return;
    ept_destroy(pd->ept);
    pd->ept = 0;
}

static void release_cap(void *ctx, struct cap *gone)
{
    (void)ctx;
    kobj_put(gone->obj);
}

void pd_kill(struct pd *pd)
{
    if (pd->dying)
        return;
    pd->dying = true;
    kobj_get(&pd->obj);                /* keep it while we work */
    for (struct ec *ec = pd->ecs; ec; ec = ec->pd_next)
        ec_kill(ec, BH_EABORT);
    irq_release_pd(pd);
    dev_release_pd(pd);                /* its devices are blocked (VT-d) */
    struct cap_space_kill k = { 0 };
    unsigned budget = ~0u;             /* bounded by the PD's own size */
    cap_clear_space(&pd->caps, &k, &budget, release_cap, NULL);
    mem_destroy(pd);
    tlb_shootdown();                   /* CPUs in this PD leave it (tlb.c) */
    drop_ept(pd);
    vtd_dom_destroy(pd);               /* no device uses it any more */
    if (pd->root) {
        free_tables(pd->root);
        pd->root = 0;
    }
    if (pd->death_sm) {
        sm_up(pd->death_sm);
        kobj_put(&pd->death_sm->obj);
        pd->death_sm = NULL;
    }
    kobj_put(&pd->obj);
}

/* The PD's own page, and its quota back to its parent. */
static void free_shell(struct pd *pd)
{
    struct pd *parent = pd->parent;
    uint64_t quota = pd->quota;
    kmem_free_pages(virt_to_phys(pd), 1);
    if (parent) {
        parent->used -= quota;
        pd_uncharge(parent);
    }
}

void pd_destroy(struct pd *pd)
{
    if (!pd->dying) {                  /* last reference gone while alive */
        pd->obj.refs = 1;
        pd_kill(pd);
        pd->obj.refs = 0;
    }
    mem_destroy(pd);
    drop_ept(pd);
    vtd_dom_destroy(pd);
    if (pd->caps.slots)
        quota_free(pd, pd->caps.slots, slot_pages(pd->nslots));
    if (pd->root)
        free_tables(pd->root);
    paging_pcid_free(pd->pcid);
    pd->shell = true;                  /* dead; its page goes once nothing is charged to it */
    if (!pd->charged)
        free_shell(pd);
}

void pd_uncharge(struct pd *pd)
{
    if (--pd->charged == 0 && pd->shell)
        free_shell(pd);
}
