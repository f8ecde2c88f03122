/*
 * Physical memory map (see memmap.h). Pure logic, no allocation.
 *
 * Edge-case policy:
 *  - len == 0 is a no-op.
 *  - base + len past 2^64 is clipped to 2^64 (end saturates), then every
 *    range is clipped to MEMMAP_PHYS_LIMIT (2^52); a range wholly above
 *    the limit is ignored. Neither is an error: firmware maps do this.
 *  - When a new disjoint range (from add or from a split in remove) would
 *    need slot MEMMAP_MAX+1, the smallest range of the 129 candidates is
 *    dropped (ties: the highest one goes), overflow is set and BH_ENOMEM
 *    is returned. The map stays sorted and disjoint; only RAM is lost,
 *    never wrongly gained.
 */
#include <stddef.h>
#include <string.h>
#include "memmap.h"

/* Returns base + len saturated at UINT64_MAX (which stands for 2^64). */
static uint64_t range_end(uint64_t base, uint64_t len)
{
    return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

static uint64_t range_size(const struct mem_range *r)
{
    return r->end - r->base;
}

static void delete_at(struct memmap *m, unsigned i, unsigned count)
{
    memmove(&m->r[i], &m->r[i + count],
            (m->n - i - count) * sizeof(m->r[0]));
    m->n -= count;
}

/* Index of the smallest range; ties go to the highest address. */
static unsigned smallest(const struct memmap *m)
{
    unsigned k = 0;
    for (unsigned i = 1; i < m->n; i++)
        if (range_size(&m->r[i]) <= range_size(&m->r[k]))
            k = i;
    return k;
}

/*
 * Inserts nr at index i (the caller has found its sorted position).
 * When the table is full, drops the smallest candidate as documented.
 */
static enum bh_status insert_at(struct memmap *m, unsigned i,
                                struct mem_range nr)
{
    enum bh_status st = BH_OK;

    if (m->n == MEMMAP_MAX) {
        unsigned k = smallest(m);
        m->overflow = true;
        st = BH_ENOMEM;
        if (range_size(&nr) < range_size(&m->r[k]) ||
            (range_size(&nr) == range_size(&m->r[k]) && nr.base > m->r[k].base))
            return st;
        delete_at(m, k, 1);
        if (k < i)
            i--;
    }
    memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(m->r[0]));
    m->r[i] = nr;
    m->n++;
    return st;
}

/* Sets m to the empty map. */
void memmap_init(struct memmap *m)
{
    memset(m, 0, sizeof(*m));
}

/*
 * Adds [base, base+len) as usable RAM, merging with overlapping and
 * adjacent ranges. Returns BH_OK, or BH_ENOMEM if the table was full and
 * a range was dropped (see the policy at the top of this file).
 */
enum bh_status memmap_add(struct memmap *m, uint64_t base, uint64_t len)
{
    uint64_t end = range_end(base, len);
    unsigned i = 0, j;

    if (end > MEMMAP_PHYS_LIMIT)
        end = MEMMAP_PHYS_LIMIT;
    if (len == 0 || base >= end)
        return BH_OK;
    /* [i, j) are the ranges that touch or overlap the new one. */
    while (i < m->n && m->r[i].end < base)
        i++;
    j = i;
    while (j < m->n && m->r[j].base <= end)
        j++;
    if (i == j)
        return insert_at(m, i, (struct mem_range){ base, end });
    if (m->r[i].base < base)
        base = m->r[i].base;
    if (m->r[j - 1].end > end)
        end = m->r[j - 1].end;
    m->r[i] = (struct mem_range){ base, end };
    delete_at(m, i + 1, j - i - 1);
    return BH_OK;
}

/*
 * Removes [base, base+len) from the usable set, splitting a range if the
 * hole is in its middle. Returns BH_OK, or BH_ENOMEM if a split needed a
 * slot in a full table and a range was dropped (see policy above).
 */
enum bh_status memmap_remove(struct memmap *m, uint64_t base, uint64_t len)
{
    uint64_t end = range_end(base, len);
    unsigned i = 0;

    if (len == 0)
        return BH_OK;
    while (i < m->n && m->r[i].end <= base)
        i++;
    while (i < m->n && m->r[i].base < end) {
        struct mem_range *r = &m->r[i];
        if (r->base >= base && r->end <= end) {
            delete_at(m, i, 1);
        } else if (r->base < base && r->end > end) {
            struct mem_range right = { end, r->end };
            r->end = base;
            return insert_at(m, i + 1, right);
        } else if (r->base < base) {
            r->end = base;
            i++;
        } else {
            r->base = end;
            i++;
        }
    }
    return BH_OK;
}

/* Shrinks every range inward to 4 KiB boundaries and drops empty ones. */
void memmap_page_align(struct memmap *m)
{
    unsigned out = 0;

    for (unsigned i = 0; i < m->n; i++) {
        /* Ranges end at or below 2^52, so rounding up cannot overflow. */
        uint64_t b = (m->r[i].base + MEMMAP_PAGE - 1) & ~(MEMMAP_PAGE - 1);
        uint64_t e = m->r[i].end & ~(MEMMAP_PAGE - 1);
        if (b < e)
            m->r[out++] = (struct mem_range){ b, e };
    }
    m->n = out;
}

/* Returns the number of usable bytes in the map. */
uint64_t memmap_total(const struct memmap *m)
{
    uint64_t sum = 0;

    for (unsigned i = 0; i < m->n; i++)
        sum += range_size(&m->r[i]);
    return sum;
}
