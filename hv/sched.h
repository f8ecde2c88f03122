/*
 * Scheduler core: fixed-priority preemptive scheduling with round-robin
 * within a priority and per-period budgets (a deferrable server). Pure
 * logic: the kernel owns one struct runq per CPU, serialises access to
 * it, and supplies the time "now" in microseconds.
 *
 * States and where an SC lives:
 *   SC_IDLE      in no queue (new, or blocked on IPC / a semaphore)
 *   SC_READY     in head[prio], a circular FIFO; bit prio of bitmap set
 *   SC_RUNNING   q->current, in no ready queue
 *   SC_DEPLETED  in q->depleted, sorted by replenish_at (FIFO on ties)
 * Invariants: READY or RUNNING implies left_us > 0 and debt_us == 0;
 * bitmap bit p is set iff head[p] != NULL; at most one SC is RUNNING.
 *
 * Replenishment policy (deferrable server, budget B, period P):
 *  - Periods are aligned to the activation time t0 passed to sc_init:
 *    boundaries are t0 + kP. period_end is the next boundary.
 *  - At every boundary the budget becomes B again; unused budget is
 *    lost, never accumulated. Refreshing is lazy (done when the SC is
 *    made ready, charged, or its replenishment is due) and O(1): any
 *    number of missed boundaries is skipped with one division.
 *  - An SC that blocks keeps what is left of its budget for the rest
 *    of the current period.
 *  - Time is charged to the period it was used in: a charge of u at
 *    now covers [now-u, now) and is split exactly at every period
 *    boundary inside it (in O(1)), as if it had been charged one
 *    microsecond at a time.
 *  - Overrun (charging more than is left) becomes debt, capped at B,
 *    that the next boundary pays from its fresh budget. So an overrun
 *    of d < B gives B-d in the next period; an overrun of B costs the
 *    whole next period. Any later boundary clears the debt.
 *  - When left_us reaches 0 a READY/RUNNING SC becomes DEPLETED until
 *    replenish_at, the first boundary that leaves it a budget > 0; it
 *    then rejoins the tail of its priority with that budget.
 *  - The running SC keeps the CPU until it blocks, yields, is depleted
 *    or a strictly higher priority becomes ready; a preempted SC goes
 *    back to the head of its priority (it did not finish its turn).
 *
 * Time domain: every now is < SC_TIME_LIMIT (2^63 us) and never goes
 * backwards; within it no arithmetic here can overflow.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define SC_PRIOS (BH_PRIO_MAX + 1u)
#define SC_PERIOD_MAX_US 3600000000ull       /* one hour */
#define SC_TIME_LIMIT (1ull << 63)

enum sc_state { SC_IDLE, SC_READY, SC_RUNNING, SC_DEPLETED };

/* Embedded in the kernel's SC object. The kernel may read owner, prio
 * and state; everything else belongs to sched.c. */
struct sc {
    uint64_t budget_us;     /* B: 0 < B <= P */
    uint64_t period_us;     /* P: 0 < P <= SC_PERIOD_MAX_US */
    uint64_t left_us;       /* budget left in the current period */
    uint64_t debt_us;       /* overrun owed to the next period, <= B */
    uint64_t period_end;    /* next period boundary (absolute time) */
    uint64_t replenish_at;  /* DEPLETED: when the budget comes back */
    struct sc *next, *prev; /* ready-queue or depleted-list links */
    void *owner;            /* back pointer for the kernel (the EC) */
    enum sc_state state;
    uint8_t prio;           /* 0 lowest .. BH_PRIO_MAX highest */
};

struct runq {
    uint64_t bitmap[SC_PRIOS / 64];  /* bit p set iff head[p] != NULL */
    struct sc *head[SC_PRIOS];       /* circular FIFO per priority */
    struct sc *depleted;             /* circular, sorted by replenish_at */
    struct sc *current;              /* the RUNNING SC, or NULL */
};

void runq_init(struct runq *q);
enum bh_status sc_init(struct sc *s, unsigned prio, uint64_t budget_us,
                       uint64_t period_us, uint64_t now, void *owner);
void runq_ready(struct runq *q, struct sc *s, uint64_t now);
void runq_block(struct runq *q, struct sc *s);
void runq_yield(struct runq *q, struct sc *s);
void runq_charge(struct runq *q, struct sc *s, uint64_t used_us, uint64_t now);
struct sc *runq_pick(struct runq *q, uint64_t now);
uint64_t runq_next_event(const struct runq *q, uint64_t now);
bool runq_should_preempt(const struct runq *q, const struct sc *running);
int runq_highest(const struct runq *q);

#endif
