/* e1000e: a user-space driver for the Intel 82574 (e1000e), enough to
   send and receive Ethernet frames. It gets its function from the PCI
   server, maps BAR0 (registers) and the BAR holding the MSI-X table
   through its DEV capability, assigns the device to its own DMA space
   (descriptor rings and frame buffers are its own fresh BH_M_DMA pages),
   and takes every interrupt cause as MSI-X entry 0 through interrupt
   remapping (IVAR routes all causes to it); polling every millisecond is
   the fallback, and it says which it uses. Frames go straight between
   the wire and the pages the client shares with BH_M_DMA (bh/net.h): the
   driver never touches them with the CPU, so a client that takes them
   back only makes the device fault. Register and
   descriptor layouts: 82574 datasheet 10.2 and 7.1.4 / 7.2.10 (legacy
   descriptors); their checks are ring.c (host-tested). */
#include <bh/srv.h>
#include <bh/io.h>
#include <bh/net.h>
#include <bh/pci.h>
#include <bh/e1000e_regs.h>
#include <stdbool.h>
#include <string.h>
#include "ring.h"

int main(const char *args, unsigned long arg2);

#define SEL_SELF 16u
#define SEL_PCI 17u
#define SEL_DEV 64u
#define SEL_MSI_SM 65u
#define SEL_FAULT_SM 66u

#define BAR0_VA 0x40000000ull
#define BAR0_PAGES 32u           /* the 128 KiB register BAR */
#define MSIX_VA 0x40200000ull
#define CFG_VA 0x40300000ull
#define DMA_VA 0x50000000ull
#define DMA_IOVA 0x10000000ull
#define NRX 8u                   /* RDLEN must be a multiple of 128 bytes: 8 descriptors */
#define NTX 16u
#define RXBUF 2048u
#define CLIENT_IOVA 0x20000000ull    /* the client's pages, for the device */
_Static_assert(NRX * RXBUF == (NET_PAGES - 1) * 4096, "the client's receive buffers fill its pages");
enum { PG_RXR, PG_TXR, DMA_PAGES };

/* IVAR (10.2.4.9): RxQ0, TxQ0 and other causes to MSI-X vector 0, valid. */
#define E_IVAR_ALL_TO_0 (1u << 3 | 1u << 11 | 1u << 19)
/* Causes: TXDW, LSC, RXT0 (legacy names) and RxQ0, TxQ0, other (MSI-X). */
#define E_CAUSES (1u << 0 | 1u << 2 | 1u << 7 | 1u << 20 | 1u << 22 | 1u << 24)


static volatile uint8_t *bar;
static volatile struct rxd *rx;
static volatile struct txd *tx;
static unsigned rx_next, tx_tail;
static bool msi, page;
static uint64_t mac, irte;
static unsigned msis, rx_msi, rx_polled, bad_rx;
static volatile bool ready, failed;

static uint32_t rd(unsigned r) { return *(volatile uint32_t *)(bar + r); }
static void wr(unsigned r, uint32_t v) { *(volatile uint32_t *)(bar + r) = v; }
static volatile uint8_t *dma(unsigned pg) { return (volatile uint8_t *)(DMA_VA + pg * 4096ull); }
static uint64_t iova(unsigned pg) { return DMA_IOVA + pg * 4096ull; }

/* Waits up to us for an interrupt (or, polling, sleeps 1 ms); true if
   one came. Clears the causes and acknowledges the message. */
static bool wait_irq(uint64_t us)
{
    if (!msi) {
        bh_sm_down(SVC_SEL_PARK, 1000);
        return false;
    }
    if (bh_sm_down(SEL_MSI_SM, us) != BH_OK)
        return false;
    msis++;
    wr(E_ICR, rd(E_ICR));                        /* write 1 to clear */
    bh_dev_msi(SEL_DEV, BH_DEV_MSI_UNMASK, 0, 0, BH_DEV_MSIX, NULL);
    return true;
}

