/* blkclient's restart test (`crash=N`, `crash-lba=L`): the NVMe driver,
   started with `test-crash=1`, is asked (BLK_OP_CRASH) to acknowledge N
   more writes and fault during the next one. The root task ends it,
   resets nothing itself, restarts it by its policy and delegates this
   client's configured `blk` capability again, to the new instance's
   portal. The client meanwhile sees BH_EABORT (the dead instance's
   portal), BH_ECAP (the selector emptied) and BH_EBUSY (the new instance
   starting), retries until it answers, shares its pages again and reads
   back every block the driver had acknowledged. */
#include "blkclient.h"
#include <bh/libc.h>

#define RECONNECT_MS 60000u

static void fill(uint64_t lba, uint64_t bs)
{
    volatile uint32_t *w = (volatile uint32_t *)BUF_VA;
    for (unsigned i = 0; i < 1024; i++)
        w[i] = pattern(lba + i * 4 / bs, i % (unsigned)(bs / 4));
}

/* Reads blocks lba..lba+n-1 a page at a time into page 1; returns the
   words that differ from the pattern (a failed read counts all). */
static unsigned verify(uint64_t lba, uint64_t n, uint64_t bs)
{
    volatile uint32_t *r = (volatile uint32_t *)(BUF_VA + 4096);
    uint64_t per = 4096 / bs;
    unsigned bad = 0;
    for (uint64_t b = lba; b < lba + n; b += per) {
        uint64_t k = lba + n - b < per ? lba + n - b : per;
        for (unsigned i = 0; i < 1024; i++)
            r[i] = 0;
        if (call(BLK_OP_READ, b, k, 4096, NULL) != BH_OK) {
            bad += (unsigned)(k * bs / 4);
            continue;
        }
        for (unsigned i = 0; i < k * bs / 4; i++)
            bad += r[i] != pattern(b + i * 4 / bs, i % (unsigned)(bs / 4));
    }
    return bad;
}

/* INFO until the driver answers it; the statuses seen on the way in
   *seen (a bit each); any other status ends the wait. */
static enum bh_status reconnect(unsigned *ms, uint32_t *seen)
{
    for (*ms = 0; *ms < RECONNECT_MS; *ms += 10) {
        enum bh_status s = call(BLK_OP_INFO, 0, 0, 0, NULL);
        if (s != BH_EABORT && s != BH_ECAP && s != BH_EBUSY)
            return s;
        *seen |= 1u << s;
        bh_sm_down(SVC_SEL_PARK, 10000);
    }
    return BH_ETIMEOUT;
}

static const char *yes(uint32_t seen, enum bh_status s) { return seen & 1u << s ? "yes" : "no"; }

bool restart_phase(uint64_t n, uint64_t lba0, uint64_t bs, uint64_t first, uint64_t before)
{
    uint64_t per = 4096 / bs, acked = 0, pages = 0;
    enum bh_status s = call(BLK_OP_CRASH, n, 0, 0, NULL);
    bh_tap(s == BH_OK, "blk: the driver will crash after %lu more acknowledged writes (%d)", n, s);
    if (s != BH_OK)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        fill(lba0 + i * per, bs);
        acked += call(BLK_OP_WRITE, lba0 + i * per, per, 0, NULL) == BH_OK;
    }
    fill(lba0 + n * per, bs);
    s = call(BLK_OP_WRITE, lba0 + n * per, per, 0, NULL);
    bh_tap(acked == n && s == BH_EABORT,
           "blk: %lu of %lu writes at %lu.. acknowledged, then the driver died during the next: EABORT (%d)",
           acked, n, lba0, s);
    unsigned ms = 0;
    uint32_t seen = 0;
    s = reconnect(&ms, &seen);
    bh_tap(s == BH_OK, "blk: reconnected to the restarted driver after %u ms (dead portal EABORT: %s, "
           "empty selector ECAP: %s, starting EBUSY: %s; %d)", ms, yes(seen, BH_EABORT),
           yes(seen, BH_ECAP), yes(seen, BH_EBUSY), s);
    if (s != BH_OK)
        return false;
    s = call(BLK_OP_READ, first, 1, 0, NULL);
    bh_tap(s == BH_EINVAL, "blk: the new instance holds no buffer of ours: a read before ATTACH: EINVAL (%d)", s);
    s = attach(&pages);
    bh_tap(s == BH_OK && pages == PAGES, "blk: the same %lu pages shared again with the new instance (%d)",
           pages, s);
    if (s != BH_OK)
        return false;
    unsigned bad0 = verify(first, before, bs), bad1 = verify(lba0, n * per, bs);
    bh_tap(bad0 + bad1 == 0, "blk: every acknowledged block reads back intact through the restarted "
           "driver (%lu at %lu.., %lu at %lu..: %u and %u bad words)", before, first, n * per, lba0, bad0, bad1);
    enum bh_status sw, sr;
    uint64_t again = lba0 + (n + 1) * per;
    bool rt = round_trip(again, per, bs, &sw, &sr);
    bh_tap(rt,
           "blk: the restarted driver writes and reads again (%lu blocks at %lu: %d %d)", per, again, sw, sr);
    bh_tap(call(0xdead, 0, 1, 0, NULL) == BH_EINVAL && call(BLK_OP_READ, ~0ull, 1, 0, NULL) == BH_ERANGE &&
           call(BLK_OP_ATTACH, 1, 0, 0, NULL) == BH_EEXIST,
           "blk: after the restart, an unknown op, blocks beyond the namespace, a second buffer: EINVAL, ERANGE, EEXIST");
    return true;
}
