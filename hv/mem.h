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
/* Maps the device page at pa (never RAM: dev.c checks) at va in pd,
   uncached, with rights & (R | W), never executable; the node is a root
   that shares inherit the attribute from, and it carries no BH_M_DMA, so
   no DMA space ever gets it. BH_EEXIST if va is taken; BH_ENOTSUP for a
   VM PD. */
enum bh_status mem_map_device(struct pd *pd, uint64_t va, uint64_t pa, unsigned rights);
/* Shares the page at sva in src with dst at dva, rights & mask. */
enum bh_status mem_map_share(struct pd *src, uint64_t sva, struct pd *dst, uint64_t dva,
                             unsigned mask);
/* Maps the page at sva in src into dst's DMA space at iova, rights &
   mask (R required, W optional), as a child of src's page, which must
   carry BH_M_DMA (BH_ERIGHTS otherwise). BH_ENOTSUP without VT-d. */
enum bh_status mem_map_dma(struct pd *src, uint64_t sva, struct pd *dst, uint64_t iova,
                           unsigned mask);
/* Large pages: 2^order contiguous, naturally aligned pages (order 9:
   2 MiB, 18: 1 GiB) as one mapping node. A new zeroed block at va
   (aligned to its size) in pd, which is no VM (a VM's memory comes from
   its VMM's), charged to pd. BH_EINVAL if misaligned or a VM, BH_EEXIST
   if a page of the range is mapped, BH_ENOMEM (quota, or no free aligned
   run of physical memory). */
enum bh_status mem_map_fresh_large(struct pd *pd, uint64_t va, unsigned rights, unsigned order);
/* Shares src's block of order at sva (its start) with dst at dva (aligned
   to its size), rights & mask: one EPT leaf of that size in a VM.
   BH_ENOTSUP into a VM on a CPU without EPT leaves of that size (checked
   first), BH_EINVAL if misaligned or src's mapping at sva is no block of
   that order, BH_ENOENT if there is none, BH_EEXIST if a page of dst's range is
   mapped. Single pages of a block are never shared (mem_map_share and
   mem_map_dma give BH_EINVAL). */
enum bh_status mem_map_share_large(struct pd *src, uint64_t sva, struct pd *dst, uint64_t dva,
                                   unsigned mask, unsigned order);
/* The order of the block that a BH_SYS_MAP with flags fl and n pages
   asks for: 0 (single pages: no flag), 9 (BH_MAP_2M: n = 512) or 18
   (BH_MAP_1G: n = BH_MAP_1G_PAGES). BH_EINVAL for both flags or another
   n. Pure: host-tested (tests/unit/test_mem_block.c). */
static inline enum bh_status mem_block_order(uint64_t fl, uint64_t n, unsigned *order)
{
    bool m2 = fl & BH_MAP_2M, g1 = fl & BH_MAP_1G;
    *order = m2 ? 9u : g1 ? 18u : 0u;
    if (m2 && g1)
        return BH_EINVAL;
    return *order == 0 || n == 1ull << *order ? BH_OK : BH_EINVAL;
}
/* Removes every mapping derived from pd's page at va (and the page itself
   if self), at most *budget nodes; BH_EBUSY when more remain. BH_ENOENT
   if pd has no delegatable page there. The caller runs tlb_shootdown(). */
enum bh_status mem_unmap(struct pd *pd, uint64_t va, bool self, unsigned *budget);
/* I/O ports, delegated like pages: the root task holds every port
   implicitly (mem_io_root); others hold what was granted to them, and a
   revocation removes a port from every PD it was passed on to. */
enum bh_status mem_io_root(struct pd *pd);
/* Grants port from src to dst (BH_ERIGHTS if src does not hold it). */
enum bh_status mem_io_grant(struct pd *src, struct pd *dst, unsigned port);
/* True if pd holds a delegated node for port. */
bool mem_io_held(struct pd *pd, unsigned port);
/* Revokes what pd granted of port (and pd's own, if self); bounded like
   mem_unmap. BH_ENOENT if pd holds no delegated node for the port. */
enum bh_status mem_io_revoke(struct pd *pd, unsigned port, bool self, unsigned *budget);
/* Bumped whenever a PD's bitmap pages appear or go (vcpu.c re-checks). */
extern uint64_t mem_io_gen;
/* The bitmap pages for pd (the shared deny pages if it has none). */
void mem_io_bitmap_pages(const struct pd *pd, uint64_t *pa0, uint64_t *pa1);

/* When pd dies: revokes all its pages, ports and DMA mappings (with
   everything derived from them) and frees the bookkeeping, in bounded
   steps: charges *budget per node and page and stops at 0. Returns true
   when done; call again to continue. */
bool mem_destroy_step(struct pd *pd, unsigned *budget);
#endif
