/* NVMe queue pairs, command building and completion checking: the pure
   part of the driver, unit-tested on the host (test/test_queue.c). A
   queue pair has one command in flight at a time, so every completion
   the device writes can be checked against exactly what is expected:
   its queue id, a submission-queue head inside the window of submitted
   entries, and the command id of the command in flight. Whatever the
   device writes, the driver consumes the entry and never trusts it
   further than these checks. */
#ifndef DRV_NVME_QUEUE_H
#define DRV_NVME_QUEUE_H
#include <stdbool.h>
#include <stdint.h>
#include "nvme.h"

#define NVMEQ_MAX 4096u          /* entries per ring: one 64-entry page here */

struct nvmeq {
    volatile struct nvme_cmd *sq;
    volatile struct nvme_cpl *cq;
    uint16_t size, qid;
    uint16_t sq_tail, sq_head;   /* head: as the device last reported it */
    uint16_t cq_head;
    uint8_t phase;               /* the phase tag a new entry carries */
    bool busy;                   /* a command is in flight */
    uint16_t cid, next_cid;      /* the one in flight; the next to give */
};

enum nvmeq_result {
    NVMEQ_DONE = 0,              /* the command in flight completed, status 0 */
    NVMEQ_EMPTY,                 /* no new entry (phase tag not flipped) */
    NVMEQ_ERROR,                 /* it completed with a nonzero status field */
    NVMEQ_BAD_SQID,              /* malformed: another queue's id */
    NVMEQ_BAD_HEAD,              /* malformed: SQ head outside the submitted window */
    NVMEQ_BAD_CID,               /* malformed: no command in flight has that id */
};

/* Sets up q over rings sq and cq of size entries each (2..NVMEQ_MAX);
   returns false for a bad size. The rings must be zeroed. */
bool nvmeq_init(struct nvmeq *q, volatile struct nvme_cmd *sq, volatile struct nvme_cpl *cq,
                unsigned size, uint16_t qid);
/* Copies c into the ring with a fresh command id; returns the new tail
   for the doorbell, or -1 if a command is in flight already. */
int nvmeq_submit(struct nvmeq *q, const struct nvme_cmd *c);
/* Takes the next completion entry, if the device wrote one, into *out
   and checks it (see enum nvmeq_result). A taken entry is consumed even
   when malformed; q->cq_head is then the value for the CQ head doorbell. */
enum nvmeq_result nvmeq_reap(struct nvmeq *q, struct nvme_cpl *out);
/* Gives up on the command in flight (it never completed properly, e.g.
   its completion was malformed): the next command can be submitted, with
   a new id, and a late completion of the abandoned one is malformed
   (NVMEQ_BAD_CID) and skipped. Submitting refuses while the ring is full,
   so an abandoned entry the device has not fetched is never overwritten. */
void nvmeq_abandon(struct nvmeq *q);
/* The status field of a completion: status code type << 8 | code. */
static inline unsigned nvme_status(const struct nvme_cpl *c) { return (unsigned)(c->status >> 1) & 0x7fff; }

/* Commands (4.2, 5.3, 5.4, 5.15, 6.9, 6.15); cid is set at submission. */
void nvme_cmd_identify(struct nvme_cmd *c, unsigned cns, uint32_t nsid, uint64_t prp);
void nvme_cmd_create_cq(struct nvme_cmd *c, uint16_t qid, unsigned size, uint64_t prp, uint16_t iv);
void nvme_cmd_create_sq(struct nvme_cmd *c, uint16_t qid, unsigned size, uint64_t prp, uint16_t cqid);
/* A read or write of nblocks (1..65536) from lba; false if out of range. */
bool nvme_cmd_rw(struct nvme_cmd *c, bool write, uint32_t nsid, uint64_t lba, uint32_t nblocks,
                 uint64_t prp1, uint64_t prp2);
/* PRP entries for bytes at iova (4 KiB pages, 6.2.1: no list): false if
   the transfer spans more than two pages or is empty. */
bool nvme_prp(uint64_t iova, uint64_t bytes, uint64_t *prp1, uint64_t *prp2);
/* Byte offset of the SQ tail (cq false) or CQ head doorbell of qid. */
uint32_t nvme_doorbell(uint16_t qid, bool cq, unsigned dstrd);
/* From Identify Namespace data (4096 bytes): the block size's log2 and
   the block count; false if the data is malformed (format index beyond
   NLBAF, a block size outside 512..4096, or no blocks). */
bool nvme_ns_geometry(const uint8_t *id, unsigned *shift, uint64_t *blocks);
#endif
