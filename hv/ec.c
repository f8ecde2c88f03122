/* Execution contexts. */
#include "ec.h"
#include "pd.h"
#include "sc.h"
#include "sm.h"
#include "ipc.h"
#include "root.h"
#include "lapic.h"
#include "trap.h"
#include "paging.h"
#include "cpu.h"
#include "percpu.h"
#include "smp.h"
#include "fpu.h"
#include "vcpu.h"
#include <string.h>

/* Counts ec in pd (a PD lives while it has ECs) and gives it a clean FPU. */
static void link(struct ec *ec, struct pd *pd, uint32_t cpu)
{
    ec->cpu = cpu;
    ec->slots = pd->caps.slots;
    ec->nslots = pd->caps.nslots;
    ec->cr3 = pd->cr3;
    fpu_init_area(ec->fpu);
    pd->live_ecs++;
    ec->pd_next = pd->ecs;
    if (pd->ecs)
        pd->ecs->pd_prev = ec;
    pd->ecs = ec;
    kobj_get(&pd->obj);
}

enum bh_status ec_create(struct pd *pd, uint32_t cpu, bool local, uint64_t utcb_va,
                         uint64_t rip, uint64_t rsp, struct ec **out)
{
    struct ec *ec;
    void *utcb;
    if (cpu >= smp_online() || !cpus[cpu].online)
        return BH_ERANGE;
    if ((utcb_va & (PAGE_SIZE - 1)) || utcb_va < BH_USER_BASE || utcb_va >= BH_USER_TOP ||
        rip >= BH_USER_TOP || rsp >= BH_USER_TOP)
        return BH_EINVAL;
    uint64_t pa, fl;
    if (as_lookup(pd->root, utcb_va, &pa, &fl))
        return BH_EEXIST;              /* the UTCB needs an unused page */
    enum bh_status s = kobj_new(pd, BH_OBJ_EC, (void **)&ec);
    if (s != BH_OK)
        return s;
    if ((s = pd_map_new(pd, utcb_va, PTE_W | PTE_NX, &utcb)) != BH_OK) {
        quota_free(pd, ec, 1);
        pd_uncharge(pd);               /* undoes kobj_new's charge */
        return s;
    }
    ec->pd = pd;
    ec->utcb = utcb;
    ec->utcb_pa = virt_to_phys(utcb);
    ec->cpu = cpu;
    ec->local = local;
    ec->state = local ? EC_WAIT_CALL : EC_READY;
    ec->regs.rip = rip;
    ec->regs.rsp = rsp;
    ec->regs.cs = GDT_UCODE | 3;
    ec->regs.ss = GDT_UDATA | 3;
    ec->regs.rflags = RFLAGS_IF | 2;
    ec->regs.vector = 0;               /* first entry leaves through IRETQ */
    link(ec, pd, cpu);
    *out = ec;
    return BH_OK;
}

enum bh_status ec_create_bare(struct pd *pd, uint32_t cpu, struct ec **out)
{
    struct ec *ec;
    enum bh_status s = kobj_new(pd, BH_OBJ_EC, (void **)&ec);
    if (s != BH_OK)
        return s;
    ec->pd = pd;
    ec->cpu = cpu;
    ec->state = EC_READY;
    link(ec, pd, cpu);
    *out = ec;
    return BH_OK;
}

void ecq_push(struct ecq *q, struct ec *ec)
{
    ec->wait_next = NULL;
    ec->wait_prev = q->tail;
    if (q->tail)
        q->tail->wait_next = ec;
    else
        q->head = ec;
    q->tail = ec;
}

struct ec *ecq_pop(struct ecq *q)
{
    struct ec *ec = q->head;
    if (ec)
        ecq_remove(q, ec);
    return ec;
}

/* ec must be in q. */
void ecq_remove(struct ecq *q, struct ec *ec)
{
    if (ec->wait_prev)
        ec->wait_prev->wait_next = ec->wait_next;
    else
        q->head = ec->wait_next;
    if (ec->wait_next)
        ec->wait_next->wait_prev = ec->wait_prev;
    else
        q->tail = ec->wait_prev;
    ec->wait_next = ec->wait_prev = NULL;
}

bool ec_dequeue(struct ec *ec)
{
    struct ecq *q = NULL;
    if (ec->state == EC_WAIT_SM && ec->wait_sm)
        q = &ec->wait_sm->waiters;
    else if (ec->state == EC_WAIT_QUEUED && ec->queued_on)
        q = &ec->queued_on->callers;
    ec->wait_sm = NULL;
    ec->queued_on = NULL;
    if (!q)
        return false;
    ecq_remove(q, ec);
    return q->owner != NULL;
}

/* ---- Dead queues ---------------------------------------------------------
   A semaphore destroyed, or a handler ended, with ECs queued on it does
   not wake them all in that kernel entry: its queue joins this list and
   the reaper (pd_reap: scheduler passes, the idle loop, BH_SYS_KILL_PD,
   and a BH_SYS_REVOKE waiting for it) wakes them in bounded steps. Until
   then they stay blocked; a timeout or a kill takes one out as usual, and
   its wait ends with BH_EABORT, so each gets exactly one status. */
struct ecq *ecq_dead_head;
static struct ecq *dead_tail;

