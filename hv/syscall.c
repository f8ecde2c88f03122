/* System calls: decode (look up capabilities, check types, rights and
   arguments; no state changes), then invoke. Dispatch through a table
   with designated initializers; empty slots return BH_ENOSYS. */
#include "syscall.h"
#include "ec.h"
#include "pd.h"
#include "pt.h"
#include "sc.h"
#include "sm.h"
#include "ipc.h"
#include "mem.h"
#include "irq.h"
#include "root.h"
#include "bkl.h"
#include "console.h"
#include "cpu.h"
#include "paging.h"
#include "percpu.h"
#include "timer.h"
#include "tlb.h"
#include "vmx.h"
#include "vcpu.h"
#include "ept.h"
#include "dev.h"
#include "vtd.h"
#include <bulkhead/abi.h>


extern void syscall_entry(void);
extern void syscall_entry_fast(void);   /* fastpath.asm: needs FSGSBASE */

/* Copies len bytes at user address va of pd into buf through the
   physmap. BH_EFAULT unless every byte is mapped for user access. */
static enum bh_status copy_from_user(struct pd *pd, char *buf, uint64_t va, uint64_t len)
{
    if (va >= BH_USER_TOP || len > BH_USER_TOP - va)
        return BH_EFAULT;
    for (uint64_t done = 0; done < len;) {
        uint64_t pa, fl, off = (va + done) & (PAGE_SIZE - 1);
        if (!as_lookup(pd->root, va + done, &pa, &fl))
            return BH_EFAULT;
        uint64_t n = PAGE_SIZE - off < len - done ? PAGE_SIZE - off : len - done;
        const char *src = phys_to_virt(pa);
        for (uint64_t i = 0; i < n; i++)
            buf[done + i] = src[i];
        done += n;
    }
    return BH_OK;
}

static uint64_t sys_print(struct ec *ec)
{
    static char buf[BH_PRINT_MAX];     /* under the big kernel lock */
    uint64_t va = ec->regs.rdi, len = ec->regs.rsi;
    if (len > BH_PRINT_MAX)
        return BH_ERANGE;
    enum bh_status s = copy_from_user(ec->pd, buf, va, len);
    if (s != BH_OK)
        return s;
    root_output(ec, buf, len);
    return BH_OK;
}

static uint64_t sys_exit(struct ec *ec)
{
    ec_kill(ec, ec->regs.rdi);
    root_check_end(ec);
    schedule();
}

/* The destination slot of a create call: in range and empty. */
static enum bh_status free_slot(struct ec *ec, uint64_t sel)
{
    if (sel >= ec->pd->caps.nslots)
        return BH_ECAP;
    return ec->pd->caps.slots[sel].obj ? BH_EEXIST : BH_OK;
}

static enum bh_status lookup(struct ec *ec, uint64_t sel, unsigned type, unsigned rights, void **obj)
{
    struct cap *c;
    enum bh_status s = cap_lookup(&ec->pd->caps, sel, type, rights, &c);
    if (s != BH_OK)
        return s;
    if (type == BH_OBJ_PD && ((struct pd *)c->obj)->dying)
        return BH_EABORT;              /* nothing new enters a dying PD */
    *obj = c->obj;
    return BH_OK;
}

/* Installs the creator's capability for a new object; the slot was
   checked before the object was made, so this cannot fail. */
static uint64_t install(struct ec *ec, uint64_t sel, void *obj, unsigned type)
{
    cap_install(&ec->pd->caps, sel, obj, type, BH_R_ALL);
    return BH_OK;
}

static uint64_t sys_create_ec(struct ec *ec)
{
    struct pd *pd;
    struct ec *n;
    uint64_t dst = ec->regs.rdi, flags = ec->regs.rdx >> 32, cpu = ec->regs.rdx & 0xffffffffu;
    enum bh_status s;
    if (flags & ~(uint64_t)BH_EC_LOCAL)
        return BH_EINVAL;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&pd)) != BH_OK)
        return s;
    s = ec_create(pd, (uint32_t)cpu, flags & BH_EC_LOCAL, ec->regs.r10, ec->regs.r8, ec->regs.r9, &n);
    return s != BH_OK ? s : install(ec, dst, n, BH_OBJ_EC);
}