/* Takes the messages already delivered: QEMU often completes the work
   before the driver looks, and a message left unacknowledged would keep
   the binding masked. */
static void drain_irqs(void)
{
    while (msi && wait_irq(1))
        ;
}

static enum bh_status get_device(void)
{
    struct bh_msg m;
    enum bh_status s = pci_get((struct bh_utcb *)BH_ROOT_UTCB, SEL_PCI, SEL_DEV, 0, m.w);
    bool got = s == BH_OK;
    bh_tap(got, "e1000e: the PCI server delegated %02lx:%02lx.%lx (%04lx:%04lx) (%d/%lu)",
           m.w[1] >> 8 & 0xff, m.w[1] >> 3 & 31, m.w[1] & 7, m.w[2] & 0xffff, m.w[2] >> 16 & 0xffff,
           s, m.w[0]);
    if (!got)
        return BH_ENOENT;
    const uint64_t rw = BH_M_R | BH_M_W;
    if ((s = bh_dev_map(SEL_DEV, BAR0_VA, BH_DEV_REGION(0, rw), 0, BAR0_PAGES, NULL)) != BH_OK ||
        (s = bh_dev_map(SEL_DEV, CFG_VA, BH_DEV_REGION(BH_DEV_REGION_CFG, BH_M_R), 0, 1, NULL)) != BH_OK ||
        (s = bh_create_sm(SEL_FAULT_SM, SEL_SELF, 0)) != BH_OK ||
        (s = bh_dev_ctrl(SEL_DEV, BH_DEV_FAULT_BIND, SEL_FAULT_SM, NULL)) != BH_OK ||
        (s = bh_dev_ctrl(SEL_DEV, BH_DEV_ASSIGN, SEL_SELF, NULL)) != BH_OK ||
        (s = bh_map(SEL_SELF, 0, DMA_VA, DMA_PAGES, rw | BH_M_DMA | BH_MAP_FRESH)) != BH_OK ||
        (s = bh_map(SEL_SELF, DMA_VA, DMA_IOVA, DMA_PAGES, rw | BH_MAP_DMA)) != BH_OK)
        return s;
    bar = (volatile uint8_t *)BAR0_VA;
    return BH_OK;
}

/* MSI-X entry 0 (PCI 6.8.2), its table in whichever BAR the capability
   names, mapped through the DEV capability too. */
static void setup_msix(void)
{
    volatile uint32_t *c = (volatile uint32_t *)CFG_VA;
    unsigned x = pci_cap_find(c, 0x11);
    uint32_t tbl = x ? c[x / 4 + 1] : 0;
    uint64_t r[3];
    enum bh_status s = x ? BH_OK : BH_ENOENT;
    if (s == BH_OK)
        s = bh_dev_map(SEL_DEV, MSIX_VA, BH_DEV_REGION(tbl & 7, BH_M_R | BH_M_W), (tbl & ~7u) / 4096, 1, NULL);
    if (s == BH_OK && (s = bh_create_sm(SEL_MSI_SM, SEL_SELF, 0)) == BH_OK &&
        (s = bh_dev_msi(SEL_DEV, BH_DEV_MSI_BIND, SEL_MSI_SM, 0, BH_DEV_MSIX, r)) == BH_OK) {
        volatile uint32_t *e = (volatile uint32_t *)(MSIX_VA + (tbl & 0xff8u));
        e[0] = (uint32_t)r[0], e[1] = (uint32_t)(r[0] >> 32), e[2] = (uint32_t)r[1], e[3] = 0;
        bh_dev_msi(SEL_DEV, BH_DEV_MSI_UNMASK, 0, 0, BH_DEV_MSIX, NULL);
        msi = true, irte = r[2];
    }
    bh_printf("# e1000e: interrupts by %s (MSI-X table at BAR%u+%x, status %d)\n",
              msi ? "MSI-X through interrupt remapping" : "polling (fallback)", tbl & 7, tbl & ~7u, s);
}

