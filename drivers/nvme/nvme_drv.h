/* The NVMe driver's state and its parts: main.c (device and queues),
   serve.c (the block protocol), selftest.c (DMA it must not reach). */
#ifndef DRV_NVME_DRV_H
#define DRV_NVME_DRV_H
#include <bh/srv.h>
#include <bh/io.h>
#include <stdbool.h>
#include <stdint.h>
#include "queue.h"

/* Capabilities: configured (boot/drivers.dts) and made at start. */
#define SEL_SELF 16u             /* its own PD (CTRL) */
#define SEL_PCI 17u              /* the PCI server (CALL, its own client number) */
#define SEL_DEV 64u              /* the NVMe function, from the PCI server */
#define SEL_MSI_SM 65u
#define SEL_FAULT_SM 66u

/* Its address space. */
#define BAR_VA 0x40000000ull
#define BAR_MAX_PAGES 16u
#define CFG_VA 0x40100000ull
#define DMA_VA 0x50000000ull     /* its own DMA pages, at DMA_IOVA for the device */
#define DMA_IOVA 0x10000000ull
#define BUF_IOVA 0x20000000ull   /* the client's buffer, for the device */
#define QENTRIES 64u             /* 64 x 64 bytes: one page per submission queue */
enum { PG_ASQ, PG_ACQ, PG_IOSQ, PG_IOCQ, PG_ID, PG_DATA, DMA_PAGES };

struct nvme_drv {
    volatile uint8_t *bar;
    uint64_t bar_size;
    unsigned dstrd, shift;       /* doorbell stride; log2 of the block size */
    uint64_t blocks;
    struct nvmeq admin, io;
    bool msi;                    /* completions by MSI-X, else polling */
    uint64_t irte;
    unsigned msis, cpl_msi, cpl_polled, malformed;
    unsigned buf_pages;          /* the client's buffer at BUF_IOVA */
    volatile bool ready, failed;
    bool restarted;              /* found the controller left enabled */
    bool crash_ok, crash_armed;  /* `test-crash`; BLK_OP_CRASH asked for it */
    uint64_t crash_left;         /* writes still to acknowledge before it */
    unsigned bench_dma;          /* `bench-dma=N` (make bench) */
    unsigned forge;              /* selftest: corrupt the next completion (FORGE_*) */
};
#define FORGE_CID 1u             /* as a faulty device would: a command id nobody sent */
#define FORGE_SQHD 2u            /* a submission-queue head beyond the ring */
extern struct nvme_drv drv;

/* Submits c on q and waits (MSI-X or polling) for its completion, at
   most 5 s. BH_OK, or BH_EABORT with the NVMe status field in *status,
   BH_ETIMEOUT, BH_EBUSY if a command is in flight. Malformed completions
   are counted, logged and skipped. */
enum bh_status nvme_run(struct nvmeq *q, const struct nvme_cmd *c, unsigned *status);
/* Submits c on q and rings the doorbell without waiting (the test
   crash leaves it in flight). */
void nvme_kick(struct nvmeq *q, const struct nvme_cmd *c);
/* The IOVA of the driver's own DMA page pg. */
uint64_t nvme_iova(unsigned pg);
/* Aims the device's DMA at addresses the driver never mapped and checks
   that it is blocked, reported, and harmless (TAP). */
void nvme_selftest(void);
/* Completions corrupted as a faulty device would post them are skipped,
   the command given up, and the next one served (first start only). */
void nvme_selftest_malformed(void);
/* After a restart: the IOVA where the dead instance had its client's
   buffer leads nowhere in the device's new DMA space (TAP). */
void nvme_selftest_restart(void);
/* `bench-dma=N`: N timed BH_MAP_DMA maps and unmaps of one page (bench.c). */
void nvme_bench_dma(unsigned n);
/* The block protocol (bh/blk.h), the portal's handler. */
void nvme_serve(struct bh_msg *m, uint64_t badge);
#endif