static uint64_t sys_create_sc(struct ec *ec)
{
    struct pd *pd;
    struct ec *target;
    struct ksc *sc;
    uint64_t dst = ec->regs.rdi;
    enum bh_status s;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&pd)) != BH_OK ||
        (s = lookup(ec, ec->regs.rdx, BH_OBJ_EC, BH_R_CTRL, (void **)&target)) != BH_OK)
        return s;
    if (target->state == EC_DEAD)
        return BH_EINVAL;              /* a local EC's SC serves remote calls */
    if (target->sc)
        return BH_EEXIST;
    if (ec->regs.r10 > pd->prio_max)
        return BH_ERANGE;              /* above the PD's priority ceiling */
    s = ksc_create(pd, target, (unsigned)ec->regs.r10, ec->regs.r8, ec->regs.r9, &sc);
    return s != BH_OK ? s : install(ec, dst, sc, BH_OBJ_SC);
}

static uint64_t sys_create_pt(struct ec *ec)
{
    struct pd *pd;
    struct ec *h;
    struct pt *pt;
    uint64_t dst = ec->regs.rdi;
    enum bh_status s;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&pd)) != BH_OK ||
        (s = lookup(ec, ec->regs.rdx, BH_OBJ_EC, BH_R_CTRL, (void **)&h)) != BH_OK)
        return s;
    if (!h->local || (ec->regs.r8 & ~(uint64_t)BH_MTD_ALL))
        return BH_EINVAL;
    s = pt_create(pd, h, ec->regs.r10, &pt);
    if (s != BH_OK)
        return s;
    pt->mtd = ec->regs.r8;
    return install(ec, dst, pt, BH_OBJ_PT);
}

static uint64_t sys_create_pd(struct ec *ec)
{
    struct pd *parent, *pd;
    struct sm *death = NULL;
    char name[32] = "pd";
    uint64_t dst = ec->regs.rdi, slots = ec->regs.rdx & 0xffffffffu, quota = ec->regs.r10;
    uint64_t hi = ec->regs.rdx >> 32;
    uint64_t dsel = ec->regs.r8, nameva = ec->regs.r9;
    enum bh_status s;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&parent)) != BH_OK)
        return s;
    if (dsel != BH_SEL_NONE &&
        (s = lookup(ec, dsel, BH_OBJ_SM, BH_R_UP, (void **)&death)) != BH_OK)
        return s;
    if (hi & ~0x3ffull)
        return BH_EINVAL;              /* unknown bits */
    bool vm = hi & (BH_PD_VM >> 32);
    if (vm && !vmx_available())
        return BH_ENOTSUP;
    unsigned ceiling = (hi & 0x100) ? (unsigned)(hi & 0xff) : parent->prio_max;
    if (slots == 0 || slots > BH_PD_SLOTS_MAX || quota < 8 || ceiling > parent->prio_max)
        return BH_ERANGE;
    for (unsigned i = 0; nameva && i < sizeof name - 1; i++) {   /* up to the NUL */
        if ((s = copy_from_user(ec->pd, &name[i], nameva + i, 1)) != BH_OK)
            return s;
        if (!name[i])
            break;
        name[i + 1] = 0;
    }
    if ((s = pd_create(parent, (uint32_t)slots, quota, name, &pd)) != BH_OK)
        return s;
    if (vm && (s = pd_make_vm(pd)) != BH_OK) {
        kobj_put(&pd->obj);
        return s;
    }
    pd->prio_max = (uint8_t)ceiling;
    if (death) {
        kobj_get(&death->obj);
        pd->death_sm = death;
    }
    return install(ec, dst, pd, BH_OBJ_PD);
}

static uint64_t sys_create_vcpu(struct ec *ec)
{
    struct pd *vm, *vmm;
    struct ec *n;
    uint64_t dst = ec->regs.rdi;
    enum bh_status s;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&vm)) != BH_OK ||
        (s = lookup(ec, ec->regs.r10, BH_OBJ_PD, BH_R_CTRL, (void **)&vmm)) != BH_OK)
        return s;
    if (ec->regs.rdx > UINT32_MAX)
        return BH_ERANGE;
    s = vcpu_create(vm, vmm, (uint32_t)ec->regs.rdx, ec->regs.r8, &n);
    return s != BH_OK ? s : install(ec, dst, n, BH_OBJ_EC);
}

