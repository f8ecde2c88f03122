/* netclient: a network client of the e1000e driver (bh/net.h). As
   10.0.2.15 on QEMU's user network (slirp), it asks who has 10.0.2.2 (an
   ARP request, RFC 826), then pings that gateway (ICMP echo, RFC 792)
   and checks the replies (pkt.c, host-tested); then sends malformed
   requests to the driver, and takes its pages back under the driver's
   feet. Results are TAP lines. */
#include <bh/srv.h>
#include <bh/io.h>
#include <bh/net.h>
#include <stdbool.h>
#include <string.h>
#include "pkt.h"

int main(const char *args, unsigned long arg2);

#define SEL_SELF 16u
#define SEL_NET 17u
#define PAGE_VA 0x0000000070000000ull

static struct pkt_addr me = { { 0 }, { 10, 0, 2, 15 } }, gw = { { 0 }, { 10, 0, 2, 2 } };
static uint8_t buf[NET_FRAME_MAX];

static enum bh_status call(uint64_t op, uint64_t a, uint64_t *r)
{
    struct bh_msg m = { 4, { op, a, 0, 0 } };
    enum bh_status s = bh_call(SEL_NET, &m);
    if (r)
        r[0] = m.w[1], r[1] = m.w[2], r[2] = m.w[3];
    return s != BH_OK ? s : (enum bh_status)m.w[0];
}

static enum bh_status send(size_t len)
{
    memcpy((void *)PAGE_VA, buf, len);
    return call(NET_OP_SEND, len, NULL);
}

/* The next frame, copied out of the receive buffer the driver names
   (checked: inside the shared pages) before it is looked at; 0 if none. */
static size_t receive(void)
{
    uint64_t r[3];
    if (call(NET_OP_RECV, 1000, r) != BH_OK || r[0] > sizeof buf || r[1] < 4096 ||
        r[1] > NET_PAGES * 4096ull - r[0])
        return 0;
    memcpy(buf, (const void *)(PAGE_VA + r[1]), r[0]);
    return r[0];
}

static bool arp(void)
{
    if (send(pkt_arp_request(buf, &me, gw.ip)) != BH_OK)
        return false;
    for (unsigned i = 0; i < 5; i++) {
        size_t n = receive();
        if (n && pkt_arp_reply(buf, n, &me, gw.ip, gw.mac))
            return true;
    }
    return false;
}

#define PING_ID 0xb1c0u
#define PING_SEQ 7u
static const char payload[] = "bulkhead e1000e ping";

static bool ping(void)
{
    if (send(pkt_echo_request(buf, &me, &gw, PING_ID, PING_SEQ, payload, sizeof payload)) != BH_OK)
        return false;
    for (unsigned i = 0; i < 5; i++) {
        size_t n = receive();
        if (n && pkt_echo_reply(buf, n, &me, &gw, PING_ID, PING_SEQ, payload, sizeof payload))
            return true;
    }
    return false;
}

static enum bh_status wait_ready(uint64_t *r)
{
    for (unsigned i = 0; i < 3000; i++) {
        enum bh_status s = call(NET_OP_INFO, 0, r);
        if (s != BH_EBUSY)
            return s;
        bh_sm_down(SVC_SEL_PARK, 10000);
    }
    return BH_ETIMEOUT;
}

int main(const char *args, unsigned long arg2)
{
    (void)args, (void)arg2;
    uint64_t r[3] = { 0, 0, 0 };
    enum bh_status s = svc_serve(NULL);
    if (s == BH_OK)
        s = wait_ready(r);
    for (unsigned i = 0; i < 6; i++)
        me.mac[i] = (uint8_t)(r[0] >> (8 * i));
    bh_tap(s == BH_OK, "net: the driver is ready, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s (%d)",
           me.mac[0], me.mac[1], me.mac[2], me.mac[3], me.mac[4], me.mac[5], r[1] ? "up" : "down", s);
    if (s != BH_OK)
        return 1;
    s = bh_map(SEL_SELF, 0, PAGE_VA, NET_PAGES, BH_M_R | BH_M_W | BH_M_DMA | BH_MAP_FRESH);
    struct bh_utcb *u = (struct bh_utcb *)BH_ROOT_UTCB;
    u->item[0] = (struct bh_item){ BH_ITEM_MAP | (BH_M_R | BH_M_W | BH_M_DMA) << 8, PAGE_VA, NET_PAGES, 0 };
    struct bh_msg m = { 4 | BH_MSG_MKITEMS(1), { NET_OP_ATTACH, 0, 0, 0 } };
    if (s == BH_OK)
        s = bh_call(SEL_NET, &m);
    bh_tap(s == BH_OK && m.w[0] == BH_OK, "net: %u DMA-capable frame pages shared with the driver (%d/%lu)",
           NET_PAGES, s, m.w[0]);
    bool a = arp();
    bh_tap(a, "net: ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x", gw.mac[0], gw.mac[1],
           gw.mac[2], gw.mac[3], gw.mac[4], gw.mac[5]);
    bh_tap(a && ping(), "net: ICMP echo to 10.0.2.2 answered with our id, sequence and payload");
    call(NET_OP_INFO, 0, r);
    bh_tap(r[2] >> 32 > 1 && (r[2] & 0xffffffff) >= 2,
           "net: %lu MSI-X messages reached the driver through interrupt remapping while it received "
           "%lu frames", r[2] >> 32, r[2] & 0xffffffff);
    bh_tap(call(NET_OP_SEND, 13, NULL) == BH_EINVAL && call(NET_OP_SEND, NET_FRAME_MAX + 1, NULL) == BH_EINVAL &&
           call(NET_OP_RECV, 0, NULL) == BH_EINVAL && call(NET_OP_RECV, 10001, NULL) == BH_EINVAL &&
           call(0xbad, 0, NULL) == BH_EINVAL && call(NET_OP_ATTACH, 0, NULL) == BH_EEXIST,
           "net: malformed requests (short and long frames, bad timeouts, unknown op, a second page) refused");
    /* Take the pages back: the driver's copies and the device's mappings
       go with them. The next send makes the device fault, not the driver. */
    enum bh_status su = bh_unmap(PAGE_VA, NET_PAGES, 0);
    enum bh_status ss = call(NET_OP_SEND, 60, NULL);
    bh_tap(su == BH_OK && ss != BH_EABORT && call(NET_OP_INFO, 0, r) == BH_OK,
           "net: after the client took its pages back, a send (%d) only makes the device fault: "
           "the driver still answers", ss);
    bh_printf("# net: done\n");
    return 0;
}
