/* NVMe register and queue-entry layouts (NVM Express Base 1.4: 3.1
   controller registers, 4.2 submission entries, 4.6 completion entries,
   5 admin commands, 6 NVM commands). Pure data: shared by the driver
   and its host unit tests. */
#ifndef DRV_NVME_H
#define DRV_NVME_H
#include <stdint.h>

/* Controller registers (3.1), byte offsets in BAR0. */
#define NVME_CAP 0x00
#define NVME_VS 0x08
#define NVME_CC 0x14
#define NVME_CSTS 0x1c
#define NVME_AQA 0x24
#define NVME_ASQ 0x28
#define NVME_ACQ 0x30
#define NVME_DOORBELL 0x1000

#define NVME_CAP_MQES(c) ((unsigned)((c) & 0xffff))           /* max entries - 1 */
#define NVME_CAP_TO(c) ((unsigned)(((c) >> 24) & 0xff))       /* 500 ms units */
#define NVME_CAP_DSTRD(c) ((unsigned)(((c) >> 32) & 0xf))
#define NVME_CAP_CSS_NVM(c) (((c) >> 37) & 1)
#define NVME_CAP_MPSMIN(c) ((unsigned)(((c) >> 48) & 0xf))

#define NVME_CC_EN (1u << 0)
#define NVME_CC_IOSQES(n) ((uint32_t)(n) << 16)               /* log2 of 64 */
#define NVME_CC_IOCQES(n) ((uint32_t)(n) << 20)               /* log2 of 16 */
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1)

/* Opcodes. */
#define NVME_ADM_CREATE_SQ 0x01
#define NVME_ADM_CREATE_CQ 0x05
#define NVME_ADM_IDENTIFY 0x06
#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02
#define NVME_CNS_NS 0x00
#define NVME_CNS_CTRL 0x01

/* Submission queue entry (4.2): 64 bytes. */
struct nvme_cmd {
    uint8_t opc, flags;
    uint16_t cid;
    uint32_t nsid;
    uint64_t rsvd;
    uint64_t mptr;
    uint64_t prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_cmd) == 64, "NVMe submission entry is 64 bytes");

/* Completion queue entry (4.6): 16 bytes. */
struct nvme_cpl {
    uint32_t dw0, dw1;
    uint16_t sqhd, sqid;
    uint16_t cid;
    uint16_t status;         /* phase tag in bit 0, status field in 15:1 */
};
_Static_assert(sizeof(struct nvme_cpl) == 16, "NVMe completion entry is 16 bytes");

/* Identify data offsets (5.15.2): controller and namespace. */
#define NVME_ID_CTRL_SN 4        /* 20 bytes, ASCII */
#define NVME_ID_CTRL_MN 24       /* 40 bytes, ASCII */
#define NVME_ID_CTRL_MDTS 77
#define NVME_ID_CTRL_NN 516      /* number of namespaces, u32 */
#define NVME_ID_NS_NSZE 0        /* u64, blocks */
#define NVME_ID_NS_NLBAF 25
#define NVME_ID_NS_FLBAS 26
#define NVME_ID_NS_LBAF 128      /* 16 x u32: LBADS in bits 23:16 */
#endif