static uint64_t sys_vcpu_ctrl(struct ec *ec)
{
    struct ec *v;
    enum bh_status s = lookup(ec, ec->regs.rdi, BH_OBJ_EC, BH_R_CTRL, (void **)&v);
    return s != BH_OK ? s : vcpu_ctrl(v, ec->regs.rsi, ec->regs.rdx, ec->regs.r8);
}

/* Bounded: the teardown runs REAP_BUDGET units per entry; while work
   remains the call restarts from user mode (a preemption point), so it
   returns once the PD's memory, capabilities and quota are back. */
#define REAP_BUDGET 64u
static uint64_t sys_kill_pd(struct ec *ec)
{
    struct cap *c;
    enum bh_status s = cap_lookup(&ec->pd->caps, ec->regs.rdi, BH_OBJ_PD, BH_R_CTRL, &c);
    if (s != BH_OK)
        return s;
    struct pd *pd = c->obj;
    if (root_is_pd(pd))
        return BH_EINVAL;              /* the root task ends by exiting */
    pd_kill(pd);
    if (pd == ec->pd) {                /* we were in it; the reaper finishes */
        ec_kill(ec, BH_EABORT);
        schedule();
    }
    if (!pd_reap(pd, REAP_BUDGET)) {
        ec->regs.rip -= 2;             /* run SYSCALL again */
        ec->regs.rax = BH_SYS_KILL_PD;
        schedule();
    }
    return BH_OK;
}

/* After a call that may have ended PDs (their last capability went), or
   destroyed objects that ECs were queued on: the caller waits until the
   reaper has torn them down and woken those ECs, so their quota is back
   and each of them has its BH_EABORT when the call returns. */
static uint64_t await_reaper(struct ec *ec, enum bh_status s)
{
    if (s != BH_OK || !pd_reap_pending() || ec->state == EC_DEAD)
        return s;
    if (sm_down(&pd_reaped, ec, 0) != BH_EBUSY)
        return s;
    schedule();                        /* woken with BH_OK */
}

static uint64_t sys_create_sm(struct ec *ec)
{
    struct pd *pd;
    struct sm *sm;
    uint64_t dst = ec->regs.rdi;
    enum bh_status s;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&pd)) != BH_OK)
        return s;
    s = sm_create(pd, ec->regs.rdx, &sm);
    return s != BH_OK ? s : install(ec, dst, sm, BH_OBJ_SM);
}

static uint64_t sys_sm_ctrl(struct ec *ec)
{
    struct sm *sm;
    uint64_t op = ec->regs.rsi, us = ec->regs.rdx, deadline = 0;
    enum bh_status s;
    if (op != BH_SM_UP && op != BH_SM_DOWN)
        return BH_EINVAL;
    s = lookup(ec, ec->regs.rdi, BH_OBJ_SM, op == BH_SM_UP ? BH_R_UP : BH_R_DOWN, (void **)&sm);
    if (s != BH_OK)
        return s;
    if (op == BH_SM_UP)
        return sm_up(sm);
    if (us) {
        uint64_t per_us = timer_tsc_hz() / 1000000 ? timer_tsc_hz() / 1000000 : 1;
        if (us > (UINT64_MAX - rdtsc()) / per_us)
            return BH_EOVERFLOW;
        deadline = rdtsc() + us * per_us;
    }
    enum bh_status d = sm_down(sm, ec, deadline);
    if (d != BH_EBUSY)
        return d;                      /* taken at once, or no room for a timed wait */
    schedule();                        /* blocked; woken with the status */
}

static void release(void *ctx, struct cap *gone)
{
    (void)ctx;
    kobj_put(gone->obj);
}

