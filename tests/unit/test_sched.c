/* Host unit tests for hv/sched.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sched.h"

static struct runq rq;

static struct sc *mk(struct sc *s, unsigned prio, uint64_t b, uint64_t p,
                     uint64_t now)
{
    assert_int_equal(sc_init(s, prio, b, p, now, s), BH_OK);
    return s;
}

static void test_init_bad_args(void **state)
{
    (void)state;
    struct sc s;
    assert_int_equal(sc_init(NULL, 0, 1, 1, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, BH_PRIO_MAX + 1, 1, 1, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 1000, 1, 1, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 0, 10, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 10, 0, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 0, 0, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 11, 10, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 1, SC_PERIOD_MAX_US + 1, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 1, UINT64_MAX, 0, NULL), BH_EINVAL);
    assert_int_equal(sc_init(&s, 0, 1, 1, SC_TIME_LIMIT, NULL), BH_ERANGE);
    assert_int_equal(sc_init(&s, 0, 1, 1, UINT64_MAX, NULL), BH_ERANGE);

    int owner;
    assert_int_equal(sc_init(&s, BH_PRIO_MAX, SC_PERIOD_MAX_US, SC_PERIOD_MAX_US,
                             SC_TIME_LIMIT - 1, &owner), BH_OK);
    assert_int_equal(s.prio, BH_PRIO_MAX);
    assert_int_equal(s.state, SC_IDLE);
    assert_int_equal(s.left_us, SC_PERIOD_MAX_US);
    assert_ptr_equal(s.owner, &owner);
    assert_int_equal(sc_init(&s, 0, 1, 1, 0, NULL), BH_OK);
    assert_int_equal(s.period_end, 1);
}

static void test_pick_by_priority(void **state)
{
    (void)state;
    struct sc a, b, c;
    runq_init(&rq);
    assert_null(runq_pick(&rq, 0));
    mk(&a, 10, 100, 1000, 0);
    mk(&b, 200, 100, 1000, 0);
    mk(&c, 50, 100, 1000, 0);
    runq_ready(&rq, &a, 0);
    runq_ready(&rq, &b, 0);
    runq_ready(&rq, &c, 0);
    assert_int_equal(runq_highest(&rq), 200);
    assert_ptr_equal(runq_pick(&rq, 0), &b);
    assert_ptr_equal(rq.current, &b);
    assert_int_equal(b.state, SC_RUNNING);
    assert_ptr_equal(runq_pick(&rq, 0), &b);  /* stays: nothing higher */
    runq_block(&rq, &b);
    assert_null(rq.current);
    assert_ptr_equal(runq_pick(&rq, 0), &c);
    runq_block(&rq, &c);
    assert_ptr_equal(runq_pick(&rq, 0), &a);
    runq_block(&rq, &a);
    assert_null(runq_pick(&rq, 0));
    assert_int_equal(runq_highest(&rq), -1);
}

static void test_round_robin_yield(void **state)
{
    (void)state;
    struct sc s[3];
    runq_init(&rq);
    for (int i = 0; i < 3; i++) {
        mk(&s[i], 7, 100, 1000, 0);
        runq_ready(&rq, &s[i], 0);
    }
    for (int round = 0; round < 7; round++) {
        struct sc *p = runq_pick(&rq, 0);
        assert_ptr_equal(p, &s[round % 3]);
        runq_yield(&rq, p);
        assert_null(rq.current);
        assert_int_equal(p->state, SC_READY);
        assert_ptr_equal(rq.head[7]->prev, p);  /* at the tail */
    }
    /* A lone SC that yields is picked again. */
    runq_init(&rq);
    mk(&s[0], 7, 100, 1000, 0);
    runq_ready(&rq, &s[0], 0);
    assert_ptr_equal(runq_pick(&rq, 0), &s[0]);
    runq_yield(&rq, &s[0]);
    assert_ptr_equal(runq_pick(&rq, 0), &s[0]);
    /* Yield of a READY SC moves it to the tail too. */
    mk(&s[1], 7, 100, 1000, 0);
    mk(&s[2], 7, 100, 1000, 0);
    runq_ready(&rq, &s[1], 0);
    runq_ready(&rq, &s[2], 0);
    runq_yield(&rq, &s[1]);
    assert_ptr_equal(rq.head[7], &s[2]);
    assert_ptr_equal(rq.head[7]->next, &s[1]);
}

