/*
 * The network protocol of the e1000e driver (drivers/e1000e). Frames
 * travel through one page the client shares (BH_ITEM_MAP, R|W): the
 * driver copies a frame to send out of it and a received frame into it,
 * so the client's page never enters the device's DMA space.
 *
 *   NET_OP_INFO    reply w1 = MAC address (6 bytes, little-endian in
 *                  the low 48 bits), w2 = link up (1) or down (0)
 *   NET_OP_ATTACH  one BH_ITEM_MAP item: the frame page (R|W); once
 *   NET_OP_SEND    w1 = length (14..NET_FRAME_MAX) of the frame at the
 *                  page's start; reply after the device wrote it back
 *   NET_OP_RECV    w1 = timeout in ms (1..10000): the next received frame
 *                  at the page's start, reply w1 = its length
 * Errors (w0): BH_EBUSY until the driver is ready; BH_EINVAL for an
 * unknown op, no page, a bad length or timeout; BH_EEXIST for a second
 * page; BH_ETIMEOUT if nothing came (RECV) or the device did not write
 * the frame back (SEND); BH_EFORMAT for a malformed receive descriptor
 * (dropped).
 */
#ifndef BH_NET_H
#define BH_NET_H

#define NET_OP_INFO 0xe10u
#define NET_OP_ATTACH 0xe11u
#define NET_OP_SEND 0xe12u
#define NET_OP_RECV 0xe13u
#define NET_FRAME_MAX 1514u
#define NET_PAGE_WINDOW 0x0000000061000000ull  /* where the driver receives the page */

#endif
