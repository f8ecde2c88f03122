/* Extended page tables: a VM's guest-physical space (Intel SDM Vol. 3C,
   29.3). 4-level, write-back; 4 KiB leaves, and 2 MiB / 1 GiB leaves
   (level 1 / 2, bit 7) where IA32_VMX_EPT_VPID_CAP bits 16/17 allow. */
#ifndef HV_X86_EPT_H
#define HV_X86_EPT_H
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>

#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_WB (6ull << 3)        /* leaf memory type (bits 5:3; SDM 29.3.7) */
#define EPT_UC (0ull << 3)        /* uncached: device memory */
#define EPT_MT (7ull << 3)
#define EPT_LARGE (1ull << 7)     /* a leaf at level 1 (2 MiB) or 2 (1 GiB) */
#define EPT_OWNED (1ull << 11)    /* software: the page is freed with the mapping */
#define EPT_DEVICE (1ull << 52)   /* software: device memory (UC, never executable) */
#define EPT_ADDR 0x000ffffffffff000ull
#define EPT_GPA_TOP (1ull << 48)  /* a 4-level walk covers 48 bits */

_Static_assert(EPT_OWNED == (1ull << 11), "EPT bit 11 is ignored by the CPU");
_Static_assert(EPT_LARGE == (1ull << 7), "EPT bit 7 makes a level-1/2 entry a leaf (SDM 29.3.2)");
_Static_assert(EPT_DEVICE > EPT_ADDR && EPT_DEVICE < (1ull << 63),
               "EPT bits 62:52 are ignored by the CPU (63 is suppress-#VE)");

/* Bytes one leaf at level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB) maps. */
static inline uint64_t ept_level_size(unsigned level) { return 1ull << (12 + 9 * level); }
/* Whether entry e (present) at level l maps memory rather than a table. */
static inline bool ept_is_leaf(uint64_t e, unsigned l) { return l == 0 || (e & EPT_LARGE); }
/* The leaf for pa (aligned to its size) at level with BH_M_* rights (R
   always); attr holds EPT_OWNED and/or EPT_DEVICE. RAM is write-back;
   device memory (a BAR) is uncached (type 0, SDM 29.3.7.2: UC in EPT
   makes the access UC whatever the guest's PAT says) and never
   executable. Pure: host-tested (tests/unit/test_ept.c). */
static inline uint64_t ept_leaf(uint64_t pa, unsigned rights, unsigned level, uint64_t attr)
{
    bool dev = attr & EPT_DEVICE;
    return (pa & EPT_ADDR) | (dev ? EPT_UC : EPT_WB) | (attr & (EPT_OWNED | EPT_DEVICE)) |
           (level ? EPT_LARGE : 0) | EPT_R | ((rights & BH_M_W) ? EPT_W : 0) |
           ((rights & BH_M_X) && !dev ? EPT_X : 0);
}
/* Whether a level-level leaf may map gpa to pa: both aligned to its size,
   gpa inside the 48-bit space, level 0 to 2. */
static inline bool ept_leaf_fits(uint64_t gpa, uint64_t pa, unsigned level)
{
    return level <= 2 && gpa < EPT_GPA_TOP && !((gpa | pa) & (ept_level_size(level) - 1));
}

/* A new, empty top-level table; *root is its physical address. */
enum bh_status ept_create(uint64_t *root);
/* Maps one 4 KiB page at gpa with BH_M_* rights (and EPT_OWNED and/or
   EPT_DEVICE in owned: see ept_leaf). */
enum bh_status ept_map(uint64_t root, uint64_t gpa, uint64_t pa, unsigned rights, uint64_t owned);
/* The same for one leaf at level (ept_map_level(.., 0, ..) is ept_map):
   BH_EINVAL if !ept_leaf_fits or R is missing, BH_ENOTSUP if the CPU has
   no such leaves, BH_EEXIST if anything is mapped in the range (empty
   tables left there by earlier unmaps are freed, after a TLB shootdown). */
enum bh_status ept_map_level(uint64_t root, uint64_t gpa, uint64_t pa, unsigned rights,
                             unsigned level, uint64_t owned);
/* Whether the CPU has EPT leaves at level (IA32_VMX_EPT_VPID_CAP bits 16
   and 17; the kernel option no1g hides 1 GiB ones). */
bool ept_has_leaf(unsigned level);
/* Removes the leaf that maps gpa (of whatever size); returns the old entry
   (0 if none). The caller invalidates (tlb_shootdown runs INVEPT on every
   CPU). */
uint64_t ept_unmap(uint64_t root, uint64_t gpa);
/* One bounded step (paging.h's ptab_free_step) of freeing every table and
   every EPT_OWNED page; the root goes last, in the step that returns true. */
bool ept_destroy_step(uint64_t root, unsigned *budget);
/* The EPT pointer for root: 4-level walk, write-back. */
static inline uint64_t ept_pointer(uint64_t root) { return root | 3u << 3 | 6u; }
/* INVEPT all-context on this CPU (if it is in VMX operation). */
void ept_flush_local(void);
#endif
