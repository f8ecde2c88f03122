/* nvme: a user-space NVMe driver. It gets its function from the PCI
   server as a DEV capability, maps BAR0 (registers, doorbells and the
   MSI-X table) and its ECAM page through it, assigns the device to its
   own DMA space, and runs one admin and one I/O queue pair whose
   completions arrive as MSI-X messages through interrupt remapping
   (BH_DEV_MSI_BIND): a semaphore up per message, acknowledged with
   BH_DEV_MSI_UNMASK. Polling is the fallback where the unit does not
   remap interrupts or the table is not in BAR0: the driver then looks at
   the completion queue every millisecond, and says so. Clients speak
   bh/blk.h; blocks move straight between the disk and the pages a client
   shares (with BH_M_DMA). At start it also checks that its own DMA
   reaches nothing it did not map (selftest.c); started again after a
   crash, it resets the controller the dead instance left running and
   checks that instance's mappings are gone. Queue logic: queue.c.
   Arguments: `test-crash=1` (clients may ask it to crash: the restart
   test), `bench-dma=N` (bench.c, make bench). */
#include "nvme_drv.h"
#include <bh/blk.h>
#include <bh/pci.h>
#include <string.h>

struct nvme_drv drv;

static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(drv.bar + off); }
static void wr32(unsigned off, uint32_t v) { *(volatile uint32_t *)(drv.bar + off) = v; }
static uint64_t rd64(unsigned off) { return rd32(off) | (uint64_t)rd32(off + 4) << 32; }
static void wr64(unsigned off, uint64_t v) { wr32(off, (uint32_t)v), wr32(off + 4, (uint32_t)(v >> 32)); }

#define MSI_WAIT_MS 100u

static void sleep_us(uint64_t us) { bh_sm_down(SVC_SEL_PARK, us); }

/* One message arrived: acknowledge it so the next one can come. */
static bool msi_arrived(uint64_t us)
{
    if (bh_sm_down(SEL_MSI_SM, us) != BH_OK)
        return false;
    drv.msis++;
    bh_dev_msi(SEL_DEV, BH_DEV_MSI_UNMASK, 0, 0, BH_DEV_MSIX, NULL);
    return true;
}

enum bh_status nvme_run(struct nvmeq *q, const struct nvme_cmd *c, unsigned *status)
{
    struct nvme_cpl out;
    bool by_msi = false;
    *status = 0;
    int tail = nvmeq_submit(q, c);
    if (tail < 0)
        return BH_EBUSY;
    wr32(nvme_doorbell(q->qid, false, drv.dstrd), (uint32_t)tail);
    for (unsigned waited_ms = 0; waited_ms < 5000;) {
        /* The message first: every completion posted raises one. The
           wait is long because under TCG on a loaded host the guest's
           timer runs on while its vCPU waits for the host: at 20 ms a
           message was seen to come after the timeout (make bench). */
        if (!drv.msi)
            sleep_us(1000), waited_ms++;
        else if (msi_arrived(MSI_WAIT_MS * 1000))
            by_msi = true;
        else
            waited_ms += MSI_WAIT_MS;
        volatile struct nvme_cpl *e = &q->cq[q->cq_head];
        if (drv.forge && (e->status & 1u) == q->phase) {   /* selftest: a faulty device */
            if (drv.forge == FORGE_CID)
                e->cid = (uint16_t)(e->cid ^ 0x5a5a);
            else
                e->sqhd = 0xffff;
            drv.forge = 0;
        }
        enum nvmeq_result r = nvmeq_reap(q, &out);
        if (r == NVMEQ_EMPTY)
            continue;
        wr32(nvme_doorbell(q->qid, true, drv.dstrd), q->cq_head);
        if (r == NVMEQ_DONE || r == NVMEQ_ERROR) {
            drv.cpl_msi += by_msi, drv.cpl_polled += !by_msi;
            *status = nvme_status(&out);
            return r == NVMEQ_DONE ? BH_OK : BH_EABORT;
        }
        drv.malformed++;
        bh_printf("# nvme: malformed completion ignored (kind %d: sqid %u sqhd %u cid %u)\n", r,
                  out.sqid, out.sqhd, out.cid);
    }
    bh_printf("# nvme: command %u (opcode %x) never completed\n", q->cid, c->opc);
    nvmeq_abandon(q);                  /* the queue serves the next one */
    return BH_ETIMEOUT;
}

