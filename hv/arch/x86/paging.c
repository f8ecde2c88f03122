/* Kernel page tables: physmap, W^X kernel image, MMIO window, and user
   address spaces. Formats: Intel SDM Vol. 3A, 4.5 (4-level paging). */
#include "paging.h"
#include "cpu.h"
#include "kmem.h"
#include "panic.h"
#include "tlb.h"
#include <string.h>

#define POOL_PAGES 64
static uint64_t pool[POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned pool_used;
static uint64_t kernel_pml4[512] __attribute__((aligned(4096)));
static uint64_t nx_bit;
static bool pages_1g;          /* CPUID 0x80000001 EDX bit 26 (pdpe1gb) */
static uint64_t mmio_next = MMIO_BASE;

extern char __text_start[], __text_end[], __rodata_end[], __data_start[], __bss_end[];

extern char __image_start[], __image_end_phys[];

static inline unsigned idx(uint64_t va, unsigned level) { return (va >> (12 + 9 * level)) & 511; }

/* Tables in the kernel image are reached through its own mapping, so the
   walk also works before the physmap exists (inside paging_init). */
static uint64_t *table_virt(uint64_t pa)
{
    if (pa >= (uint64_t)__image_start && pa < (uint64_t)__image_end_phys)
        return (uint64_t *)(pa + KERNEL_VMA);
    return phys_to_virt(pa);
}

bool paging_has_nx(void) { return nx_bit != 0; }
uint64_t paging_kernel_root(void) { return virt_to_phys(kernel_pml4); }

/* A zeroed table page: from the static pool before the allocator is up. */
static uint64_t *table_alloc(void)
{
    if (kmem_ready()) {
        uint64_t pa;
        if (kmem_alloc_pages(1, &pa) != BH_OK)
            return NULL;
        uint64_t *t = phys_to_virt(pa);
        memset(t, 0, PAGE_SIZE);
        return t;
    }
    if (pool_used == POOL_PAGES)
        return NULL;
    return pool[pool_used++];
}

/* Returns the table that entry e points to, creating it if needed; NULL
   if e is a large leaf (mem.c never maps inside a block). */
static uint64_t *next_table(uint64_t *e, uint64_t flags)
{
    if (*e & PTE_PS)
        return NULL;
    if (!(*e & PTE_P)) {
        uint64_t *t = table_alloc();
        if (!t)
            return NULL;
        *e = virt_to_phys(t) | flags;
    }
    return table_virt(*e & PTE_ADDR);
}

/* Walks to the leaf entry for va at level (0 = 4K PTE, 1 = 2M PDE). */
static uint64_t *walk(uint64_t *pml4, uint64_t va, unsigned level, uint64_t tflags)
{
    uint64_t *t = pml4;
    for (unsigned l = 3; l > level; l--) {
        t = next_table(&t[idx(va, l)], tflags);
        if (!t)
            return NULL;
    }
    return &t[idx(va, level)];
}

static void map_image(uint64_t *pml4)
{
    uint64_t ro_end = (uint64_t)__rodata_end, text_end = (uint64_t)__text_end;
    for (uint64_t va = (uint64_t)__text_start; va < (uint64_t)__bss_end; va += PAGE_SIZE) {
        uint64_t flags = PTE_P | PTE_G;
        if (va >= text_end)
            flags |= nx_bit;           /* rodata, data, bss: never executable */
        if (va >= ro_end)
            flags |= PTE_W;            /* data, bss: the only writable part */
        uint64_t *e = walk(pml4, va, 0, PTE_P | PTE_W);
        if (!e)
            panic("paging: boot pool exhausted mapping the image");
        *e = (va - KERNEL_VMA) | flags;
    }
}

static void map_physmap_2m(uint64_t *pml4, uint64_t base, uint64_t end)
{
    for (uint64_t pa = base & ~0x1fffffull; pa < end; pa += 0x200000) {
        uint64_t *e = walk(pml4, PHYSMAP_BASE + pa, 1, PTE_P | PTE_W);
        if (!e)
            panic("paging: out of tables for the physmap");
        *e = pa | PTE_P | PTE_W | PTE_PS | PTE_G | nx_bit;
    }
}

bool paging_pcid_on;
bool cpu_fsgsbase;
static bool invpcid_on;
static uint16_t next_pcid = 1;

/* PGE, SMEP, PCIDs (Intel SDM Vol. 3A, 4.10.1) and FSGSBASE where the CPU
   has them; the same on every CPU. Runs with the kernel's CR3 (PCID 0). */
static void enable_features(void)
{
    uint64_t cr4 = read_cr4() | CR4_PGE;
    struct cpuid_regs r7 = cpuid(7, 0), r1 = cpuid(1, 0);
    if (r7.b & (1u << 7))
        cr4 |= CR4_SMEP;
    if (r7.b & (1u << 0))
        cr4 |= CR4_FSGSBASE;           /* user TLS through WRFSBASE */
    cpu_fsgsbase = (cr4 & CR4_FSGSBASE) != 0;
    paging_pcid_on = (r1.c & (1u << 17)) != 0;
    invpcid_on = paging_pcid_on && (r7.b & (1u << 10));
    if (paging_pcid_on)
        cr4 |= CR4_PCIDE;
    write_cr4(cr4);
    write_cr0(read_cr0() | CR0_WP);
}

bool paging_has_pcid(void) { return paging_pcid_on; }
void paging_hide_1g(void) { pages_1g = false; }
bool paging_has_invpcid(void) { return invpcid_on; }

/* PCIDs: 1..4095 handed out once, then reused from those freed by dead
   PDs, but only after a global flush (tlb_shootdown flushes every PCID on
   every CPU), so no CPU keeps entries of a PCID's previous owner. */
static uint16_t freed[4096], nfreed, dirty[4096], ndirty;

uint16_t paging_pcid_alloc(bool *flush)
{
    *flush = false;
    if (!paging_pcid_on)
        return 0;
    if (next_pcid < 4096)
        return next_pcid++;
    if (!nfreed && ndirty) {           /* caller flushes, then they are clean */
        while (ndirty)
            freed[nfreed++] = dirty[--ndirty];
        *flush = true;
    }
    return nfreed ? freed[--nfreed] : 0;   /* 0: untagged, flushed on load */
}

void paging_pcid_free(uint16_t pcid)
{
    if (pcid)
        dirty[ndirty++] = pcid;
}

void paging_load_kernel(void)
{
    write_cr3(paging_pcid_on ? paging_kernel_root() | (1ull << 63) : paging_kernel_root());
}

void paging_flush_all(void)
{
    if (invpcid_on) {
        struct { uint64_t pcid, addr; } d = { 0, 0 };
        __asm__ volatile("invpcid %0, %1" ::"m"(d), "r"(2ull) : "memory");  /* all, not global */
    } else if (paging_pcid_on) {
        uint64_t cr3 = read_cr3() & ~(1ull << 63);
        write_cr3(paging_kernel_root());
        write_cr4(read_cr4() & ~(uint64_t)CR4_PCIDE);   /* clearing PCIDE flushes all */
        write_cr4(read_cr4() | CR4_PCIDE);
        write_cr3(cr3);
    } else {
        write_cr3(read_cr3());
    }
}

void paging_init(void)
{
    if (rdmsr(MSR_EFER) & EFER_NXE)
        nx_bit = PTE_NX;
    pages_1g = cpuid(0x80000000, 0).a >= 0x80000001 && (cpuid(0x80000001, 0).d & (1u << 26));
    map_physmap_2m(kernel_pml4, 0, 4ull << 30);
    map_image(kernel_pml4);
    /* Address spaces copy the kernel half's PML4 entries when they are
       created, so all of them (physmap, image, MMIO window) are made at
       boot, before the first address space exists. */
    write_cr3(paging_kernel_root());
    enable_features();
}

void paging_init_ap(void)
{
    write_cr3(paging_kernel_root());
    enable_features();
}

enum bh_status paging_physmap_extend(uint64_t base, uint64_t end)
{
    if (end > PHYSMAP_MAX)
        end = PHYSMAP_MAX;
    for (uint64_t pa = base & ~0x1fffffull; pa < end; pa += 0x200000) {
        uint64_t *e = walk(kernel_pml4, PHYSMAP_BASE + pa, 1, PTE_P | PTE_W);
        if (!e)
            return BH_ENOMEM;
        if (!(*e & PTE_P))
            *e = pa | PTE_P | PTE_W | PTE_PS | PTE_G | nx_bit;
    }
    return BH_OK;
}

int paging_map_kernel(uint64_t va, uint64_t pa)
{
    uint64_t *e = walk(kernel_pml4, va, 0, PTE_P | PTE_W);
    if (!e)
        return BH_ENOMEM;
    /* Global: INVLPG then drops it whatever PCID cached it (SDM 4.10.4.1). */
    *e = pa | PTE_P | PTE_W | PTE_G | nx_bit;
    return BH_OK;
}

volatile void *mmio_map(uint64_t phys, uint64_t len)
{
    uint64_t off = phys & (PAGE_SIZE - 1), first = phys - off;
    uint64_t pages = (len + off + PAGE_SIZE - 1) / PAGE_SIZE;
    if (pages == 0 || pages > (MMIO_BASE + MMIO_SIZE - mmio_next) / PAGE_SIZE)
        return NULL;
    uint64_t va = mmio_next;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t *e = walk(kernel_pml4, va + i * PAGE_SIZE, 0, PTE_P | PTE_W);
        if (!e)
            return NULL;
        *e = (first + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | nx_bit;
        invlpg(va + i * PAGE_SIZE);
    }
    mmio_next += pages * PAGE_SIZE;
    return (volatile void *)(va + off);
}

void paging_identity_low(bool on)
{
    static uint64_t low_pdpt[512] __attribute__((aligned(4096)));
    static uint64_t low_pd[512] __attribute__((aligned(4096)));
    if (on) {
        low_pd[0] = PTE_P | PTE_W | PTE_PS;   /* 0..2 MiB, executable */
        low_pdpt[0] = virt_to_phys(low_pd) | PTE_P | PTE_W;
        kernel_pml4[0] = virt_to_phys(low_pdpt) | PTE_P | PTE_W;
    } else {
        kernel_pml4[0] = 0;
    }
    paging_flush_all();
}

uint64_t paging_kernel_pte(uint64_t va)
{
    uint64_t *t = kernel_pml4;
    for (unsigned l = 3; l > 0; l--) {
        uint64_t e = t[idx(va, l)];
        if (!(e & PTE_P) || (l < 3 && (e & PTE_PS)))
            return e;
        t = table_virt(e & PTE_ADDR);
    }
    return t[idx(va, 0)];
}

enum bh_status as_create(uint64_t *root_out)
{
    uint64_t pa;
    if (kmem_alloc_pages(1, &pa) != BH_OK)
        return BH_ENOMEM;
    uint64_t *t = phys_to_virt(pa);
    memset(t, 0, 256 * sizeof *t);
    memcpy(t + 256, kernel_pml4 + 256, 256 * sizeof *t);
    *root_out = pa;
    return BH_OK;
}

enum bh_status as_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
    if (va >= BH_USER_TOP || (va & (PAGE_SIZE - 1)) || (pa & (PAGE_SIZE - 1)))
        return BH_EINVAL;
    uint64_t *e = walk(phys_to_virt(root), va, 0, PTE_P | PTE_W | PTE_U);
    if (!e)
        return BH_ENOMEM;
    if (*e & PTE_P)
        return BH_EEXIST;
    *e = pa | PTE_P | PTE_U | (flags & (PTE_W | PTE_OWNED | PTE_PCD | PTE_PWT)) |
         ((flags & PTE_NX) ? nx_bit : 0);
    return BH_OK;
}

