/* The device bus; see bus.h. */
#include "bus.h"
#include <string.h>

enum bh_status bus_add(struct bus *b, uint64_t base, uint64_t len, const char *name,
                       const struct bus_ops *ops, void *dev, const struct bus_range **clash)
{
    if (clash)
        *clash = NULL;
    if (len == 0 || base + len < base || !ops || !ops->read || !ops->write)
        return BH_EINVAL;
    unsigned at = 0;
    while (at < b->n && b->r[at].base < base)
        at++;
    /* Sorted and disjoint: only the neighbours can overlap. */
    if (at > 0 && b->r[at - 1].base + b->r[at - 1].len > base) {
        if (clash)
            *clash = &b->r[at - 1];
        return BH_EEXIST;
    }
    if (at < b->n && b->r[at].base < base + len) {
        if (clash)
            *clash = &b->r[at];
        return BH_EEXIST;
    }
    if (b->n == BUS_MAX_RANGES)
        return BH_ENOMEM;
    memmove(&b->r[at + 1], &b->r[at], (b->n - at) * sizeof b->r[0]);
    b->r[at] = (struct bus_range){ base, len, name, ops, dev };
    b->n++;
    return BH_OK;
}

bool bus_remove(struct bus *b, uint64_t base)
{
    for (unsigned i = 0; i < b->n; i++)
        if (b->r[i].base == base) {
            memmove(&b->r[i], &b->r[i + 1], (b->n - i - 1) * sizeof b->r[0]);
            b->n--;
            return true;
        }
    return false;
}

const struct bus_range *bus_find(const struct bus *b, uint64_t addr, unsigned width)
{
    unsigned lo = 0, hi = b->n;
    while (lo < hi) {                  /* the last range with base <= addr */
        unsigned mid = (lo + hi) / 2;
        if (b->r[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct bus_range *r = &b->r[lo - 1];
    uint64_t off = addr - r->base;
    if (off >= r->len || width > r->len - off)
        return NULL;
    return r;
}

/* The hint's range if it holds the access (the hint is only ever a
   guess: a stale one, after an add or a remove, just fails the check),
   else the search. */
static const struct bus_range *lookup(struct bus *b, uint64_t addr, unsigned width)
{
    const struct bus_range *r = &b->r[b->hint];
    if (b->hint < b->n && addr - r->base < r->len && width <= r->len - (addr - r->base))
        return r;
    r = bus_find(b, addr, width);
    if (r)
        b->hint = (unsigned)(r - b->r);
    return r;
}

bool bus_read(struct bus *b, uint64_t addr, unsigned width, uint64_t *val)
{
    const struct bus_range *r = lookup(b, addr, width);
    if (!r) {
        *val = bus_ones(width);
        return false;
    }
    *val = r->ops->read(r->dev, addr - r->base, width) & bus_ones(width);
    return true;
}

bool bus_write(struct bus *b, uint64_t addr, unsigned width, uint64_t val)
{
    const struct bus_range *r = lookup(b, addr, width);
    if (!r)
        return false;
    r->ops->write(r->dev, addr - r->base, width, val & bus_ones(width));
    return true;
}