static uint64_t sys_delegate(struct ec *ec)
{
    struct pd *dst;
    struct cap *src;
    uint64_t mask = ec->regs.r10;
    enum bh_status s;
    if (mask & ~(uint64_t)BH_R_ALL)
        return BH_EINVAL;
    if ((s = lookup(ec, ec->regs.rdi, BH_OBJ_PD, BH_R_CTRL, (void **)&dst)) != BH_OK ||
        (s = cap_lookup(&ec->pd->caps, ec->regs.rsi, BH_OBJ_NONE, BH_R_DELEGATE, &src)) != BH_OK)
        return s;
    if ((s = cap_derive(&dst->caps, ec->regs.rdx, src, (unsigned)mask)) != BH_OK)
        return s;
    kobj_get(src->obj);
    return BH_OK;
}

/* Bounded: at most REVOKE_BUDGET capabilities per entry. When there is
   more, the call is restarted from user mode (RIP rewound over SYSCALL),
   which is a preemption point. */
#define REVOKE_BUDGET 32u
static uint64_t sys_revoke(struct ec *ec)
{
    struct cap *c;
    uint64_t flags = ec->regs.rsi;
    enum bh_status s;
    if (flags & ~(uint64_t)BH_REVOKE_SELF)
        return BH_EINVAL;
    if ((s = cap_lookup(&ec->pd->caps, ec->regs.rdi, BH_OBJ_NONE, 0, &c)) != BH_OK)
        return s;
    unsigned budget = REVOKE_BUDGET;
    kobj_get(&ec->obj);                /* we may revoke our own EC */
    s = cap_revoke(c, flags & BH_REVOKE_SELF, &budget, release, NULL);
    bool gone = ec->obj.refs == 1;
    kobj_put(&ec->obj);
    if (gone)
        schedule();
    if (s == BH_EBUSY) {
        ec->regs.rip -= 2;             /* run SYSCALL again */
        ec->regs.rax = BH_SYS_REVOKE;
        schedule();
    }
    return await_reaper(ec, s);
}

/* Checks a range of n pages at va: aligned, 1 to max pages, inside
   [base, top) without wrapping. */
static enum bh_status check_span(uint64_t va, uint64_t n, uint64_t max, uint64_t base, uint64_t top)
{
    if ((va & (PAGE_SIZE - 1)) || n == 0 || n > max)
        return BH_EINVAL;
    return va < base || va >= top || n > (top - va) / PAGE_SIZE ? BH_EFAULT : BH_OK;
}

/* The same for at most BH_MAP_MAX pages of user space. */
static enum bh_status check_range(uint64_t va, uint64_t n)
{
    return check_span(va, n, BH_MAP_MAX, BH_USER_BASE, BH_USER_TOP);
}

static uint64_t sys_map_dma(struct ec *ec);

_Static_assert(BH_MAP_MAX == 512, "a 2 MiB block is one MAP call's worth of pages");

/* BH_SYS_MAP of a block (BH_MAP_2M or BH_MAP_1G; count and flags checked
   by mem_block_order): fresh or shared whole (mem.c checks alignment and
   that the source is a block of that size). */
static uint64_t sys_map_block(struct ec *ec, struct pd *dst, uint64_t n, uint64_t fl,
                              unsigned rights, unsigned order)
{
    uint64_t sva = ec->regs.rsi, dva = ec->regs.rdx;
    enum bh_status s = (fl & BH_MAP_FRESH) ? mem_map_fresh_large(dst, dva, rights, order)
                                           : mem_map_share_large(ec->pd, sva, dst, dva, rights, order);
    ec->regs.rdx = s == BH_OK ? n : 0;
    return s;
}