/* True if the table t (level l) maps nothing, however deep. */
static bool ptab_empty(const uint64_t *t, unsigned l, const struct ptab_fmt *f)
{
    for (unsigned i = 0; i < 512; i++)
        if ((t[i] & f->present) &&
            (l == 0 || (t[i] & f->large) || !ptab_empty(phys_to_virt(t[i] & f->addr), l - 1, f)))
            return false;
    return true;
}

/* Frees the table at pa (level l) and every table below it. */
static void ptab_free_tables(uint64_t pa, unsigned l, const struct ptab_fmt *f)
{
    const uint64_t *t = phys_to_virt(pa);
    for (unsigned i = 0; l > 0 && i < 512; i++)
        if (t[i] & f->present)
            ptab_free_tables(t[i] & f->addr, l - 1, f);
    kmem_free_pages(pa, 1);
}

enum bh_status ptab_set_leaf(uint64_t *e, unsigned l, uint64_t leaf, const struct ptab_fmt *f)
{
    uint64_t old = *e;
    if ((old & f->present) &&
        (l == 0 || (old & f->large) || !ptab_empty(phys_to_virt(old & f->addr), l - 1, f)))
        return BH_EEXIST;
    *e = leaf;
    if (old & f->present) {            /* empty tables left by earlier unmaps: no CPU */
        tlb_shootdown();               /* may keep them cached once they are freed */
        ptab_free_tables(old & f->addr, l - 1, f);
    }
    return BH_OK;
}

