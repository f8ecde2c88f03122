/* Second-level page tables of VT-d DMA spaces (VT-d spec 9.8, 3.7):
   3- or 4-level, 4 KiB leaves. Pure: pages are reached, allocated, freed
   and written back through a caller-supplied environment, so the same
   code runs in hv and in the host unit tests. */
#ifndef HV_X86_VTD_PT_H
#define HV_X86_VTD_PT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

struct vtd_pt_env {
    void *ctx;
    /* A zeroed 4 KiB page; its physical address in *pa. BH_ENOMEM if none. */
    enum bh_status (*alloc)(void *ctx, uint64_t *pa);
    void (*free)(void *ctx, uint64_t pa);
    /* Where the page at pa can be read and written. */
    void *(*virt)(void *ctx, uint64_t pa);
    /* Writes len bytes at p back to memory for a unit whose table walks
       do not snoop the CPU caches (ECAP.C = 0); NULL if all are coherent. */
    void (*flush)(void *ctx, const void *p, size_t len);
};

/* First IOVA a table of levels levels cannot map: 2^(12 + 9 * levels). */
static inline uint64_t vtd_pt_span(unsigned levels) { return 1ull << (12 + 9 * levels); }

/* Maps the page at pa at iova with BH_M_R (required) and BH_M_W into the
   table rooted at root (levels 3 or 4), adding tables as needed; every
   entry written is flushed. BH_EINVAL for bad levels, rights, alignment
   or an iova beyond the span; BH_EEXIST if iova is mapped; BH_ENOMEM if
   a table could not be had (tables added before stay, empty). */
enum bh_status vtd_pt_map(const struct vtd_pt_env *e, uint64_t root, unsigned levels,
                          uint64_t iova, uint64_t pa, unsigned rights);
/* Removes iova's leaf and returns the old entry (0 if none). The caller
   invalidates the IOTLB. Tables stay until vtd_pt_destroy. */
uint64_t vtd_pt_unmap(const struct vtd_pt_env *e, uint64_t root, unsigned levels, uint64_t iova);
/* The leaf entry for iova, 0 if none. */
uint64_t vtd_pt_lookup(const struct vtd_pt_env *e, uint64_t root, unsigned levels, uint64_t iova);
/* Frees every table below root and root itself (never the pages the
   leaves point to); returns the number of pages freed. */
unsigned vtd_pt_destroy(const struct vtd_pt_env *e, uint64_t root, unsigned levels);
/* vtd_pt_destroy in bounded steps: frees tables while *budget lasts (one
   unit each; root goes last and is not charged), counting them in *freed.
   Returns true when root is gone; call again with the same arguments to
   continue. Only for tables no unit walks any more (entries are cleared
   without write-back). */
bool vtd_pt_destroy_step(const struct vtd_pt_env *e, uint64_t root, unsigned levels,
                         unsigned *budget, unsigned *freed);
#endif