static void test_block_ready(void **state)
{
    (void)state;
    struct sc a, b, c;
    runq_init(&rq);
    mk(&a, 3, 100, 1000, 0);
    mk(&b, 3, 100, 1000, 0);
    mk(&c, 3, 100, 1000, 0);
    runq_block(&rq, &a);  /* IDLE: no-op */
    assert_int_equal(a.state, SC_IDLE);
    runq_ready(&rq, &a, 0);
    runq_ready(&rq, &b, 0);
    runq_ready(&rq, &c, 0);
    runq_ready(&rq, &a, 0);  /* already READY: no-op, stays at the head */
    assert_ptr_equal(rq.head[3], &a);
    runq_block(&rq, &b);     /* from the middle */
    assert_int_equal(b.state, SC_IDLE);
    assert_ptr_equal(rq.head[3]->next, &c);
    assert_ptr_equal(runq_pick(&rq, 0), &a);
    runq_ready(&rq, &a, 0);  /* RUNNING: no-op */
    assert_int_equal(a.state, SC_RUNNING);
    runq_ready(&rq, &b, 0);  /* back at the tail */
    assert_ptr_equal(rq.head[3]->prev, &b);
    runq_block(&rq, &a);
    assert_null(rq.current);
    assert_ptr_equal(runq_pick(&rq, 0), &c);
    runq_block(&rq, &c);
    assert_ptr_equal(runq_pick(&rq, 0), &b);
    runq_block(&rq, &b);
    assert_null(rq.head[3]);
    assert_int_equal(rq.bitmap[0], 0);
}

static void test_block_keeps_budget(void **state)
{
    (void)state;
    struct sc a;
    runq_init(&rq);
    mk(&a, 3, 500, 1000, 0);
    runq_ready(&rq, &a, 0);
    assert_ptr_equal(runq_pick(&rq, 0), &a);
    runq_charge(&rq, &a, 200, 200);
    runq_block(&rq, &a);
    runq_ready(&rq, &a, 900);        /* same period */
    assert_int_equal(a.left_us, 300);
    runq_block(&rq, &a);
    runq_ready(&rq, &a, 1000);       /* next period: full again */
    assert_int_equal(a.left_us, 500);
    assert_int_equal(a.period_end, 2000);
    runq_block(&rq, &a);
    runq_ready(&rq, &a, 7500);       /* many periods later, still aligned */
    assert_int_equal(a.left_us, 500);
    assert_int_equal(a.period_end, 8000);
}

static void test_preempt(void **state)
{
    (void)state;
    struct sc lo, lo2, hi, eq;
    runq_init(&rq);
    mk(&lo, 10, 100, 1000, 0);
    mk(&lo2, 10, 100, 1000, 0);
    mk(&hi, 11, 100, 1000, 0);
    mk(&eq, 10, 100, 1000, 0);
    assert_false(runq_should_preempt(&rq, NULL));
    runq_ready(&rq, &lo, 0);
    assert_true(runq_should_preempt(&rq, NULL));
    assert_ptr_equal(runq_pick(&rq, 0), &lo);
    runq_ready(&rq, &lo2, 0);
    runq_ready(&rq, &eq, 0);
    assert_false(runq_should_preempt(&rq, &lo));  /* equal: no */
    runq_ready(&rq, &hi, 0);
    assert_true(runq_should_preempt(&rq, &lo));
    assert_false(runq_should_preempt(&rq, &hi));
    assert_ptr_equal(runq_pick(&rq, 0), &hi);
    assert_int_equal(lo.state, SC_READY);
    assert_ptr_equal(rq.head[10], &lo);  /* preempted: head, not tail */
    assert_false(runq_should_preempt(&rq, &hi));
    runq_block(&rq, &hi);
    assert_ptr_equal(runq_pick(&rq, 0), &lo);
}

