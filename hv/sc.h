/* Scheduling contexts and per-CPU scheduling: the kernel side of the
   scheduler core in sched.c (fixed priority, round robin, budgets). */
#ifndef HV_SC_H
#define HV_SC_H
#include "obj.h"
#include "sched.h"
#include "percpu.h"

struct ec;
struct pd;

struct ksc {
    struct kobj obj;
    struct sc core;
    struct ec *owner;      /* the EC this SC was created for */
    struct ec *exec;       /* the EC running on this SC now (donation) */
    uint32_t cpu;
};

/* Timed waits per CPU: a heap, so adding, cancelling and expiring one are
   O(log n) with n bounded; a wait beyond it is refused (BH_ENOMEM). */
#define SCHED_TIMED_MAX 256u

struct cpu_sched {
    struct runq rq;
    struct ksc *current;   /* SC whose time is being used, or NULL (idle) */
    uint64_t last_us;      /* when current was last charged */
    struct ec *timed[SCHED_TIMED_MAX];   /* timed waits: a binary min-heap by deadline */
    unsigned ntimed;
};

/* Sets up CPU cpu's scheduler (boot, before the first schedule()). */
void sched_init_cpu(unsigned cpu);
/* Creates an SC for ec (a global EC) and makes it runnable. */
enum bh_status ksc_create(struct pd *pd, struct ec *ec, unsigned prio, uint64_t budget_us,
                          uint64_t period_us, struct ksc **out);
void ksc_destroy(struct ksc *sc);
/* Makes sc runnable on its CPU (an IPI wakes a remote CPU). */
void sched_ready(struct ksc *sc);
/* Takes sc off its CPU's run queue (its EC blocked or died). */
void sched_block(struct ksc *sc);
/* The SC running on this CPU (NULL in the idle loop). Inline: every
   call and system call asks. */
static inline struct ksc *sched_current(void)
{
    struct sc *s = this_cpu()->sched->rq.current;
    return s ? s->owner : NULL;
}
/* Picks the next SC and runs its EC; idles when there is none. */
void __attribute__((noreturn)) schedule(void);
/* Returns to ec in user mode on this CPU (switching address space). */
void __attribute__((noreturn)) ec_resume(struct ec *ec);
/* Whether ec's CPU can take one more timed wait. */
bool sched_timeout_room(const struct ec *ec);
/* Puts ec on its CPU's timeout heap (deadline in TSC ticks); the caller
   checked sched_timeout_room. */
void sched_add_timeout(struct ec *ec, uint64_t deadline);
void sched_cancel_timeout(struct ec *ec);
/* Timer and wake-up interrupt work (from trap_user / idle). */
void sched_tick(void);
uint64_t sched_now_us(void);
#endif
