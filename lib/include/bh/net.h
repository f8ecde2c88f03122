/*
 * The network protocol of the e1000e driver (drivers/e1000e). Frames
 * go straight between the wire and NET_PAGES pages the client shares
 * once (BH_ITEM_MAP, R|W|DMA): the driver maps them into its device's DMA
 * space and never touches them itself. Page 0 holds the frame to send;
 * pages 1.. hold eight 2 KiB receive buffers the device fills.
 *
 *   NET_OP_INFO    reply w1 = MAC address (6 bytes, little-endian in
 *                  the low 48 bits), w2 = link up (1) or down (0),
 *                  w3 = MSI-X messages << 32 | frames received
 *   NET_OP_ATTACH  one BH_ITEM_MAP item: the NET_PAGES pages; once
 *   NET_OP_SEND    w1 = length (14..NET_FRAME_MAX) of the frame at page
 *                  0's start; reply after the device fetched it
 *   NET_OP_RECV    w1 = timeout in ms (1..10000): the next received
 *                  frame, reply w1 = its length, w2 = its byte offset in
 *                  the shared pages. Its buffer stays the client's until
 *                  the next NET_OP_RECV returns a frame.
 * Errors (w0): BH_EBUSY until the driver is ready; BH_EINVAL for an
 * unknown op, no pages, a bad length or timeout; BH_EEXIST for second
 * pages; BH_ERIGHTS for pages without W or DMA; BH_ETIMEOUT if nothing
 * came (RECV) or the device did not fetch the frame (SEND); BH_EFORMAT
 * for a malformed receive descriptor (dropped).
 */
#ifndef BH_NET_H
#define BH_NET_H

#define NET_OP_INFO 0xe10u
#define NET_OP_ATTACH 0xe11u
#define NET_OP_SEND 0xe12u
#define NET_OP_RECV 0xe13u
#define NET_FRAME_MAX 1514u
#define NET_PAGES 5u
#define NET_PAGE_WINDOW 0x0000000061000000ull  /* where the driver receives the page */

#endif
