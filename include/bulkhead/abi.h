/*
 * Bulkhead ABI: the one interface header shared by hv/, user space
 * (lib/, root/, vmm/, drivers/) and the tests. docs/abi.md describes it
 * and must change in the same commit as this file.
 *
 * Only fixed-width types; no kernel or libc headers.
 */
#ifndef BULKHEAD_ABI_H
#define BULKHEAD_ABI_H

#include <stdint.h>

/* Status codes: the one error enum of the whole system. 0 is success. */
enum bh_status {
    BH_OK = 0,
    BH_EINVAL = 1,     /* malformed argument, unknown flag bits */
    BH_ERANGE = 2,     /* value or index out of range */
    BH_EOVERFLOW = 3,  /* size or address arithmetic would overflow */
    BH_EFORMAT = 4,    /* malformed or truncated data (ELF, ACPI, MBI) */
    BH_ECHECKSUM = 5,  /* checksum or digest mismatch */
    BH_ENOMEM = 6,     /* out of memory or quota */
    BH_ENOENT = 7,     /* no such object / table / entry */
    BH_ENOTSUP = 8,    /* feature absent on this machine */
    BH_EFAULT = 9,     /* bad user pointer */
    BH_ECAP = 10,      /* bad capability selector or wrong object type */
    BH_ERIGHTS = 11,   /* capability lacks a needed right */
    BH_EBUSY = 12,     /* object in use */
    BH_ETIMEOUT = 13,  /* timed out */
    BH_EEXIST = 14,    /* already present / overlapping */
    BH_ENOSYS = 15,    /* no such system call */
    BH_STATUS_COUNT
};

/*
 * System calls (issue 2 subset). Entered with the SYSCALL instruction:
 * rax = number, arguments in rdi, rsi, rdx, r10, r8, r9; status in rax.
 * rcx and r11 are clobbered by the instruction itself.
 */
enum bh_syscall {
    BH_SYS_PRINT = 0,  /* rdi = user pointer, rsi = length (<= BH_PRINT_MAX) */
    BH_SYS_EXIT = 1,   /* rdi = exit code; does not return */
    BH_SYS_COUNT
};

#define BH_PRINT_MAX 4096u

/* User address space layout shared by the kernel's loader and user images. */
#define BH_USER_BASE 0x0000000000400000ull /* lowest address an image may use */
#define BH_USER_TOP 0x00007ffffffff000ull  /* first address past user space */
#define BH_USER_STACK_TOP 0x00007fffffffe000ull /* a guard page above */
#define BH_USER_STACK_PAGES 16u

#endif
