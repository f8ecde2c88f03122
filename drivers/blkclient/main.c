/* blkclient: a block client of the NVMe driver (bh/blk.h). It shares two
   fresh pages that carry BH_M_DMA with the driver (a BH_ITEM_MAP item),
   writes blocks with a pattern through them, reads them back into the
   other page and compares; then sends malformed requests, each of which
   must be refused with its status; asks the PCI server for a device it
   was not given; and takes its pages back under the driver's feet. Results are TAP lines; tests/system/drivers.t also
   finds the pattern in the disk image afterwards. Arguments: `lba=N`
   (first block written, default 16), `count=N` (requests, default 8),
   `crash=N` (before taking its pages back: the restart test of restart.c,
   N acknowledged writes before the driver crashes; default 0: none),
   `crash-lba=N` (where those writes go, default 256); `bench=N` and
   `seq-kib=K`: only the benchmark of bench.c (make bench). */
#include "blkclient.h"
#include <bh/pci.h>
#include <bh/libc.h>

int main(const char *args, unsigned long arg2);

#define SEL_PCI 18u              /* the PCI server, under a client number with no device */
#define SEL_STOLEN 40u

enum bh_status call(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t *r1)
{
    struct bh_msg m = { 4, { op, a, b, c } };
    enum bh_status s = bh_call(SEL_BLK, &m);
    if (r1)
        *r1 = m.w[1];
    return s != BH_OK ? s : (enum bh_status)m.w[0];
}

enum bh_status attach(uint64_t *pages)
{
    struct bh_utcb *u = (struct bh_utcb *)BH_ROOT_UTCB;
    u->item[0] = (struct bh_item){ BH_ITEM_MAP | (BH_M_R | BH_M_W | BH_M_DMA) << 8, BUF_VA, PAGES, 0 };
    struct bh_msg m = { 4 | BH_MSG_MKITEMS(1), { BLK_OP_ATTACH, PAGES, 0, 0 } };
    enum bh_status s = bh_call(SEL_BLK, &m);
    *pages = m.w[1];
    return s != BH_OK ? s : (enum bh_status)m.w[0];
}

/* INFO until the driver is ready (it answers BH_EBUSY while it starts). */
static enum bh_status wait_ready(uint64_t *bs, uint64_t *blocks, uint64_t *max)
{
    for (unsigned i = 0; i < 3000; i++) {
        struct bh_msg m = { 4, { BLK_OP_INFO, 0, 0, 0 } };
        enum bh_status s = bh_call(SEL_BLK, &m);
        if (s == BH_OK && m.w[0] != BH_EBUSY) {
            *bs = m.w[1], *blocks = m.w[2], *max = m.w[3];
            return (enum bh_status)m.w[0];
        }
        if (s != BH_OK)
            return s;
        bh_sm_down(SVC_SEL_PARK, 10000);
    }
    return BH_ETIMEOUT;
}

uint32_t pattern(uint64_t lba, unsigned i) { return (uint32_t)(0xb10c0000u ^ lba << 12 ^ i); }

/* Writes n blocks at lba from page 0, reads them into page 1, compares. */
bool round_trip(uint64_t lba, uint64_t n, uint64_t bs, enum bh_status *sw, enum bh_status *sr)
{
    volatile uint32_t *w = (volatile uint32_t *)BUF_VA, *r = (volatile uint32_t *)(BUF_VA + 4096);
    unsigned words = (unsigned)(n * bs / 4);
    for (unsigned i = 0; i < words; i++)
        w[i] = pattern(lba + i * 4 / bs, i % (unsigned)(bs / 4)), r[i] = 0;
    *sw = call(BLK_OP_WRITE, lba, n, 0, NULL);
    *sr = call(BLK_OP_READ, lba, n, 4096, NULL);
    unsigned bad = 0;
    for (unsigned i = 0; i < words; i++)
        bad += r[i] != w[i];
    return *sw == BH_OK && *sr == BH_OK && bad == 0;
}

