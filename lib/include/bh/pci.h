/*
 * The PCI server's protocol (drivers/pci). The server holds the PCI
 * configuration ports, enumerates the functions and hands each function
 * its configuration names to one client, identified by the badge of the
 * portal the root made for it (SVC_CLIENT, a cap with `badge`):
 *
 *   PCI_OP_GET  w1 = n: the client's n-th function (0, 1, ...). The
 *               reply delegates a DEV capability (CTRL) into the caller's
 *               receive window (rcv_sel, one slot) and gives w1 = sbdf
 *               | the times the function was handed out before << 32
 *               (nonzero: an earlier driver instance had it and may have
 *               left the device running), w2 = vendor | device << 16,
 *               w3 = class << 8 | revision.
 *               Before it delegates, the server turns on memory decoding
 *               and bus mastering (the DMA stays blocked until the driver
 *               assigns the device to a DMA space) and, where the function
 *               has MSI-X, enables it with every entry still masked, since
 *               the driver cannot write configuration space.
 *               Errors (w0): BH_ERIGHTS for a caller without a client
 *               number or with no function configured; BH_ENOENT when n
 *               is beyond the client's functions or a configured function
 *               does not exist. The reply's msginfo says whether the
 *               capability was accepted (a caller without a receive
 *               window gets none).
 * Unknown ops: BH_EINVAL.
 */
#ifndef BH_PCI_H
#define BH_PCI_H

#define PCI_OP_GET 0x9c1u
#define PCI_CLIENT_FNS 4u        /* functions per client */

#endif
