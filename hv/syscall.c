/* System call dispatch (issue 2 subset: print and exit). Every handler
   validates its arguments before it changes anything. */
#include "syscall.h"
#include "user.h"
#include "trap.h"
#include "percpu.h"
#include "paging.h"
#include "cpu.h"
#include <bulkhead/abi.h>

extern void syscall_entry(void);

/* Copies len bytes at user address va of the current task into buf,
   through the physmap, page by page. BH_EFAULT unless all is user-mapped. */
static enum bh_status copy_from_user(struct task *t, char *buf, uint64_t va, uint64_t len)
{
    if (va >= BH_USER_TOP || len > BH_USER_TOP - va)
        return BH_EFAULT;
    for (uint64_t done = 0; done < len;) {
        uint64_t pa, fl, off = (va + done) & (PAGE_SIZE - 1);
        if (!as_lookup(t->root, va + done, &pa, &fl))
            return BH_EFAULT;
        uint64_t n = PAGE_SIZE - off < len - done ? PAGE_SIZE - off : len - done;
        const char *src = phys_to_virt(pa);
        for (uint64_t i = 0; i < n; i++)
            buf[done + i] = src[i];
        done += n;
    }
    return BH_OK;
}

static uint64_t sys_print(struct trapframe *tf)
{
    static char buf[MAX_CPUS][BH_PRINT_MAX];
    struct percpu *c = this_cpu();
    uint64_t va = tf->rdi, len = tf->rsi;
    if (len > BH_PRINT_MAX)
        return BH_ERANGE;
    enum bh_status s = copy_from_user(c->task, buf[c->id], va, len);
    if (s != BH_OK)
        return s;
    task_output(c->task, buf[c->id], len);
    return BH_OK;
}

static uint64_t sys_exit(struct trapframe *tf)
{
    task_exit_current(tf->rdi);
}

typedef uint64_t (*syscall_fn)(struct trapframe *tf);

static const syscall_fn syscalls[BH_SYS_COUNT] = {
    [BH_SYS_PRINT] = sys_print,
    [BH_SYS_EXIT] = sys_exit,
};

void syscall_dispatch(struct trapframe *tf)
{
    uint64_t n = tf->rax;
    if (!this_cpu()->task) {
        tf->rax = BH_EINVAL;
        return;
    }
    tf->rax = (n < BH_SYS_COUNT && syscalls[n]) ? syscalls[n](tf) : BH_ENOSYS;
    /* SYSRET to a non-canonical RIP would fault in ring 0 (Intel SDM
       Vol. 2B, SYSRET): never return to one, whoever set it. */
    if (tf->rip >= BH_USER_TOP)
        task_exit_current(BH_EFAULT);
}

void syscall_init_cpu(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* STAR: SYSCALL CS = 0x08 (SS 0x10); SYSRET base 0x10 -> SS 0x1b, CS 0x23 */
    wrmsr(MSR_STAR, ((uint64_t)(GDT_KDATA | 3) << 48) | ((uint64_t)GDT_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, RFLAGS_IF | (1u << 8) | (1u << 10) | (1u << 18)); /* IF TF DF AC */
}
