/* Timing helpers for benchmarks in user space (drivers' `bench` modes):
   the TSC, and min/median/p99 of a sample set. Figures are printed as
   `# bench: ...` lines that scripts/bench.sh collects. */
#ifndef BH_STATS_H
#define BH_STATS_H

#include <stdint.h>

/* The TSC, after earlier instructions completed (LFENCE; RDTSC). */
static inline uint64_t bh_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

struct bh_stats {
    uint64_t min, median, p99;
};

/* Sorts the n samples in v (insertion sort: n is small) and returns
   their minimum, median and 99th percentile; n > 0. */
static inline struct bh_stats bh_stats(uint64_t *v, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return (struct bh_stats){ v[0], v[n / 2], v[(uint64_t)n * 99 / 100] };
}

/* The smallest cost of two back-to-back bh_rdtsc() calls, to subtract. */
static inline uint64_t bh_timing_cost(void)
{
    uint64_t best = ~0ull;
    for (unsigned i = 0; i < 64; i++) {
        uint64_t t0 = bh_rdtsc(), d = bh_rdtsc() - t0;
        best = d < best ? d : best;
    }
    return best;
}

#endif
