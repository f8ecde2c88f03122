/*
 * Kernel virtual and physical layout, shared by C, NASM (via %define
 * copies in boot.asm) and the linker script (hv.ld).
 */
#ifndef HV_X86_LAYOUT_H
#define HV_X86_LAYOUT_H

#define KERNEL_PHYS 0x200000ull               /* where loaders put the image */
#define KERNEL_VMA 0xffffffff80000000ull      /* image virtual = VMA + phys */
#define PHYSMAP_BASE 0xffff800000000000ull    /* direct map of all RAM */
#define PHYSMAP_MAX (1ull << 46)              /* at most 64 TiB mapped */
#define MMIO_BASE 0xffffffff40000000ull       /* uncached device windows */
#define MMIO_SIZE (64ull << 20)
#define TRAMPOLINE_PHYS 0x8000ull             /* AP real-mode entry page */
#define PAGE_SIZE 4096ull

#endif
