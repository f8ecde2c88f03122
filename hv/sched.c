/*
 * Scheduler core (see sched.h for the states, invariants and the
 * replenishment policy).
 *
 * Complexity, n = SCs on this runq, d = SCs in the depleted list:
 *   runq_init            O(256) (clears the queue heads)
 *   sc_init, runq_block, runq_yield, runq_should_preempt,
 *   runq_next_event      O(1) (bitmap search: 4 words)
 *   runq_ready, runq_charge
 *                        O(1), plus O(d) worst case when the SC is
 *                        depleted: the sorted insert walks from the tail,
 *                        so it is O(1) whenever the new replenish_at is
 *                        the latest (e.g. all SCs share one period)
 *   runq_pick            O(1 + r) where r = replenishments due now; each
 *                        depletion is replenished once, so this is O(1)
 *                        amortised and never more than O(n).
 */
#include <string.h>
#include "sched.h"

/* ---- circular doubly linked lists ------------------------------------ */

static void list_push_tail(struct sc **headp, struct sc *s)
{
    struct sc *h = *headp;

    if (h == NULL) {
        s->next = s->prev = s;
        *headp = s;
        return;
    }
    s->next = h;
    s->prev = h->prev;
    h->prev->next = s;
    h->prev = s;
}

static void list_remove(struct sc **headp, struct sc *s)
{
    if (s->next == s) {
        *headp = NULL;
    } else {
        s->prev->next = s->next;
        s->next->prev = s->prev;
        if (*headp == s)
            *headp = s->next;
    }
    s->next = s->prev = NULL;
}

/* ---- ready queues and bitmap ----------------------------------------- */

static void ready_push(struct runq *q, struct sc *s, bool at_head)
{
    unsigned p = s->prio;

    list_push_tail(&q->head[p], s);
    if (at_head)
        q->head[p] = s;
    q->bitmap[p / 64] |= 1ull << (p % 64);
    s->state = SC_READY;
}

static void ready_remove(struct runq *q, struct sc *s)
{
    unsigned p = s->prio;

    list_remove(&q->head[p], s);
    if (q->head[p] == NULL)
        q->bitmap[p / 64] &= ~(1ull << (p % 64));
}

/*
 * Returns the highest priority with a READY SC, or -1 if there is none.
 * Scans the four bitmap words from the top.
 */
int runq_highest(const struct runq *q)
{
    for (int w = (int)(SC_PRIOS / 64) - 1; w >= 0; w--) {
        uint64_t x = q->bitmap[w];
        if (x != 0)
            return w * 64 + 63 - __builtin_clzll(x);
    }
    return -1;
}

/* ---- budget accounting ----------------------------------------------- */

/*
 * Brings s's period up to date for time t: if t has reached period_end,
 * skips every boundary up to t in one step. The first boundary pays the
 * debt out of its fresh budget; a second one clears whatever is left of
 * it (debt <= B), so k >= 2 always ends with a full budget.
 */
static void refresh(struct sc *s, uint64_t t)
{
    if (t < s->period_end)
        return;
    uint64_t k = (t - s->period_end) / s->period_us + 1;
    s->period_end += k * s->period_us;
    s->left_us = k == 1 ? s->budget_us - s->debt_us : s->budget_us;
    s->debt_us = 0;
}

/* Takes u from the budget; what does not fit becomes debt, capped at B. */
static void consume(struct sc *s, uint64_t u)
{
    if (u <= s->left_us) {
        s->left_us -= u;
        return;
    }
    u -= s->left_us;
    s->left_us = 0;
    if (u >= s->budget_us - s->debt_us)
        s->debt_us = s->budget_us;
    else
        s->debt_us += u;
}

/* Inserts s after the last entry with replenish_at <= its own. */
static void depleted_insert(struct runq *q, struct sc *s)
{
    struct sc *h = q->depleted;

    if (h == NULL || h->replenish_at > s->replenish_at) {
        list_push_tail(&q->depleted, s);
        q->depleted = s;
        return;
    }
    struct sc *p = h->prev;
    while (p->replenish_at > s->replenish_at)
        p = p->prev;  /* stops at h at the latest */
    s->prev = p;
    s->next = p->next;
    p->next->prev = s;
    p->next = s;
}

