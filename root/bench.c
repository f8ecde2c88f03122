/* IPC benchmark (make bench): portal round trips, measured with RDTSC
   around each one, N per row; min, median and p99 after subtracting the
   cost of the timing itself. In Bochs the TSC counts executed
   instructions, so the numbers are instruction counts. Rows:
     same-pd/fast-path/4w     root (CPU 0) -> a local EC in the root PD
     same-pd/general-path/8w  the same, 8 words (4 travel in the UTCBs)
     cross-pd/fast-path/4w    root -> the local EC of servers/bench, in its
     cross-pd/general-path/8w   own PD, on CPU 0 (server manager start)
     cross-pd/delegate-item+revoke/4w
                              the call carries one BH_ITEM_DELEGATE item (a
                              semaphore, UP only) into bench's receive
                              window; bench revokes its copy (BH_REVOKE_SELF)
                              before it replies, so the slot is free again
     cross-cpu/4w, /8w        root on CPU 0 -> a local EC with its own SC
                              on CPU 1, in the root PD (IPI both ways) */
#include "rt.h"
#include "servers.h"
#include "lib/sha256.h"

#define N 2000
#define BENCH_OP_LOOKUP 0xbe9c4ull   /* servers/bench: type of the cap at w1 */
#define BENCH_OP_ITEM 0xbe9c5ull     /* servers/bench: drop the item that came */
#define BENCH_CAP_SEL 32u            /* bench's receive window: where the copy lands */

static uint64_t samples[N];
static uint64_t timing_cost;
static unsigned failures;
/* Each row's figures, printed once every row ran. */
static struct { const char *name; uint64_t min, median, p99; } results[8];
static unsigned nresults;
static struct { bool done, ok; unsigned after; enum bh_status s; } item_check;