static void test_depletion_and_replenish(void **state)
{
    (void)state;
    struct sc a, b;
    runq_init(&rq);
    mk(&a, 9, 300, 1000, 0);
    mk(&b, 1, 1000, 1000, 0);
    runq_ready(&rq, &a, 0);
    runq_ready(&rq, &b, 0);
    assert_ptr_equal(runq_pick(&rq, 0), &a);
    assert_int_equal(runq_next_event(&rq, 0), 300);
    runq_charge(&rq, &a, 100, 100);
    assert_int_equal(a.left_us, 200);
    assert_int_equal(a.state, SC_RUNNING);
    runq_charge(&rq, &a, 200, 300);
    assert_int_equal(a.state, SC_DEPLETED);
    assert_int_equal(a.left_us, 0);
    assert_int_equal(a.replenish_at, 1000);
    assert_ptr_equal(rq.depleted, &a);
    assert_null(rq.current);
    assert_ptr_equal(runq_pick(&rq, 300), &b);   /* lower prio runs now */
    assert_int_equal(runq_next_event(&rq, 300), 700);
    runq_charge(&rq, &b, 699, 999);
    assert_ptr_equal(runq_pick(&rq, 999), &b);
    runq_charge(&rq, &b, 1, 1000);
    assert_ptr_equal(runq_pick(&rq, 1000), &a);  /* back, full budget */
    assert_int_equal(a.left_us, 300);
    assert_int_equal(a.period_end, 2000);
    assert_null(rq.depleted);
    assert_ptr_equal(rq.head[1], &b);
    /* A depleted SC that blocks leaves the list; ready brings it back
     * depleted or ready depending on its budget. */
    runq_charge(&rq, &a, 300, 1300);
    assert_int_equal(a.state, SC_DEPLETED);
    runq_block(&rq, &a);
    assert_null(rq.depleted);
    runq_ready(&rq, &a, 1500);
    assert_int_equal(a.state, SC_DEPLETED);
    assert_int_equal(a.replenish_at, 2000);
    runq_block(&rq, &a);
    runq_ready(&rq, &a, 2100);
    assert_int_equal(a.state, SC_READY);
    assert_int_equal(a.left_us, 300);
}

static void test_overrun(void **state)
{
    (void)state;
    struct sc a;
    runq_init(&rq);
    mk(&a, 5, 400, 1000, 0);
    runq_ready(&rq, &a, 0);
    assert_ptr_equal(runq_pick(&rq, 0), &a);
    runq_charge(&rq, &a, 600, 600);            /* 200 over */
    assert_int_equal(a.state, SC_DEPLETED);
    assert_int_equal(a.debt_us, 200);
    assert_int_equal(a.replenish_at, 1000);
    assert_null(runq_pick(&rq, 999));
    assert_ptr_equal(runq_pick(&rq, 1000), &a);
    assert_int_equal(a.left_us, 200);          /* paid back */
    assert_int_equal(a.debt_us, 0);
    runq_charge(&rq, &a, 900, 1900);           /* 700 over: capped at B */
    assert_int_equal(a.debt_us, 400);
    assert_int_equal(a.replenish_at, 3000);    /* costs the whole next period */
    assert_null(runq_pick(&rq, 2000));
    assert_int_equal(runq_next_event(&rq, 2000), 1000);
    assert_ptr_equal(runq_pick(&rq, 3000), &a);
    assert_int_equal(a.left_us, 400);
    /* Charging an IDLE SC accounts without queueing it. */
    runq_block(&rq, &a);
    runq_charge(&rq, &a, 500, 3500);
    assert_int_equal(a.state, SC_IDLE);
    assert_int_equal(a.debt_us, 100);
    runq_ready(&rq, &a, 3600);
    assert_int_equal(a.state, SC_DEPLETED);
    assert_ptr_equal(runq_pick(&rq, 4000), &a);
    assert_int_equal(a.left_us, 300);
}

