/* Host unit tests for drivers/netclient/pkt.c: the checksum against
   RFC 1071's example, ARP requests built byte by byte and replies
   accepted or refused, ICMP echo requests built with valid checksums
   and replies refused for every wrong field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "pkt.h"

static const struct pkt_addr me = { { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, { 10, 0, 2, 15 } };
static const struct pkt_addr gw = { { 0x52, 0x55, 10, 0, 2, 2 }, { 10, 0, 2, 2 } };
static const char data[] = "payload";

static void test_csum(void **state)
{
    (void)state;
    static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(pkt_csum(rfc, sizeof rfc), (uint16_t)~0xddf2u);   /* RFC 1071 1.3 */
    static const uint8_t odd[] = { 0x01, 0x02, 0x03 };
    assert_int_equal(pkt_csum(odd, 3), (uint16_t)~(0x0102u + 0x0300u));
}

/* The reply the gateway would send to a request built by pkt_arp_request. */
static size_t arp_answer(uint8_t *f)
{
    uint8_t q[64];
    pkt_arp_request(q, &me, gw.ip);
    memcpy(f, q, 60);
    memcpy(f, me.mac, 6), memcpy(f + 6, gw.mac, 6);
    f[21] = 2;
    memcpy(f + 22, gw.mac, 6), memcpy(f + 28, gw.ip, 4), memcpy(f + 32, me.mac, 6), memcpy(f + 38, me.ip, 4);
    return 60;
}

static void test_arp(void **state)
{
    (void)state;
    uint8_t f[64], mac[6];
    assert_int_equal(pkt_arp_request(f, &me, gw.ip), 60);
    static const uint8_t head[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56,
                                    0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1 };
    assert_memory_equal(f, head, sizeof head);
    assert_memory_equal(f + 28, me.ip, 4);
    assert_memory_equal(f + 38, gw.ip, 4);
    size_t n = arp_answer(f);
    assert_true(pkt_arp_reply(f, n, &me, gw.ip, mac));
    assert_memory_equal(mac, gw.mac, 6);
    assert_false(pkt_arp_reply(f, 41, &me, gw.ip, mac));               /* truncated */
    f[21] = 1;
    assert_false(pkt_arp_reply(f, n, &me, gw.ip, mac));                /* a request */
    arp_answer(f), f[29] = 9;
    assert_false(pkt_arp_reply(f, n, &me, gw.ip, mac));                /* someone else */
    arp_answer(f), f[41] = 99;
    assert_false(pkt_arp_reply(f, n, &me, gw.ip, mac));                /* not for me */
    arp_answer(f), f[12] = 0x08, f[13] = 0x00;
    assert_false(pkt_arp_reply(f, n, &me, gw.ip, mac));                /* not ARP */
}

/* Turns an echo request into the reply peer would send. */
static void answer(uint8_t *f, size_t len)
{
    uint8_t tmp[6];
    memcpy(tmp, f, 6), memcpy(f, f + 6, 6), memcpy(f + 6, tmp, 6);
    uint8_t ip[4];
    memcpy(ip, f + 26, 4), memcpy(f + 26, f + 30, 4), memcpy(f + 30, ip, 4);
    f[34] = 0;
    f[36] = f[37] = 0;
    uint16_t c = pkt_csum(f + 34, len - 34);
    f[36] = (uint8_t)(c >> 8), f[37] = (uint8_t)c;
}

static void test_echo(void **state)
{
    (void)state;
    uint8_t f[128];
    size_t len = pkt_echo_request(f, &me, &gw, 0xb1c0, 7, data, sizeof data);
    assert_int_equal(len, 14 + 20 + 8 + sizeof data < 60 ? 60 : 14 + 20 + 8 + sizeof data);
    assert_int_equal(pkt_csum(f + 14, 20), 0);
    assert_int_equal(pkt_csum(f + 34, 8 + sizeof data), 0);
    assert_int_equal(f[34], 8);
    answer(f, 14 + 20 + 8 + sizeof data);
    assert_true(pkt_echo_reply(f, len, &me, &gw, 0xb1c0, 7, data, sizeof data));
    assert_false(pkt_echo_reply(f, len, &me, &gw, 0xb1c0, 8, data, sizeof data));  /* seq */
    assert_false(pkt_echo_reply(f, len, &me, &gw, 0xb1c1, 7, data, sizeof data));  /* id */
    assert_false(pkt_echo_reply(f, len, &me, &gw, 0xb1c0, 7, "paylaod", sizeof data));
    assert_false(pkt_echo_reply(f, 40, &me, &gw, 0xb1c0, 7, data, sizeof data));   /* short */
    f[45] ^= 1;                                                        /* payload: ICMP sum */
    assert_false(pkt_echo_reply(f, len, &me, &gw, 0xb1c0, 7, data, sizeof data));
    f[45] ^= 1, f[22] = 63;                                            /* TTL: IP sum */
    assert_false(pkt_echo_reply(f, len, &me, &gw, 0xb1c0, 7, data, sizeof data));
    f[22] = 64, f[16] = 0x7f;                                          /* total beyond the frame */
    assert_false(pkt_echo_reply(f, len, &me, &gw, 0xb1c0, 7, data, sizeof data));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_echo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
