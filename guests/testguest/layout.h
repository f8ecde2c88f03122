/* Guest-physical layout and exit statuses of the test guest: the C half
 * of the load contract in guests/README.md (layout.inc is the assembly
 * half). */
#ifndef TESTGUEST_LAYOUT_H
#define TESTGUEST_LAYOUT_H

#include <stdint.h>

#define CMDLINE_ADDR        0x5000u     /* NUL-terminated command string */
#define CMDLINE_MAX         256u        /* bytes, NUL included */

#define COM1                0x3f8u
#define DEBUG_EXIT_PORT     0xf4u       /* 32-bit OUT of the status */

#define SEL_CODE64          0x18u
#define SEL_TSS             0x20u

/* Never mapped (PML4 entry 1 stays empty): the #PF test reads it. */
#define UNMAPPED_ADDR       0x8000001000ull
/* Everything the page tables can reach: PML4 entry 0. */
#define MAPPABLE_LIMIT      (512ull << 30)

/* Exit statuses written to DEBUG_EXIT_PORT. QEMU's isa-debug-exit turns
 * status S into the process exit code (S << 1) | 1. */
enum guest_status {
    STATUS_PASS = 0,            /* every result ok */
    STATUS_FAIL = 1,            /* some result not ok */
    STATUS_EXCEPTION = 2,       /* an unexpected exception or interrupt */
    STATUS_LOAD = 3,            /* boot sector: could not load the payload */
    STATUS_NO_LONG_MODE = 4,    /* head.asm: CPU without long mode */
};

/* How the payload was loaded (boot_path), set by boot.asm. */
#define PATH_PRELOADED      1u
#define PATH_BIOS           2u

/* boot_a20 values, set by head.asm. */
#define A20_WAS_ON          1u
#define A20_PORT92          2u
#define A20_OFF             3u

/* Evidence of the mode switch, written by head.asm. */
extern volatile uint32_t boot_entry_cs, boot_path, boot_drive, boot_rm_cr0, boot_a20;
extern volatile uint32_t boot_pm_cr0, boot_pm_cs, boot_pm_efer_lma;

/* Linker script: end of everything the guest occupies. */
extern char __image_start[], __bss_end[];

#endif