/* s (in no queue, left_us == 0) waits for the first boundary with budget. */
static void deplete(struct runq *q, struct sc *s)
{
    s->state = SC_DEPLETED;
    s->replenish_at = s->period_end +
                      (s->debt_us == s->budget_us ? s->period_us : 0);
    depleted_insert(q, s);
}

/* Moves s to where its budget says it belongs after an accounting step. */
static void settle(struct runq *q, struct sc *s)
{
    switch (s->state) {
    case SC_IDLE:
        return;
    case SC_READY:
        if (s->left_us == 0) {
            ready_remove(q, s);
            deplete(q, s);
        }
        return;
    case SC_RUNNING:
        if (s->left_us == 0) {
            q->current = NULL;
            deplete(q, s);
        }
        return;
    case SC_DEPLETED:
        list_remove(&q->depleted, s);
        if (s->left_us > 0)
            ready_push(q, s, false);
        else
            deplete(q, s);
        return;
    }
}

/* ---- public interface ------------------------------------------------ */

/* Initialises q empty: no ready, depleted or current SC. */
void runq_init(struct runq *q)
{
    memset(q, 0, sizeof(*q));
}

/*
 * Initialises s IDLE with a full budget, its first period starting at
 * now (periods are aligned to now + kP). Returns BH_OK; BH_EINVAL if s
 * is NULL, prio > BH_PRIO_MAX, budget or period is 0, budget > period,
 * or period > SC_PERIOD_MAX_US; BH_ERANGE if now >= SC_TIME_LIMIT.
 * s must not be on any runq.
 */
enum bh_status sc_init(struct sc *s, unsigned prio, uint64_t budget_us,
                       uint64_t period_us, uint64_t now, void *owner)
{
    if (s == NULL || prio > BH_PRIO_MAX || budget_us == 0 || period_us == 0 ||
        budget_us > period_us || period_us > SC_PERIOD_MAX_US)
        return BH_EINVAL;
    if (now >= SC_TIME_LIMIT)
        return BH_ERANGE;
    memset(s, 0, sizeof(*s));
    s->prio = (uint8_t)prio;
    s->budget_us = budget_us;
    s->period_us = period_us;
    s->left_us = budget_us;
    s->period_end = now + period_us;
    s->owner = owner;
    s->state = SC_IDLE;
    return BH_OK;
}

/*
 * Makes an IDLE s runnable at now: it joins the tail of its priority if
 * it has budget left in the current period (after refreshing it), else
 * it becomes DEPLETED until its replenishment. No-op in any other state.
 * Does not preempt by itself: see runq_should_preempt.
 */
void runq_ready(struct runq *q, struct sc *s, uint64_t now)
{
    if (s->state != SC_IDLE)
        return;
    refresh(s, now);
    if (s->left_us > 0)
        ready_push(q, s, false);
    else
        deplete(q, s);
}

/*
 * Takes s off the CPU and out of every queue (blocked on IPC or a
 * semaphore); it becomes IDLE and keeps its remaining budget. If s was
 * current, current becomes NULL; charge it first so its time counts.
 */
void runq_block(struct runq *q, struct sc *s)
{
    switch (s->state) {
    case SC_IDLE:
        return;
    case SC_READY:
        ready_remove(q, s);
        break;
    case SC_RUNNING:
        q->current = NULL;
        break;
    case SC_DEPLETED:
        list_remove(&q->depleted, s);
        break;
    }
    s->state = SC_IDLE;
}

/*
 * Round-robin: a READY or RUNNING s goes to the tail of its priority
 * (if it was current, current becomes NULL and the next runq_pick picks
 * the head of that priority, which is s only if it is alone). No-op for
 * IDLE and DEPLETED SCs.
 */
