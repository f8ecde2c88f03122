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
#include "fastpath.h"

/* From the current EC prev to ec, which runs next: no scheduler pass, and
   only the checks ec_resume makes that the guards have not settled. */
static void __attribute__((noreturn)) switch_to(struct percpu *p, struct ec *prev, struct ec *ec)
{
    ctx_switch(p, prev, ec);
    if (ec->vcpu)
        vcpu_enter(ec);
    ec_to_user(p, ec);
}

int fastpath_call(struct ec *c)
{
    uint64_t mi = c->regs.r10;
    struct pt *pt = ipc_portal(&c->pd->caps, c->regs.rdi);
    if (unlikely(!pt))
        return 0;
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
    if (unlikely(!c || c->state != EC_WAIT_REPLY || c->faulting ||
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
    ipc_release(h, c, sc);
    switch_to(p, h, c);
}
