/* Kernel and user page tables (4-level, Intel SDM Vol. 3A, 4.5). */
#ifndef HV_X86_PAGING_H
#define HV_X86_PAGING_H
#include <stdint.h>
#include <stdbool.h>
#include "layout.h"
#include <bulkhead/abi.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_OWNED (1ull << 9)   /* software: the page is freed with this mapping */
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

static inline void *phys_to_virt(uint64_t pa) { return (void *)(PHYSMAP_BASE + pa); }
static inline uint64_t virt_to_phys(const void *va)
{
    uint64_t v = (uint64_t)va;
    return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PHYSMAP_BASE;
}

/* Builds the kernel's own tables (W^X image, NX physmap of the first
   4 GiB, global pages) and switches to them. Boot CPU, once. */
void paging_init(void);
/* Loads the kernel tables and paging features on an AP. */
void paging_init_ap(void);
/* Physical address of the kernel PML4 (below 4 GiB). */
uint64_t paging_kernel_root(void);
/* Extends the physmap to cover [base, end) (RAM above 4 GiB).
   Returns BH_ENOMEM if a page table could not be allocated. */
enum bh_status paging_physmap_extend(uint64_t base, uint64_t end);
/* Maps one kernel page (RW, NX, global) at va in the kernel half;
   the caller flushes a previous mapping. BH_ENOMEM without a table. */
int paging_map_kernel(uint64_t va, uint64_t pa);
/* Maps [phys, phys+len) uncached in the MMIO window; NULL if full. */
volatile void *mmio_map(uint64_t phys, uint64_t len);
/* Adds (on) or removes (off) an identity map of the low 2 MiB, used
   only while APs run the real-mode trampoline. */
void paging_identity_low(bool on);
/* True when the CPU enforces NX (EFER.NXE set). */
bool paging_has_nx(void);
/* From now on, maps user blocks as if the CPU had no 1 GiB pages (the
   kernel option no1g). */
void paging_hide_1g(void);
/* PCIDs: tagged address spaces, so switching PDs flushes no TLB. */
bool paging_has_pcid(void);
bool paging_has_invpcid(void);
/* A PCID for a new address space (0 without PCIDs, or when all are in
   use); *flush says the caller must run tlb_shootdown() before using it
   (it reuses PCIDs of dead PDs). */
uint16_t paging_pcid_alloc(bool *flush);
/* Gives a dead PD's PCID back (reused only after a global flush). */
void paging_pcid_free(uint16_t pcid);
/* The CR3 value that loads user address space root with its PCID and
   keeps cached entries: bit 63 keeps the PCID's TLB entries, which are
   never stale here, because shootdowns flush every PCID
   (paging_flush_all). An untagged PD (PCID 0, all PCIDs in use) is
   loaded with a flush. A PD computes it once (pd->cr3). */
extern bool paging_pcid_on;
static inline uint64_t paging_cr3(uint64_t root, uint16_t pcid)
{
    return root | pcid | (paging_pcid_on && pcid ? 1ull << 63 : 0);
}
/* The root a paging_cr3 value loads (0 for 0). */
static inline uint64_t paging_cr3_root(uint64_t cr3)
{
    return cr3 & 0x000ffffffffff000ull;
}
/* Loads a user address space (a paging_cr3 value); inline: every switch
   between PDs runs it. */
static inline void paging_load_cr3(uint64_t cr3)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(cr3) : "memory");
}
/* Loads the kernel's tables, keeping cached entries. */
void paging_load_kernel(void);
/* Flushes every non-global TLB entry of every PCID on this CPU. */
void paging_flush_all(void);

/* The kernel-table leaf entry for va (0 if unmapped); 2M entries as is. */
uint64_t paging_kernel_pte(uint64_t va);

/* User address spaces: a PML4 sharing the kernel half. */
enum bh_status as_create(uint64_t *root_out);
/* Maps one 4 KiB page; flags from PTE_W/PTE_NX/PTE_OWNED/PTE_PCD/PTE_PWT
   (PTE_P|PTE_U implied). */
enum bh_status as_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags);
/* Maps the large page of level (1: 2 MiB, 2: 1 GiB) at va to pa, both
   aligned to its size; flags as for as_map (never owned: mem.c frees a
   block). A 1 GiB page is one PDPT entry where the CPU has them (CPUID
   0x80000001 EDX bit 26), else 512 of 2 MiB. BH_EINVAL if misaligned or
   outside user space, BH_EEXIST if anything is mapped in the range (empty
   tables left there are freed, after a TLB shootdown), BH_ENOMEM. */
enum bh_status as_map_large(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags,
                            unsigned level);
/* Looks up va; returns false if not mapped as a user page. */
bool as_lookup(uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags);
/* Removes the mapping of va (a 4 KiB page, or the large page holding
   it); returns the old entry (0 if none). The caller flushes TLBs. */
uint64_t as_unmap(uint64_t root, uint64_t va);
/* How one kind of page table marks its entries, for ptab_free_step. */
struct ptab_fmt {
    uint64_t present;        /* any of these bits: the entry is in use */
    uint64_t addr;           /* the address bits */
    uint64_t owned;          /* a leaf whose page goes with the table */
    uint64_t large;          /* at a level above 0: a leaf, not a table */
};
/* Makes entry *e (level l) the leaf `leaf`: BH_EEXIST if it maps
   anything; an empty table tree there is freed after a TLB shootdown. */
enum bh_status ptab_set_leaf(uint64_t *e, unsigned l, uint64_t leaf, const struct ptab_fmt *f);
/* One bounded step of freeing the tables below t (level l: 3 = top, its
   entries [0, n)) and the owned pages of their leaves; charges *budget
   one unit per page freed and stops at 0. Returns true when t is empty
   (t itself stays). Restartable: call again until it returns true. */
bool ptab_free_step(uint64_t *t, unsigned l, unsigned n, const struct ptab_fmt *f,
                    unsigned *budget);
/* ptab_free_step for the user half of an address space: every user
   table and every PTE_OWNED page (pages mapped without PTE_OWNED belong
   to someone else). The PML4 page stays (pd.c frees it once no CPU has it
   loaded). */
bool as_clear_step(uint64_t root, unsigned *budget);
#endif