static void test_charge_across_boundary(void **state)
{
    (void)state;
    struct sc a;
    runq_init(&rq);
    mk(&a, 5, 500, 1000, 0);
    runq_ready(&rq, &a, 0);
    assert_ptr_equal(runq_pick(&rq, 800), &a);
    runq_charge(&rq, &a, 400, 1200);  /* 200 old period, 200 new */
    assert_int_equal(a.left_us, 300);
    assert_int_equal(a.period_end, 2000);
    assert_int_equal(a.state, SC_RUNNING);
    /* Old period exhausted just before the boundary: the rest fits the
     * new one and the SC never leaves the CPU. */
    runq_charge(&rq, &a, 300, 1500);
    assert_int_equal(a.left_us, 0);
    assert_int_equal(a.state, SC_DEPLETED);
    assert_ptr_equal(runq_pick(&rq, 2000), &a);
    runq_charge(&rq, &a, 100, 2100);
    /* 900 in period 2 (400 left: 500 over = B, so period 3 is lost),
     * 100 in period 3 (becomes debt for period 4). */
    runq_charge(&rq, &a, 1000, 3100);
    assert_int_equal(a.state, SC_DEPLETED);
    assert_int_equal(a.left_us, 0);
    assert_int_equal(a.debt_us, 100);
    assert_int_equal(a.replenish_at, 4000);
    assert_ptr_equal(runq_pick(&rq, 4000), &a);
    assert_int_equal(a.left_us, 400);
    /* Within a period nothing moves to the next one. */
    runq_charge(&rq, &a, 150, 4150);
    assert_int_equal(a.left_us, 250);
    assert_int_equal(a.period_end, 5000);
}

/*
 * Simulates the kernel loop for total_us: pick, run a slice of
 * min(next_event, 1000), charge it. Adds each SC's run time to ran[].
 */
static void simulate(struct sc *scs, uint64_t *ran, int n, uint64_t now,
                     uint64_t total_us, int lowest_idx)
{
    uint64_t end = now + total_us;
    while (now < end) {
        struct sc *p = runq_pick(&rq, now);
        uint64_t ev = runq_next_event(&rq, now);
        assert_true(ev > 0);
        uint64_t slice = ev < 1000 ? ev : 1000;
        if (slice > end - now)
            slice = end - now;
        now += slice;
        if (p == NULL)
            continue;
        if (lowest_idx >= 0 && p == &scs[lowest_idx])
            for (int i = 0; i < n; i++)
                if (i != lowest_idx)
                    assert_true(scs[i].state == SC_DEPLETED || scs[i].state == SC_IDLE);
        ran[p - scs] += slice;
        runq_charge(&rq, p, slice, now);
    }
}

static void test_proportional_share(void **state)
{
    (void)state;
    struct sc s[3];
    uint64_t ran[3] = { 0 };
    runq_init(&rq);
    mk(&s[0], 5, 3000, 10000, 0);
    mk(&s[1], 5, 1000, 10000, 0);
    mk(&s[2], 1, 10000, 10000, 0);
    for (int i = 0; i < 3; i++)
        runq_ready(&rq, &s[i], 0);
    simulate(s, ran, 3, 0, 100 * 10000, 2);
    assert_int_equal(ran[0], 100 * 3000);
    assert_int_equal(ran[1], 100 * 1000);
    assert_int_equal(ran[2], 100 * 6000);

    /* Different periods: 20% and 10% of the CPU; the rest idles. */
    memset(ran, 0, sizeof(ran));
    runq_init(&rq);
    mk(&s[0], 5, 2000, 10000, 0);
    mk(&s[1], 5, 700, 7000, 0);
    runq_ready(&rq, &s[0], 0);
    runq_ready(&rq, &s[1], 0);
    simulate(s, ran, 2, 0, 70 * 10000, -1);
    assert_int_equal(ran[0], 70 * 2000);
    assert_int_equal(ran[1], 100 * 700);
}

