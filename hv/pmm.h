/*
 * Physical page-frame allocator core. One bit per 4 KiB page in a
 * caller-provided bitmap; a set bit means used (or absent). Page i is
 * physical address i * PMM_PAGE. No locking: callers serialise.
 */
#ifndef HV_PMM_H
#define HV_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define PMM_PAGE 4096ull
/* 2^52 bytes of physical address space in 4 KiB pages. */
#define PMM_MAX_PAGES (1ull << 40)

struct pmm {
    uint64_t *bits;   /* bit i set = page i used; tail bits stay set */
    uint64_t npages;  /* pages covered by the bitmap */
    uint64_t nfree;   /* number of clear bits below npages */
    uint64_t hint;    /* page index where single-page searches start */
};

size_t pmm_bitmap_bytes(uint64_t npages);
enum bh_status pmm_init(struct pmm *p, void *bitmap, size_t bitmap_bytes,
                        uint64_t npages);
void pmm_mark_free(struct pmm *p, uint64_t phys, uint64_t len);
enum bh_status pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align_pages,
                         uint64_t below_phys, uint64_t *phys_out);
enum bh_status pmm_free(struct pmm *p, uint64_t phys, uint64_t npages);
bool pmm_is_free(const struct pmm *p, uint64_t phys);

#endif
