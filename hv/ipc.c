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
#include "root.h"
#include "trap.h"
#include <string.h>

/* Copies a message from src's frame (and UTCB) into dst's; rdi (the
   badge on a call) is the caller's business. */
static void deliver(struct ec *dst, const struct ec *src, uint64_t mi)
{
    unsigned n = BH_MSG_WORDS(mi);
    dst->regs.rax = BH_OK;
    dst->regs.r10 = mi;
    dst->regs.rsi = src->regs.rsi;
    dst->regs.rdx = src->regs.rdx;
    dst->regs.r8 = src->regs.r8;
    dst->regs.r9 = src->regs.r9;
    if (n > BH_MSG_REG_WORDS)
        memcpy(&dst->utcb->mr[BH_MSG_REG_WORDS], &src->utcb->mr[BH_MSG_REG_WORDS],
               (n - BH_MSG_REG_WORDS) * sizeof(uint64_t));
}

static enum bh_status check_msginfo(uint64_t mi)
{
    if (mi & ~0x1ffull)
        return BH_EINVAL;
    return BH_MSG_WORDS(mi) > BH_UTCB_WORDS ? BH_ERANGE : BH_OK;
}

void ipc_unqueue(struct ec *h, struct ec *c)
{
    for (struct ec **p = &h->queue_head, *prev = NULL; *p; prev = *p, p = &(*p)->wait_next)
        if (*p == c) {
            *p = c->wait_next;
            if (h->queue_tail == c)
                h->queue_tail = prev;
            break;
        }
    c->wait_next = NULL;
    c->queued_on = NULL;
}

/* Starts serving caller c on handler h, on the SC c was running on. */
static void begin(struct ec *h, struct ec *c, struct ksc *sc)
{
    if (c->faulting) {                 /* the message is the fault, not regs */
        h->regs.rax = BH_OK;
        h->regs.r10 = 4 | BH_MSG_FAULT;    /* no user call can carry this bit */
        h->regs.rsi = c->fault[0], h->regs.rdx = c->fault[1];
        h->regs.r8 = c->fault[2], h->regs.r9 = c->fault[3];
    } else {
        deliver(h, c, c->regs.r10);
    }
    h->regs.rdi = c->badge;
    h->caller = c;
    h->donor = sc;
    h->state = EC_READY;
    c->state = EC_WAIT_REPLY;
    c->wait_sc = sc;
    sc->exec = h;
}

/* A call from another CPU: the handler runs on its own SC on its CPU
   (woken by IPI); the caller's SC blocks until the reply readies it. */
static void __attribute__((noreturn)) call_remote(struct ec *h, struct ec *c, struct ksc *sc)
{
    begin(h, c, h->sc);
    c->wait_sc = sc;
    sched_block(sc);
    sched_ready(h->sc);
    schedule();
}

/* Enters the call of c to portal pt (c's message is ready). */
static void __attribute__((noreturn)) call_portal(struct ec *c, struct pt *pt)
{
    struct ec *h = pt->handler;
    struct ksc *sc = sched_current();
    c->badge = pt->badge;
    if (h->state == EC_WAIT_CALL) {
        if (h->cpu != c->cpu)
            call_remote(h, c, sc);
        begin(h, c, sc);
        ec_resume(h);
    }
    c->state = EC_WAIT_QUEUED;       /* handler busy: wait in line */
    c->wait_sc = sc;
    c->queued_on = h;
    c->wait_next = NULL;
    if (h->queue_tail)
        h->queue_tail->wait_next = c;
    else
        h->queue_head = c;
    h->queue_tail = c;
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

uint64_t ipc_call(struct ec *c)
{
    struct cap *cap;
    enum bh_status s = check_msginfo(c->regs.r10);
    if (s != BH_OK)
        return s;
    if ((s = cap_lookup(&c->pd->caps, c->regs.rdi, BH_OBJ_PT, BH_R_CALL, &cap)) != BH_OK)
        return s;
    struct pt *pt = cap->obj;
    struct ec *h = pt->handler;
    if (h->state == EC_DEAD)
        return BH_EABORT;
    if (h == c || (h->cpu != c->cpu && !h->sc))
        return BH_EINVAL;              /* remote handlers need their own SC */
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
    bool resume = c && c->state == EC_WAIT_REPLY;
    if (resume && c->faulting) {        /* reply to a fault: resume or kill */
        c->faulting = false;
        if (h->regs.rsi != BH_FAULT_RESUME) {
            c->state = EC_READY;
            sc->exec = c;
            ec_kill(c, 0x100 + c->fault[0]);
            root_check_end(c);
            resume = false;
        }
    }
    bool remote = resume && c->cpu != h->cpu;
    if (resume) {
        if (c->regs.vector == VEC_SYSCALL)
            deliver(c, h, h->regs.r10);  /* a fault resumes with its registers */
        c->state = EC_READY;
        struct ksc *csc = remote ? c->wait_sc : sc;
        c->wait_sc = NULL;
        csc->exec = c;
        if (remote) {
            sched_ready(csc);           /* IPI to the caller's CPU */
            sched_block(sc);            /* our own SC waits for work */
        }
    } else if (sc->exec == h || sc->exec->state != EC_READY) {
        sched_block(sc);                /* nobody left to run on this SC */
    }
    struct ec *w = h->queue_head;
    if (w) {                            /* next caller in line */
        ipc_unqueue(h, w);
        if (w->cpu != h->cpu) {         /* remote: run on our own SC */
            struct ksc *own = w->wait_sc;
            begin(h, w, h->sc);
            w->wait_sc = own;           /* begin() set it to our SC */
        } else {
            begin(h, w, w->wait_sc);
        }
        sched_ready(h->donor);
    } else {
        h->state = EC_WAIT_CALL;
    }
    if (resume && !remote && !this_cpu()->resched)
        ec_resume(c);
    schedule();
}
