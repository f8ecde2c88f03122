/* `bench-dma=N` (make bench): what it costs the kernel to put one page
   into the device's DMA space and take it out again. BH_SYS_MAP with
   BH_MAP_DMA writes the second-level entry (hv/mem.c, vtd_dom_map);
   BH_SYS_UNMAP of the driver's own page without BH_REVOKE_SELF removes
   only that child mapping: the entry is cleared and the IOTLB entry
   invalidated through the queued-invalidation interface before the call
   returns (vtd_dom_unmap). Times are TSC ticks from user space, the
   timer's own cost subtracted. */
#include "nvme_drv.h"
#include <bh/stats.h>

#define BENCH_VA 0x58000000ull   /* a page of its own, BH_M_DMA */
#define BENCH_IOVA 0x38000000ull /* where it enters the DMA space */
#define BENCH_MAX 2000u

static uint64_t t_map[BENCH_MAX], t_unmap[BENCH_MAX], t_pair[BENCH_MAX];

static void report(const char *name, uint64_t *v, unsigned n)
{
    struct bh_stats st = bh_stats(v, n);
    bh_printf("# bench: dma %s min=%lu median=%lu p99=%lu ticks (n=%u)\n", name, st.min, st.median,
              st.p99, n);
}

void nvme_bench_dma(unsigned n)
{
    n = n > BENCH_MAX ? BENCH_MAX : n;
    enum bh_status s = bh_map(SEL_SELF, 0, BENCH_VA, 1, BH_M_R | BH_M_W | BH_M_DMA | BH_MAP_FRESH);
    uint64_t cost = bh_timing_cost();
    unsigned done = 0;
    while (s == BH_OK && done < n) {
        uint64_t t0 = bh_rdtsc();
        s = bh_map(SEL_SELF, BENCH_VA, BENCH_IOVA, 1, BH_M_R | BH_M_W | BH_MAP_DMA);
        uint64_t t1 = bh_rdtsc();
        if (s == BH_OK)
            s = bh_unmap(BENCH_VA, 1, 0);
        uint64_t t2 = bh_rdtsc();
        t_map[done] = t1 - t0 - cost, t_unmap[done] = t2 - t1 - cost, t_pair[done] = t2 - t0 - cost;
        done += s == BH_OK;
    }
    bh_tap(s == BH_OK && done == n, "nvme: bench: %u BH_MAP_DMA maps and unmaps of one page in the "
           "device's DMA space (%d)", done, s);
    if (done) {
        report("map", t_map, done);
        report("unmap", t_unmap, done);
        report("map+unmap", t_pair, done);
    }
    bh_unmap(BENCH_VA, 1, BH_REVOKE_SELF);
}
