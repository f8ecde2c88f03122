/* Extended page tables: a VM's guest-physical space (Intel SDM Vol. 3C,
   29.3). 4-level, write-back; 4 KiB leaves. */
#ifndef HV_X86_EPT_H
#define HV_X86_EPT_H
#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_WB (6ull << 3)        /* leaf memory type */
#define EPT_OWNED (1ull << 11)    /* software: the page is freed with the mapping */
#define EPT_ADDR 0x000ffffffffff000ull
#define EPT_GPA_TOP (1ull << 48)  /* a 4-level walk covers 48 bits */

_Static_assert(EPT_OWNED == (1ull << 11), "EPT bit 11 is ignored by the CPU");

/* A new, empty top-level table; *root is its physical address. */
enum bh_status ept_create(uint64_t *root);
/* Maps one 4 KiB page at gpa with BH_M_* rights (and EPT_OWNED in owned). */
enum bh_status ept_map(uint64_t root, uint64_t gpa, uint64_t pa, unsigned rights, uint64_t owned);
/* Removes gpa's mapping; returns the old entry (0 if none). The caller
   invalidates (tlb_shootdown runs INVEPT on every CPU). */
uint64_t ept_unmap(uint64_t root, uint64_t gpa);
/* One bounded step (paging.h's ptab_free_step) of freeing every table and
   every EPT_OWNED page; the root goes last, in the step that returns true. */
bool ept_destroy_step(uint64_t root, unsigned *budget);
/* The EPT pointer for root: 4-level walk, write-back. */
static inline uint64_t ept_pointer(uint64_t root) { return root | 3u << 3 | 6u; }
/* INVEPT all-context on this CPU (if it is in VMX operation). */
void ept_flush_local(void);
#endif
