/* IPC slow path. A call to a waiting handler on the same CPU switches to
   it at once and lends it the caller's SC (the handler runs on the
   caller's time); a handler with an SC of its own also serves callers on
   other CPUs (IPI wake-up both ways); a call to a busy handler queues the
   caller and blocks its SC. Faults arrive here as calls too. */
#include "ipc.h"
#include "ec.h"
#include "pd.h"
#include "pt.h"
#include "sc.h"
#include "percpu.h"
#include "mem.h"
#include "timer.h"
#include "cpu.h"
#include "paging.h"
#include "root.h"
#include "trap.h"
#include "vcpu.h"

/* One typed item from src to dst, into dst's receive window; returns
   where it landed, or ~0 if it did not (the message goes through anyway).
   *pages counts the window pages used so far. */
static uint64_t item_one(struct ec *dst, const struct ec *src, const struct bh_item *item,
                         unsigned idx, uint64_t *pages)
{
    /* Both UTCBs are user memory that other threads may change at any
       time: read each field once, into kernel copies, then check those. */
    const struct bh_item copy = *(const volatile struct bh_item *)item, *it = &copy;
    const volatile struct bh_utcb *vw = dst->utcb;
    const struct { uint64_t rcv_sel, rcv_sels, rcv_va, rcv_pages, rcv_ports; } win = {
        vw->rcv_sel, vw->rcv_sels, vw->rcv_va, vw->rcv_pages, vw->rcv_ports };
    const __typeof__(win) *w = &win;
    unsigned kind = it->kind & 0xff, rights = (it->kind >> 8) & 0xff;
    struct cap *c;
    if (kind == BH_ITEM_DELEGATE) {
        if (idx >= w->rcv_sels || w->rcv_sel + idx >= dst->pd->caps.nslots ||
            cap_lookup(&src->pd->caps, it->base, BH_OBJ_NONE, BH_R_DELEGATE, &c) != BH_OK ||
            cap_derive(&dst->pd->caps, w->rcv_sel + idx, c, rights & BH_R_ALL) != BH_OK)
            return ~0ull;
        kobj_get(c->obj);
        return w->rcv_sel + idx;
    }
    if (kind == BH_ITEM_MAP) {
        uint64_t n = it->count, va = w->rcv_va + *pages * PAGE_SIZE;
        if (n == 0 || n > BH_MAP_MAX || n > w->rcv_pages - *pages || *pages > w->rcv_pages ||
            (it->base | w->rcv_va) & (PAGE_SIZE - 1))
            return ~0ull;
        for (uint64_t k = 0; k < n; k++)
            if (mem_map_share(src->pd, it->base + k * PAGE_SIZE, dst->pd, va + k * PAGE_SIZE,
                              rights & (BH_M_R | BH_M_W | BH_M_X | BH_M_DMA)) != BH_OK)
                return ~0ull;          /* pages already shared stay shared */
        *pages += n;
        return va;
    }
    if (kind == BH_ITEM_PORTS) {
        uint64_t n = it->count;
        if (!w->rcv_ports || dst->pd == src->pd || n == 0 || n > BH_IO_MAX ||
            it->base > 0xffff || n > 0x10000 - it->base)
            return ~0ull;
        for (uint64_t p = it->base; p < it->base + n; p++)
            if (!src->pd->all_ports && !mem_io_held(src->pd, (unsigned)p))
                return ~0ull;
        for (uint64_t p = it->base; p < it->base + n; p++)
            if (mem_io_grant(src->pd, dst->pd, (unsigned)p) != BH_OK)
                return ~0ull;
        return it->base;
    }
    return ~0ull;
}

/* Transfers src's typed items; returns how many dst accepted. Bounded:
   at most BH_ITEMS_MAX items of at most BH_MAP_MAX pages / BH_IO_MAX ports. */
static unsigned items(struct ec *dst, const struct ec *src, uint64_t mi)
{
    unsigned n = BH_MSG_ITEMS(mi), ok = 0;
    uint64_t pages = 0;
    for (unsigned k = 0; k < n; k++) {
        uint64_t r = item_one(dst, src, &src->utcb->item[k], k, &pages);
        dst->utcb->item[k].kind = src->utcb->item[k].kind;
        dst->utcb->item[k].count = src->utcb->item[k].count;
        dst->utcb->item[k].result = r;
        ok += r != ~0ull;
    }
    return ok;
}