/* Reset, rings, receive and transmit on, link up (82574 14.3-14.6). */
static enum bh_status bring_up(void)
{
    wr(E_IMC, ~0u);
    wr(E_CTRL, rd(E_CTRL) | E_CTRL_RST);
    bh_sm_down(SVC_SEL_PARK, 10000);
    wr(E_IMC, ~0u);
    rd(E_ICR);
    wr(E_CTRL, (rd(E_CTRL) & ~E_CTRL_RST) | E_CTRL_SLU);
    mac = rd(E_RAL0) | (uint64_t)(rd(E_RAH0) & 0xffff) << 32;
    rx = (volatile struct rxd *)dma(PG_RXR), tx = (volatile struct txd *)dma(PG_TXR);
    wr(E_RDBAL, (uint32_t)iova(PG_RXR)), wr(E_RDBAH, 0), wr(E_RDLEN, NRX * 16);
    wr(E_RDH, 0), wr(E_RDT, NRX - 1);
    wr(E_TDBAL, (uint32_t)iova(PG_TXR)), wr(E_TDBAH, 0), wr(E_TDLEN, NTX * 16);
    wr(E_TDH, 0), wr(E_TDT, 0);
    wr(E_TARC0, rd(E_TARC0) | E_TARC_ENABLE);
    setup_msix();
    wr(E_IVAR, E_IVAR_ALL_TO_0);
    wr(E_RCTL, E_RCTL_BAM | E_RCTL_SECRC);      /* on once a client gives buffers */
    wr(E_TCTL, E_TCTL_EN | E_TCTL_PSP);
    wr(E_IMS, E_CAUSES);
    for (unsigned i = 0; i < 100 && !(rd(E_STATUS) & E_STATUS_LU); i++)
        wait_irq(10000);
    if (msi) {                       /* one cause set by hand must come as a message */
        while (wait_irq(1000))
            ;
        unsigned before = msis;
        wr(E_ICS, E_ICS_LSC);
        bool came = wait_irq(500000);
        bh_tap(came && msis == before + 1,
               "e1000e: a cause raised through ICS arrives as MSI-X entry 0 through IRTE %lu", irte);
    } else {
        bh_tap(true, "e1000e: MSI-X # SKIP no interrupt remapping: polling");
    }
    bh_tap(mac != 0, "e1000e: up: MAC %02lx:%02lx:%02lx:%02lx:%02lx:%02lx, link %s",
           mac & 0xff, mac >> 8 & 0xff, mac >> 16 & 0xff, mac >> 24 & 0xff, mac >> 32 & 0xff,
           mac >> 40 & 0xff, rd(E_STATUS) & E_STATUS_LU ? "up" : "down");
    return BH_OK;
}

static enum bh_status send(uint64_t len)
{
    struct txd t;
    if (!page || len > NET_FRAME_MAX || !tx_fill(&t, CLIENT_IOVA, (unsigned)len, NET_FRAME_MAX))
        return BH_EINVAL;
    unsigned i = tx_tail;
    tx[i] = t;
    tx_tail = (i + 1) % NTX;
    wr(E_TDT, tx_tail);
    for (unsigned ms = 0; ms < 1000; ms += 10)
        if ((tx[i].status & TXD_DD) || (wait_irq(10000), tx[i].status & TXD_DD))
            return BH_OK;
    return BH_ETIMEOUT;
}

/* The next received frame: *off is where the device put it in the
   client's pages. Its descriptor becomes the ring's tail (RDT), which
   the device never fills, so the buffer stays the client's until the
   next frame is taken. */
