/* Per-CPU scheduling on top of the scheduler core (sched.c): picking,
   budget accounting, timed waits, the idle loop and returning to user
   mode. Runs under the big kernel lock. */
#include "fpu.h"
#include "vcpu.h"
#include "sc.h"
#include "ec.h"
#include "pd.h"
#include "sm.h"
#include "mem.h"
#include "ipc.h"
#include "irq.h"
#include "bkl.h"
#include "cpu.h"
#include "lapic.h"
#include "paging.h"
#include "percpu.h"
#include "timer.h"
#include "trap.h"
#include "tlb.h"
#include "panic.h"
#include "ctx.h"
#include <string.h>


static struct cpu_sched per_cpu[MAX_CPUS];
static uint64_t tsc_per_us = 1;

uint64_t sched_now_us(void)
{
    return rdtsc() / tsc_per_us;
}

void sched_init_cpu(unsigned cpu)
{
    uint64_t hz = timer_tsc_hz();
    tsc_per_us = hz >= 1000000 ? hz / 1000000 : 1;
    runq_init(&per_cpu[cpu].rq);
    per_cpu[cpu].last_us = sched_now_us();
    cpus[cpu].sched = &per_cpu[cpu];
    cpus[cpu].key_wait_call = ec_key(cpu, EC_WAIT_CALL);
    cpus[cpu].key_wait_reply = ec_key(cpu, EC_WAIT_REPLY);
    cpus[cpu].key_ready = ec_key(cpu, EC_READY);
}


/* Charges the running SC for the time since it was last charged. */
static void account(struct cpu_sched *c, uint64_t now)
{
    if (c->rq.current && now > c->last_us)
        runq_charge(&c->rq, c->rq.current, now - c->last_us, now);
    c->last_us = now;
}

enum bh_status ksc_create(struct pd *pd, struct ec *ec, unsigned prio, uint64_t budget_us,
                          uint64_t period_us, struct ksc **out)
{
    struct ksc *sc;
    struct sc probe;
    enum bh_status s = sc_init(&probe, prio, budget_us, period_us, sched_now_us(), NULL);
    if (s != BH_OK)
        return s;
    if ((s = kobj_new(pd, BH_OBJ_SC, (void **)&sc)) != BH_OK)
        return s;
    sc_init(&sc->core, prio, budget_us, period_us, sched_now_us(), sc);
    sc->owner = sc->exec = ec;
    sc->cpu = ec->cpu;
    ec->sc = sc;
    kobj_get(&ec->obj);
    if (ec->state == EC_READY)
        sched_ready(sc);
    *out = sc;
    return BH_OK;
}

void ksc_destroy(struct ksc *sc)
{
    sched_block(sc);
    if (sc->owner->sc == sc)
        sc->owner->sc = NULL;
    struct ec *owner = sc->owner;
    quota_free(sc->obj.quota, sc, 1);
    kobj_put(&owner->obj);
}

void sched_ready(struct ksc *sc)
{
    struct cpu_sched *c = cpus[sc->cpu].sched;
    runq_ready(&c->rq, &sc->core, sched_now_us());
    if (sc->cpu != this_cpu()->id)
        lapic_ipi(cpus[sc->cpu].apic_id, 0, VEC_IPI_WAKE, 0);
    else if (runq_should_preempt(&c->rq, c->rq.current))
        this_cpu()->resched = true;
}

void sched_block(struct ksc *sc)
{
    struct cpu_sched *c = cpus[sc->cpu].sched;
    if (c->rq.current == &sc->core)
        account(c, sched_now_us());
    runq_block(&c->rq, &sc->core);
}

static void heap_put(struct cpu_sched *c, unsigned i, struct ec *ec)
{
    c->timed[i] = ec;
    ec->timed_idx = i;
}

