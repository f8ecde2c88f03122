/* Host unit tests for vmm/uart/uart16550.c, driven the way the test
   guest drives COM1 (guests/testguest/console.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "uart/uart16550.h"

static void test_guest_sequence(void **state)
{
    (void)state;
    struct uart16550 u;
    uart_reset(&u);
    assert_int_equal(uart_write(&u, 1, 0x00), -1);          /* IER */
    assert_int_equal(uart_write(&u, 3, 0x80), -1);          /* DLAB */
    assert_int_equal(uart_write(&u, 0, 0x01), -1);          /* DLL: not a character */
    assert_int_equal(uart_write(&u, 1, 0x00), -1);          /* DLM */
    assert_int_equal(uart_read(&u, 0), 1);
    assert_int_equal(uart_write(&u, 3, 0x03), -1);          /* 8N1 */
    assert_int_equal(uart_write(&u, 2, 0xc7), -1);          /* FIFOs */
    assert_int_equal(uart_write(&u, 4, 0x03), -1);
    assert_int_equal(uart_read(&u, 5) & 0x60, 0x60);        /* THRE, TEMT */
    assert_int_equal(uart_write(&u, 0, 'A'), 'A');
    assert_int_equal(uart_write(&u, 7, 0x5a), -1);
    assert_int_equal(uart_read(&u, 7), 0x5a);
    assert_int_equal(uart_read(&u, 2), 0xc1);               /* FIFOs on, nothing pending */
    assert_int_equal(uart_read(&u, 0), 0);                  /* no input */
    assert_int_equal(uart_read(&u, 5) & 1, 0);
}

static void test_loopback_and_iir(void **state)
{
    (void)state;
    struct uart16550 u;
    uart_reset(&u);
    uart_write(&u, 4, 0x1f);                                /* loopback, all outputs */
    assert_int_equal(uart_read(&u, 6), 0xf0);
    assert_int_equal(uart_write(&u, 0, 'x'), -1);           /* looped back, not sent */
    uart_write(&u, 4, 0x12);                                /* loopback, RTS */
    assert_int_equal(uart_read(&u, 6), 0x10);
    uart_write(&u, 4, 0);
    assert_int_equal(uart_read(&u, 6), 0xb0);
    uart_write(&u, 1, 0x02);                                /* THR-empty interrupt on */
    assert_int_equal(uart_read(&u, 2), 0x02);
    assert_int_equal(uart_read(&u, 2), 0x01);               /* cleared by the read */
    uart_write(&u, 0, 'y');
    assert_int_equal(uart_read(&u, 2), 0x02);
    for (unsigned r = 0; r < 8; r++)                        /* register numbers wrap */
        uart_read(&u, r + 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_sequence),
        cmocka_unit_test(test_loopback_and_iir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
