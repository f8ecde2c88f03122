/* Kernel physical memory: the page allocator behind every kernel object. */
#ifndef HV_KMEM_H
#define HV_KMEM_H
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>
struct memmap;

/* Takes ownership of the usable ranges in m (already stripped of the
   kernel, modules, ACPI and reserved memory). Returns BH_ENOMEM if no
   range below 4 GiB can hold the allocator's bitmap. */
enum bh_status kmem_init(struct memmap *m);
/* True once kmem_init succeeded. */
bool kmem_ready(void);
/* Allocates n contiguous pages reachable through the physmap. */
enum bh_status kmem_alloc_pages(uint64_t n, uint64_t *pa);
/* The same, the first page aligned to align pages (a power of two): a
   large page's block. */
enum bh_status kmem_alloc_aligned(uint64_t n, uint64_t align, uint64_t *pa);
/* Returns pages; BH_EINVAL on a bad or double free (nothing changes). */
enum bh_status kmem_free_pages(uint64_t pa, uint64_t n);
/* Pages currently free. */
uint64_t kmem_free_count(void);
/* Raises the limit below which allocations are made (physmap growth). */
void kmem_set_reachable(uint64_t limit);
#endif
