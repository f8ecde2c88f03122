/* The guest's identity map (built by head.asm) and additions to it. */
#ifndef TESTGUEST_PAGING_H
#define TESTGUEST_PAGING_H

#include <stdint.h>

/* Makes every address in [start, end) mapped, identity, by mapping each
 * 1 GiB region that is not yet mapped with uncached 2 MiB pages (regions
 * already mapped keep their caching). Only addresses below 512 GiB can
 * be mapped. Returns 0, or -1 if END is too high or the spare page
 * directories have run out (none is changed then). */
int paging_map(uint64_t start, uint64_t end);

/* True if ADDR is mapped now. */
int paging_is_mapped(uint64_t addr);

#endif
