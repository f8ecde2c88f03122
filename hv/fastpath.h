/* The IPC fast paths' shared parts, and the VM-exit fast path, inline in
   vcpu_exited (vcpu.c) because it runs on every exit: a run of guards,
   each falling back to the general path in ipc.c, then a point of no
   return after which nothing can fail. */
#ifndef HV_FASTPATH_H
#define HV_FASTPATH_H
#include "ipc.h"
#include "ec.h"
#include "pd.h"
#include "pt.h"
#include "sc.h"
#include "percpu.h"
#include "vcpu.h"
#include "ctx.h"
#include "vmcs.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

/* Handler h takes caller c's call on c's SC sc, and runs (a portal's
   handler is a local EC, never a vCPU). */
static inline __attribute__((always_inline, noreturn)) void take_call(struct percpu *p,
                                                                     struct ec *h, struct ec *c,
                                                                     struct ksc *sc)
{
    ipc_take(h, c, sc);
    ctx_switch(p, c, h);
    ec_to_user(p, h);
}

/* VM exit of vCPU c to the portal at sel in vmm's space, when its handler
   waits on c's CPU with no SC of its own: the guest state goes straight
   into the handler's UTCB. Returns 0 if the general path must run. */
static inline __attribute__((always_inline)) int fastpath_vmexit(struct ec *c, struct pd *vmm,
                                                               uint64_t sel)
{
    struct pt *pt = ipc_portal(&vmm->caps, sel);
    if (unlikely(!pt))
        return 0;
    struct ec *h = pt->handler;
    struct percpu *p = this_cpu();
    struct sc *cur = p->sched->rq.current;
    if (unlikely(h->state != EC_WAIT_CALL || h->cpu != c->cpu || h->sc || !cur))
        return 0;
    struct ksc *sc = cur->owner;

    /* Point of no return. */
    struct bh_vmstate *s = (struct bh_vmstate *)h->utcb->mr;
    if (pt->mtd == (BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN)) {   /* the usual MTD, inline */
        const struct trapframe *r = &c->regs;
        s->mtd = pt->mtd;
        s->reason = c->vcpu->st.reason;
        s->rax = r->rax, s->rcx = r->rcx, s->rdx = r->rdx, s->rbx = r->rbx;
        s->rip = vmread(VMCS_GUEST_RIP), s->insn_len = vmread(VMCS_EXIT_INSN_LEN);
    } else {
        vcpu_snapshot_into(c, pt->mtd, s);
    }
    h->regs.rax = BH_OK;
    h->regs.rdi = pt->badge;
    h->regs.r10 = BH_MSG_VMEXIT;
    h->regs.rsi = c->vcpu->st.reason;
    c->badge = pt->badge;
    take_call(p, h, c, sc);
}
#endif