static void malformed(uint64_t blocks, uint64_t max)
{
    bh_tap(call(BLK_OP_READ, blocks, 1, 0, NULL) == BH_ERANGE &&
           call(BLK_OP_READ, blocks - 1, 2, 0, NULL) == BH_ERANGE &&
           call(BLK_OP_WRITE, ~0ull, 1, 0, NULL) == BH_ERANGE,
           "blk: blocks beyond the namespace (%lu, %lu+2, ~0): ERANGE", blocks, blocks - 1);
    bh_tap(call(BLK_OP_READ, 0, max + 1, 0, NULL) == BH_ERANGE &&
           call(BLK_OP_READ, 0, 1, PAGES * 4096, NULL) == BH_ERANGE &&
           call(BLK_OP_WRITE, 0, max, 4096, NULL) == BH_ERANGE,
           "blk: more blocks than a request takes, or beyond the shared buffer: ERANGE");
    bh_tap(call(BLK_OP_READ, 0, 0, 0, NULL) == BH_EINVAL && call(BLK_OP_READ, 0, 1, 3, NULL) == BH_EINVAL &&
           call(0xdead, 0, 1, 0, NULL) == BH_EINVAL,
           "blk: zero blocks, a misaligned offset, an unknown op: EINVAL");
    bh_tap(call(BLK_OP_ATTACH, 1, 0, 0, NULL) == BH_EEXIST, "blk: a second buffer: EEXIST");
}

/* The PCI server gives this client nothing, whatever it asks. */
static void steal(void)
{
    struct bh_utcb *u = (struct bh_utcb *)BH_ROOT_UTCB;
    u->rcv_sel = SEL_STOLEN, u->rcv_sels = 1;
    unsigned type = 0, rights = 0;
    struct bh_msg m = { 4, { PCI_OP_GET, 0, 0, 0 } };
    enum bh_status s = bh_call(SEL_PCI, &m);
    struct bh_msg m2 = { 4, { PCI_OP_GET, 1, 0, 0 } };
    enum bh_status s2 = bh_call(SEL_PCI, &m2);
    bh_tap(s == BH_OK && m.w[0] == BH_ERIGHTS && s2 == BH_OK && m2.w[0] == BH_ERIGHTS &&
           BH_MSG_ITEMS(m.mi) == 0 && bh_lookup(SEL_STOLEN, &type, &rights) == BH_ECAP,
           "blk: the PCI server refuses a device to a client it has none for: ERIGHTS, no capability");
    u->rcv_sels = 0;
}

int main(const char *args, unsigned long arg2)
{
    (void)arg2;
    uint64_t first = srv_arg(args, "lba", 16), count = srv_arg(args, "count", 8);
    uint64_t bs = 0, blocks = 0, max = 0, pages = 0;
    enum bh_status s = svc_serve(NULL);           /* started: the root waits for this */
    if (s == BH_OK)
        s = wait_ready(&bs, &blocks, &max);
    bh_tap(s == BH_OK && bs >= 512 && blocks > first + count * 8,
           "blk: the driver serves %lu blocks of %lu bytes, %lu per request (%d)", blocks, bs, max, s);
    if (s != BH_OK)
        return 1;
    s = bh_map(SEL_SELF, 0, BUF_VA, PAGES, BH_M_R | BH_M_W | BH_M_DMA | BH_MAP_FRESH);
    if (s == BH_OK)
        s = attach(&pages);
    bh_tap(s == BH_OK && pages == PAGES, "blk: %lu DMA-capable pages shared with the driver (%d)", pages, s);
    if (s != BH_OK)
        return 1;
    uint64_t nbench = srv_arg(args, "bench", 0);
    if (nbench)                                  /* make bench: only that */
        return bench_phase((unsigned)nbench, srv_arg(args, "seq-kib", 0), bs, blocks, max) ? 0 : 1;
    unsigned good = 0;
    uint64_t per = 4096 / bs;                    /* one page of blocks per request */
    enum bh_status sw = BH_OK, sr = BH_OK;
    for (uint64_t i = 0; i < count; i++)
        good += round_trip(first + i * per, per, bs, &sw, &sr);
    bh_tap(good == count, "blk: %u of %lu writes of %lu blocks at %lu.. read back equal (last: %d %d)",
           good, count, per, first, sw, sr);
    malformed(blocks, max);
    steal();
    uint64_t crash = srv_arg(args, "crash", 0);
    if (crash && !restart_phase(crash, srv_arg(args, "crash-lba", 256), bs, first, count * per))
        return 1;
    /* Take the pages back: the driver's copies and their DMA mappings go
       with them; a read into them now makes the device fault, and the
       driver, which never touches them, keeps answering. */
    enum bh_status su = bh_unmap(BUF_VA, PAGES, 0), sgone = call(BLK_OP_READ, first, 1, 0, NULL);
    uint64_t dummy;
    bh_tap(su == BH_OK && sgone != BH_ETIMEOUT &&
           call(BLK_OP_INFO, 0, 0, 0, &dummy) == BH_OK,
           "blk: after the client took its pages back, a read (%d) only makes the device fault: "
           "the driver still answers", sgone);
    bh_printf("# blk: done\n");
    return 0;
}