/* dst's msginfo once src's items went over: how many it accepted. Out
   of line, so that deliver (every general call and reply) saves no
   registers for it. */
static void __attribute__((noinline)) deliver_items(struct ec *dst, const struct ec *src, uint64_t mi)
{
    dst->regs.r10 = BH_MSG_WORDS(mi) | BH_MSG_MKITEMS(items(dst, src, mi));
}

/* Copies a message from src's frame (and UTCB) into dst's; rdi (the
   badge on a call) is the caller's business. */
static void deliver(struct ec *dst, const struct ec *src, uint64_t mi)
{
    unsigned n = BH_MSG_WORDS(mi);
    dst->regs.rax = BH_OK;
    ipc_copy_words(&dst->regs, &src->regs);
    const uint64_t *from = src->utcb->mr;     /* each word read once, by this loop */
    uint64_t *to = dst->utcb->mr;
    for (uint64_t k = BH_MSG_REG_WORDS; k < n; k++)
        to[k] = from[k];
    if (BH_MSG_ITEMS(mi))
        deliver_items(dst, src, mi);
    else
        dst->regs.r10 = mi;
}

static enum bh_status check_msginfo(uint64_t mi)
{
    if ((mi & ~(0x1ffull | BH_MSG_MKITEMS(7))) || BH_MSG_ITEMS(mi) > BH_ITEMS_MAX)
        return BH_EINVAL;
    return BH_MSG_WORDS(mi) > BH_UTCB_WORDS ? BH_ERANGE : BH_OK;
}

/* Starts serving caller c on handler h, on the SC c was running on. */
static inline __attribute__((always_inline)) void begin(struct ec *h, struct ec *c, struct ksc *sc)
{
    if (c->timeout_at)                 /* taken: the call no longer times out */
        sched_cancel_timeout(c);
    if (c->faulting) {                 /* the message is the fault, not regs */
        h->regs.rax = BH_OK;
        h->regs.r10 = 4 | BH_MSG_FAULT;    /* no user call can carry this bit */
        h->regs.rsi = c->fault[0], h->regs.rdx = c->fault[1];
        h->regs.r8 = c->fault[2], h->regs.r9 = c->fault[3];
    } else if (c->vcpu) {              /* a VM exit: the guest state */
        vcpu_message(h, c);
    } else {
        deliver(h, c, c->regs.r10);
    }
    h->regs.rdi = c->badge;
    ipc_take(h, c, sc);
}

/* Whether handler h serves caller c (running on csc) on its own SC:
   always for callers on other CPUs, and on h's CPU when h's own SC has the
   higher priority (an active server), so a low-priority client cannot hold
   h while higher-priority work starves it (priority inversion). */
static bool runs_own(const struct ec *h, const struct ec *c, const struct ksc *csc)
{
    return h->sc && (h->cpu != c->cpu || !csc || h->sc->core.prio > csc->core.prio);
}

/* The handler runs on its own SC on its CPU (woken by IPI if remote);
   the caller's SC blocks until the reply readies it. */
static void __attribute__((noreturn)) call_remote(struct ec *h, struct ec *c, struct ksc *sc)
{
    begin(h, c, h->sc);
    c->wait_sc = sc;
    sched_block(sc);
    sched_ready(h->sc);
    schedule();
}

/* Enters the call of c to portal pt (c's message is ready). */
static inline __attribute__((always_inline, noreturn)) void call_portal(struct ec *c, struct pt *pt)
{
    struct ec *h = pt->handler;
    struct ksc *sc = sched_current();
    c->badge = pt->badge;
    if (h->state == EC_WAIT_CALL) {
        if (runs_own(h, c, sc))
            call_remote(h, c, sc);
        begin(h, c, sc);
        ec_resume(h);
    }
    c->state = EC_WAIT_QUEUED;       /* handler busy: wait in line */
    c->wait_sc = sc;
    c->queued_on = h;
    ecq_push(&h->callers, c);
    uint64_t us = c->faulting || c->vcpu ? 0 : c->utcb->call_timeout_us;
    uint64_t per_us = timer_tsc_hz() / 1000000 ? timer_tsc_hz() / 1000000 : 1;
    if (us && us < (UINT64_MAX - rdtsc()) / per_us)
        sched_add_timeout(c, rdtsc() + us * per_us);   /* see expire_timeouts */
    sched_block(sc);
    schedule();
}