static void echo(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t unused, uint64_t w2, uint64_t w3)
{
    (void)unused;
    struct bh_msg m = { 4, { w0, w1, w2, w3 } };
    for (;;)
        bh_reply_wait(&m, &badge);
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Shell sort (Ciura's gaps). */
static void sort(uint64_t *v, unsigned n)
{
    static const unsigned gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
    for (unsigned g = 0; g < sizeof gaps / sizeof gaps[0]; g++)
        for (unsigned i = gaps[g]; i < n; i++) {
            uint64_t t = v[i];
            unsigned j = i;
            for (; j >= gaps[g] && v[j - gaps[g]] > t; j -= gaps[g])
                v[j] = v[j - gaps[g]];
            v[j] = t;
        }
}

/* The smallest cost of two back-to-back timer reads. */
static void measure_timing_cost(void)
{
    for (unsigned i = 0; i < N; i++) {
        uint64_t t0 = rdtsc();
        samples[i] = rdtsc() - t0;
    }
    sort(samples, N);
    timing_cost = samples[0];
}

/* Bochs's magic breakpoint (XCHG BX, BX, a no-op everywhere else): the
   debugger of scripts/bench-split.sh stops here as each timed row
   begins, wherever the rows fall in time. */
static inline void row_mark(void)
{
    __asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

static void report(const char *name)
{
    sort(samples, N);
    if (nresults < sizeof results / sizeof results[0])
        results[nresults++] = (__typeof__(results[0])){ name, samples[0], samples[N / 2],
                                                        samples[N * 99 / 100] };
}

static void print_results(void)
{
    for (unsigned i = 0; i < nresults; i++)
        bh_printf("# bench: ipc %s min=%lu median=%lu p99=%lu ticks\n", results[i].name,
                  results[i].min, results[i].median, results[i].p99);
    if (item_check.done)
        bh_tap(item_check.ok,
               "bench: a DELEGATE item reaches bench's receive window, bench's revoke frees the slot "
               "again (then type %u) and the root keeps its own (status %d)", item_check.after,
               item_check.s);
}

/* One untimed call first: it makes sure the handler is waiting and, for
   servers/bench, sets its reply length to the call's. Not inlined, nor
   time_item_calls: make bench's hv/user split (scripts/bench-split.sh)
   finds the timed SYSCALL in each by name. */
static void __attribute__((noinline, noclone)) time_calls(const char *name, uint64_t pt, uint64_t words)
{
    struct bh_msg m = { words, { 0, 2, 3, 4 } };
    if (bh_call(pt, &m) != BH_OK)
        failures++;
    row_mark();
    for (unsigned i = 0; i < N; i++) {
        m = (struct bh_msg){ words, { i, 2, 3, 4 } };
        uint64_t t0 = rdtsc();
        if (bh_call(pt, &m) != BH_OK || m.w[0] != i || m.mi != words)
            failures++;
        samples[i] = rdtsc() - t0 - timing_cost;
    }
    report(name);
}

/* The calls of the item row: each carries sm as one BH_ITEM_DELEGATE
   item (reduced to UP) into bench's receive window; bench revokes its
   copy and replies w2 = items it accepted, w3 = the revoke's status.
   The reply must be all of that, with w1 = i. */
static void set_item(uint64_t sm)
{
    struct bh_utcb *u = (struct bh_utcb *)BH_ROOT_UTCB;
    u->item[0] = (struct bh_item){ BH_ITEM_DELEGATE | (BH_R_UP << 8), sm, 1, 0 };
}

static bool item_reply_ok(enum bh_status c, const struct bh_msg *m, uint64_t i)
{
    return c == BH_OK && m->mi == 4 && m->w[0] == BENCH_OP_ITEM && m->w[1] == i && m->w[2] == 1 &&
           m->w[3] == BH_OK;
}

static void __attribute__((noinline, noclone)) time_item_calls(const char *name, uint64_t pt, uint64_t sm)
{
    set_item(sm);
    row_mark();
    for (unsigned i = 0; i < N; i++) {
        struct bh_msg m = { 4 | BH_MSG_MKITEMS(1), { BENCH_OP_ITEM, i, 3, 4 } };
        uint64_t t0 = rdtsc();
        enum bh_status c = bh_call(pt, &m);
        samples[i] = rdtsc() - t0 - timing_cost;
        if (!item_reply_ok(c, &m, i))
            failures++;
    }
    report(name);
}

/* The type bench sees at BENCH_CAP_SEL (BH_OBJ_NONE if nothing is there). */
static unsigned bench_lookup(uint64_t pt)
{
    struct bh_msg m = { 4, { BENCH_OP_LOOKUP, BENCH_CAP_SEL, 0, 0 } };
    if (bh_call(pt, &m) != BH_OK || m.w[2] != BH_OK)
        return BH_OBJ_NONE;
    return (unsigned)m.w[1];
}

/* A local EC in the root PD on cpu (with its own SC when sc_prio is not
   0) and a portal to it; returns the portal or 0. */
static uint64_t local_echo(unsigned cpu, unsigned sc_prio)
{
    uint64_t ec = rt_sel(), pt = rt_sel(), sc = rt_sel();
    enum bh_status s = bh_create_ec(ec, SEL_PD, cpu, BH_EC_LOCAL, rt_utcb(), (uint64_t)echo,
                                    rt_stack() - 8);
    if (s == BH_OK)
        s = bh_create_pt(pt, SEL_PD, ec, 1);
    if (s == BH_OK && sc_prio)
        s = bh_create_sc(sc, SEL_PD, ec, sc_prio, 10000, 10000);
    return s == BH_OK ? pt : 0;
}

/* make bench has no boot configuration: the root starts servers/bench
   from this entry, and the digest it checks is the one it records here
   of the module it was given. */
static struct bh_server_cfg bench_cfg = {
    .name = "bench", .module = "bench.elf", .priority = 50, .cpu = 0,
    .budget_us = 10000, .period_us = 10000, .memory_kib = 256,
};

static void bench_cross_pd(void)
{
    const void *img;
    size_t len;
    if (!boot_module(bench_cfg.module, &img, &len)) {
        bh_tap(false, "bench: boot module %s present (cross-PD rows)", bench_cfg.module);
        return;
    }
    sha256(img, len, bench_cfg.sha256);
    struct server *srv = server_start(&bench_cfg);
    if (!srv || !srv->pt) {
        bh_tap(false, "bench: servers/bench started in its own PD");
        return;
    }
    time_calls("cross-pd/fast-path/4w", srv->pt, 4);
    time_calls("cross-pd/general-path/8w", srv->pt, 8);

    uint64_t sm = rt_sel();
    unsigned type = 0, rights = 0;
    enum bh_status s = bh_create_sm(sm, SEL_PD, 0);
    struct bh_msg m = { 4 | BH_MSG_MKITEMS(1), { BENCH_OP_ITEM, 7, 3, 4 } };
    set_item(sm);
    bool moved = s == BH_OK && item_reply_ok(bh_call(srv->pt, &m), &m, 7);
    unsigned after = bench_lookup(srv->pt);
    bool kept = bh_lookup(sm, &type, &rights) == BH_OK && type == BH_OBJ_SM;
    item_check.done = true;            /* printed with the rows */
    item_check.ok = moved && after == BH_OBJ_NONE && kept;
    item_check.after = after;
    item_check.s = s;
    if (moved && after == BH_OBJ_NONE)
        time_item_calls("cross-pd/delegate-item+revoke/4w", srv->pt, sm);
    servers_stop_all();
}

static void bench_cross_cpu(void)
{
    if (rt_cpus() < 2) {
        bh_printf("ok - bench: cross-CPU rows # SKIP only one CPU online\n");
        return;
    }
    uint64_t pt = local_echo(CPU1, 120);
    if (!pt) {
        bh_tap(false, "bench: a handler with its own SC on cpu 1");
        return;
    }
    time_calls("cross-cpu/4w", pt, 4);
    time_calls("cross-cpu/8w", pt, 8);
}

void bench_ipc(void)
{
    uint64_t pt = local_echo(CPU0, 0);
    if (!pt) {
        bh_tap(false, "bench: create the echo server");
        return;
    }
    measure_timing_cost();
    time_calls("same-pd/fast-path/4w", pt, 4);
    time_calls("same-pd/general-path/8w", pt, 8);
    bench_cross_pd();
    bench_cross_cpu();
    print_results();
    bh_tap(failures == 0, "bench: every timed call returned its own message (%u failed)", failures);
}