static const struct ptab_fmt as_fmt = { .present = PTE_P, .addr = PTE_ADDR,
                                        .owned = PTE_OWNED, .large = PTE_PS };

enum bh_status as_map_large(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags, unsigned level)
{
    uint64_t size = 1ull << (12 + 9 * level);
    if (level == 0 || level > 2 || va >= BH_USER_TOP || ((va | pa) & (size - 1)))
        return BH_EINVAL;
    if (level == 2 && !pages_1g) {     /* 512 pages of 2 MiB instead */
        for (uint64_t off = 0; off < size; off += size >> 9) {
            enum bh_status s = as_map_large(root, va + off, pa + off, flags, 1);
            if (s != BH_OK) {
                while (off)
                    as_unmap(root, va + (off -= size >> 9));
                return s;
            }
        }
        return BH_OK;
    }
    uint64_t *e = walk(phys_to_virt(root), va, level, PTE_P | PTE_W | PTE_U);
    if (!e)
        return BH_ENOMEM;
    return ptab_set_leaf(e, level, pa | PTE_P | PTE_U | PTE_PS |
                                   (flags & (PTE_W | PTE_PCD | PTE_PWT)) |
                                   ((flags & PTE_NX) ? nx_bit : 0), &as_fmt);
}

uint64_t as_unmap(uint64_t root, uint64_t va)
{
    uint64_t *t = phys_to_virt(root);
    for (unsigned l = 3; l > 0; l--) {
        uint64_t e = t[idx(va, l)];
        if (!(e & PTE_P))
            return 0;
        if (e & PTE_PS) {              /* a large page (levels 1 and 2 only) */
            t[idx(va, l)] = 0;
            return e;
        }
        t = phys_to_virt(e & PTE_ADDR);
    }
    uint64_t old = t[idx(va, 0)];
    t[idx(va, 0)] = 0;
    return old;
}

