/*
 * The block protocol of the NVMe driver (drivers/nvme); clients call the
 * driver's portal. Data travels in pages the client shares once, with
 * BH_M_DMA: the driver maps them into its device's DMA space, so blocks
 * go straight between the disk and the client's pages.
 *
 *   BLK_OP_INFO    reply w1 = block size (bytes), w2 = blocks,
 *                  w3 = most blocks per request
 *   BLK_OP_ATTACH  one BH_ITEM_MAP item: the buffer, 1..BLK_BUF_PAGES
 *                  pages, R|W|DMA; it replaces an earlier one.
 *                  Reply w1 = buffer pages
 *   BLK_OP_READ    w1 = first block, w2 = blocks, w3 = byte offset in the
 *   BLK_OP_WRITE   buffer (block-aligned)
 *   BLK_OP_CRASH   (tests only) w1 = n: the driver acknowledges n more
 *                  writes, then submits the next one to the device and
 *                  faults with it in flight (a #PF: the root task ends it
 *                  and restarts it by its policy). BH_ERIGHTS unless the
 *                  driver was started with the argument `test-crash=1`.
 * After a driver restart (the root delegates the client's configured
 * capability again, to the new instance's portal): calls through the
 * dead instance's portal give BH_EABORT, then BH_ECAP while the
 * selector is empty, then BH_EBUSY until the new instance is ready; the
 * new instance has no buffer (BH_EINVAL for READ/WRITE until ATTACH).
 * Errors (w0): BH_EBUSY until the driver is ready; BH_EINVAL for an
 * unknown op, 0 blocks, a misaligned offset, or no buffer; BH_ERANGE for
 * blocks beyond the namespace, more than w3 of INFO, or beyond the
 * buffer; BH_ERIGHTS for a buffer without W or DMA; BH_EABORT if the
 * device failed the command (w1 = its NVMe status field); BH_ETIMEOUT if
 * it never completed; BH_EFORMAT if its completion was malformed.
 */
#ifndef BH_BLK_H
#define BH_BLK_H

#define BLK_OP_INFO 0xb10u
#define BLK_OP_ATTACH 0xb11u
#define BLK_OP_READ 0xb12u
#define BLK_OP_WRITE 0xb13u
#define BLK_OP_CRASH 0xb1fu
#define BLK_BUF_PAGES 4u
#define BLK_BUF_WINDOW 0x0000000060000000ull  /* where the driver receives buffers */

#endif
