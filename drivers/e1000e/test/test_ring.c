/* Host unit tests for drivers/e1000e/ring.c: receive descriptors the
   device may write back (empty, whole, and each malformed kind) and the
   transmit descriptor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "ring.h"

static void test_rx(void **state)
{
    (void)state;
    unsigned len = 0;
    struct rxd d = { .addr = 0x1000, .len = 60 };
    assert_int_equal(rx_check(&d, 2048, &len), RX_EMPTY);
    d.status = RXD_DD | RXD_EOP;
    assert_int_equal(rx_check(&d, 2048, &len), RX_FRAME);
    assert_int_equal(len, 60);
    d.len = 2048;
    assert_int_equal(rx_check(&d, 2048, &len), RX_FRAME);
    d.len = 2049;                                    /* beyond the buffer */
    assert_int_equal(rx_check(&d, 2048, &len), RX_BAD);
    d.len = 13;                                      /* no Ethernet header */
    assert_int_equal(rx_check(&d, 2048, &len), RX_BAD);
    d.len = 60, d.status = RXD_DD;                   /* no EOP */
    assert_int_equal(rx_check(&d, 2048, &len), RX_BAD);
    d.status = RXD_DD | RXD_EOP, d.errors = 0x80;    /* RXE */
    assert_int_equal(rx_check(&d, 2048, &len), RX_BAD);
}

static void test_tx(void **state)
{
    (void)state;
    struct txd d;
    memset(&d, 0xff, sizeof d);
    assert_true(tx_fill(&d, 0x10002000, 60, 1514));
    assert_int_equal(d.addr, 0x10002000);
    assert_int_equal(d.len, 60);
    assert_int_equal(d.cmd, TXD_EOP | TXD_IFCS | TXD_RS);
    assert_int_equal(d.status, 0);
    assert_int_equal(d.cso | d.css | d.special, 0);
    assert_false(tx_fill(&d, 0, 13, 1514));
    assert_false(tx_fill(&d, 0, 1515, 1514));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rx),
        cmocka_unit_test(test_tx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
