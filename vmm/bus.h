/*
 * The VMM's device bus: one per address space (I/O ports, MMIO), a
 * sorted set of non-overlapping ranges. A device sees only offsets from
 * its base and the access width; the bus refuses an overlapping range at
 * registration. Pure: no system calls, unit-tested on the host
 * (vmm/test/test_bus.c).
 */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define BUS_MAX_RANGES 16u

/* A device's registers: off is relative to the range's base, width is
   1, 2, 4 or 8 bytes. Reads return the value in the low width bytes. */
struct bus_ops {
    uint64_t (*read)(void *dev, uint64_t off, unsigned width);
    void (*write)(void *dev, uint64_t off, unsigned width, uint64_t val);
};

struct bus_range {
    uint64_t base, len;
    const char *name;
    const struct bus_ops *ops;
    void *dev;
};

struct bus {
    const char *space;            /* "port" or "mmio", for messages */
    unsigned n;
    unsigned hint;                /* the range of the last access, tried first */
    struct bus_range r[BUS_MAX_RANGES];   /* sorted by base */
};

/*
 * Adds the range [base, base + len) for dev. Returns BH_OK; BH_EINVAL
 * for len 0, a range that wraps, or no read/write operations; BH_EEXIST
 * if it overlaps a registered range (*clash, if not NULL, names it);
 * BH_ENOMEM if the bus is full.
 */
enum bh_status bus_add(struct bus *b, uint64_t base, uint64_t len, const char *name,
                       const struct bus_ops *ops, void *dev, const struct bus_range **clash);

/* Removes the range that starts at base. Returns false if there is none. */
bool bus_remove(struct bus *b, uint64_t base);

/* The range holding all of [addr, addr + width), or NULL (also for an
   access that straddles a range's end). */
const struct bus_range *bus_find(const struct bus *b, uint64_t addr, unsigned width);

/* Reads width bytes at addr through its device; false (and *val all
   ones) if no device holds it. The range found becomes the bus's hint:
   a device accessed again and again (a console) is found at once. */
bool bus_read(struct bus *b, uint64_t addr, unsigned width, uint64_t *val);

/* Writes width bytes at addr through its device; false if no device
   holds it (the write is dropped). Moves the hint as bus_read does. */
bool bus_write(struct bus *b, uint64_t addr, unsigned width, uint64_t val);

/* All ones in the low width bytes (what an unassigned read returns). */
static inline uint64_t bus_ones(unsigned width)
{
    return width >= 8 ? ~0ull : (1ull << (width * 8)) - 1;
}

#endif
