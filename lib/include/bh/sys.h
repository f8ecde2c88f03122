/* User-space system call stubs (see include/bulkhead/abi.h). */
#ifndef BH_SYS_H
#define BH_SYS_H
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

static inline uint64_t bh_syscall2(uint64_t nr, uint64_t a0, uint64_t a1)
{
    uint64_t ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a0), "S"(a1)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Writes len bytes to the console. Returns a bh_status. */
static inline enum bh_status bh_print(const void *s, size_t len)
{
    return (enum bh_status)bh_syscall2(BH_SYS_PRINT, (uint64_t)s, len);
}

/* Ends the calling task with code. */
static inline void __attribute__((noreturn)) bh_exit(uint64_t code)
{
    bh_syscall2(BH_SYS_EXIT, code, 0);
    __builtin_unreachable();
}
#endif
