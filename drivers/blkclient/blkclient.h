/* blkclient's parts: main.c (writes, reads, malformed requests),
   restart.c (the driver crashes, is restarted, and serves again). */
#ifndef DRV_BLKCLIENT_H
#define DRV_BLKCLIENT_H
#include <bh/srv.h>
#include <bh/blk.h>
#include <bh/io.h>
#include <stdbool.h>
#include <stdint.h>

#define SEL_SELF 16u             /* its own PD (CTRL): fresh pages */
#define SEL_BLK 17u              /* the NVMe driver (CALL) */
#define BUF_VA 0x0000000070000000ull
#define PAGES 2u                 /* page 0 is written from, page 1 read into */

/* One request to the driver: the IPC status, else the reply's; w1 in *r1. */
enum bh_status call(uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t *r1);
/* Shares the PAGES pages at BUF_VA with the driver (BLK_OP_ATTACH). */
enum bh_status attach(uint64_t *pages);
/* The word i of block lba as the client writes it. */
uint32_t pattern(uint64_t lba, unsigned i);
/* Writes n blocks at lba from page 0, reads them into page 1, compares. */
bool round_trip(uint64_t lba, uint64_t n, uint64_t bs, enum bh_status *sw, enum bh_status *sr);
/* The restart test: the driver acknowledges n writes at lba0.., crashes
   during the next, is restarted by the root; the client reconnects and
   reads back every block acknowledged so far (the `before` blocks from
   first on, and the n pages at lba0), then writes and reads again. TAP;
   false if it could not reconnect. */
bool restart_phase(uint64_t n, uint64_t lba0, uint64_t bs, uint64_t first, uint64_t before);
/* The benchmark (bench.c): n timed 4 KiB reads, then seq_kib KiB
   written and read sequentially as two timed batches (`# bench:` lines
   and TAP). False if a request failed. */
bool bench_phase(unsigned n, uint64_t seq_kib, uint64_t bs, uint64_t blocks, uint64_t max);
#endif