/* Moves the entry at i up or down until the heap order holds. */
static void heap_fix(struct cpu_sched *c, unsigned i)
{
    struct ec *ec = c->timed[i];
    while (i > 0 && c->timed[(i - 1) / 2]->timeout_at > ec->timeout_at) {
        heap_put(c, i, c->timed[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (unsigned k; (k = 2 * i + 1) < c->ntimed; i = k) {
        if (k + 1 < c->ntimed && c->timed[k + 1]->timeout_at < c->timed[k]->timeout_at)
            k++;
        if (c->timed[k]->timeout_at >= ec->timeout_at)
            break;
        heap_put(c, i, c->timed[k]);
    }
    heap_put(c, i, ec);
}

bool sched_timeout_room(const struct ec *ec)
{
    return cpus[ec->cpu].sched->ntimed < SCHED_TIMED_MAX;
}

void sched_add_timeout(struct ec *ec, uint64_t deadline)
{
    struct cpu_sched *c = cpus[ec->cpu].sched;
    if (c->ntimed == SCHED_TIMED_MAX)
        return;                        /* callers check sched_timeout_room first */
    ec->timeout_at = deadline ? deadline : 1;
    heap_put(c, c->ntimed++, ec);
    heap_fix(c, c->ntimed - 1);
}

void sched_cancel_timeout(struct ec *ec)
{
    if (!ec->timeout_at)
        return;
    struct cpu_sched *c = cpus[ec->cpu].sched;
    unsigned i = ec->timed_idx;
    ec->timeout_at = 0;
    if (--c->ntimed != i) {
        heap_put(c, i, c->timed[c->ntimed]);
        heap_fix(c, i);
    }
}

/* Wakes timed waiters whose deadline has passed with BH_ETIMEOUT, at most
   EXPIRE_MAX per pass (the timer is re-armed at once for the rest). */
#define EXPIRE_MAX 16u
static void expire_timeouts(struct cpu_sched *c)
{
    uint64_t now = rdtsc();
    for (unsigned n = 0; n < EXPIRE_MAX && c->ntimed && c->timed[0]->timeout_at <= now; n++) {
        struct ec *ec = c->timed[0];
        sched_cancel_timeout(ec);
        bool dead = ec_dequeue(ec);    /* its semaphore, or a call nobody took in time */
        ec_wake(ec, dead ? BH_EABORT : BH_ETIMEOUT);   /* dead: the object went first */
    }
}

void sched_tick(void)
{
    expire_timeouts(this_cpu()->sched);
}

/* Arms the one-shot timer for the next scheduling event or timeout. */
static void arm(struct cpu_sched *c, uint64_t now)
{
    uint64_t us = runq_next_event(&c->rq, now);
    if (c->ntimed) {
        uint64_t t = rdtsc(), d = c->timed[0]->timeout_at;
        uint64_t tus = d > t ? (d - t) / tsc_per_us : 0;
        if (tus < us)
            us = tus;
    }
    if (us != UINT64_MAX)
        timer_arm_us(us ? us : 1);
}

void ctx_io_open(struct percpu *p, const struct pd *pd)
{
    if (p->io_pd != pd) {
        uint64_t io0, io1;
        mem_io_bitmap_pages(pd, &io0, &io1);
        if (p->io_bitmap != io0 || p->io_bitmap1 != io1)
            percpu_io_switch(p, io0, io1);
        p->io_pd = pd;
    }
    p->tss->iomap_base = sizeof *p->tss;  /* the bitmap right after the TSS */
    if (p->tr_cut)
        percpu_reload_tr(p);           /* a VM exit cut TR's limit to 0x67 */
}

/* ec_resume in C: every case ec_switch_exit does not take. */
static void __attribute__((noinline, noreturn)) resume(struct ec *ec)
{
    struct percpu *p = this_cpu();
    if (!ec_ready_on(ec, p->id))
        panic("ec_resume: EC on cpu %u state %u resumed on cpu %lu", ec->cpu, ec->state, p->id);
    if (p->current != ec)
        ctx_switch(p, p->current, ec);
    if (ec->vcpu)
        vcpu_enter(ec);                /* the TSS's I/O bitmap is no guest's business */
    ec_to_user(p, ec);
}

void ec_resume(struct ec *ec)
{
    if (cpu_fsgsbase)
        ec = ec_switch_exit(ec);       /* returns ec if it does not apply */
    resume(ec);
}

/* Leaves user context: nothing of a PD stays loaded while idle, so a PD
   can be destroyed without this CPU still using its tables. */
static void go_idle(struct percpu *p)
{
    vcpu_cpu_idle();
    if (p->current) {
        p->current->fs_base = rdmsr(MSR_FS_BASE);
        p->current->gs_base = rdmsr(MSR_KERNEL_GS_BASE);   /* its FPU state stays (lazy) */
        percpu_set_current(p, NULL);
    }
    ec_reap();                         /* also vCPU zombies of this CPU */
    if (p->loaded_cr3) {
        paging_load_kernel();
        p->loaded_cr3 = 0;
        pd_reap_roots();
    }
}

/* Teardown work (pd_reap units) a scheduler pass does for dying PDs. */
#define REAP_STEP 64u

void schedule(void)
{
    struct percpu *p = this_cpu();
    struct cpu_sched *c = p->sched;
    for (;;) {
        uint64_t now = sched_now_us();
        account(c, now);
        irq_deliver();
        expire_timeouts(c);
        p->resched = false;
        bool reaping = pd_reap_pending() && !pd_reap(NULL, REAP_STEP);
        struct sc *s = runq_pick(&c->rq, now);
        arm(c, now);
        if (s)
            ec_resume(((struct ksc *)s->owner)->exec);
        if (c->rq.current)
            panic("schedule: idling with a current SC");
        go_idle(p);
        bkl_unlock();
        cli();
        if (reaping)                   /* idle: reap on, with a window for interrupts */
            __asm__ volatile("sti; nop; cli" ::: "memory");
        else if (!p->resched)
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        bkl_lock();
    }
}
