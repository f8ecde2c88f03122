/* netclient: a network client of the e1000e driver (bh/net.h). As
   10.0.2.15 on QEMU's user network (slirp), it asks who has 10.0.2.2 (an
   ARP request, RFC 826), then pings that gateway (ICMP echo, RFC 792)
   and checks the replies; then sends malformed requests to the driver.
   Results are TAP lines. */
#include <bh/srv.h>
#include <bh/io.h>
#include <bh/net.h>
#include <stdbool.h>
#include <string.h>

int main(const char *args, unsigned long arg2);

#define SEL_SELF 16u
#define SEL_NET 17u
#define PAGE_VA 0x0000000070000000ull

static const uint8_t my_ip[4] = { 10, 0, 2, 15 }, gw_ip[4] = { 10, 0, 2, 2 };
static uint8_t my_mac[6], gw_mac[6];
static volatile uint8_t *const frame = (volatile uint8_t *)PAGE_VA;

static enum bh_status call(uint64_t op, uint64_t a, uint64_t *r)
{
    struct bh_msg m = { 4, { op, a, 0, 0 } };
    enum bh_status s = bh_call(SEL_NET, &m);
    if (r)
        r[0] = m.w[1], r[1] = m.w[2], r[2] = m.w[3];
    return s != BH_OK ? s : (enum bh_status)m.w[0];
}

static void put(unsigned off, const void *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        frame[off + i] = ((const uint8_t *)p)[i];
}

static bool same(unsigned off, const uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (frame[off + i] != p[i])
            return false;
    return true;
}

static uint16_t be16(unsigned off) { return (uint16_t)(frame[off] << 8 | frame[off + 1]); }
static void set16(unsigned off, uint16_t v) { frame[off] = (uint8_t)(v >> 8), frame[off + 1] = (uint8_t)v; }

/* The Internet checksum (RFC 1071) of frame[off .. off+n). */
static uint16_t csum(unsigned off, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += be16(off + i);
    if (n & 1)
        s += (uint32_t)frame[off + n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void ether(const uint8_t *dst, uint16_t type)
{
    put(0, dst, 6), put(6, my_mac, 6), set16(12, type);
}

/* Receives frames until match() accepts one or time runs out. */
static bool await_frame(bool (*match)(uint64_t len), unsigned tries)
{
    for (unsigned i = 0; i < tries; i++) {
        uint64_t r[3];
        enum bh_status s = call(NET_OP_RECV, 1000, r);
        if (s == BH_OK && match(r[0]))
            return true;
    }
    return false;
}

static bool is_arp_reply(uint64_t len)
{
    if (len < 42 || be16(12) != 0x0806 || be16(20) != 2 || !same(28, gw_ip, 4) || !same(38, my_ip, 4))
        return false;
    for (unsigned i = 0; i < 6; i++)
        gw_mac[i] = frame[22 + i];
    return true;
}

static bool arp(void)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, zero[6] = { 0 };
    ether(bcast, 0x0806);
    set16(14, 1), set16(16, 0x0800), frame[18] = 6, frame[19] = 4, set16(20, 1);   /* request */
    put(22, my_mac, 6), put(28, my_ip, 4), put(32, zero, 6), put(38, gw_ip, 4);
    enum bh_status s = call(NET_OP_SEND, 60, NULL);
    return s == BH_OK && await_frame(is_arp_reply, 5);
}

#define PING_ID 0xb1c0u
#define PING_SEQ 7u
static const char payload[] = "bulkhead e1000e ping";

static bool is_echo_reply(uint64_t len)
{
    unsigned n = sizeof payload;
    if (len < 34 + 8 + n || be16(12) != 0x0800 || frame[23] != 1 || !same(26, gw_ip, 4) ||
        !same(30, my_ip, 4))
        return false;
    unsigned ihl = (frame[14] & 0xf) * 4u, icmp = 14 + ihl;
    return frame[icmp] == 0 && be16(icmp + 4) == PING_ID && be16(icmp + 6) == PING_SEQ &&
           same(icmp + 8, (const uint8_t *)payload, n) && csum(icmp, (unsigned)len - icmp) == 0 &&
           csum(14, ihl) == 0;
}

static bool ping(void)
{
    unsigned n = sizeof payload, total = 20 + 8 + n;
    ether(gw_mac, 0x0800);
    frame[14] = 0x45, frame[15] = 0, set16(16, (uint16_t)total), set16(18, 1), set16(20, 0);
    frame[22] = 64, frame[23] = 1, set16(24, 0), put(26, my_ip, 4), put(30, gw_ip, 4);
    set16(24, csum(14, 20));
    frame[34] = 8, frame[35] = 0, set16(36, 0), set16(38, PING_ID), set16(40, PING_SEQ);
    put(42, payload, n);
    set16(36, csum(34, 8 + n));
    enum bh_status s = call(NET_OP_SEND, 14 + total, NULL);
    return s == BH_OK && await_frame(is_echo_reply, 5);
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
        my_mac[i] = (uint8_t)(r[0] >> (8 * i));
    bh_tap(s == BH_OK, "net: the driver is ready, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s (%d)",
           my_mac[0], my_mac[1], my_mac[2], my_mac[3], my_mac[4], my_mac[5], r[1] ? "up" : "down", s);
    if (s != BH_OK)
        return 1;
    s = bh_map(SEL_SELF, 0, PAGE_VA, 1, BH_M_R | BH_M_W | BH_MAP_FRESH);
    struct bh_utcb *u = (struct bh_utcb *)BH_ROOT_UTCB;
    u->item[0] = (struct bh_item){ BH_ITEM_MAP | (BH_M_R | BH_M_W) << 8, PAGE_VA, 1, 0 };
    struct bh_msg m = { 4 | BH_MSG_MKITEMS(1), { NET_OP_ATTACH, 0, 0, 0 } };
    if (s == BH_OK)
        s = bh_call(SEL_NET, &m);
    bh_tap(s == BH_OK && m.w[0] == BH_OK, "net: the frame page shared with the driver (%d/%lu)", s, m.w[0]);
    bool a = arp();
    bh_tap(a, "net: ARP: 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x", gw_mac[0], gw_mac[1],
           gw_mac[2], gw_mac[3], gw_mac[4], gw_mac[5]);
    bh_tap(a && ping(), "net: ICMP echo to 10.0.2.2 answered with our id, sequence and payload");
    call(NET_OP_INFO, 0, r);
    bh_tap(r[2] >> 32 > 1 && (r[2] & 0xffffffff) >= 2,
           "net: %lu MSI-X messages reached the driver through interrupt remapping while it received "
           "%lu frames", r[2] >> 32, r[2] & 0xffffffff);
    bh_tap(call(NET_OP_SEND, 13, NULL) == BH_EINVAL && call(NET_OP_SEND, NET_FRAME_MAX + 1, NULL) == BH_EINVAL &&
           call(NET_OP_RECV, 0, NULL) == BH_EINVAL && call(NET_OP_RECV, 10001, NULL) == BH_EINVAL &&
           call(0xbad, 0, NULL) == BH_EINVAL && call(NET_OP_ATTACH, 0, NULL) == BH_EEXIST,
           "net: malformed requests (short and long frames, bad timeouts, unknown op, a second page) refused");
    bh_printf("# net: done\n");
    return 0;
}
