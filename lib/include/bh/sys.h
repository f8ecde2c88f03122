/* User-space system call stubs (see include/bulkhead/abi.h). */
#ifndef BH_SYS_H
#define BH_SYS_H
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

/* Generic form: up to six arguments; the status comes back in rax. Not
   for CALL or REPLY_WAIT (bh_call, bh_reply_wait, bh_syscall6_any). */
static inline uint64_t bh_syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                   uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t ret;
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "a"(nr)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline uint64_t bh_syscall2(uint64_t nr, uint64_t a0, uint64_t a1)
{
    return bh_syscall6(nr, a0, a1, 0, 0, 0, 0);
}

/* Writes len bytes to the console. */
static inline enum bh_status bh_print(const void *s, size_t len)
{
    return (enum bh_status)bh_syscall2(BH_SYS_PRINT, (uint64_t)s, len);
}

/* Ends the calling EC with code. */
static inline void __attribute__((noreturn)) bh_exit(uint64_t code)
{
    bh_syscall2(BH_SYS_EXIT, code, 0);
    __builtin_unreachable();
}

static inline enum bh_status bh_create_ec(uint64_t dst, uint64_t pd, unsigned cpu, unsigned flags,
                                          uint64_t utcb, uint64_t rip, uint64_t rsp)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_EC, dst, pd,
                                       ((uint64_t)flags << 32) | cpu, utcb, rip, rsp);
}

static inline enum bh_status bh_create_sc(uint64_t dst, uint64_t pd, uint64_t ec, unsigned prio,
                                          uint64_t budget_us, uint64_t period_us)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_SC, dst, pd, ec, prio, budget_us, period_us);
}

static inline enum bh_status bh_create_pt(uint64_t dst, uint64_t pd, uint64_t ec, uint64_t badge)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_PT, dst, pd, ec, badge, 0, 0);
}

static inline enum bh_status bh_create_sm(uint64_t dst, uint64_t pd, uint64_t count)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_SM, dst, pd, count, 0, 0, 0);
}

static inline enum bh_status bh_sm_up(uint64_t sm)
{
    return (enum bh_status)bh_syscall6(BH_SYS_SM_CTRL, sm, BH_SM_UP, 0, 0, 0, 0);
}

/* timeout_us 0 waits forever; BH_ETIMEOUT when it expires. */
static inline enum bh_status bh_sm_down(uint64_t sm, uint64_t timeout_us)
{
    return (enum bh_status)bh_syscall6(BH_SYS_SM_CTRL, sm, BH_SM_DOWN, timeout_us, 0, 0, 0);
}

static inline enum bh_status bh_delegate(uint64_t dst_pd, uint64_t src, uint64_t dst, unsigned mask)
{
    return (enum bh_status)bh_syscall6(BH_SYS_DELEGATE, dst_pd, src, dst, mask, 0, 0);
}

static inline enum bh_status bh_revoke(uint64_t sel, unsigned flags)
{
    return (enum bh_status)bh_syscall6(BH_SYS_REVOKE, sel, flags, 0, 0, 0, 0);
}

static inline enum bh_status bh_lookup(uint64_t sel, unsigned *type, unsigned *rights)
{
    uint64_t rdx, r10;
    uint64_t ret;
    register uint64_t r10r __asm__("r10");
    __asm__ volatile("syscall" : "=a"(ret), "=d"(rdx), "=r"(r10r) : "a"((uint64_t)BH_SYS_LOOKUP), "D"(sel)
                     : "rcx", "r11", "rsi", "r8", "r9", "memory");
    r10 = r10r;
    *type = (unsigned)rdx;
    *rights = (unsigned)r10;
    return (enum bh_status)ret;
}

/* An IPC message: up to four words travel in registers. */
struct bh_msg { uint64_t mi, w[4]; };

/* CALL and REPLY_WAIT preserve neither rbx, rbp nor r12-r15: on the
   fast path they reach the receiver as the sender left them (abi.md).
   BH_IPC_CLEAR zeroes them first, so that nothing of ours leaks; rbp,
   which GCC may not be told is clobbered (it may be the frame pointer),
   is saved on the stack (no red zone: -mno-red-zone). */