static uint64_t sys_map(struct ec *ec)
{
    struct pd *dst;
    uint64_t sva = ec->regs.rsi, dva = ec->regs.rdx, n = ec->regs.r10, fl = ec->regs.r8;
    unsigned rights = fl & (BH_M_R | BH_M_W | BH_M_X | BH_M_DMA);
    bool guest = fl & BH_MAP_GUEST;
    enum bh_status s;
    if (fl & BH_MAP_DMA)
        return sys_map_dma(ec);        /* into a DMA space (VT-d), below */
    unsigned order;
    if ((fl & ~(uint64_t)(BH_M_R | BH_M_W | BH_M_X | BH_M_DMA | BH_MAP_FRESH | BH_MAP_GUEST |
                          BH_MAP_2M | BH_MAP_1G)) ||
        mem_block_order(fl, n, &order) != BH_OK)
        return BH_EINVAL;
    /* Readable always. W with X only for fresh pages: the PTE is then
       writable but not executable, and X is kept as a right so that a
       read-only copy can be executable (loading code); every PTE stays W^X.
       Guest memory may be RWX: what the guest does with it is its own. */
    if (!(rights & BH_M_R) ||
        (rights & BH_M_W && rights & BH_M_X && !(fl & BH_MAP_FRESH) && !guest))
        return BH_EINVAL;
    if ((s = lookup(ec, ec->regs.rdi, BH_OBJ_PD, BH_R_CTRL, (void **)&dst)) != BH_OK)
        return s;
    if (guest != (dst->ept != 0))
        return BH_EINVAL;              /* guest memory only into VMs, and VMs only that */
    uint64_t max = order ? n : BH_MAP_MAX;   /* a block: its whole range */
    if ((s = guest ? check_span(dva, n, max, 0, EPT_GPA_TOP)
                   : check_span(dva, n, max, BH_USER_BASE, BH_USER_TOP)) != BH_OK ||
        (!(fl & BH_MAP_FRESH) && (s = check_span(sva, n, max, BH_USER_BASE, BH_USER_TOP)) != BH_OK))
        return s;
    if (order)
        return sys_map_block(ec, dst, n, fl, rights, order);
    uint64_t done = 0;
    for (; done < n && s == BH_OK; done++) {
        uint64_t off = done * PAGE_SIZE;
        s = (fl & BH_MAP_FRESH) ? mem_map_fresh(dst, dva + off, rights)
                                : mem_map_share(ec->pd, sva + off, dst, dva + off, rights);
    }
    ec->regs.rdx = s == BH_OK ? done : done - 1;   /* pages mapped */
    return s;
}

/* Bounded like revoke: at most UNMAP_BUDGET nodes per entry, then the
   call restarts from user mode. */
#define UNMAP_BUDGET 64u
static uint64_t sys_unmap(struct ec *ec)
{
    uint64_t va = ec->regs.rsi, n = ec->regs.r10, fl = ec->regs.r8;
    enum bh_status s = BH_OK;
    if (fl & ~(uint64_t)BH_REVOKE_SELF)
        return BH_EINVAL;
    if ((s = check_range(va, n)) != BH_OK)
        return s;
    unsigned budget = UNMAP_BUDGET;
    for (uint64_t i = 0; i < n && s != BH_EBUSY; i++) {
        s = mem_unmap(ec->pd, va + i * PAGE_SIZE, fl & BH_REVOKE_SELF, &budget);
        if (s == BH_ENOENT)
            s = BH_OK;                 /* nothing delegatable there */
    }
    tlb_shootdown();
    if (s == BH_EBUSY) {
        ec->regs.rip -= 2;
        ec->regs.rax = BH_SYS_UNMAP;
        schedule();
    }
    return s;
}

static enum bh_status check_ports(uint64_t base, uint64_t n)
{
    if (n == 0 || n > BH_IO_MAX)
        return BH_EINVAL;
    return base > 0xffff || n > 0x10000 - base ? BH_ERANGE : BH_OK;
}

static uint64_t sys_io_grant(struct ec *ec)
{
    struct pd *dst;
    uint64_t base = ec->regs.rsi, n = ec->regs.rdx;
    enum bh_status s;
    if ((s = lookup(ec, ec->regs.rdi, BH_OBJ_PD, BH_R_CTRL, (void **)&dst)) != BH_OK ||
        (s = check_ports(base, n)) != BH_OK)
        return s;
    if (dst == ec->pd)
        return BH_EINVAL;
    for (uint64_t i = 0; i < n; i++)   /* rights first: nothing changes on refusal */
        if (!ec->pd->all_ports && !mem_io_held(ec->pd, (unsigned)(base + i)))
            return BH_ERIGHTS;
    for (uint64_t i = 0; i < n && s == BH_OK; i++)
        s = mem_io_grant(ec->pd, dst, (unsigned)(base + i));
    return s;
}

