/* CPUID for the guest (cpuid.c): the host's values, filtered. The answers
   that do not depend on the subleaf (ECX), for the basic leaves 0-0x1f
   and the extended leaves 0x80000000-0x8000001f, are filtered once at
   start into a table, so the common exit is a lookup. */
#ifndef VMM_CPUID_H
#define VMM_CPUID_H
#include <stdint.h>
#include <stddef.h>

#define CPUID_TAB 64u                  /* 32 basic leaves, then 32 extended */
extern uint32_t cpuid_tab[CPUID_TAB][4];
extern uint64_t cpuid_by_sub;          /* bit i: entry i depends on the subleaf */

/* Fills the table; before the first exit. */
void cpuid_init(void);
/* The guest's CPUID leaf/subleaf in r[0..3] (eax, ebx, ecx, edx), filtered
   now (the table's source, and every leaf it does not hold). */
void cpuid_guest(uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* The table's answer for leaf, or NULL: ask cpuid_guest. */
static inline const uint32_t *cpuid_cached(uint32_t leaf)
{
    unsigned i = (leaf & 0x1fu) | (leaf >> 26 & 0x20u);
    if ((leaf & 0x7fffffe0u) || (cpuid_by_sub >> i & 1))
        return NULL;
    return cpuid_tab[i];
}
#endif
