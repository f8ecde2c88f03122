/* IPC benchmark (make bench): round trips through a portal on one CPU,
   measured with RDTSC around each call. In Bochs the TSC counts executed
   instructions, so the numbers are instruction counts. */
#include "rt.h"

#define N 2000
static uint64_t samples[N];

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

static void sort(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static unsigned failures;

static void run(const char *name, uint64_t pt, uint64_t words)
{
    uint64_t base = 0;
    for (unsigned i = 0; i < N; i++) {       /* cost of the timing itself */
        uint64_t t0 = rdtsc();
        samples[i] = rdtsc() - t0;
    }
    sort(samples, N);
    base = samples[0];
    for (unsigned i = 0; i < N; i++) {
        struct bh_msg m = { words, { i, 2, 3, 4 } };
        uint64_t t0 = rdtsc();
        if (bh_call(pt, &m) != BH_OK || m.w[0] != i)
            failures++;
        samples[i] = rdtsc() - t0 - base;
    }
    sort(samples, N);
    bh_printf("# bench: ipc %s min=%lu median=%lu p99=%lu ticks\n", name, samples[0],
              samples[N / 2], samples[N * 99 / 100]);
}

void bench_ipc(void)
{
    uint64_t ec = rt_sel(), pt = rt_sel();
    if (bh_create_ec(ec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)echo, rt_stack() - 8) != BH_OK ||
        bh_create_pt(pt, SEL_PD, ec, 1) != BH_OK) {
        bh_tap(false, "bench: create the echo server");
        return;
    }
    run("fast-path,4-words", pt, 4);
    run("general-path,8-words", pt, 8);
    bh_tap(failures == 0, "bench: every timed call returned its own message (%u failed)", failures);
}