static enum bh_status recv(uint64_t timeout_ms, uint64_t *len, uint64_t *off)
{
    if (!page || timeout_ms == 0 || timeout_ms > 10000)
        return BH_EINVAL;
    bool by_msi = false;
    for (uint64_t ms = 0; ms <= timeout_ms;) {
        struct rxd d = rx[rx_next];                  /* read once: the device writes it */
        unsigned n = 0;
        enum rx_result r = rx_check(&d, RXBUF, &n);
        if (r != RX_EMPTY) {
            bool ok = r == RX_FRAME;
            *off = 4096 + rx_next * RXBUF;
            rx[rx_next].status = 0;
            wr(E_RDT, rx_next);                      /* the buffer goes back to the device */
            rx_next = (rx_next + 1) % NRX;
            if (!ok) {
                bad_rx++;
                return BH_EFORMAT;
            }
            rx_msi += by_msi, rx_polled += !by_msi;
            *len = n;
            return BH_OK;
        }
        if (wait_irq(10000))
            by_msi = true;
        else
            ms += msi ? 10 : 1;
    }
    return BH_ETIMEOUT;
}

/* The client's pages (landed in the window) into the device's DMA
   space: page 0 for frames to send, the rest as receive buffers. */
static enum bh_status attach(bool landed)
{
    if (!landed)
        return BH_EINVAL;
    enum bh_status s = bh_map(SEL_SELF, NET_PAGE_WINDOW, CLIENT_IOVA, NET_PAGES,
                              BH_M_R | BH_M_W | BH_MAP_DMA);
    if (s != BH_OK) {
        bh_unmap(NET_PAGE_WINDOW, NET_PAGES, BH_REVOKE_SELF);   /* the window is free again */
        return s;
    }
    for (unsigned i = 0; i < NRX; i++)
        rx[i] = (struct rxd){ .addr = CLIENT_IOVA + 4096 + i * RXBUF };
    wr(E_RDH, 0), wr(E_RDT, NRX - 1);
    wr(E_RCTL, rd(E_RCTL) | E_RCTL_EN);
    page = true;
    srv_utcb()->rcv_pages = 0;
    return BH_OK;
}

static void serve(struct bh_msg *m, uint64_t badge)
{
    (void)badge;
    uint64_t op = m->w[0];
    if (op != NET_OP_INFO && op != NET_OP_ATTACH && op != NET_OP_SEND && op != NET_OP_RECV) {
        m->w[0] = BH_EINVAL;
        return;
    }
    if (failed || !ready) {
        m->w[0] = failed ? BH_EABORT : BH_EBUSY;
        return;
    }
    if (op == NET_OP_INFO) {
        m->w[0] = BH_OK, m->w[1] = mac, m->w[2] = (rd(E_STATUS) & E_STATUS_LU) != 0;
        m->w[3] = (uint64_t)msis << 32 | (rx_msi + rx_polled);
    } else if (op == NET_OP_ATTACH) {
        struct bh_utcb *u = srv_utcb();
        if (page)
            m->w[0] = BH_EEXIST;
        else
            m->w[0] = attach(BH_MSG_ITEMS(m->mi) == 1 && u->item[0].result == NET_PAGE_WINDOW);
    } else if (op == NET_OP_SEND) {
        m->w[0] = send(m->w[1]);
        drain_irqs();
    } else {
        uint64_t len = 0, off = 0;
        m->w[0] = recv(m->w[1], &len, &off);
        m->w[1] = len, m->w[2] = off;
        drain_irqs();
    }
}

int main(const char *args, unsigned long arg2)
{
    (void)args, (void)arg2;
    if (svc_serve(serve) != BH_OK)
        return 1;
    struct bh_utcb *u = srv_utcb();
    u->rcv_va = NET_PAGE_WINDOW, u->rcv_pages = NET_PAGES;
    enum bh_status s = get_device();
    if (s == BH_OK)
        s = bring_up();
    if (s != BH_OK) {
        bh_tap(false, "e1000e: the NIC is up (%d)", s);
        failed = true;
        svc_park();
    }
    ready = true;
    svc_park();
}
