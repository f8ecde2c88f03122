/*
 * Page-frame allocator core (see pmm.h). Every bitmap walk works a
 * 64-bit word at a time; partial words at the ends use masks.
 */
#include <string.h>
#include "pmm.h"

static uint64_t popcount64(uint64_t x)
{
    /* Open-coded: __builtin_popcountll would call libgcc without POPCNT. */
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
}

/* Mask of bits [lo, hi) within one word; 0 <= lo < hi <= 64. */
static uint64_t bit_mask(unsigned lo, unsigned hi)
{
    uint64_t upper = hi == 64 ? ~0ull : (1ull << hi) - 1;
    return upper & ~((1ull << lo) - 1);
}

enum range_op { RANGE_SET, RANGE_CLEAR, RANGE_COUNT_SET };

/*
 * Applies op to bits [first, first+count) word by word. Returns how many
 * bits were set before the operation.
 */
static uint64_t range_apply(uint64_t *bits, uint64_t first, uint64_t count,
                            enum range_op op)
{
    uint64_t was_set = 0;
    uint64_t i = first, end = first + count;

    while (i < end) {
        uint64_t w = i / 64;
        unsigned lo = (unsigned)(i % 64);
        unsigned hi = end - w * 64 >= 64 ? 64 : (unsigned)(end - w * 64);
        uint64_t mask = bit_mask(lo, hi);
        was_set += popcount64(bits[w] & mask);
        if (op == RANGE_SET)
            bits[w] |= mask;
        else if (op == RANGE_CLEAR)
            bits[w] &= ~mask;
        i = w * 64 + hi;
    }
    return was_set;
}

/* Returns the first clear bit in [from, limit), or limit if none. */
static uint64_t find_clear(const uint64_t *bits, uint64_t from, uint64_t limit)
{
    while (from < limit) {
        uint64_t w = from / 64;
        uint64_t free = ~bits[w] & ~((1ull << (from % 64)) - 1);
        if (free != 0) {
            uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(free);
            return i < limit ? i : limit;
        }
        from = (w + 1) * 64;
    }
    return limit;
}

/* Returns the first set bit in [from, limit), or limit if none. */
static uint64_t find_set(const uint64_t *bits, uint64_t from, uint64_t limit)
{
    while (from < limit) {
        uint64_t w = from / 64;
        uint64_t used = bits[w] & ~((1ull << (from % 64)) - 1);
        if (used != 0) {
            uint64_t i = w * 64 + (uint64_t)__builtin_ctzll(used);
            return i < limit ? i : limit;
        }
        from = (w + 1) * 64;
    }
    return limit;
}

/* Returns the bitmap size in bytes (whole 64-bit words) for npages pages. */
size_t pmm_bitmap_bytes(uint64_t npages)
{
    return (size_t)(npages / 64 + (npages % 64 != 0)) * sizeof(uint64_t);
}

/*
 * Initialises p over bitmap with every page used. Returns BH_OK, or
 * BH_EINVAL if p or bitmap is NULL, bitmap is not 8-byte aligned or
 * npages is 0, BH_ERANGE if npages > PMM_MAX_PAGES, BH_ENOMEM if
 * bitmap_bytes < pmm_bitmap_bytes(npages).
 */
enum bh_status pmm_init(struct pmm *p, void *bitmap, size_t bitmap_bytes,
                        uint64_t npages)
{
    if (p == NULL || bitmap == NULL || (uintptr_t)bitmap % 8 != 0 || npages == 0)
        return BH_EINVAL;
    if (npages > PMM_MAX_PAGES)
        return BH_ERANGE;
    if (bitmap_bytes < pmm_bitmap_bytes(npages))
        return BH_ENOMEM;
    memset(bitmap, 0xff, pmm_bitmap_bytes(npages));
    p->bits = bitmap;
    p->npages = npages;
    p->nfree = 0;
    p->hint = 0;
    return BH_OK;
}

/*
 * Marks the whole pages inside [phys, phys+len) free (the range is shrunk
 * inward to page boundaries). Pages at or past npages are ignored, as is
 * any part of the range past 2^64. Pages already free stay free.
 */
