/* The driver aims its device's DMA where it has no business: an IOVA it
   never mapped, and the kernel's own physical load address (0x200000,
   which identity-mapped DMA would reach). With the device confined to
   the driver's DMA space both must be blocked by the remapping unit and
   reported through the DEV capability's fault semaphore, and the disk
   block and the driver's own pages must come out untouched. */
#include "nvme_drv.h"
#include <string.h>

#define UNMAPPED_IOVA 0x30000000ull
#define KERNEL_PA 0x200000ull    /* KERNEL_PHYS: where loaders put hv */
#define PATTERN 0x5e1f7e57u
#define SENTINEL 0xa5a5c3c3u

static volatile uint32_t *data(void) { return (volatile uint32_t *)(DMA_VA + PG_DATA * 4096ull); }

static enum bh_status rw(bool write, uint64_t lba, uint64_t iova, unsigned *st)
{
    struct nvme_cmd c;
    nvme_cmd_rw(&c, write, 1, lba, 1, iova, 0);
    return nvme_run(&drv.io, &c, st);
}

/* The fault the unit reported for iova (page), if any; drains the rest. */
static bool faulted(uint64_t iova, bool write, uint64_t *info)
{
    uint64_t r[3] = { 0, 0, 0 };
    bool up = bh_sm_down(SEL_FAULT_SM, 1000000) == BH_OK;
    enum bh_status s = bh_dev_ctrl(SEL_DEV, BH_DEV_FAULT_READ, 0, r);
    while (bh_sm_down(SEL_FAULT_SM, 1) == BH_OK)
        ;
    *info = r[1];
    return up && s == BH_OK && r[0] == (iova & ~4095ull) &&
           ((r[1] & BH_DEV_FAULT_WRITE) != 0) == write;
}

static void bad_read(uint64_t lba, uint64_t iova, const char *what)
{
    unsigned st;
    uint64_t info;
    enum bh_status s = rw(false, lba, iova, &st);
    bool f = faulted(iova, true, &info);
    bh_tap(f && s != BH_ETIMEOUT,
           "nvme: a read aimed at %s (%lx) is blocked by the IOMMU: fault reported (reason %lu, "
           "write, source %02lx:%02lx.%lx), command status %d/%x", what, iova, info & 0xff,
           info >> 24 & 0xff, info >> 19 & 31, info >> 16 & 7, s, st);
}

void nvme_selftest(void)
{
    uint64_t lba = drv.blocks - 1, info;
    unsigned bs = 1u << drv.shift, st, bad = 0;
    volatile uint32_t *d = data();
    for (unsigned i = 0; i < bs / 4; i++)
        d[i] = PATTERN ^ i;
    enum bh_status s = rw(true, lba, nvme_iova(PG_DATA), &st);
    bh_tap(s == BH_OK, "nvme: block %lu written from the driver's own DMA page (%d/%x)", lba, s, st);
    for (unsigned i = 0; i < 1024; i++)
        d[i] = SENTINEL;
    bad_read(lba, UNMAPPED_IOVA, "an IOVA the driver never mapped");
    bad_read(lba, KERNEL_PA, "the kernel's physical load address");
    /* A write whose data the device must fetch from nowhere: QEMU 7.2
       completes it (status 0) with whatever its failed read produced, so
       it goes to a block of its own, lba - 1. */
    s = rw(true, lba - 1, UNMAPPED_IOVA + 0x10000, &st);
    bool f = faulted(UNMAPPED_IOVA + 0x10000, false, &info);
    bh_tap(f && s != BH_ETIMEOUT,
           "nvme: a write whose data is at an unmapped IOVA: the device's read is blocked and "
           "reported (reason %lu, read), command status %d/%x", info & 0xff, s, st);
    for (unsigned i = 0; i < 1024; i++)
        bad += d[i] != SENTINEL;
    s = rw(false, lba, nvme_iova(PG_DATA), &st);
    for (unsigned i = 0; i < bs / 4; i++)
        bad += d[i] != (PATTERN ^ i);
    bh_tap(s == BH_OK && bad == 0,
           "nvme: afterwards the device still works, the driver's page and block %lu are intact "
           "(%u bad words, %d)", lba, bad, s);
}

/* Malformed device replies: the completion of a read is corrupted as a
   faulty device would post it (a command id nobody sent; a queue head
   beyond the ring). The driver must skip it, give up on the command after
   its timeout, and serve the next one. */
static void forged(unsigned kind, const char *what)
{
    unsigned st, before = drv.malformed;
    drv.forge = kind;
    enum bh_status s = rw(false, drv.blocks - 1, nvme_iova(PG_DATA), &st);
    unsigned seen = drv.malformed - before;
    enum bh_status again = rw(false, drv.blocks - 1, nvme_iova(PG_DATA), &st);
    bh_tap(s == BH_ETIMEOUT && seen == 1 && again == BH_OK,
           "nvme: a completion with %s is skipped as malformed (%u), the command given up (%d), "
           "and the next read completes (%d)", what, seen, s, again);
}

void nvme_selftest_malformed(void)
{
    forged(FORGE_CID, "a command id nobody sent");
    forged(FORGE_SQHD, "a queue head beyond the ring");
}

void nvme_selftest_restart(void)
{
    bad_read(drv.blocks - 1, BUF_IOVA, "the IOVA where the dead instance had its client's buffer");
}
