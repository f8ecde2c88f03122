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

#include <bh/sys.h>

#define PCI_OP_GET 0x9c1u
#define PCI_CLIENT_FNS 4u        /* functions per client */

/* The configuration-space offset of capability id (PCI 3.0, 6.7) in a
   function's 256 bytes at cfg (its ECAM page), or 0; the list is walked
   at most 48 steps, so a looped list ends. */
static inline unsigned pci_cap_find(const volatile uint32_t *cfg, unsigned id)
{
    if (!(cfg[1] >> 16 & 0x10))          /* status: no capabilities list */
        return 0;
    unsigned p = cfg[0x34 / 4] & 0xfc;
    for (unsigned n = 0; p >= 0x40 && n < 48; n++) {
        uint32_t h = cfg[p / 4];
        if ((h & 0xff) == id)
            return p;
        p = (h >> 8) & 0xfc;
    }
    return 0;
}

/* PCI_OP_GET for the caller's n-th function through portal pci, from the
   thread whose UTCB is u; the DEV capability arrives at dev_sel. Returns
   BH_OK with the reply's words in w[0..3] (w[0] the server's status), the
   call's status, the server's error, or BH_ECAP if no capability came.
   The receive window is closed again afterwards. */
static inline enum bh_status pci_get(struct bh_utcb *u, uint64_t pci, uint64_t dev_sel, uint64_t n,
                                     uint64_t w[4])
{
    u->rcv_sel = dev_sel, u->rcv_sels = 1;
    struct bh_msg m = { 4, { PCI_OP_GET, n, 0, 0 } };
    enum bh_status s = bh_call(pci, &m);
    u->rcv_sels = 0;
    for (unsigned i = 0; i < 4; i++)
        w[i] = s == BH_OK ? m.w[i] : 0;
    if (s != BH_OK)
        return s;
    if (m.w[0] != BH_OK)
        return (enum bh_status)m.w[0];
    return BH_MSG_ITEMS(m.mi) == 1 ? BH_OK : BH_ECAP;
}

#endif