static void test_lower_runs_when_higher_blocked(void **state)
{
    (void)state;
    struct sc s[2];
    uint64_t ran[2] = { 0 };
    runq_init(&rq);
    mk(&s[0], 200, 5000, 10000, 0);
    mk(&s[1], 0, 10000, 10000, 0);
    runq_ready(&rq, &s[0], 0);
    runq_ready(&rq, &s[1], 0);
    simulate(s, ran, 2, 0, 20000, 1);
    assert_int_equal(ran[0], 10000);
    assert_int_equal(ran[1], 10000);
    runq_block(&rq, &s[0]);
    simulate(s, ran, 2, 20000, 10000, 1);
    assert_int_equal(ran[1], 20000);
}

static void test_next_event(void **state)
{
    (void)state;
    struct sc a, b;
    runq_init(&rq);
    assert_int_equal(runq_next_event(&rq, 0), UINT64_MAX);
    mk(&a, 5, 300, 1000, 0);
    mk(&b, 4, 100, 500, 0);
    runq_ready(&rq, &a, 0);
    assert_int_equal(runq_next_event(&rq, 0), 0);  /* ready, nothing running */
    runq_pick(&rq, 0);
    assert_int_equal(runq_next_event(&rq, 0), 300);
    assert_int_equal(runq_next_event(&rq, 999), 300);
    assert_int_equal(runq_next_event(&rq, 1000), 300);  /* stale period: full B */
    runq_charge(&rq, &a, 300, 300);
    assert_int_equal(runq_next_event(&rq, 300), 700);   /* replenishment */
    runq_ready(&rq, &b, 300);
    runq_pick(&rq, 300);
    assert_int_equal(runq_next_event(&rq, 300), 100);
    runq_charge(&rq, &b, 100, 400);                   /* b due at 500 */
    assert_int_equal(runq_next_event(&rq, 400), 100);
    assert_int_equal(runq_next_event(&rq, 600), 0);   /* already due */
    assert_ptr_equal(runq_pick(&rq, 600), &b);
    assert_int_equal(runq_next_event(&rq, 600), 100);
    runq_block(&rq, &b);
    assert_int_equal(runq_next_event(&rq, 600), 400);
    runq_block(&rq, &a);
    assert_int_equal(runq_next_event(&rq, 600), UINT64_MAX);
}

static void test_prio_extremes(void **state)
{
    (void)state;
    struct sc lo, hi;
    runq_init(&rq);
    mk(&lo, 0, 100, 1000, 0);
    mk(&hi, BH_PRIO_MAX, 100, 1000, 0);
    runq_ready(&rq, &lo, 0);
    assert_int_equal(rq.bitmap[0], 1);
    runq_ready(&rq, &hi, 0);
    assert_int_equal(rq.bitmap[3], 1ull << 63);
    assert_int_equal(runq_highest(&rq), 255);
    assert_true(runq_should_preempt(&rq, &lo));
    assert_ptr_equal(runq_pick(&rq, 0), &hi);
    assert_int_equal(rq.bitmap[3], 0);
    assert_false(runq_should_preempt(&rq, &hi));
    runq_block(&rq, &hi);
    assert_ptr_equal(runq_pick(&rq, 0), &lo);
    assert_int_equal(rq.bitmap[0], 0);
}

static void test_budget_equals_period(void **state)
{
    (void)state;
    struct sc a;
    runq_init(&rq);
    mk(&a, 5, 1000, 1000, 50);
    runq_ready(&rq, &a, 50);
    uint64_t now = 50;
    for (int i = 0; i < 10000; i++) {
        assert_ptr_equal(runq_pick(&rq, now), &a);
        uint64_t ev = runq_next_event(&rq, now);
        assert_true(ev > 0 && ev <= 1000);
        uint64_t slice = ev < 333 ? ev : 333;
        now += slice;
        runq_charge(&rq, &a, slice, now);
        assert_int_equal(a.state, SC_RUNNING);
    }
    /* Even a charge of exactly one period at a boundary. */
    now = a.period_end;
    runq_charge(&rq, &a, 1000, now);
    assert_int_equal(a.state, SC_RUNNING);
    assert_int_equal(a.left_us, 1000);
    /* A late charge spanning several whole periods: still no debt. */
    runq_charge(&rq, &a, 3500, now + 3500);
    assert_int_equal(a.state, SC_RUNNING);
    assert_int_equal(a.debt_us, 0);
    assert_int_equal(a.left_us, 500);
}

