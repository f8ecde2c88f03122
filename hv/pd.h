/* Protection domain: a capability space and an address space. */
#ifndef HV_PD_H
#define HV_PD_H
#include "obj.h"
#include "cap.h"
#include "sm.h"

struct pd {
    struct kobj obj;
    struct capspace caps;
    uint64_t root;             /* PML4 physical address */
    uint64_t ept;              /* a VM's guest-physical space (EPT root), else 0 */
    uint16_t pcid;             /* its TLB tag (0 without PCIDs) */
    uint64_t cr3;              /* what loading it writes to CR3 (paging_cr3) */
    uint64_t quota, used;      /* pages this PD may charge / has charged */
    struct pd *parent;         /* where the quota came from */
    uint32_t nslots;
    uint64_t *mtree;           /* radix of mapping nodes by VA (mem.c) */
    struct mnode *mfree;       /* free mapping nodes */
    void *mpages;              /* pages holding mapping nodes, chained */
    uint64_t *iotree;          /* radix of I/O port nodes by port (mem.c) */
    uint8_t *iobm[2];          /* I/O permission bitmap (bit set = denied), or NULL */
    bool all_ports;            /* the root task: every port, implicitly */
    uint8_t prio_max;          /* priority ceiling for SCs charged to it */
    uint32_t live_ecs;
    bool dying;
    struct sm *death_sm;       /* upped when the PD dies (may be NULL) */
    struct ec *ecs;            /* every EC created in this PD */
    char name[32];
    /* DMA remapping (VT-d): the PD's DMA space, made on demand, and the
       radix of its DMA mapping nodes by IOVA (mem.c). */
    struct vtd_dom *dma;
    uint64_t *dtree;
    uint32_t charged;          /* objects (and child PDs) charged to it that exist */
    bool shell;                /* destroyed; only its page waits for charged == 0 */
    /* While dying: its place in the reaper's queue and how far the
       teardown got (pd.c). */
    struct pd *reap_next, *reap_prev;
    uint8_t reap_phase;        /* REAP_* */
    struct ec *reap_ec;        /* the next of its ECs to end */
    struct cap_space_kill reap_caps;
};

enum { REAP_ECS, REAP_CAPS, REAP_MEM, REAP_TABLES, REAP_DONE };

/* Creates a PD with nslots capability slots and a quota of pages carved
   out of parent's (NULL for the root PD: quota comes from the machine). */
enum bh_status pd_create(struct pd *parent, uint32_t nslots, uint64_t quota,
                         const char *name, struct pd **out);
/* Frees the PD object; called when its last reference goes. */
void pd_destroy(struct pd *pd);
/* An object charged to pd is gone (its page already credited): frees a
   destroyed PD's own page once the last one went. */
void pd_uncharge(struct pd *pd);
/* Kills a PD: marks it dying (nothing new enters it), unbinds its
   interrupt lines and devices now, and queues the rest for the reaper:
   ending its ECs, revoking its capabilities and memory, freeing its page
   tables (once no CPU uses them), then upping its death semaphore. The
   object itself lives on while references remain. Bounded (the GSIs and
   the devices), not by its number of ECs. */
void pd_kill(struct pd *pd);
/* Advances the reaper by at most about budget units (each bounded: an
   EC woken with BH_EABORT from a dead queue or ended, a capability or
   mapping node removed, a page freed): dead queues first, then only's
   teardown if only is not NULL, else the dying PDs' in order, then the
   ECs waiting on pd_reaped are woken with BH_OK. Returns true when the
   dead queues are empty and only's teardown (or all of it, with the
   waiters) is done. */
bool pd_reap(struct pd *only, unsigned budget);
/* Whether the reaper has work (loads: every scheduler pass asks). */
extern struct pd *pd_reap_head;
extern struct sm pd_reaped;
static inline bool pd_reap_pending(void)
{
    return pd_reap_head || ecq_dead_head || pd_reaped.waiters.head;
}
/* Gives a new PD a guest-physical space (BH_PD_VM), charged to it. */
enum bh_status pd_make_vm(struct pd *pd);
/* Frees page-table roots that waited for this CPU to stop using them;
   called right after a CPU switched CR3. Inline: every switch between
   PDs runs it, and it rarely has work. */
void pd_reap_roots_now(void);
static inline void pd_reap_roots(void)
{
    if (reap_wait.root)
        pd_reap_roots_now();
}
/* Maps one fresh zeroed page at va in pd's address space, charged to pd;
   returns the kernel alias of the page in *kva (may be NULL). */
enum bh_status pd_map_new(struct pd *pd, uint64_t va, uint64_t flags, void **kva);
#endif