bool as_lookup(uint64_t root, uint64_t va, uint64_t *pa, uint64_t *flags)
{
    if (va >= BH_USER_TOP)
        return false;
    uint64_t *t = phys_to_virt(root);
    unsigned l = 3;
    uint64_t e = t[idx(va, l)];
    for (; l > 0 && (e & PTE_P) && (e & PTE_U) && !(e & PTE_PS); e = t[idx(va, --l)])
        t = phys_to_virt(e & PTE_ADDR);
    if (!(e & PTE_P) || !(e & PTE_U))
        return false;
    uint64_t size = 1ull << (12 + 9 * l);  /* a 4 KiB page, or a large one */
    *pa = (e & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
    *flags = e & ~PTE_ADDR;
    return true;
}

/* One bounded step of freeing the tree below table t (level l, entries
   [0, n)): a lower table is freed once it is empty, and so is a leaf's
   page if it carries f->owned. Entries done are cleared, so the next
   step starts where this one stopped; each step rescans at most 512
   entries per level. Charges one unit per page freed. Returns true when
   every entry of t is clear (t itself stays). */
bool ptab_free_step(uint64_t *t, unsigned l, unsigned n, const struct ptab_fmt *f,
                    unsigned *budget)
{
    for (unsigned i = 0; i < n; i++) {
        if (!(t[i] & f->present))
            continue;
        if (*budget == 0)
            return false;
        uint64_t pa = t[i] & f->addr;
        if (l > 0 && !(t[i] & f->large)) {
            if (!ptab_free_step(phys_to_virt(pa), l - 1, 512, f, budget) || *budget == 0)
                return false;          /* an emptied table waits for the next step */
            kmem_free_pages(pa, 1);
            (*budget)--;
        } else if (t[i] & f->owned) {
            kmem_free_pages(pa, 1u << (9 * l));    /* a large leaf: all its pages */
            (*budget)--;
        }
        t[i] = 0;
    }
    return true;
}

bool as_clear_step(uint64_t root, unsigned *budget)
{
    return ptab_free_step(phys_to_virt(root), 3, 256, &as_fmt, budget);
}

