/* Synchronous IPC through portals: call, and reply-and-wait. */
#ifndef HV_IPC_H
#define HV_IPC_H
#include <stdint.h>
struct ec;
struct trapframe;

#include "trap.h"
#include "ec.h"
#include "sc.h"
#include "cap.h"

/* Handler h takes caller c's call on SC sc: the state every call path
   (general, fast, VM exit) sets before h runs. */
static inline void ipc_take(struct ec *h, struct ec *c, struct ksc *sc)
{
    h->caller = c;
    h->donor = sc;
    h->state = EC_READY;
    c->state = EC_WAIT_REPLY;
    c->wait_sc = sc;
    sc->exec = h;
}

/* The reverse, when h replies on the fast paths: c runs on sc again, h
   waits for its next call. */
static inline void ipc_release(struct ec *h, struct ec *c, struct ksc *sc)
{
    c->state = EC_READY;
    c->wait_sc = NULL;
    h->caller = NULL;
    h->donor = NULL;
    h->state = EC_WAIT_CALL;
    sc->exec = c;
}

/* The portal at sel in cs if the capability there may call it, else
   NULL (the fast paths' lookup; the general path's is cap_lookup). */
static inline __attribute__((always_inline)) struct pt *ipc_portal(const struct capspace *cs, uint64_t sel)
{
    if (sel >= cs->nslots)
        return NULL;
    const struct cap *cap = &cs->slots[sel];
    if (cap->type != BH_OBJ_PT || !(cap->rights & BH_R_CALL))
        return NULL;
    return cap->obj;
}

/* The message words that travel in registers (rsi, rdx, r8, r9). */
static inline void ipc_copy_words(struct trapframe *d, const struct trapframe *s)
{
    d->rsi = s->rsi, d->rdx = s->rdx, d->r8 = s->r8, d->r9 = s->r9;
}

/* BH_SYS_CALL from ec (its frame holds the arguments). Returns only with
   an error status for ec; on success it switches to the handler. */
uint64_t ipc_call(struct ec *ec);
/* BH_SYS_REPLY_WAIT from a local EC. Never returns an OK status. */
uint64_t ipc_reply_wait(struct ec *ec);
/* The register-only fast paths, for a msginfo of at most
   BH_MSG_REG_WORDS words and no items (syscall_dispatch tests that);
   return 0 if the slow path must run. */
int fastpath_call(struct ec *ec);
int fastpath_reply(struct ec *ec);
/* REPLY_WAIT of handler h to a vCPU (fastpath.asm, lock held, h's user
   state saved but for its RSP, FS base and frame kind, which it saves
   once past its guards; h is not dead and its caller is a vCPU, both
   checked there under the lock): the guest state written back and the guest
   entered; returns, having changed nothing, if the general path must run
   (in vcpu.c, where the entry inlines). */
void fastpath_vmreply(struct ec *h);
/* Exception in ec: calls the PD's fault portal (BH_SEL_FAULT_PT) on ec's
   behalf. Returns only if there is no usable fault handler. */
void ipc_fault(struct ec *ec, uint64_t vector, uint64_t error, uint64_t addr);
/* VM exit of vCPU c: calls the portal at sel in space's capabilities on
   its behalf, with the guest state the portal's MTD names. Returns only if
   there is no usable portal. */
struct pd;
void ipc_vmexit(struct ec *c, struct pd *space, uint64_t sel);
#endif
