/* The NVMe driver's block protocol (bh/blk.h). Every request is checked
   against the namespace and the client's buffer before a command is
   built; the device's answer is checked by queue.c. */
#include "nvme_drv.h"
#include <bh/blk.h>

/* Transfers go through PRP1/PRP2 only (no PRP lists): two pages. */
static uint64_t max_blocks(void) { return 8192u >> drv.shift; }

static void info(struct bh_msg *m)
{
    m->w[0] = BH_OK;
    m->w[1] = 1u << drv.shift, m->w[2] = drv.blocks, m->w[3] = max_blocks();
}

/* The client's pages (landed in the window) into the device's DMA space. */
static void attach(struct bh_msg *m)
{
    struct bh_utcb *u = srv_utcb();
    uint64_t pages = m->w[1];
    if (drv.buf_pages) {
        m->w[0] = BH_EEXIST;
        return;
    }
    if (BH_MSG_ITEMS(m->mi) != 1 || u->item[0].result != BLK_BUF_WINDOW || pages == 0 ||
        pages > BLK_BUF_PAGES) {
        m->w[0] = BH_EINVAL;
        return;
    }
    enum bh_status s = bh_map(SEL_SELF, BLK_BUF_WINDOW, BUF_IOVA, pages, BH_M_R | BH_M_W | BH_MAP_DMA);
    if (s != BH_OK) {
        bh_unmap(BLK_BUF_WINDOW, pages, BH_REVOKE_SELF);      /* give the window back */
        m->w[0] = s;
        return;
    }
    drv.buf_pages = (unsigned)pages;
    u->rcv_pages = 0;                                         /* one buffer per driver run */
    m->w[0] = BH_OK, m->w[1] = pages;
}

/* The test crash (BLK_OP_CRASH): the write goes to the device, and the
   driver faults with it in flight, a #PF the root task sees as failure. */
static volatile uintptr_t null_page;   /* 0, hidden from the compiler */

__attribute__((noreturn)) static void crash(const struct nvme_cmd *c, uint64_t lba)
{
    nvme_kick(&drv.io, c);
    bh_printf("# nvme: crashing on request: write of block %lu in flight, touching address 0\n", lba);
    for (;;)
        *(volatile uint32_t *)null_page = 0xdeadu;
}

static void transfer(struct bh_msg *m, bool write)
{
    uint64_t lba = m->w[1], n = m->w[2], off = m->w[3], prp1, prp2;
    unsigned st = 0;
    if (!drv.buf_pages || n == 0 || (off & ((1u << drv.shift) - 1))) {
        m->w[0] = BH_EINVAL;
        return;
    }
    if (lba >= drv.blocks || n > drv.blocks - lba || n > max_blocks() ||
        off >= drv.buf_pages * 4096ull || n << drv.shift > drv.buf_pages * 4096ull - off) {
        m->w[0] = BH_ERANGE;
        return;
    }
    struct nvme_cmd c;
    if (!nvme_prp(BUF_IOVA + off, n << drv.shift, &prp1, &prp2) ||
        !nvme_cmd_rw(&c, write, 1, lba, (uint32_t)n, prp1, prp2)) {
        m->w[0] = BH_ERANGE;
        return;
    }
    if (write && drv.crash_armed && drv.crash_left == 0)
        crash(&c, lba);
    unsigned before = drv.malformed;
    enum bh_status s = nvme_run(&drv.io, &c, &st);
    m->w[0] = s == BH_ETIMEOUT && drv.malformed != before ? BH_EFORMAT : s;
    m->w[1] = st;
    if (write && s == BH_OK && drv.crash_armed)
        drv.crash_left--;                                     /* acknowledged */
}

static void arm_crash(struct bh_msg *m)
{
    if (!drv.crash_ok) {
        m->w[0] = BH_ERIGHTS;
        return;
    }
    drv.crash_armed = true, drv.crash_left = m->w[1];
    bh_printf("# nvme: test crash armed: after %lu more acknowledged writes\n", drv.crash_left);
    m->w[0] = BH_OK;
}

void nvme_serve(struct bh_msg *m, uint64_t badge)
{
    (void)badge;
    if (m->w[0] != BLK_OP_INFO && m->w[0] != BLK_OP_ATTACH && m->w[0] != BLK_OP_READ &&
        m->w[0] != BLK_OP_WRITE && m->w[0] != BLK_OP_CRASH) {
        m->w[0] = BH_EINVAL;
        return;
    }
    if (drv.failed || !drv.ready) {
        m->w[0] = drv.failed ? BH_EABORT : BH_EBUSY;
        return;
    }
    switch (m->w[0]) {
    case BLK_OP_INFO: info(m); break;
    case BLK_OP_ATTACH: attach(m); break;
    case BLK_OP_READ: transfer(m, false); break;
    case BLK_OP_CRASH: arm_crash(m); break;
    default: transfer(m, true); break;
    }
}
