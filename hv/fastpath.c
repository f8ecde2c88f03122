/* IPC fast path for register-only messages (at most BH_MSG_REG_WORDS
   words): a run of guards, each falling back to the general path in
   ipc.c, then a point of no return after which nothing can fail. */
#include "ipc.h"
#include "ec.h"
#include "pd.h"
#include "pt.h"
#include "sc.h"
#include "percpu.h"
#include "vcpu.h"
#include "ctx.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

/* From the current EC prev to ec, which runs next: no scheduler pass, and
   only the checks ec_resume makes that the guards have not settled. */
static void __attribute__((noreturn)) switch_to(struct percpu *p, struct ec *prev, struct ec *ec)
{
    ctx_switch(p, prev, ec);
    if (ec->vcpu)
        vcpu_enter(ec);
    ec_to_user(p, ec);
}

/* Handler h takes caller c's call on c's SC sc, and runs (a portal's
   handler is a local EC, never a vCPU). */
static void __attribute__((noreturn)) take_call(struct percpu *p, struct ec *h, struct ec *c,
                                                struct ksc *sc)
{
    ipc_take(h, c, sc);
    ctx_switch(p, c, h);
    ec_to_user(p, h);
}

int fastpath_call(struct ec *c)
{
    uint64_t mi = c->regs.r10, sel = c->regs.rdi;
    struct capspace *cs = &c->pd->caps;
    if (unlikely(mi > BH_MSG_REG_WORDS || sel >= cs->nslots))
        return 0;
    struct cap *cap = &cs->slots[sel];
    if (unlikely(cap->type != BH_OBJ_PT || !(cap->rights & BH_R_CALL)))
        return 0;
    struct pt *pt = cap->obj;
    struct ec *h = pt->handler;
    if (unlikely(h->state != EC_WAIT_CALL || h->cpu != c->cpu || h->sc))
        return 0;                      /* handlers with an SC: ipc.c decides */
    struct percpu *p = this_cpu();
    struct ksc *sc = p->sched->rq.current->owner;

    /* Point of no return. */
    h->regs.rax = BH_OK;
    h->regs.rdi = pt->badge;
    h->regs.r10 = mi;
    ipc_copy_words(&h->regs, &c->regs);
    take_call(p, h, c, sc);
}

int fastpath_reply(struct ec *h)
{
    uint64_t mi = h->regs.r10;
    struct ec *c = h->caller;
    struct percpu *p = this_cpu();
    if (unlikely(mi > BH_MSG_REG_WORDS || !c || c->state != EC_WAIT_REPLY || c->faulting ||
                 c->cpu != h->cpu || (h->sc && h->donor == h->sc) ||
                 h->callers.head || p->resched))
        return 0;
    struct ksc *sc = h->donor;

    /* Point of no return. */
    if (c->vcpu) {                     /* a VM exit: the guest state to write back */
        vcpu_reply(c, h);
    } else {
        c->regs.rax = BH_OK;
        c->regs.r10 = mi;
        ipc_copy_words(&c->regs, &h->regs);
    }
    c->state = EC_READY;
    c->wait_sc = NULL;
    h->caller = NULL;
    h->donor = NULL;
    h->state = EC_WAIT_CALL;
    sc->exec = c;
    switch_to(p, h, c);
}

void fastpath_vmreply(struct ec *h)
{
    struct ec *c = h->caller;
    struct percpu *p = this_cpu();
    struct ksc *sc = h->donor;
    if (unlikely(h->state == EC_DEAD || !c || !c->vcpu || c->state != EC_WAIT_REPLY ||
                 c->faulting || c->cpu != h->cpu || !sc || sc == h->sc || h->callers.head ||
                 p->resched))
        return;

    /* Point of no return. What fastpath.asm left of h's state. */
    h->regs.rsp = p->user_rsp;
    h->regs.vector = VEC_SYSCALL;
    h->fs_base = fs_base_read();
    vcpu_reply(c, h);
    c->state = EC_READY;
    c->wait_sc = NULL;
    h->caller = NULL;
    h->donor = NULL;
    h->state = EC_WAIT_CALL;
    sc->exec = c;
    if (c->gs_base != h->gs_base)      /* KERNEL_GS_BASE holds h's (ctx_switch) */
        wrmsr(MSR_KERNEL_GS_BASE, c->gs_base);
    p->current = c;
    ec_reap();
    vcpu_enter(c);
}

int fastpath_vmexit(struct ec *c, struct pd *vmm, uint64_t sel)
{
    struct capspace *cs = &vmm->caps;
    if (unlikely(sel >= cs->nslots))
        return 0;
    struct cap *cap = &cs->slots[sel];
    if (unlikely(cap->type != BH_OBJ_PT || !(cap->rights & BH_R_CALL)))
        return 0;
    struct pt *pt = cap->obj;
    struct ec *h = pt->handler;
    struct percpu *p = this_cpu();
    struct sc *cur = p->sched->rq.current;
    if (unlikely(h->state != EC_WAIT_CALL || h->cpu != c->cpu || h->sc || !cur))
        return 0;
    struct ksc *sc = cur->owner;

    /* Point of no return. */
    vcpu_snapshot_into(c, pt->mtd, (struct bh_vmstate *)h->utcb->mr);
    h->regs.rax = BH_OK;
    h->regs.rdi = pt->badge;
    h->regs.r10 = BH_MSG_VMEXIT;
    h->regs.rsi = c->vcpu->st.reason;
    c->badge = pt->badge;
    take_call(p, h, c, sc);
}