void pmm_mark_free(struct pmm *p, uint64_t phys, uint64_t len)
{
    uint64_t end = len > UINT64_MAX - phys ? UINT64_MAX : phys + len;
    uint64_t first = phys / PMM_PAGE + (phys % PMM_PAGE != 0);
    uint64_t last = end / PMM_PAGE;

    if (last > p->npages)
        last = p->npages;
    if (first >= last)
        return;
    p->nfree += range_apply(p->bits, first, last - first, RANGE_CLEAR);
    if (first < p->hint)
        p->hint = first;
}

/* Single page, no alignment: scan from the hint, then wrap to 0. */
static uint64_t alloc_one(const struct pmm *p, uint64_t limit)
{
    uint64_t start = p->hint < limit ? p->hint : 0;
    uint64_t i = find_clear(p->bits, start, limit);

    if (i < limit || start == 0)
        return i;
    i = find_clear(p->bits, 0, start);
    return i < start ? i : limit;
}

/* First-fit run of n pages aligned to align, below limit; limit if none. */
static uint64_t alloc_run(const struct pmm *p, uint64_t n, uint64_t align,
                          uint64_t limit)
{
    uint64_t i = 0;

    for (;;) {
        i = find_clear(p->bits, i, limit);
        i = (i + align - 1) & ~(align - 1);
        if (i >= limit || n > limit - i)
            return limit;
        uint64_t used = find_set(p->bits, i, i + n);
        if (used == i + n)
            return i;
        i = used + 1;
    }
}

/*
 * Allocates npages contiguous pages whose first page index is a multiple
 * of align_pages and which lie entirely below below_phys (0 = no limit).
 * Stores the physical address in *phys_out. Returns BH_OK, BH_EINVAL if
 * an argument is NULL, npages is 0 or align_pages is not a nonzero power
 * of two, or BH_ENOMEM if no such run is free.
 */
enum bh_status pmm_alloc(struct pmm *p, uint64_t npages, uint64_t align_pages,
                         uint64_t below_phys, uint64_t *phys_out)
{
    uint64_t limit, i;

    if (p == NULL || phys_out == NULL || npages == 0 || align_pages == 0 ||
        (align_pages & (align_pages - 1)) != 0)
        return BH_EINVAL;
    limit = p->npages;
    if (below_phys != 0 && below_phys / PMM_PAGE < limit)
        limit = below_phys / PMM_PAGE;
    if (npages > p->nfree || npages > limit)
        return BH_ENOMEM;
    if (npages == 1 && align_pages == 1)
        i = alloc_one(p, limit);
    else
        i = alloc_run(p, npages, align_pages, limit);
    if (i >= limit)
        return BH_ENOMEM;
    range_apply(p->bits, i, npages, RANGE_SET);
    p->nfree -= npages;
    if (npages == 1)
        p->hint = i + 1 < p->npages ? i + 1 : 0;
    *phys_out = i * PMM_PAGE;
    return BH_OK;
}

/*
 * Frees npages pages starting at phys. Returns BH_OK, or BH_EINVAL (and
 * changes nothing) if phys is not page-aligned, npages is 0, the range
 * leaves the bitmap, or any page in it is already free (double free).
 */
enum bh_status pmm_free(struct pmm *p, uint64_t phys, uint64_t npages)
{
    uint64_t first = phys / PMM_PAGE;

    if (p == NULL || phys % PMM_PAGE != 0 || npages == 0 ||
        first >= p->npages || npages > p->npages - first)
        return BH_EINVAL;
    if (range_apply(p->bits, first, npages, RANGE_COUNT_SET) != npages)
        return BH_EINVAL;
    range_apply(p->bits, first, npages, RANGE_CLEAR);
    p->nfree += npages;
    if (first < p->hint)
        p->hint = first;
    return BH_OK;
}

/* Returns true if the page containing phys is inside the bitmap and free. */
bool pmm_is_free(const struct pmm *p, uint64_t phys)
{
    uint64_t i = phys / PMM_PAGE;

    return i < p->npages && (p->bits[i / 64] & (1ull << (i % 64))) == 0;
}