#define IO_REVOKE_BUDGET 64u
static uint64_t sys_io_revoke(struct ec *ec)
{
    uint64_t base = ec->regs.rsi, n = ec->regs.rdx, fl = ec->regs.r8;
    enum bh_status s;
    if (fl & ~(uint64_t)BH_REVOKE_SELF)
        return BH_EINVAL;
    if ((s = check_ports(base, n)) != BH_OK)
        return s;
    unsigned budget = IO_REVOKE_BUDGET;
    for (uint64_t i = 0; i < n && s != BH_EBUSY; i++) {
        s = mem_io_revoke(ec->pd, (unsigned)(base + i), fl & BH_REVOKE_SELF, &budget);
        if (s == BH_ENOENT)
            s = BH_OK;
    }
    if (s == BH_EBUSY) {
        ec->regs.rip -= 2;
        ec->regs.rax = BH_SYS_IO_REVOKE;
        schedule();
    }
    return s;
}

static uint64_t sys_irq_ctrl(struct ec *ec)
{
    struct irq *irq;
    struct sm *sm = NULL;
    uint64_t op = ec->regs.rsi;
    enum bh_status s;
    if ((s = lookup(ec, ec->regs.rdi, BH_OBJ_IRQ, BH_R_CTRL, (void **)&irq)) != BH_OK)
        return s;
    if (op > BH_IRQ_MASK)
        return BH_EINVAL;
    if (op == BH_IRQ_BIND &&
        (s = lookup(ec, ec->regs.rdx, BH_OBJ_SM, BH_R_UP, (void **)&sm)) != BH_OK)
        return s;
    return irq_ctrl(irq, op, sm, ec->regs.r10);
}

static uint64_t sys_lookup(struct ec *ec)
{
    struct cap *c;
    enum bh_status s = cap_lookup(&ec->pd->caps, ec->regs.rdi, BH_OBJ_NONE, 0, &c);
    if (s != BH_OK)
        return s;
    ec->regs.rdx = c->type;
    ec->regs.r10 = c->rights;
    return BH_OK;
}

/* ---- devices and DMA spaces (VT-d) -------------------------------------- */

/* BH_SYS_MAP with BH_MAP_DMA: the caller's pages (each with BH_M_DMA)
   into dst's DMA space at an IOVA, readable and optionally writable. */
static uint64_t sys_map_dma(struct ec *ec)
{
    struct pd *dst;
    uint64_t sva = ec->regs.rsi, iova = ec->regs.rdx, n = ec->regs.r10, fl = ec->regs.r8;
    uint64_t lim = vtd_limit();
    enum bh_status s;
    if ((fl & ~(uint64_t)(BH_M_R | BH_M_W | BH_M_DMA | BH_MAP_DMA)) || !(fl & BH_M_R))
        return BH_EINVAL;              /* no X, FRESH or GUEST: devices get delegated memory */
    if ((s = lookup(ec, ec->regs.rdi, BH_OBJ_PD, BH_R_CTRL, (void **)&dst)) != BH_OK ||
        (s = check_range(sva, n)) != BH_OK)
        return s;
    if (iova & (PAGE_SIZE - 1))
        return BH_EINVAL;
    if (!lim)
        return BH_ENOTSUP;             /* no remapping unit translates DMA */
    if (iova >= lim || n > (lim - iova) / PAGE_SIZE)
        return BH_ERANGE;              /* beyond the DMA space's address width */
    uint64_t done = 0;
    for (s = BH_OK; done < n && s == BH_OK; done++)
        s = mem_map_dma(ec->pd, sva + done * PAGE_SIZE, dst, iova + done * PAGE_SIZE,
                        (unsigned)(fl & (BH_M_R | BH_M_W)));
    ec->regs.rdx = s == BH_OK ? done : done - 1;   /* pages mapped */
    return s;
}