static void test_charge_many_periods(void **state)
{
    (void)state;
    struct sc a;
    runq_init(&rq);
    mk(&a, 5, 100, 1000, 0);
    runq_ready(&rq, &a, 0);
    assert_ptr_equal(runq_pick(&rq, 0), &a);
    /* 4500 us in [0, 4500): each period overran by 900, capped at B;
     * the last half period adds 500 more. The SC owes a whole period. */
    runq_charge(&rq, &a, 4500, 4500);
    assert_int_equal(a.state, SC_DEPLETED);
    assert_int_equal(a.debt_us, 100);
    assert_int_equal(a.period_end, 5000);
    assert_int_equal(a.replenish_at, 6000);
    assert_null(runq_pick(&rq, 5999));
    assert_ptr_equal(runq_pick(&rq, 6000), &a);
    assert_int_equal(a.left_us, 100);
}

static void test_time_near_half_range(void **state)
{
    (void)state;
    struct sc s[3];
    uint64_t ran[3] = { 0 };
    uint64_t t0 = UINT64_MAX / 2 - 25000;
    runq_init(&rq);
    mk(&s[0], 9, 3000, 10000, t0);
    mk(&s[1], 9, 1000, 10000, t0);
    mk(&s[2], 3, 10000, 10000, t0);
    for (int i = 0; i < 3; i++)
        runq_ready(&rq, &s[i], t0);
    simulate(s, ran, 3, t0, 50 * 10000, 2);
    assert_int_equal(ran[0], 50 * 3000);
    assert_int_equal(ran[1], 50 * 1000);
    assert_int_equal(ran[2], 50 * 6000);

    /* The longest period at the top of the time domain. */
    struct sc b;
    uint64_t t = SC_TIME_LIMIT - 1;
    runq_init(&rq);
    mk(&b, 1, 10, SC_PERIOD_MAX_US, t);
    runq_ready(&rq, &b, t);
    runq_pick(&rq, t);
    runq_charge(&rq, &b, 10, t + 10);
    assert_int_equal(b.replenish_at, t + SC_PERIOD_MAX_US);
    assert_int_equal(runq_next_event(&rq, t + 10), SC_PERIOD_MAX_US - 10);
    assert_ptr_equal(runq_pick(&rq, t + SC_PERIOD_MAX_US), &b);
}

/* ---- random operations against a reference model --------------------- */

#define NSC 1000

static struct sc pool[NSC];

struct msc {
    enum sc_state state;
    uint64_t left, debt, pend, repl;
    int64_t ord;    /* ready-queue order within a priority */
    uint64_t seq;   /* depleted-list tie order */
};
static struct msc m[NSC];
static int mcur;
static int64_t tail_ord, head_ord;
static uint64_t dseq;

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Boundary by boundary, no shortcuts. */
static void m_refresh(int i, uint64_t t)
{
    while (t >= m[i].pend) {
        uint64_t pay = m[i].debt < pool[i].budget_us ? m[i].debt : pool[i].budget_us;
        m[i].pend += pool[i].period_us;
        m[i].left = pool[i].budget_us - pay;
        m[i].debt -= pay;
    }
}

static void m_consume1(int i)
{
    if (m[i].left > 0)
        m[i].left--;
    else if (m[i].debt < pool[i].budget_us)
        m[i].debt++;
}

static void m_ready_tail(int i)
{
    m[i].state = SC_READY;
    m[i].ord = ++tail_ord;
}

