/* Frames the network client builds and checks: Ethernet II, ARP for IPv4
   over Ethernet (RFC 826), IPv4 (RFC 791) carrying ICMP echo (RFC 792),
   the Internet checksum (RFC 1071). Pure: host-tested
   (test/test_pkt.c). Buffers are plain bytes, at least PKT_MIN long. */
#ifndef DRV_NET_PKT_H
#define DRV_NET_PKT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MIN 60u              /* the shortest Ethernet frame without FCS */

struct pkt_addr {
    uint8_t mac[6];
    uint8_t ip[4];
};

/* The Internet checksum of p[0..n). */
uint16_t pkt_csum(const uint8_t *p, size_t n);
/* An ARP request from me for ip into f; returns its length (PKT_MIN). */
size_t pkt_arp_request(uint8_t *f, const struct pkt_addr *me, const uint8_t ip[4]);
/* True if f[0..len) is an ARP reply telling me where ip is; *mac gets it. */
bool pkt_arp_reply(const uint8_t *f, size_t len, const struct pkt_addr *me, const uint8_t ip[4],
                   uint8_t mac[6]);
/* An ICMP echo request from me to peer (id, seq, data[0..n)) into f,
   which holds at least 42 + n bytes; returns its length (>= PKT_MIN). */
size_t pkt_echo_request(uint8_t *f, const struct pkt_addr *me, const struct pkt_addr *peer,
                        uint16_t id, uint16_t seq, const void *data, size_t n);
/* True if f[0..len) is peer's echo reply to me for (id, seq, data[0..n)),
   with both checksums right and every length consistent. */
bool pkt_echo_reply(const uint8_t *f, size_t len, const struct pkt_addr *me,
                    const struct pkt_addr *peer, uint16_t id, uint16_t seq, const void *data,
                    size_t n);
#endif
