/* NVMe queue logic; see queue.h. */
#include "queue.h"
#include <string.h>

bool nvmeq_init(struct nvmeq *q, volatile struct nvme_cmd *sq, volatile struct nvme_cpl *cq,
                unsigned size, uint16_t qid)
{
    if (size < 2 || size > NVMEQ_MAX)
        return false;
    *q = (struct nvmeq){ .sq = sq, .cq = cq, .size = (uint16_t)size, .qid = qid, .phase = 1,
                         .next_cid = 1 };
    return true;
}

int nvmeq_submit(struct nvmeq *q, const struct nvme_cmd *c)
{
    if (q->busy || (q->sq_tail + 1u) % q->size == q->sq_head)
        return -1;                   /* one in flight, or the ring is full */
    struct nvme_cmd e = *c;
    e.cid = q->next_cid;
    q->next_cid = (uint16_t)(q->next_cid == 0xfffe ? 1 : q->next_cid + 1);
    q->sq[q->sq_tail] = e;
    q->cid = e.cid;
    q->busy = true;
    q->sq_tail = (uint16_t)((q->sq_tail + 1u) % q->size);
    return q->sq_tail;
}

/* True if head lies in (sq_head, sq_tail], the entries the device may
   have fetched since it last reported (a ring of size entries). */
static bool head_ok(const struct nvmeq *q, uint16_t head)
{
    if (head >= q->size)
        return false;
    unsigned pending = (q->sq_tail + q->size - q->sq_head) % q->size;
    unsigned moved = (head + q->size - q->sq_head) % q->size;
    return moved <= pending;
}

enum nvmeq_result nvmeq_reap(struct nvmeq *q, struct nvme_cpl *out)
{
    volatile struct nvme_cpl *e = &q->cq[q->cq_head];
    uint16_t status = e->status;
    if ((status & 1u) != q->phase)
        return NVMEQ_EMPTY;
    out->dw0 = e->dw0, out->dw1 = e->dw1;
    out->sqhd = e->sqhd, out->sqid = e->sqid, out->cid = e->cid, out->status = status;
    q->cq_head = (uint16_t)((q->cq_head + 1u) % q->size);
    if (q->cq_head == 0)
        q->phase ^= 1u;
    if (out->sqid != q->qid)
        return NVMEQ_BAD_SQID;
    if (!head_ok(q, out->sqhd))
        return NVMEQ_BAD_HEAD;
    if (!q->busy || out->cid != q->cid)
        return NVMEQ_BAD_CID;
    q->sq_head = out->sqhd;
    q->busy = false;
    return nvme_status(out) ? NVMEQ_ERROR : NVMEQ_DONE;
}

void nvmeq_abandon(struct nvmeq *q)
{
    q->busy = false;
}

void nvme_cmd_identify(struct nvme_cmd *c, unsigned cns, uint32_t nsid, uint64_t prp)
{
    *c = (struct nvme_cmd){ .opc = NVME_ADM_IDENTIFY, .nsid = nsid, .prp1 = prp, .cdw10 = cns & 0xff };
}

void nvme_cmd_create_cq(struct nvme_cmd *c, uint16_t qid, unsigned size, uint64_t prp, uint16_t iv)
{
    *c = (struct nvme_cmd){ .opc = NVME_ADM_CREATE_CQ, .prp1 = prp,
                            .cdw10 = (uint32_t)(size - 1) << 16 | qid,
                            .cdw11 = (uint32_t)iv << 16 | 1u << 1 | 1u };   /* IEN, PC */
}

void nvme_cmd_create_sq(struct nvme_cmd *c, uint16_t qid, unsigned size, uint64_t prp, uint16_t cqid)
{
    *c = (struct nvme_cmd){ .opc = NVME_ADM_CREATE_SQ, .prp1 = prp,
                            .cdw10 = (uint32_t)(size - 1) << 16 | qid,
                            .cdw11 = (uint32_t)cqid << 16 | 1u };           /* PC */
}

bool nvme_cmd_rw(struct nvme_cmd *c, bool write, uint32_t nsid, uint64_t lba, uint32_t nblocks,
                 uint64_t prp1, uint64_t prp2)
{
    if (nblocks == 0 || nblocks > 65536)
        return false;
    *c = (struct nvme_cmd){ .opc = write ? NVME_CMD_WRITE : NVME_CMD_READ, .nsid = nsid,
                            .prp1 = prp1, .prp2 = prp2, .cdw10 = (uint32_t)lba,
                            .cdw11 = (uint32_t)(lba >> 32), .cdw12 = nblocks - 1 };
    return true;
}

bool nvme_prp(uint64_t iova, uint64_t bytes, uint64_t *prp1, uint64_t *prp2)
{
    uint64_t first = 4096 - (iova & 4095);
    if (bytes == 0 || (iova & 3) || bytes > first + 4096)
        return false;
    *prp1 = iova;
    *prp2 = bytes > first ? (iova & ~4095ull) + 4096 : 0;
    return true;
}

uint32_t nvme_doorbell(uint16_t qid, bool cq, unsigned dstrd)
{
    return NVME_DOORBELL + (2u * qid + (cq ? 1u : 0u)) * (4u << dstrd);
}

bool nvme_ns_geometry(const uint8_t *id, unsigned *shift, uint64_t *blocks)
{
    uint64_t n;
    uint32_t lbaf;
    unsigned fmt = id[NVME_ID_NS_FLBAS] & 0xf;
    if (fmt > id[NVME_ID_NS_NLBAF])
        return false;
    memcpy(&n, id + NVME_ID_NS_NSZE, 8);
    memcpy(&lbaf, id + NVME_ID_NS_LBAF + 4 * fmt, 4);
    unsigned s = (lbaf >> 16) & 0xff;
    if (s < 9 || s > 12 || n == 0)
        return false;
    *shift = s;
    *blocks = n;
    return true;
}