bool ecq_abort(struct ecq *q, struct kobj *owner)
{
    if (!q->head || q->owner)
        return false;
    kobj_get(owner);
    q->owner = owner;
    q->dead_next = NULL;
    if (dead_tail)
        dead_tail->dead_next = q;
    else
        ecq_dead_head = q;
    dead_tail = q;
    return true;
}

bool ecq_abort_step(unsigned *budget)
{
    while (ecq_dead_head && *budget) {
        struct ecq *q = ecq_dead_head;
        --*budget;
        struct ec *w = q->head;
        if (w) {
            ecq_remove(q, w);
            w->wait_sm = NULL;
            w->queued_on = NULL;
            ec_wake(w, BH_EABORT);
            continue;
        }
        ecq_dead_head = q->dead_next;  /* done; q->owner stays set: dead */
        if (!ecq_dead_head)
            dead_tail = NULL;
        kobj_put(q->owner);            /* may destroy the object, and q with it */
    }
    return !ecq_dead_head;
}

void ec_wake(struct ec *ec, enum bh_status st)
{
    sched_cancel_timeout(ec);
    if (!ec->vcpu)
        ec->regs.rax = st;
    else if (st != BH_OK)
        vcpu_orphan(ec);               /* its exit went unanswered */
    ec->state = EC_READY;
    ec->wait_sm = NULL;
    struct ksc *sc = ec->wait_sc;
    ec->wait_sc = NULL;
    if (sc) {
        sc->exec = ec;
        sched_ready(sc);
    }
}

void ec_kill(struct ec *ec, uint64_t code)
{
    if (ec->state == EC_DEAD)
        return;
    ec_dequeue(ec);
    sched_cancel_timeout(ec);
    ec->exit_code = code;
    ec->state = EC_DEAD;
    if (cpus[ec->cpu].current == ec)   /* it may be running: no fast path there */
        cpus[ec->cpu].current_dead = true;
    ec->faulting = false;
    /* The callers queued on us get BH_EABORT in bounded steps (nothing
       new queues on a dead EC), the one we were serving at once. */
    ecq_abort(&ec->callers, &ec->obj);
    if (ec->caller) {               /* c->wait_sc: the SC that resumes it */
        struct ec *c = ec->caller;
        ec->caller = NULL;
        if (c->state != EC_DEAD)
            ec_wake(c, BH_EABORT);
    }
    ec->donor = NULL;
    /* Our SC stops, unless it is lent to a handler serving our call: that
       one finishes on it (ipc_reply_wait blocks it when it replies), so a
       dying client never wedges a server mid-call. */
    if (ec->sc && ec->sc->exec == ec)
        sched_block(ec->sc);
    if (--ec->pd->live_ecs == 0 && !root_is_pd(ec->pd))
        pd_kill(ec->pd);               /* its last EC ended: the PD dies */
}

/* ECs whose object went while some CPU still had them as its current EC
   (its TSS.RSP0 points into the EC): freed once no CPU does (ec_reap).
   Each CPU holds at most one such EC as current, and at most one more it
   left for idle without passing ctx_switch's reap, so two slots per CPU
   always suffice. */
#define EC_ZOMBIES (2 * MAX_CPUS)
static struct ec *zombie[EC_ZOMBIES];

static void ec_free(struct ec *ec)
{
    struct pd *pd = ec->pd;
    if (ec->vcpu)
        vcpu_free(ec);
    quota_free(pd, ec, 1);             /* the UTCB page goes with the PD */
    kobj_put(&pd->obj);
}

static bool in_use(const struct ec *ec)
{
    for (unsigned i = 0; i < smp_online(); i++)
        if (cpus[i].current == ec)
            return true;
    return false;
}

void ec_reap_now(void)
{
    if (reap_wait.vcpu)
        vcpu_reap();
    for (unsigned i = 0; reap_wait.ec && i < EC_ZOMBIES; i++)
        if (zombie[i] && !in_use(zombie[i])) {
            struct ec *ec = zombie[i];
            zombie[i] = NULL;
            reap_wait.ec--;
            ec_free(ec);
        }
    reap_wait_sync();
}

/* Takes ec out of its PD's list of ECs (and the reaper's cursor in it). */
static void leave_pd(struct ec *ec)
{
    struct pd *pd = ec->pd;
    if (pd->reap_ec == ec)
        pd->reap_ec = ec->pd_next;
    if (ec->pd_prev)
        ec->pd_prev->pd_next = ec->pd_next;
    else
        pd->ecs = ec->pd_next;
    if (ec->pd_next)
        ec->pd_next->pd_prev = ec->pd_prev;
}

bool ec_destroy(struct ec *ec)
{
    ec_kill(ec, 0);
    if (ec->obj.refs)                  /* its dead callers' queue holds it */
        return false;
    fpu_forget(ec);
    leave_pd(ec);
    if (!in_use(ec)) {
        ec_free(ec);
        return true;
    }
    for (unsigned i = 0; i < smp_online(); i++)   /* make it leave soon */
        if (cpus[i].current == ec && i != this_cpu()->id)
            lapic_ipi(cpus[i].apic_id, 0, VEC_IPI_WAKE, 0);
    for (unsigned i = 0; i < EC_ZOMBIES; i++)
        if (!zombie[i]) {
            zombie[i] = ec;
            reap_wait.ec++;
            reap_wait_sync();
            return true;
        }
    /* Unreachable (two slots per CPU); were it not, keeping the page (a
       bounded leak) beats freeing it in use. */
    return true;
}