static uint64_t sys_create_dev(struct ec *ec)
{
    struct pd *pd;
    struct dev *d;
    uint64_t dst = ec->regs.rdi, sbdf = ec->regs.rdx;
    enum bh_status s;
    if ((s = free_slot(ec, dst)) != BH_OK ||
        (s = lookup(ec, ec->regs.rsi, BH_OBJ_PD, BH_R_CTRL, (void **)&pd)) != BH_OK)
        return s;
    if (!dev_cfg_owner(ec->pd))
        return BH_ERIGHTS;
    if (sbdf > UINT32_MAX)
        return BH_EINVAL;
    s = dev_create(pd, (uint32_t)sbdf, &d);
    return s != BH_OK ? s : install(ec, dst, d, BH_OBJ_DEV);
}

/* BH_DEV_MAP: device memory of d into the caller's own PD. */
static uint64_t dev_map_call(struct ec *ec, struct dev *d)
{
    uint64_t va = ec->regs.rdx, reg = ec->regs.r10, first = ec->regs.r8, n = ec->regs.r9;
    uint64_t rights = reg >> 8, out[3] = { 0, 0, 0 };
    enum bh_status s;
    if ((reg & ~(uint64_t)0xffff) || (rights & ~(uint64_t)(BH_M_R | BH_M_W)) || !(rights & BH_M_R))
        return BH_EINVAL;
    if ((s = check_range(va, n)) != BH_OK)
        return s;
    s = dev_map(d, ec->pd, va, (unsigned)(reg & 0xff), (unsigned)rights, first, n, out);
    ec->regs.rdx = out[0], ec->regs.r10 = out[1];
    return s;
}

static uint64_t sys_dev_ctrl(struct ec *ec)
{
    struct dev *d;
    struct pd *pd = NULL;
    struct sm *sm = NULL;
    uint64_t op = ec->regs.rsi, out[3] = { 0, 0, 0 };
    enum bh_status s = lookup(ec, ec->regs.rdi, BH_OBJ_DEV, op == BH_DEV_INFO ? 0 : BH_R_CTRL,
                              (void **)&d);
    if (s != BH_OK)
        return s;
    if (op == BH_DEV_MAP)
        return dev_map_call(ec, d);
    if (op > BH_DEV_MSI_UNBIND)
        return BH_EINVAL;
    bool msi = op == BH_DEV_MSI_BIND || op == BH_DEV_MSI_UNMASK || op == BH_DEV_MSI_UNBIND;
    if (msi && (ec->regs.r8 & ~(uint64_t)(BH_DEV_MSIX | 0xffff)))
        return BH_EINVAL;              /* unknown entry bits */
    if (op == BH_DEV_MSI_BIND &&
        (s = lookup(ec, ec->regs.rdx, BH_OBJ_SM, BH_R_UP, (void **)&sm)) != BH_OK)
        return s;
    if (op == BH_DEV_ASSIGN &&
        (s = lookup(ec, ec->regs.rdx, BH_OBJ_PD, BH_R_CTRL, (void **)&pd)) != BH_OK)
        return s;
    if (op == BH_DEV_FAULT_BIND && ec->regs.rdx != BH_SEL_NONE &&
        (s = lookup(ec, ec->regs.rdx, BH_OBJ_SM, BH_R_UP, (void **)&sm)) != BH_OK)
        return s;
    if ((s = dev_ctrl(d, op, pd, sm, ec->regs.r10, ec->regs.r8, out)) == BH_OK &&
        (op == BH_DEV_INFO || op == BH_DEV_FAULT_READ || op == BH_DEV_MSI_BIND))
        ec->regs.rdx = out[0], ec->regs.r10 = out[1], ec->regs.r8 = out[2];
    return s;
}

typedef uint64_t (*syscall_fn)(struct ec *ec);

