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

static void pd_abort(struct pd *pd);

static uint32_t slot_pages(uint32_t nslots)
{
    return (uint32_t)((nslots * sizeof(struct cap) + PAGE_SIZE - 1) / PAGE_SIZE);
}

enum bh_status pd_create(struct pd *parent, uint32_t nslots, uint64_t quota,
                         const char *name, struct pd **out)
{
    struct pd *pd;
    void *slots;
    if (nslots == 0 || nslots > BH_PD_SLOTS_MAX)
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
    if ((s = quota_alloc(pd, slot_pages(nslots), &slots)) == BH_OK)
        pd->caps.slots = slots;        /* freed with the PD (nslots stays 0) */
    if (s != BH_OK || (s = as_create(&pd->root)) != BH_OK) {
        pd_abort(pd);
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

void pd_reap_roots_now(void)
{
    uint64_t me = 1ull << this_cpu()->id;
    for (unsigned i = 0; reap_wait.root && i < ZOMBIES; i++)
        if (zombies[i].root && (zombies[i].cpus &= ~me) == 0) {
            kmem_free_pages(zombies[i].root, 1);
            zombies[i].root = 0;
            reap_wait.root--;
        }
    reap_wait_sync();
}

/* Frees the PML4 (its user half already empty) once no CPU has it loaded. */
static void free_root(uint64_t root)
{
    uint64_t users = 0;
    if (paging_cr3_root(this_cpu()->loaded_cr3) == root) {
        paging_load_kernel();
        this_cpu()->loaded_cr3 = 0;
    }
    for (unsigned c = 0; c < smp_online(); c++)
        if (paging_cr3_root(cpus[c].loaded_cr3) == root && c != this_cpu()->id)
            users |= 1ull << c;
    for (unsigned i = 0; users && i < ZOMBIES; i++)
        if (!zombies[i].root) {
            zombies[i].root = root, zombies[i].cpus = users;
            reap_wait.root++;
            reap_wait_sync();
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

static void release_cap(void *ctx, struct cap *gone)
{
    (void)ctx;
    kobj_put(gone->obj);
}

/* ---- Death ---------------------------------------------------------------
   Killing a PD marks it dying and unbinds its interrupts and devices at
   once; the rest (ending its ECs, its capabilities, its memory and
   everything derived from them in other PDs, its page tables, EPT and
   DMA space) is torn down in bounded steps by pd_reap(), from scheduler
   passes, the idle loop and BH_SYS_KILL_PD, with a preemption point
   between steps. Its ECs are ended first, so none runs while its memory
   goes. The reaper holds a reference; its death SM is upped when the
   last step is done. */
struct pd *pd_reap_head;
static struct pd *reap_tail;
struct sm pd_reaped;                   /* ECs waiting for the reaper (syscall.c) */

static void reap_unlink(struct pd *pd)
{
    if (pd->reap_prev)
        pd->reap_prev->reap_next = pd->reap_next;
    else
        pd_reap_head = pd->reap_next;
    if (pd->reap_next)
        pd->reap_next->reap_prev = pd->reap_prev;
    else
        reap_tail = pd->reap_prev;
    pd->reap_next = pd->reap_prev = NULL;
}

void pd_kill(struct pd *pd)
{
    if (pd->dying)
        return;
    pd->dying = true;
    kobj_get(&pd->obj);                /* the reaper's reference */
    pd->reap_ec = pd->ecs;             /* REAP_ECS ends them, newest first */
    irq_release_pd(pd);                /* bounded by the GSIs */
    dev_release_pd(pd);                /* its devices are blocked (VT-d) */
    pd->reap_prev = reap_tail;
    if (reap_tail)
        reap_tail->reap_next = pd;
    else
        pd_reap_head = pd;
    reap_tail = pd;
}

/* Ends pd's ECs from the cursor on, one unit each (ec_kill is O(1); no
   EC enters a dying PD, and ec_destroy moves the cursor past its EC). */
static bool end_ecs(struct pd *pd, unsigned *budget)
{
    for (struct ec *ec; (ec = pd->reap_ec) != NULL; --*budget) {
        if (!*budget)
            return false;
        pd->reap_ec = ec->pd_next;
        ec_kill(ec, BH_EABORT);
    }
    return true;
}

/* The teardown of a dying PD, phase by phase; false while work remains. */
static bool teardown_step(struct pd *pd, unsigned *budget)
{
    switch (pd->reap_phase) {
    case REAP_ECS:
        if (!end_ecs(pd, budget))
            return false;
        pd->reap_phase = REAP_CAPS;
        /* fall through */
    case REAP_CAPS:
        if (cap_clear_space(&pd->caps, &pd->reap_caps, budget, release_cap, NULL) != BH_OK)
            return false;
        pd->reap_phase = REAP_MEM;
        /* fall through */
    case REAP_MEM:
        if (!mem_destroy_step(pd, budget))
            return false;
        tlb_shootdown();               /* CPUs in this PD leave it (tlb.c) */
        pd->reap_phase = REAP_TABLES;
        /* fall through */
    case REAP_TABLES:
        if (pd->ept && !ept_destroy_step(pd->ept, budget))
            return false;
        pd->ept = 0;
        if (!vtd_dom_destroy_step(pd, budget))     /* no device uses it any more */
            return false;
        if (pd->root && !as_clear_step(pd->root, budget))
            return false;
        if (pd->root)
            free_root(pd->root);
        pd->root = 0;
        pd->reap_phase = REAP_DONE;
        return true;
    default:
        return true;
    }
}

/* Ends pd's teardown: its death SM, the reaper's reference. */
static void reap_done(struct pd *pd)
{
    reap_unlink(pd);
    if (pd->death_sm) {
        sm_up(pd->death_sm);
        kobj_put(&pd->death_sm->obj);
        pd->death_sm = NULL;
    }
    kobj_put(&pd->obj);
}

/* Wakes at most *budget of the ECs that wait for the reaper (with BH_OK);
   true once none waits. Only when it has nothing else left: an EC joins
   pd_reaped only while there is work, which it then waits for. */
static bool release_waiters(unsigned *budget)
{
    for (struct ec *w; (w = pd_reaped.waiters.head) != NULL; --*budget) {
        if (!*budget)
            return false;
        ec_dequeue(w);
        ec_wake(w, BH_OK);
    }
    return true;
}

bool pd_reap(struct pd *only, unsigned budget)
{
    bool mine = only && only->reap_phase == REAP_DONE;
    for (;;) {
        if (!ecq_abort_step(&budget))
            return false;
        if (mine)
            return true;               /* (only may be gone: not read again) */
        struct pd *pd = only ? only : pd_reap_head;
        if (!pd)
            break;
        if (!budget || !teardown_step(pd, &budget))
            return false;
        reap_done(pd);                 /* then the dead queues its last steps made */
        mine = only != NULL;
    }
    return release_waiters(&budget);
}


/* A PD that never ran (pd_create failed): torn down at once. */
static void pd_abort(struct pd *pd)
{
    pd_kill(pd);
    while (!pd_reap(pd, ~0u))
        ;
    kobj_put(&pd->obj);                /* the creation reference: destroys it */
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
        pd_kill(pd);                   /* the reaper's reference keeps it */
        return;
    }
    if (pd->caps.slots)
        quota_free(pd, pd->caps.slots, slot_pages(pd->nslots));
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
