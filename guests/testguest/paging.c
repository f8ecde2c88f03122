/* Additions to head.asm's identity map: whole GiBs of uncached 2 MiB
 * pages (SDM vol. 3A 4.5, table 4-17: PS, PCD, PWT), from a small pool
 * of spare page directories. */
#include <stdint.h>

#include "layout.h"
#include "paging.h"
#include "x86.h"

#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_PWT     (1ull << 3)
#define PTE_PCD     (1ull << 4)
#define PTE_PS      (1ull << 7)
#define GIB         (1ull << 30)
#define SPARE_PDS   8u

extern uint64_t pdpt[512];          /* head.asm: PML4 entry 0 -> pdpt */

static uint64_t spare[SPARE_PDS][512] __attribute__((aligned(4096)));
static unsigned spare_used;

int paging_is_mapped(uint64_t addr)
{
    return addr < MAPPABLE_LIMIT && (pdpt[addr / GIB] & PTE_P);
}

int paging_map(uint64_t start, uint64_t end)
{
    unsigned need = 0;

    if (start >= end)
        return 0;
    if (end > MAPPABLE_LIMIT)
        return -1;
    for (uint64_t g = start / GIB; g <= (end - 1) / GIB; g++)
        need += !(pdpt[g] & PTE_P);
    if (need > SPARE_PDS - spare_used)
        return -1;
    for (uint64_t g = start / GIB; g <= (end - 1) / GIB; g++) {
        if (pdpt[g] & PTE_P)
            continue;
        uint64_t *pd = spare[spare_used++];
        for (uint64_t i = 0; i < 512; i++)
            pd[i] = (g * GIB + (i << 21)) | PTE_P | PTE_RW | PTE_PS | PTE_PCD | PTE_PWT;
        pdpt[g] = (uintptr_t)pd | PTE_P | PTE_RW;
    }
    write_cr3(read_cr3());          /* flush the paging-structure caches */
    return 0;
}
