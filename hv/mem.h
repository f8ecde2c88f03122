/* Memory delegation: the mapping database for user pages. Every page a PD
   can map through BH_SYS_MAP has a node in a tree like the capability
   derivation tree (cap.c): fresh pages are roots, shared mappings are
   children with equal or fewer rights, and unmapping removes a node's
   whole subtree from every PD, recursively, with a TLB shootdown. */
#ifndef HV_MEM_H
#define HV_MEM_H
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>
struct pd;

/* Maps a new zeroed page at va in pd (charged to pd) with BH_M_* rights. */
enum bh_status mem_map_fresh(struct pd *pd, uint64_t va, unsigned rights);
/* Shares the page at sva in src with dst at dva, rights & mask. */
enum bh_status mem_map_share(struct pd *src, uint64_t sva, struct pd *dst, uint64_t dva,
                             unsigned mask);
/* Removes every mapping derived from pd's page at va (and the page itself
   if self), at most *budget nodes; BH_EBUSY when more remain. BH_ENOENT
   if pd has no delegatable page there. The caller runs tlb_shootdown(). */
enum bh_status mem_unmap(struct pd *pd, uint64_t va, bool self, unsigned *budget);
/* When pd dies: revokes all its pages and frees the bookkeeping. */
void mem_destroy(struct pd *pd);
#endif
