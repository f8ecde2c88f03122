/* Guest page-table walks; see gwalk.h. */
#include "gwalk.h"

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define ADDR_MASK 0x000ffffffffff000ull

static bool entry(const struct gwalk *w, uint64_t gpa, unsigned size, uint64_t *e)
{
    uint64_t v;
    if (!w->read64(w->ctx, gpa & ~7ull, &v))
        return false;
    if (size == 4)
        v = (gpa & 4) ? v >> 32 : v & 0xffffffffu;
    *e = v;
    return true;
}

/* 32-bit paging: two levels of 4-byte entries (SDM Vol. 3A, 4.3). */
static enum bh_status walk32(const struct gwalk *w, uint32_t la, uint64_t *gpa)
{
    uint64_t pde, pte;
    if (!entry(w, (w->cr3 & 0xfffff000u) + ((la >> 22) << 2), 4, &pde))
        return BH_EFAULT;
    if (!(pde & PTE_P))
        return BH_ENOENT;
    if ((pde & PTE_PS) && (w->cr4 & CR4_PSE)) {
        *gpa = (pde & 0xffc00000u) | ((pde >> 13) & 0xffull) << 32 | (la & 0x3fffff);
        return BH_OK;
    }
    if (!entry(w, (pde & 0xfffff000u) + (((la >> 12) & 0x3ff) << 2), 4, &pte))
        return BH_EFAULT;
    if (!(pte & PTE_P))
        return BH_ENOENT;
    *gpa = (pte & 0xfffff000u) | (la & 0xfff);
    return BH_OK;
}

/* PAE and 4-level paging: 8-byte entries, 9 bits a level (4.4, 4.5). */
static enum bh_status walk64(const struct gwalk *w, uint64_t la, uint64_t *gpa)
{
    bool lm = w->efer & EFER_LMA;
    unsigned level = lm ? 4 : 3;
    uint64_t table = lm ? (w->cr3 & ADDR_MASK) : (w->cr3 & 0xffffffe0u), e;
    for (; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t idx = (la >> shift) & (level == 3 && !lm ? 3 : 511);
        if (!entry(w, table + idx * 8, 8, &e))
            return BH_EFAULT;
        if (!(e & PTE_P))
            return BH_ENOENT;
        bool large = (e & PTE_PS) && (level == 2 || (level == 3 && lm));
        if (large || level == 1) {
            uint64_t off = (1ull << shift) - 1;
            *gpa = (e & ADDR_MASK & ~off) | (la & off);
            return BH_OK;
        }
        table = e & ADDR_MASK;
    }
    return BH_ENOENT;                 /* not reached */
}

enum bh_status gwalk_translate(const struct gwalk *w, uint64_t la, uint64_t *gpa)
{
    if (!(w->cr0 & CR0_PG)) {
        *gpa = (w->efer & EFER_LMA) ? la : la & 0xffffffffu;
        return BH_OK;
    }
    if (w->cr4 & CR4_LA57)
        return BH_ENOTSUP;
    if (w->cr4 & CR4_PAE)
        return walk64(w, la, gpa);
    return walk32(w, (uint32_t)la, gpa);
}
