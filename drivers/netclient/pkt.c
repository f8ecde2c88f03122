/* Frame building and checking; see pkt.h. */
#include "pkt.h"
#include <string.h>

#define ETH_ARP 0x0806u
#define ETH_IP 0x0800u

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }

uint16_t pkt_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += be16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void ether(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], unsigned type)
{
    memcpy(f, dst, 6), memcpy(f + 6, src, 6), put16(f + 12, type);
}

size_t pkt_arp_request(uint8_t *f, const struct pkt_addr *me, const uint8_t ip[4])
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    memset(f, 0, PKT_MIN);
    ether(f, bcast, me->mac, ETH_ARP);
    put16(f + 14, 1), put16(f + 16, ETH_IP), f[18] = 6, f[19] = 4, put16(f + 20, 1);
    memcpy(f + 22, me->mac, 6), memcpy(f + 28, me->ip, 4), memcpy(f + 38, ip, 4);
    return PKT_MIN;
}

bool pkt_arp_reply(const uint8_t *f, size_t len, const struct pkt_addr *me, const uint8_t ip[4],
                   uint8_t mac[6])
{
    if (len < 42 || be16(f + 12) != ETH_ARP || be16(f + 14) != 1 || be16(f + 16) != ETH_IP ||
        f[18] != 6 || f[19] != 4 || be16(f + 20) != 2 || memcmp(f + 28, ip, 4) ||
        memcmp(f + 38, me->ip, 4))
        return false;
    memcpy(mac, f + 22, 6);
    return true;
}

size_t pkt_echo_request(uint8_t *f, const struct pkt_addr *me, const struct pkt_addr *peer,
                        uint16_t id, uint16_t seq, const void *data, size_t n)
{
    size_t total = 20 + 8 + n, len = 14 + total;
    memset(f, 0, len < PKT_MIN ? PKT_MIN : len);
    ether(f, peer->mac, me->mac, ETH_IP);
    uint8_t *ip = f + 14, *icmp = ip + 20;
    ip[0] = 0x45, put16(ip + 2, (unsigned)total), put16(ip + 4, 1), ip[8] = 64, ip[9] = 1;
    memcpy(ip + 12, me->ip, 4), memcpy(ip + 16, peer->ip, 4);
    put16(ip + 10, pkt_csum(ip, 20));
    icmp[0] = 8, put16(icmp + 4, id), put16(icmp + 6, seq);
    memcpy(icmp + 8, data, n);
    put16(icmp + 2, pkt_csum(icmp, 8 + n));
    return len < PKT_MIN ? PKT_MIN : len;
}

bool pkt_echo_reply(const uint8_t *f, size_t len, const struct pkt_addr *me,
                    const struct pkt_addr *peer, uint16_t id, uint16_t seq, const void *data,
                    size_t n)
{
    if (len < 14 + 20 || be16(f + 12) != ETH_IP)
        return false;
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4, total = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 + n || 14 + total > len || ip[9] != 1 ||
        memcmp(ip + 12, peer->ip, 4) || memcmp(ip + 16, me->ip, 4) || pkt_csum(ip, ihl))
        return false;
    const uint8_t *icmp = ip + ihl;
    return icmp[0] == 0 && icmp[1] == 0 && be16(icmp + 4) == id && be16(icmp + 6) == seq &&
           total - ihl == 8 + n && !memcmp(icmp + 8, data, n) && pkt_csum(icmp, total - ihl) == 0;
}