void nvme_kick(struct nvmeq *q, const struct nvme_cmd *c)
{
    int tail = nvmeq_submit(q, c);
    if (tail >= 0)
        wr32(nvme_doorbell(q->qid, false, drv.dstrd), (uint32_t)tail);
}

/* CC.EN to want, then CSTS.RDY must follow within CAP.TO (3.1.5); the
   milliseconds it took in *ms. */
static enum bh_status ready_wait(bool want, unsigned timeout_ms, unsigned *ms)
{
    for (*ms = 0; *ms <= timeout_ms; ++*ms) {
        uint32_t st = rd32(NVME_CSTS);
        if (st & NVME_CSTS_CFS)
            return BH_EABORT;
        if (((st & NVME_CSTS_RDY) != 0) == want)
            return BH_OK;
        sleep_us(1000);
    }
    return BH_ETIMEOUT;
}

/* Faults the device caused that no instance read: those of a dead
   instance, or of DMA still under way when it died (the device was
   unassigned by then: blocked). Read before a fault SM is bound. */
static void earlier_faults(void)
{
    uint64_t r[3];
    if (bh_dev_ctrl(SEL_DEV, BH_DEV_FAULT_READ, 0, r) == BH_OK)
        bh_printf("# nvme: %lu fault(s) of the device not read by an earlier instance (first: IOVA %lx, "
                  "reason %lu, %s)\n", r[2], r[0], r[1] & 0xff, r[1] & BH_DEV_FAULT_WRITE ? "write" : "read");
}

/* The device from the PCI server, its BAR0 and ECAM page, its DMA space. */
static enum bh_status attach_device(void)
{
    struct bh_msg m;
    enum bh_status s = pci_get((struct bh_utcb *)BH_ROOT_UTCB, SEL_PCI, SEL_DEV, 0, m.w);
    bool got = s == BH_OK;
    bh_tap(got, "nvme: the PCI server delegated %02lx:%02lx.%lx (%04lx:%04lx, class %06lx) (%d/%lu)",
           m.w[1] >> 8 & 0xff, m.w[1] >> 3 & 31, m.w[1] & 7, m.w[2] & 0xffff, m.w[2] >> 16 & 0xffff,
           m.w[3] >> 8, s, m.w[0]);
    if (!got)
        return BH_ENOENT;
    drv.restarted = m.w[1] >> 32 != 0;  /* an earlier instance had it */
    uint64_t out[3];
    if ((s = bh_dev_map(SEL_DEV, BAR_VA, BH_DEV_REGION(0, BH_M_R | BH_M_W), 0, 1, out)) != BH_OK)
        return s;
    uint64_t pages = out[1] / 4096 > BAR_MAX_PAGES ? BAR_MAX_PAGES : out[1] / 4096;
    if (pages > 1 && (s = bh_dev_map(SEL_DEV, BAR_VA + 4096, BH_DEV_REGION(0, BH_M_R | BH_M_W), 1,
                                     pages - 1, out)) != BH_OK)
        return s;
    drv.bar = (volatile uint8_t *)BAR_VA;
    drv.bar_size = pages * 4096;
    enum bh_status w = bh_dev_map(SEL_DEV, CFG_VA, BH_DEV_REGION(BH_DEV_REGION_CFG, BH_M_R | BH_M_W),
                                  0, 1, out);
    if ((s = bh_dev_map(SEL_DEV, CFG_VA, BH_DEV_REGION(BH_DEV_REGION_CFG, BH_M_R), 0, 1, out)) != BH_OK)
        return s;
    bh_tap(true, "nvme: BAR0 (%lu KiB mapped) and the ECAM page mapped through the DEV capability",
           drv.bar_size >> 10);
    bh_tap(w == BH_ERIGHTS, "nvme: its ECAM page writable, without the configuration ports: "
           "ERIGHTS (%d)", w);
    return BH_OK;
}

/* Its own DMA space, once the device is quiet: only then may the device
   reach pages again, and only the fresh ones mapped here. */
static enum bh_status assign_dma(void)
{
    enum bh_status s;
    earlier_faults();
    if ((s = bh_create_sm(SEL_FAULT_SM, SEL_SELF, 0)) != BH_OK ||
        (s = bh_dev_ctrl(SEL_DEV, BH_DEV_FAULT_BIND, SEL_FAULT_SM, NULL)) != BH_OK ||
        (s = bh_dev_ctrl(SEL_DEV, BH_DEV_ASSIGN, SEL_SELF, NULL)) != BH_OK)
        return s;
    if ((s = bh_map(SEL_SELF, 0, DMA_VA, DMA_PAGES, BH_M_R | BH_M_W | BH_M_DMA | BH_MAP_FRESH)) != BH_OK ||
        (s = bh_map(SEL_SELF, DMA_VA, DMA_IOVA, DMA_PAGES, BH_M_R | BH_M_W | BH_MAP_DMA)) != BH_OK)
        return s;
    return BH_OK;
}