void runq_yield(struct runq *q, struct sc *s)
{
    if (s->state == SC_READY) {
        ready_remove(q, s);
    } else if (s->state == SC_RUNNING) {
        q->current = NULL;
    } else {
        return;
    }
    ready_push(q, s, false);
}

/*
 * Accounts used_us of CPU time that s used in [now - used_us, now) (see
 * the policy in sched.h), splitting it exactly at period boundaries in
 * O(1) however many it spans. If a READY or RUNNING s runs out of
 * budget it becomes DEPLETED (if it was current, current becomes NULL);
 * a DEPLETED s whose budget came back becomes READY. An IDLE s stays
 * IDLE. A used_us larger than now is charged from time 0.
 */
void runq_charge(struct runq *q, struct sc *s, uint64_t used_us, uint64_t now)
{
    uint64_t start = used_us < now ? now - used_us : 0;

    refresh(s, start);
    if (s->period_end > now) {
        consume(s, used_us);
        settle(q, s);
        return;
    }
    consume(s, s->period_end - start);
    uint64_t full = (now - s->period_end) / s->period_us;
    if (full > 0) {
        /* Each whole period pays the debt d from B, then uses P:
         * d' = min(B, d + P - B) and nothing is left. */
        uint64_t d = s->debt_us + full * (s->period_us - s->budget_us);
        s->debt_us = d < s->budget_us ? d : s->budget_us;
        s->left_us = 0;
        s->period_end += full * s->period_us;
    }
    uint64_t tail_start = s->period_end;
    refresh(s, now);
    consume(s, now - tail_start);
    settle(q, s);
}

/*
 * Moves every DEPLETED SC whose replenish_at <= now to the tail of its
 * priority (in replenish_at order) with its new budget, then chooses:
 * the current SC keeps the CPU unless a strictly higher priority is
 * ready, in which case it goes back to the head of its priority. Returns
 * the SC to run (now q->current, RUNNING), or NULL to idle.
 */
struct sc *runq_pick(struct runq *q, uint64_t now)
{
    while (q->depleted != NULL && q->depleted->replenish_at <= now) {
        struct sc *s = q->depleted;
        list_remove(&q->depleted, s);
        refresh(s, now);
        if (s->left_us > 0)
            ready_push(q, s, false);
        else
            deplete(q, s);  /* not reached: replenish_at leaves a budget */
    }

    int h = runq_highest(q);
    struct sc *cur = q->current;
    if (cur != NULL) {
        if (h <= (int)cur->prio)
            return cur;
        ready_push(q, cur, true);
        q->current = NULL;
    }
    if (h < 0)
        return NULL;
    struct sc *s = q->head[h];
    ready_remove(q, s);
    s->state = SC_RUNNING;
    q->current = s;
    return s;
}

/*
 * Returns the microseconds from now until the kernel must call
 * runq_pick again: the minimum of the current SC's remaining budget and
 * the time to the earliest replenishment (0 if one is already due, or
 * if nothing runs while an SC is ready); UINT64_MAX if neither exists.
 * The value may be early (a period boundary may extend the current SC's
 * budget; a replenishment may be of a lower priority), never late.
 */
uint64_t runq_next_event(const struct runq *q, uint64_t now)
{
    uint64_t ev = UINT64_MAX;
    const struct sc *cur = q->current;

    if (cur != NULL)
        ev = now >= cur->period_end ? cur->budget_us : cur->left_us;
    else if (runq_highest(q) >= 0)
        return 0;
    if (q->depleted != NULL) {
        uint64_t r = q->depleted->replenish_at;
        uint64_t d = r <= now ? 0 : r - now;
        if (d < ev)
            ev = d;
    }
    return ev;
}

/*
 * Returns true if a READY SC has a strictly higher priority than
 * running (any READY SC if running is NULL). Replenishments not yet
 * processed by runq_pick are not considered.
 */
bool runq_should_preempt(const struct runq *q, const struct sc *running)
{
    int h = runq_highest(q);

    if (running == NULL)
        return h >= 0;
    return h > (int)running->prio;
}