static void m_deplete(int i)
{
    uint64_t pend = m[i].pend, debt = m[i].debt;
    for (;;) {
        uint64_t pay = debt < pool[i].budget_us ? debt : pool[i].budget_us;
        debt -= pay;
        if (pool[i].budget_us - pay > 0)
            break;
        pend += pool[i].period_us;
    }
    m[i].state = SC_DEPLETED;
    m[i].repl = pend;
    m[i].seq = ++dseq;
}

static void m_ready(int i, uint64_t now)
{
    if (m[i].state != SC_IDLE)
        return;
    m_refresh(i, now);
    if (m[i].left > 0)
        m_ready_tail(i);
    else
        m_deplete(i);
}

static void m_charge(int i, uint64_t used, uint64_t now)
{
    for (uint64_t t = now - used; t < now; t++) {
        m_refresh(i, t);
        m_consume1(i);
    }
    m_refresh(i, now);  /* the code refreshes up to now as well */
    if (m[i].state == SC_IDLE)
        return;
    if (m[i].left == 0) {
        if (mcur == i)
            mcur = -1;
        m_deplete(i);
    } else if (m[i].state == SC_DEPLETED) {
        m_ready_tail(i);
    }
}

static int m_highest(void)
{
    int best = -1;
    for (int i = 0; i < NSC; i++)
        if (m[i].state == SC_READY && (best < 0 || pool[i].prio > pool[best].prio ||
            (pool[i].prio == pool[best].prio && m[i].ord < m[best].ord)))
            best = i;
    return best;
}

static int m_pick(uint64_t now)
{
    for (;;) {
        int due = -1;
        for (int i = 0; i < NSC; i++)
            if (m[i].state == SC_DEPLETED && m[i].repl <= now &&
                (due < 0 || m[i].repl < m[due].repl ||
                 (m[i].repl == m[due].repl && m[i].seq < m[due].seq)))
                due = i;
        if (due < 0)
            break;
        m_refresh(due, now);
        m_ready_tail(due);
    }
    int h = m_highest();
    if (mcur >= 0) {
        if (h < 0 || pool[h].prio <= pool[mcur].prio)
            return mcur;
        m[mcur].state = SC_READY;
        m[mcur].ord = --head_ord;
        mcur = -1;
        h = m_highest();
    }
    if (h >= 0) {
        m[h].state = SC_RUNNING;
        mcur = h;
    }
    return h;
}

/* Structural invariants of rq, and agreement with the model. */
static void check(void)
{
    static unsigned char seen[NSC];
    memset(seen, 0, sizeof(seen));
    for (unsigned p = 0; p < SC_PRIOS; p++) {
        bool bit = (rq.bitmap[p / 64] >> (p % 64)) & 1;
        assert_int_equal(bit, rq.head[p] != NULL);
        struct sc *h = rq.head[p], *s = h;
        if (h == NULL)
            continue;
        int64_t last = INT64_MIN;
        do {
            int i = (int)(s - pool);
            assert_false(seen[i]);
            seen[i] = 1;
            assert_int_equal(s->prio, p);
            assert_int_equal(s->state, SC_READY);
            assert_int_equal(m[i].state, SC_READY);
            assert_true(m[i].ord > last);
            last = m[i].ord;
            assert_ptr_equal(s->next->prev, s);
            s = s->next;
        } while (s != h);
    }
    if (rq.depleted != NULL) {
        struct sc *h = rq.depleted, *s = h;
        uint64_t lr = 0, ls = 0;
        do {
            int i = (int)(s - pool);
            assert_false(seen[i]);
            seen[i] = 1;
            assert_int_equal(s->state, SC_DEPLETED);
            assert_int_equal(m[i].state, SC_DEPLETED);
            assert_int_equal(s->replenish_at, m[i].repl);
            assert_true(s->replenish_at > lr || (s->replenish_at == lr && m[i].seq > ls));
            lr = s->replenish_at;
            ls = m[i].seq;
            assert_ptr_equal(s->next->prev, s);
            s = s->next;
        } while (s != h);
    }
    if (mcur < 0) {
        assert_null(rq.current);
    } else {
        assert_ptr_equal(rq.current, &pool[mcur]);
        assert_false(seen[mcur]);
        seen[mcur] = 1;
    }
    for (int i = 0; i < NSC; i++) {
        assert_int_equal(pool[i].state, m[i].state);
        if (!seen[i])
            assert_int_equal(pool[i].state, i == mcur ? SC_RUNNING : SC_IDLE);
        if (pool[i].state == SC_READY || pool[i].state == SC_RUNNING) {
            assert_true(pool[i].left_us > 0);
            assert_int_equal(pool[i].debt_us, 0);
        }
    }
}

