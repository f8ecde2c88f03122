/*
 * Physical memory map: the set of usable RAM, built from the boot
 * loader's map. Ranges are half-open [base, end), kept sorted, disjoint
 * and never adjacent (adjacent ranges are merged on add).
 *
 * Usage at boot: memmap_add() every available entry, memmap_remove()
 * every non-available entry (firmware maps overlap), then remove the
 * first 1 MiB, the kernel image, modules and ACPI tables, and finally
 * memmap_page_align().
 */
#ifndef HV_MEMMAP_H
#define HV_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define MEMMAP_MAX 128u
/* Architectural maximum physical address width (52 bits): nothing usable above. */
#define MEMMAP_PHYS_LIMIT (1ull << 52)
#define MEMMAP_PAGE 4096ull

struct mem_range {
    uint64_t base, end; /* [base, end) */
};

struct memmap {
    struct mem_range r[MEMMAP_MAX]; /* r[0..n) sorted by base, disjoint */
    unsigned n;
    bool overflow; /* set once any range was dropped for lack of slots */
};

void memmap_init(struct memmap *m);
enum bh_status memmap_add(struct memmap *m, uint64_t base, uint64_t len);
enum bh_status memmap_remove(struct memmap *m, uint64_t base, uint64_t len);
void memmap_page_align(struct memmap *m);
uint64_t memmap_total(const struct memmap *m);

#endif