/* The MSI-X capability (PCI 6.8.2) from the ECAM page: entry 0 bound to
   the semaphore, its address and data written into the table in BAR0. */
static void setup_msix(void)
{
    volatile uint32_t *c = (volatile uint32_t *)CFG_VA;
    unsigned x = pci_cap_find(c, 0x11);
    uint32_t tbl = x ? c[x / 4 + 1] : 0;
    uint64_t r[3];
    enum bh_status s = BH_ENOENT;
    if (x && (tbl & 7) == 0 && (tbl & ~7u) + 16 <= drv.bar_size &&
        (s = bh_create_sm(SEL_MSI_SM, SEL_SELF, 0)) == BH_OK &&
        (s = bh_dev_msi(SEL_DEV, BH_DEV_MSI_BIND, SEL_MSI_SM, 0, BH_DEV_MSIX, r)) == BH_OK) {
        volatile uint32_t *e = (volatile uint32_t *)(drv.bar + (tbl & ~7u));
        e[0] = (uint32_t)r[0], e[1] = (uint32_t)(r[0] >> 32), e[2] = (uint32_t)r[1];
        e[3] = 0;                                    /* vector control: unmasked */
        bh_dev_msi(SEL_DEV, BH_DEV_MSI_UNMASK, 0, 0, BH_DEV_MSIX, NULL);
        drv.msi = true;
        drv.irte = r[2];
    }
    bh_printf("# nvme: completions by %s (MSI-X table at BAR%u+%x, status %d)\n",
              drv.msi ? "MSI-X through interrupt remapping" : "polling (fallback)", tbl & 7, tbl & ~7u, s);
}

static volatile void *dma_page(unsigned pg) { return (volatile void *)(DMA_VA + pg * 4096ull); }
uint64_t nvme_iova(unsigned pg) { return DMA_IOVA + pg * 4096ull; }

static void copy_ascii(char *dst, const volatile uint8_t *src, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
    while (i > 0 && dst[i - 1] == ' ')
        i--;
    dst[i] = 0;
}

/* CAP.TO (3.1.1) in ms, with a margin. */
static unsigned ready_timeout_ms(void) { return NVME_CAP_TO(rd64(NVME_CAP)) * 500 + 500; }

/* Controller reset (3.1.5, 7.6.1): CC.EN=0, then CSTS.RDY=0. Done before
   the device gets a DMA space: a controller an earlier instance left
   running (its queues at the same IOVAs this one will map) must stop
   before any page is reachable again. */
static enum bh_status quiesce(void)
{
    uint32_t cc0 = rd32(NVME_CC), csts0 = rd32(NVME_CSTS);
    unsigned ms;
    bh_printf("# nvme: found the controller %s (CC %x, CSTS %x)%s: resetting it\n",
              cc0 & NVME_CC_EN ? "enabled" : "disabled", cc0, csts0,
              drv.restarted ? ", as an earlier instance of this driver left it" : "");
    wr32(NVME_CC, 0);                /* stops it, deletes every queue, aborts what is in flight */
    enum bh_status s = ready_wait(false, ready_timeout_ms(), &ms);
    if (drv.restarted)
        bh_tap(s == BH_OK && (cc0 & NVME_CC_EN),
               "nvme: restart: the controller the dead instance left enabled (CC %x, CSTS %x) was reset "
               "by this one before it had a DMA space: CC.EN=0, CSTS.RDY=0 after %u ms (%d)", cc0, csts0, ms, s);
    return s;
}

