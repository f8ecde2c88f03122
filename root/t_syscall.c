/* System-call argument checks: bad pointers, sizes and numbers. */
#include "rt.h"

void test_syscalls(void)
{
    static char big[BH_PRINT_MAX + 1];
    bh_tap(bh_print((const void *)0xffffffff80200000ull, 8) == BH_EFAULT,
           "root: print from a kernel address is refused (EFAULT)");
    bh_tap(bh_print((const void *)0x1000, 8) == BH_EFAULT,
           "root: print from an unmapped address is refused (EFAULT)");
    bh_tap(bh_print((const void *)(BH_USER_TOP - 8), 64) == BH_EFAULT,
           "root: print running past the end of user space is refused (EFAULT)");
    bh_tap(bh_print((const void *)0xfffffffffffffff0ull, 0x20) == BH_EFAULT,
           "root: print whose range wraps around is refused (EFAULT)");
    bh_tap(bh_print(big, sizeof big) == BH_ERANGE,
           "root: print longer than BH_PRINT_MAX is refused (ERANGE)");
    uint64_t a = bh_syscall2(BH_SYS_COUNT, 0, 0), b = bh_syscall2(~0ull, 0, 0);
    bh_tap(a == BH_ENOSYS && b == BH_ENOSYS, "root: unknown system calls return ENOSYS (%lu %lu)", a, b);
    bh_tap(bh_print("", 0) == BH_OK, "root: empty print succeeds");
}