#define BH_IPC_CLEAR "push %%rbp\n\txor %%ebx, %%ebx\n\txor %%ebp, %%ebp\n\t" \
                     "xor %%r12d, %%r12d\n\txor %%r13d, %%r13d\n\t"            \
                     "xor %%r14d, %%r14d\n\txor %%r15d, %%r15d\n\t"
#define BH_IPC_RESTORE "\n\tpop %%rbp"
#define BH_IPC_CLOBBERS "rcx", "r11", "rbx", "r12", "r13", "r14", "r15", "memory"

/* Any system call, including CALL and REPLY_WAIT (the fuzzer's: random
   numbers), with bh_syscall6's registers and the IPC calls' clobbers. */
static inline uint64_t bh_syscall6_any(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                       uint64_t a3, uint64_t a4, uint64_t a5)
{
    uint64_t ret;
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    register uint64_t r9 __asm__("r9") = a5;
    __asm__ volatile(BH_IPC_CLEAR "syscall" BH_IPC_RESTORE
                     : "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "a"(nr)
                     : BH_IPC_CLOBBERS);
    return ret;
}

/* Calls portal pt with m; on return m holds the reply. */
static inline enum bh_status bh_call(uint64_t pt, struct bh_msg *m)
{
    uint64_t ret;
    register uint64_t r10 __asm__("r10") = m->mi;
    register uint64_t r8 __asm__("r8") = m->w[2];
    register uint64_t r9 __asm__("r9") = m->w[3];
    uint64_t rsi = m->w[0], rdx = m->w[1], rdi = pt;
    __asm__ volatile(BH_IPC_CLEAR "syscall" BH_IPC_RESTORE
                     : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "a"((uint64_t)BH_SYS_CALL)
                     : BH_IPC_CLOBBERS);
    if (ret == BH_OK) {
        m->mi = r10, m->w[0] = rsi, m->w[1] = rdx, m->w[2] = r8, m->w[3] = r9;
    }
    return (enum bh_status)ret;
}

/* Replies with m and waits for the next call, which comes back in m
   (badge in *badge). */
static inline enum bh_status bh_reply_wait(struct bh_msg *m, uint64_t *badge)
{
    uint64_t ret;
    register uint64_t r10 __asm__("r10") = m->mi;
    register uint64_t r8 __asm__("r8") = m->w[2];
    register uint64_t r9 __asm__("r9") = m->w[3];
    uint64_t rsi = m->w[0], rdx = m->w[1], rdi = 0;
    __asm__ volatile(BH_IPC_CLEAR "syscall" BH_IPC_RESTORE
                     : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "a"((uint64_t)BH_SYS_REPLY_WAIT)
                     : BH_IPC_CLOBBERS);
    if (ret == BH_OK) {
        m->mi = r10, m->w[0] = rsi, m->w[1] = rdx, m->w[2] = r8, m->w[3] = r9;
        *badge = rdi;
    }
    return (enum bh_status)ret;
}

/* Creates a PD at dst (a child of parent, which needs CTRL) with slots
   capability slots and quota pages taken from the parent's; the kernel
   ups death_sm (BH_SEL_NONE for none) when it dies. */
static inline enum bh_status bh_create_pd(uint64_t dst, uint64_t parent, uint64_t slots,
                                          uint64_t quota_pages, uint64_t death_sm)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_PD, dst, parent, slots, quota_pages,
                                       death_sm, 0);
}

/* Maps pages of the caller's memory at own_va into dst_pd at dst_va with
   rights (BH_M_*); with BH_MAP_FRESH, new zeroed pages charged to dst_pd
   (own_va is then ignored). */
static inline enum bh_status bh_map(uint64_t dst_pd, uint64_t own_va, uint64_t dst_va,
                                    uint64_t pages, unsigned rights)
{
    return (enum bh_status)bh_syscall6(BH_SYS_MAP, dst_pd, own_va, dst_va, pages, rights, 0);
}

/* Removes every mapping derived from the caller's pages at own_va (and,
   with BH_REVOKE_SELF, the caller's own). */