/* Controller enable (7.6.1) after quiesce(), then Identify. */
static enum bh_status bring_up(void)
{
    uint64_t cap = rd64(NVME_CAP);
    unsigned to = ready_timeout_ms(), st, ms;
    enum bh_status s;
    drv.dstrd = NVME_CAP_DSTRD(cap);
    if (!NVME_CAP_CSS_NVM(cap) || NVME_CAP_MPSMIN(cap) != 0 || NVME_CAP_MQES(cap) + 1u < QENTRIES)
        return BH_ENOTSUP;
    nvmeq_init(&drv.admin, dma_page(PG_ASQ), dma_page(PG_ACQ), QENTRIES, 0);
    nvmeq_init(&drv.io, dma_page(PG_IOSQ), dma_page(PG_IOCQ), QENTRIES, 1);
    wr32(NVME_AQA, (QENTRIES - 1) << 16 | (QENTRIES - 1));
    wr64(NVME_ASQ, nvme_iova(PG_ASQ));
    wr64(NVME_ACQ, nvme_iova(PG_ACQ));
    setup_msix();
    wr32(NVME_CC, NVME_CC_EN | NVME_CC_IOSQES(6) | NVME_CC_IOCQES(4));
    if ((s = ready_wait(true, to, &ms)) != BH_OK)
        return s;
    struct nvme_cmd c;
    nvme_cmd_identify(&c, NVME_CNS_CTRL, 0, nvme_iova(PG_ID));
    if ((s = nvme_run(&drv.admin, &c, &st)) != BH_OK)
        return s;
    const volatile uint8_t *id = dma_page(PG_ID);
    char mn[41], sn[21];
    copy_ascii(mn, id + NVME_ID_CTRL_MN, 40), copy_ascii(sn, id + NVME_ID_CTRL_SN, 20);
    uint32_t nn = *(const volatile uint32_t *)(id + NVME_ID_CTRL_NN);
    bh_tap(nn >= 1, "nvme: identify controller: model '%s', serial '%s', %u namespace(s), version %x",
           mn, sn, nn, rd32(NVME_VS));
    nvme_cmd_identify(&c, NVME_CNS_NS, 1, nvme_iova(PG_ID));
    if ((s = nvme_run(&drv.admin, &c, &st)) != BH_OK)
        return s;
    uint8_t ns[4096];
    memcpy(ns, (const void *)id, sizeof ns);
    bool geo = nvme_ns_geometry(ns, &drv.shift, &drv.blocks);
    bh_tap(geo, "nvme: identify namespace 1: %lu blocks of %u bytes", drv.blocks, 1u << drv.shift);
    return geo ? BH_OK : BH_EFORMAT;
}

static enum bh_status make_io_queues(void)
{
    struct nvme_cmd c;
    unsigned st;
    nvme_cmd_create_cq(&c, 1, QENTRIES, nvme_iova(PG_IOCQ), 0);
    enum bh_status s = nvme_run(&drv.admin, &c, &st);
    if (s == BH_OK) {
        nvme_cmd_create_sq(&c, 1, QENTRIES, nvme_iova(PG_IOSQ), 1);
        s = nvme_run(&drv.admin, &c, &st);
    }
    bh_tap(s == BH_OK, "nvme: I/O queue pair 1 created (%u entries; status %d, %x)", QENTRIES, s, st);
    return s;
}

static enum bh_status start(void)
{
    enum bh_status s = attach_device();
    if (s == BH_OK)
        s = quiesce();
    if (s == BH_OK)
        s = assign_dma();
    if (s == BH_OK)
        s = bring_up();
    if (s == BH_OK)
        s = make_io_queues();
    if (s != BH_OK)
        return s;
    if (drv.restarted)             /* checked at the first start already; hv logs 8 faults a device */
        nvme_selftest_restart();
    else
        nvme_selftest(), nvme_selftest_malformed();
    if (drv.bench_dma)
        nvme_bench_dma(drv.bench_dma);
    bh_tap(!drv.msi || (drv.cpl_msi > 0 && drv.cpl_polled == 0),
           "nvme: %u of %u completions so far announced by MSI-X through IRTE %lu (%u messages)%s",
           drv.cpl_msi, drv.cpl_msi + drv.cpl_polled, drv.irte, drv.msis,
           drv.msi ? "" : " # SKIP no interrupt remapping: polling");
    return BH_OK;
}

int main(const char *args, unsigned long arg2)
{
    (void)arg2;
    drv.crash_ok = srv_arg(args, "test-crash", 0) != 0;
    drv.bench_dma = (unsigned)srv_arg(args, "bench-dma", 0);
    if (svc_serve(nvme_serve) != BH_OK)
        return 1;
    struct bh_utcb *u = srv_utcb();
    u->rcv_va = BLK_BUF_WINDOW, u->rcv_pages = BLK_BUF_PAGES;
    enum bh_status s = start();
    if (s != BH_OK) {
        bh_tap(false, "nvme: the controller is up (%d)", s);
        drv.failed = true;           /* clients are told, not left hanging */
        svc_park();
    }
    drv.ready = true;
    svc_park();
}