/* Budgets only agree once both sides have refreshed to the same time. */
static void check_budget(int i)
{
    assert_int_equal(pool[i].left_us, m[i].left);
    assert_int_equal(pool[i].debt_us, m[i].debt);
    assert_int_equal(pool[i].period_end, m[i].pend);
}

static void run_random(uint64_t base, uint64_t seed)
{
    uint64_t now = base;
    runq_init(&rq);
    mcur = -1;
    tail_ord = head_ord = 0;
    dseq = 0;
    for (int i = 0; i < NSC; i++) {
        uint64_t b = 20 + rng(&seed) % 600;
        uint64_t p = rng(&seed) % 4 == 0 ? b : b + 200 + rng(&seed) % (100 * b);
        mk(&pool[i], (unsigned)i % SC_PRIOS, b, p, now);
        memset(&m[i], 0, sizeof(m[i]));
        m[i].state = SC_IDLE;
        m[i].left = b;
        m[i].pend = now + p;
    }
    for (int op = 0; op < 20000; op++) {
        int i = (int)(rng(&seed) % NSC);
        unsigned r = (unsigned)(rng(&seed) % 100);
        now += rng(&seed) % 20;
        if (r < 20) {
            runq_ready(&rq, &pool[i], now);
            m_ready(i, now);
            check_budget(i);
        } else if (r < 28) {
            runq_block(&rq, &pool[i]);
            if (mcur == i)
                mcur = -1;
            m[i].state = SC_IDLE;
        } else if (r < 35) {
            runq_yield(&rq, &pool[i]);
            if (m[i].state == SC_READY || m[i].state == SC_RUNNING) {
                if (mcur == i)
                    mcur = -1;
                m_ready_tail(i);
            }
        } else if (r < 55) {
            struct sc *p = runq_pick(&rq, now);
            int mi = m_pick(now);
            assert_ptr_equal(p, mi < 0 ? NULL : &pool[mi]);
        } else if (r < 70) {
            if (mcur >= 0) {
                uint64_t used = rng(&seed) % 400;
                now += used;
                runq_charge(&rq, &pool[mcur], used, now);
                int c = mcur;
                m_charge(c, used, now);
                check_budget(c);
            }
        } else {
            uint64_t used = rng(&seed) % 700;
            runq_charge(&rq, &pool[i], used, now);
            m_charge(i, used, now);
            check_budget(i);
        }
        check();
    }
}

static void test_random_against_model(void **state)
{
    (void)state;
    run_random(1000000, 0x9e3779b97f4a7c15ull);
}

static void test_random_near_half_range(void **state)
{
    (void)state;
    run_random(UINT64_MAX / 2 - 300000, 0x123456789abcdefull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_bad_args),
        cmocka_unit_test(test_pick_by_priority),
        cmocka_unit_test(test_round_robin_yield),
        cmocka_unit_test(test_block_ready),
        cmocka_unit_test(test_block_keeps_budget),
        cmocka_unit_test(test_preempt),
        cmocka_unit_test(test_depletion_and_replenish),
        cmocka_unit_test(test_overrun),
        cmocka_unit_test(test_charge_across_boundary),
        cmocka_unit_test(test_charge_many_periods),
        cmocka_unit_test(test_proportional_share),
        cmocka_unit_test(test_lower_runs_when_higher_blocked),
        cmocka_unit_test(test_next_event),
        cmocka_unit_test(test_prio_extremes),
        cmocka_unit_test(test_budget_equals_period),
        cmocka_unit_test(test_time_near_half_range),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_random_near_half_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