void ipc_fault(struct ec *c, uint64_t vector, uint64_t error, uint64_t addr)
{
    struct cap *cap;
    if (cap_lookup(&c->pd->caps, BH_SEL_FAULT_PT, BH_OBJ_PT, BH_R_CALL, &cap) != BH_OK)
        return;
    struct pt *pt = cap->obj;
    struct ec *h = pt->handler;
    if (h->state == EC_DEAD || h == c || (h->cpu != c->cpu && !h->sc) || !sched_current())
        return;
    c->fault[0] = vector, c->fault[1] = error, c->fault[2] = addr, c->fault[3] = c->regs.rip;
    c->faulting = true;
    call_portal(c, pt);
}

void ipc_vmexit(struct ec *c, struct pd *space, uint64_t sel)
{
    struct cap *cap;
    if (cap_lookup(&space->caps, sel, BH_OBJ_PT, BH_R_CALL, &cap) != BH_OK)
        return;
    struct pt *pt = cap->obj;
    struct ec *h = pt->handler;
    if (h->state == EC_DEAD || (h->cpu != c->cpu && !h->sc) || !sched_current())
        return;
    vcpu_snapshot(c, pt->mtd);
    call_portal(c, pt);
}

uint64_t ipc_call(struct ec *c)
{
    struct cap *cap;
    enum bh_status s = check_msginfo(c->regs.r10);
    if (s != BH_OK)
        return s;
    struct pt *pt = ipc_portal(&c->pd->caps, c->regs.rdi);   /* inline */
    if (!pt) {                          /* the same checks, for the status */
        if ((s = cap_lookup(&c->pd->caps, c->regs.rdi, BH_OBJ_PT, BH_R_CALL, &cap)) != BH_OK)
            return s;
        pt = cap->obj;
    }
    struct ec *h = pt->handler;
    if (h->state == EC_DEAD)
        return BH_EABORT;
    if (h == c || (h->cpu != c->cpu && !h->sc))
        return BH_EINVAL;              /* remote handlers need their own SC */
    if (h->state != EC_WAIT_CALL && c->utcb->call_timeout_us && !sched_timeout_room(c))
        return BH_ENOMEM;              /* it would queue with a timeout, and there is no room */
    call_portal(c, pt);
}

uint64_t ipc_reply_wait(struct ec *h)
{
    enum bh_status s = check_msginfo(h->regs.r10);
    if (s != BH_OK)
        return s;
    if (!h->local || !h->donor)
        return BH_EINVAL;               /* only a handler inside a call */
    struct ksc *sc = h->donor;
    struct ec *c = h->caller;
    h->caller = NULL;
    h->donor = NULL;
    bool own = h->sc && sc == h->sc;    /* we ran on our own SC, not the caller's */
    bool resume = c && c->state == EC_WAIT_REPLY;
    if (resume && c->faulting) {        /* reply to a fault: resume or kill */
        c->faulting = false;
        if (h->regs.rsi != BH_FAULT_RESUME) {
            c->state = EC_READY;
            if (!own)
                sc->exec = c;           /* its chain continues on this SC */
            ec_kill(c, 0x100 + c->fault[0]);
            root_check_end(c);
            resume = false;
        }
    }
    if (resume) {
        if (c->vcpu)
            vcpu_reply(c, h);           /* the guest state to write back */
        else if (c->regs.vector == VEC_SYSCALL)
            deliver(c, h, h->regs.r10);  /* a fault resumes with its registers */
        c->state = EC_READY;
        struct ksc *csc = own ? c->wait_sc : sc;
        c->wait_sc = NULL;
        csc->exec = c;
        if (own) {
            sched_ready(csc);           /* (an IPI if the caller is remote) */
            sched_block(sc);            /* our own SC waits for work */
        }
    } else if (sc->exec == h || sc->exec->state != EC_READY) {
        sched_block(sc);                /* nobody left to run on this SC */
    }
    struct ec *w = h->callers.head ? ecq_pop(&h->callers) : NULL;
    if (w) {                            /* next caller in line */
        w->queued_on = NULL;
        if (runs_own(h, w, w->wait_sc)) {   /* on our own SC */
            struct ksc *wsc = w->wait_sc;
            begin(h, w, h->sc);
            w->wait_sc = wsc;           /* begin() set it to our SC */
        } else {
            begin(h, w, w->wait_sc);
        }
        sched_ready(h->donor);
    } else {
        h->state = EC_WAIT_CALL;
    }
    if (resume && !own && !this_cpu()->resched)
        ec_resume(c);
    schedule();
}
