/* The root task (issue 2 scope): proves that ring 3 works and that the
   system calls refuse bad arguments, then exits. With fault=<kind> in
   its arguments it deliberately faults, to test that hv contains it. */
#include <bh/io.h>
#include <bh/sys.h>
#include <stdint.h>
#include <string.h>

int main(const char *args);

static bool has_arg(const char *args, const char *want)
{
    size_t n = strlen(want);
    for (const char *p = args; *p; p++)
        if ((p == args || p[-1] == ' ') && !strncmp(p, want, n) && (p[n] == ' ' || !p[n]))
            return true;
    return false;
}

static void check_syscalls(void)
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
    bh_tap(bh_syscall2(BH_SYS_COUNT, 0, 0) == BH_ENOSYS && bh_syscall2(~0ull, 0, 0) == BH_ENOSYS,
           "root: unknown system call numbers return ENOSYS");
    bh_tap(bh_print("", 0) == BH_OK, "root: empty print succeeds");
}

/* Addresses held in volatile variables so the compiler cannot see them. */
static volatile uintptr_t null_page = 0x10, kernel_page = 0xffffffff80200000ull;

static void fault(const char *args)
{
    if (has_arg(args, "fault=gp"))
        __asm__ volatile("outb %%al, $0x80" ::"a"(0));       /* no I/O rights */
    if (has_arg(args, "fault=pf"))
        *(volatile int *)null_page = 1;
    if (has_arg(args, "fault=kernel"))
        *(volatile int *)kernel_page = 1;
    if (has_arg(args, "fault=ud"))
        __asm__ volatile("ud2");
}

int main(const char *args)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    bh_tap((cs & 3) == 3, "root: running in ring 3 (cs=0x%x)", cs);
    bh_printf("# root: args=%s\n", args);
    check_syscalls();
    fault(args);
    return 0;
}