/* Every call but CALL and REPLY_WAIT, which syscall_ipc_of takes first. */
static const syscall_fn syscalls[BH_SYS_COUNT] = {
    [BH_SYS_PRINT] = sys_print,
    [BH_SYS_EXIT] = sys_exit,
    [BH_SYS_CREATE_EC] = sys_create_ec,
    [BH_SYS_CREATE_SC] = sys_create_sc,
    [BH_SYS_CREATE_PT] = sys_create_pt,
    [BH_SYS_CREATE_SM] = sys_create_sm,
    [BH_SYS_SM_CTRL] = sys_sm_ctrl,
    [BH_SYS_DELEGATE] = sys_delegate,
    [BH_SYS_REVOKE] = sys_revoke,
    [BH_SYS_LOOKUP] = sys_lookup,
    [BH_SYS_MAP] = sys_map,
    [BH_SYS_UNMAP] = sys_unmap,
    [BH_SYS_CREATE_PD] = sys_create_pd,
    [BH_SYS_KILL_PD] = sys_kill_pd,
    [BH_SYS_IO_GRANT] = sys_io_grant,
    [BH_SYS_IO_REVOKE] = sys_io_revoke,
    [BH_SYS_IRQ_CTRL] = sys_irq_ctrl,
    [BH_SYS_CREATE_VCPU] = sys_create_vcpu,
    [BH_SYS_VCPU_CTRL] = sys_vcpu_ctrl,
    [BH_SYS_CREATE_DEV] = sys_create_dev,
    [BH_SYS_DEV_CTRL] = sys_dev_ctrl,
};

/* Ends a system call of ec (current) with status st: back to ec, unless
   it must not go on. */
static inline __attribute__((always_inline, noreturn)) void syscall_return(struct ec *ec,
                                                                           uint64_t st)
{
    struct trapframe *tf = &ec->regs;
    tf->rax = st;
    /* SYSRET to a non-canonical RIP would fault in ring 0 (Intel SDM
       Vol. 2B, SYSRET): never return to one. */
    if (tf->rip >= BH_USER_TOP) {
        ec_kill(ec, BH_EFAULT);
        root_check_end(ec);
        schedule();
    }
    /* Resume the caller only if its SC still runs it here: a call may
       have taken the SC away (e.g. revoking the caller's own SC). */
    struct ksc *sc = sched_current();
    if (this_cpu()->resched || !sc || sc->exec != ec)
        schedule();
    ec_resume(ec);
}

/* Every system call of ec (current) but a fast-path call or reply;
   lock held. Apart from syscall_dispatch so that little stays live
   across the fast paths. */
static void __attribute__((noinline, noreturn)) syscall_general(struct ec *ec)
{
    uint64_t n = ec->regs.rax;
    syscall_return(ec, (n < BH_SYS_COUNT && syscalls[n]) ? syscalls[n](ec) : BH_ENOSYS);
}

/* The start of every system call: out of "user mode" (before spinning:
   see tlb.c), the lock, and the current EC, unless it was killed from
   another CPU meanwhile. */
static inline __attribute__((always_inline)) struct ec *syscall_enter(void)
{
    tlb_set_in_user(0);
    bkl_lock();
    struct ec *ec = this_cpu()->current;
    if (ec->state == EC_DEAD)
        schedule();
    return ec;
}

/* CALL (call) or REPLY_WAIT of ec: the C fast paths for a message they
   can take, then ipc.c. */
static inline __attribute__((always_inline, noreturn)) void syscall_ipc_of(struct ec *ec,
                                                                           bool call)
{
    if (ec->regs.r10 <= BH_MSG_REG_WORDS) {   /* (not for messages they refuse at once) */
        if (call)
            fastpath_call(ec);
        else
            fastpath_reply(ec);
    }
    syscall_return(ec, call ? ipc_call(ec) : ipc_reply_wait(ec));
}

void syscall_dispatch(struct trapframe *tf)
{
    struct ec *ec = syscall_enter();
    if (tf->rax == BH_SYS_CALL || tf->rax == BH_SYS_REPLY_WAIT)
        syscall_ipc_of(ec, tf->rax == BH_SYS_CALL);
    syscall_general(ec);
}

void syscall_ipc(struct trapframe *tf)
{
    syscall_ipc_of(syscall_enter(), tf->rax == BH_SYS_CALL);
}

void syscall_init_cpu(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* STAR: SYSCALL CS = 0x08 (SS 0x10); SYSRET base 0x10 -> SS 0x1b, CS 0x23 */
    wrmsr(MSR_STAR, ((uint64_t)(GDT_KDATA | 3) << 48) | ((uint64_t)GDT_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)(cpu_fsgsbase ? syscall_entry_fast : syscall_entry));
    wrmsr(MSR_FMASK, RFLAGS_IF | (1u << 8) | (1u << 10) | (1u << 18)); /* IF TF DF AC */
}