static inline enum bh_status bh_unmap(uint64_t own_va, uint64_t pages, unsigned flags)
{
    return (enum bh_status)bh_syscall6(BH_SYS_UNMAP, 0, own_va, 0, pages, flags, 0);
}

/* A VM exit portal: like bh_create_pt, with the BH_MTD_* guest state an
   exit through it carries. */
static inline enum bh_status bh_create_pt_mtd(uint64_t dst, uint64_t pd, uint64_t ec,
                                              uint64_t badge, uint64_t mtd)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_PT, dst, pd, ec, badge, mtd, 0);
}

/* A vCPU of VM PD vm on cpu; its exits call the portals exit_base + reason
   in vmm's capability space. Runs once an SC is bound to it. */
static inline enum bh_status bh_create_vcpu(uint64_t dst, uint64_t vm, unsigned cpu, uint64_t vmm,
                                            uint64_t exit_base)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_VCPU, dst, vm, cpu, vmm, exit_base, 0);
}

/* Ends every EC of the PD and frees what it holds; its death SM is upped. */
static inline enum bh_status bh_kill_pd(uint64_t pd)
{
    return (enum bh_status)bh_syscall6(BH_SYS_KILL_PD, pd, 0, 0, 0, 0, 0);
}
/* A DEV capability at dst for the PCI function sbdf (BH_SBDF), charged
   to pd; the caller must hold the PCI configuration ports. */
static inline enum bh_status bh_create_dev(uint64_t dst, uint64_t pd, uint64_t sbdf)
{
    return (enum bh_status)bh_syscall6(BH_SYS_CREATE_DEV, dst, pd, sbdf, 0, 0, 0);
}

/* BH_SYS_DEV_CTRL with rdx, r10, r8 and r9 as given; what the call
   returns in rdx, r10 and r8 lands in out[0..2] (out may be NULL). */
static inline enum bh_status bh_dev_call(uint64_t dev, uint64_t op, uint64_t rdx_in, uint64_t r10_in,
                                         uint64_t r8_in, uint64_t r9_in, uint64_t *out)
{
    uint64_t ret, rdi = dev, rsi = op, rdx = rdx_in;
    register uint64_t r10 __asm__("r10") = r10_in;
    register uint64_t r8 __asm__("r8") = r8_in;
    register uint64_t r9 __asm__("r9") = r9_in;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "a"((uint64_t)BH_SYS_DEV_CTRL)
                     : "rcx", "r11", "memory");
    if (out)
        out[0] = rdx, out[1] = r10, out[2] = r8;
    return (enum bh_status)ret;
}
/* BH_SYS_DEV_CTRL: op (BH_DEV_*) on dev with arg in rdx; what the call
   returns in rdx, r10 and r8 lands in out[0..2] (out may be NULL). */
static inline enum bh_status bh_dev_ctrl(uint64_t dev, uint64_t op, uint64_t arg, uint64_t *out)
{
    return bh_dev_call(dev, op, arg, 0, 0, 0, out);
}
/* BH_SYS_DEV_CTRL's MSI operations (BH_DEV_MSI_*): sm for BIND, the
   CPU and the entry (vector | BH_DEV_MSIX) in r10 and r8; results of
   BIND (address, data, IRTE index) in out[0..2] (out may be NULL). */
static inline enum bh_status bh_dev_msi(uint64_t dev, uint64_t op, uint64_t sm, uint64_t cpu,
                                        uint64_t entry, uint64_t *out)
{
    return bh_dev_call(dev, op, sm, cpu, entry, 0, out);
}
/* BH_DEV_MAP: pages first .. first+n-1 of a device region into the
   caller's PD at va; reg = BH_DEV_REGION(region, BH_M_R [| BH_M_W]).
   out[0] = pages mapped, out[1] = the region's size in bytes. */
static inline enum bh_status bh_dev_map(uint64_t dev, uint64_t va, uint64_t reg, uint64_t first,
                                        uint64_t n, uint64_t *out)
{
    return bh_dev_call(dev, BH_DEV_MAP, va, reg, first, n, out);
}
#endif
