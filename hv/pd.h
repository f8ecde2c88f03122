/* Protection domain: a capability space and an address space. */
#ifndef HV_PD_H
#define HV_PD_H
#include "obj.h"
#include "cap.h"

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
};

/* Creates a PD with nslots capability slots and a quota of pages carved
   out of parent's (NULL for the root PD: quota comes from the machine). */
enum bh_status pd_create(struct pd *parent, uint32_t nslots, uint64_t quota,
                         const char *name, struct pd **out);
/* Frees the PD object; called when its last reference goes. */
void pd_destroy(struct pd *pd);
/* An object charged to pd is gone (its page already credited): frees a
   destroyed PD's own page once the last one went. */
void pd_uncharge(struct pd *pd);
/* Kills a PD: ends its ECs, revokes its capabilities and memory, frees
   its page tables (once no CPU uses them) and ups its death semaphore.
   The object itself lives on while references remain. */
void pd_kill(struct pd *pd);
/* Gives a new PD a guest-physical space (BH_PD_VM), charged to it. */
enum bh_status pd_make_vm(struct pd *pd);
/* Frees page-table roots that waited for this CPU to stop using them;
   called right after a CPU switched CR3. Inline: every switch between
   PDs runs it, and it rarely has work. */
void pd_reap_roots_now(void);
extern unsigned pd_root_zombies;
static inline void pd_reap_roots(void)
{
    if (pd_root_zombies)
        pd_reap_roots_now();
}
/* Maps one fresh zeroed page at va in pd's address space, charged to pd;
   returns the kernel alias of the page in *kva (may be NULL). */
enum bh_status pd_map_new(struct pd *pd, uint64_t va, uint64_t flags, void **kva);
#endif
