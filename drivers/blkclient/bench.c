/* blkclient's benchmark (`bench=N`, `seq-kib=K`; make bench): N reads of
   4 KiB at successive block addresses, each timed from the client's
   call to the driver's reply (IPC to the driver, the NVMe command, its
   completion by MSI-X through interrupt remapping, the reply), then K
   KiB written and read back sequentially in requests of the most the
   driver takes (two pages), timed as a batch. TSC ticks, the timer's
   own cost subtracted; scripts/bench.sh turns them into ns and MiB/s
   with the TSC rate hv measured. */
#include "blkclient.h"
#include <bh/stats.h>

#define BENCH_MAX 4000u

static uint64_t samples[BENCH_MAX];

/* Requests of per blocks from lba on, bytes in all; the ticks the batch took. */
static enum bh_status batch(uint64_t op, uint64_t lba, uint64_t per, uint64_t bs, uint64_t bytes,
                            uint64_t *ticks)
{
    enum bh_status s = BH_OK;
    uint64_t t0 = bh_rdtsc();
    for (uint64_t done = 0; s == BH_OK && done < bytes; done += per * bs, lba += per)
        s = call(op, lba, per, 0, NULL);
    *ticks = bh_rdtsc() - t0;
    return s;
}

bool bench_phase(unsigned n, uint64_t seq_kib, uint64_t bs, uint64_t blocks, uint64_t max)
{
    uint64_t per = 4096 / bs, cost = bh_timing_cost(), lba = 0;
    enum bh_status s = BH_OK;
    n = n > BENCH_MAX ? BENCH_MAX : n;
    s = call(BLK_OP_CRASH, 0, 0, 0, NULL);      /* drivers-bench.dts gives no test-crash */
    bh_tap(s == BH_ERIGHTS, "blk: a driver started without test-crash refuses BLK_OP_CRASH: ERIGHTS (%d)", s);
    s = BH_OK;
    for (unsigned i = 0; i < 16 && s == BH_OK; i++)           /* warm up: caches, the handler */
        s = call(BLK_OP_READ, 0, per, 4096, NULL);
    unsigned done = 0;
    while (s == BH_OK && done < n) {
        if (lba + per > blocks)
            lba = 0;
        uint64_t t0 = bh_rdtsc();
        s = call(BLK_OP_READ, lba, per, 4096, NULL);
        samples[done] = bh_rdtsc() - t0 - cost;
        done += s == BH_OK, lba += per;
    }
    bh_tap(s == BH_OK && done == n, "blk: bench: %u reads of 4 KiB through the driver (%d)", done, s);
    if (done) {
        struct bh_stats st = bh_stats(samples, done);
        bh_printf("# bench: nvme read-4k min=%lu median=%lu p99=%lu ticks (n=%u)\n", st.min, st.median,
                  st.p99, done);
    }
    uint64_t bytes = seq_kib * 1024, big = max * bs > 8192 ? 8192 / bs : max, tw = 0, tr = 0;
    if (s != BH_OK || !bytes)
        return s == BH_OK;
    if (bytes > blocks * bs)
        bytes = blocks * bs;
    bytes -= bytes % (big * bs);
    enum bh_status sw = batch(BLK_OP_WRITE, 0, big, bs, bytes, &tw);
    enum bh_status sr = sw == BH_OK ? batch(BLK_OP_READ, 0, big, bs, bytes, &tr) : sw;
    bh_tap(sw == BH_OK && sr == BH_OK, "blk: bench: %lu KiB written and read sequentially in %lu KiB "
           "requests (%d %d)", bytes / 1024, big * bs / 1024, sw, sr);
    bh_printf("# bench: nvme seq-write bytes=%lu ticks=%lu requests=%lu\n", bytes, tw, bytes / (big * bs));
    bh_printf("# bench: nvme seq-read bytes=%lu ticks=%lu requests=%lu\n", bytes, tr, bytes / (big * bs));
    return sw == BH_OK && sr == BH_OK;
}
