/* GDT, TSS and GS setup for one CPU. Descriptor formats: Intel SDM
   Vol. 3A, 3.4.5 (segment descriptors) and 8.2.3 (64-bit TSS descriptor). */
#include "percpu.h"
#include "cpu.h"
#include "fpu.h"
#include <string.h>
#include "kmem.h"
#include "paging.h"

struct percpu cpus[MAX_CPUS];

struct gdt_ptr { uint16_t limit; uint64_t base; } __attribute__((packed));
_Static_assert(sizeof(struct gdt_ptr) == 10, "GDTR image is 10 bytes");

static void load_segments(struct percpu *c)
{
    struct gdt_ptr p = { sizeof c->gdt - 1, (uint64_t)c->gdt };
    __asm__ volatile("lgdt %0" ::"m"(p));
    __asm__ volatile(
        "pushq %0\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %1, %%ds\n\t"
        "mov %1, %%es\n\t"
        "mov %1, %%ss\n\t"
        "xor %%eax, %%eax\n\t"
        "mov %%ax, %%fs\n\t"
        "mov %%ax, %%gs\n\t"
        :
        : "i"((uint64_t)GDT_KCODE), "r"((uint16_t)GDT_KDATA)
        : "rax", "memory");
    __asm__ volatile("ltr %0" ::"r"((uint16_t)GDT_TSS));
}

void percpu_init(struct percpu *c, unsigned id, uint64_t kstack_top, uint64_t ist_base)
{
    c->self = c;
    c->id = id;
    c->kstack_top = kstack_top;
    c->gdt[0] = 0;
    c->gdt[1] = 0x00af9b000000ffffull; /* kernel code, 64-bit, DPL 0 */
    c->gdt[2] = 0x00cf93000000ffffull; /* kernel data */
    c->gdt[3] = 0x00cff3000000ffffull; /* user data, DPL 3 */
    c->gdt[4] = 0x00affb000000ffffull; /* user code, 64-bit, DPL 3 */
    c->tss = &c->boot_tss;
    uint64_t base = (uint64_t)c->tss, limit = sizeof *c->tss - 1;
    c->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    c->gdt[6] = base >> 32;
    memset(c->tss, 0, sizeof *c->tss);
    c->tss->rsp[0] = kstack_top;
    for (unsigned i = 0; i < 3; i++)       /* IST1 NMI, IST2 #DF, IST3 #MC */
        c->tss->ist[i] = ist_base + (i + 1) * IST_STACK_SIZE;
    c->tss->iomap_base = sizeof *c->tss;   /* no I/O bitmap: all ports fault */
    load_segments(c);
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    /* FXSAVE/FXRSTOR switch the SSE registers too (ECs and guests). */
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    fpu_init_cpu();                        /* and XSAVE where present */
    c->fpu_live = true;                    /* CR0.TS is clear (nobody owns the
                                              registers: fpu_lazy sets it) */
}

/*
 * I/O permission bitmaps (Intel SDM Vol. 1, 19.5.2): the TSS sits at the
 * end of the first page of a per-CPU window, the 8 KiB bitmap in the next
 * two pages, and a byte of 0xff after it. Switching PDs remaps the two
 * bitmap pages instead of copying 8 KiB.
 */
#define IOWIN_BASE (MMIO_BASE + MMIO_SIZE)
#define IOWIN_SIZE (4 * PAGE_SIZE)
uint64_t percpu_deny_pa[2];
static uint64_t ones_pa;

static uint64_t iowin(const struct percpu *c) { return IOWIN_BASE + c->id * IOWIN_SIZE; }


static int page_of(uint8_t fill, uint64_t *pa)
{
    if (kmem_alloc_pages(1, pa) != BH_OK)
        return BH_ENOMEM;
    memset(phys_to_virt(*pa), fill, PAGE_SIZE);
    return BH_OK;
}

int percpu_io_init(struct percpu *c)
{
    uint64_t tss_pa, win = iowin(c);
    if (!ones_pa && (page_of(0xff, &percpu_deny_pa[0]) || page_of(0xff, &percpu_deny_pa[1]) ||
                     page_of(0xff, &ones_pa)))
        return BH_ENOMEM;
    if (page_of(0, &tss_pa))
        return BH_ENOMEM;
    if (paging_map_kernel(win, tss_pa) || paging_map_kernel(win + PAGE_SIZE, percpu_deny_pa[0]) ||
        paging_map_kernel(win + 2 * PAGE_SIZE, percpu_deny_pa[1]) ||
        paging_map_kernel(win + 3 * PAGE_SIZE, ones_pa))
        return BH_ENOMEM;
    struct tss *t = (struct tss *)(win + PAGE_SIZE - sizeof(struct tss));
    *t = *c->tss;
    t->iomap_base = sizeof *t;             /* the bitmap starts right after */
    c->tss = t;
    c->io_bitmap = percpu_deny_pa[0];
    c->io_bitmap1 = percpu_deny_pa[1];
    uint64_t base = (uint64_t)t, limit = sizeof *t + 8192;   /* + the 0xff byte */
    c->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    c->gdt[6] = base >> 32;
    __asm__ volatile("ltr %0" ::"r"((uint16_t)GDT_TSS));
    return BH_OK;
}

void percpu_reload_tr(struct percpu *c)
{
    c->gdt[5] &= ~(2ull << 40);            /* busy -> available, so LTR takes it */
    __asm__ volatile("ltr %0" ::"r"((uint16_t)GDT_TSS));
    c->tr_cut = false;
}

void percpu_io_switch(struct percpu *c, uint64_t pa0, uint64_t pa1)
{
    uint64_t win = iowin(c);
    paging_map_kernel(win + PAGE_SIZE, pa0);
    paging_map_kernel(win + 2 * PAGE_SIZE, pa1);
    invlpg(win + PAGE_SIZE);
    invlpg(win + 2 * PAGE_SIZE);
    c->io_bitmap = pa0;
    c->io_bitmap1 = pa1;
}
