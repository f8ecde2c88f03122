/* COM1 console: a polled 16550 and a small printf (%d %u %x %s %c %p
 * with an optional 0 flag, width and l/ll length). */
#include <stdint.h>

#include "console.h"
#include "layout.h"
#include "x86.h"

#define UART_THR    0u          /* transmit holding (DLAB=0) */
#define UART_IER    1u
#define UART_FCR    2u
#define UART_LCR    3u
#define UART_MCR    4u
#define UART_LSR    5u
#define LSR_THRE    0x20u
#define LSR_TEMT    0x40u
#define SPIN_LIMIT  100000u     /* a missing UART must not hang the guest */

/* Programs COM1 for 115200 8N1 with FIFOs and no interrupts. head.asm
 * did this already; doing it again costs nothing and is what a guest
 * that does not trust its boot code would do. */
void con_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, 0x80);        /* DLAB: divisor latch */
    outb(COM1 + 0, 0x01);               /* 115200 = 1.8432 MHz / 16 / 1 */
    outb(COM1 + 1, 0x00);
    outb(COM1 + UART_LCR, 0x03);        /* 8N1 */
    outb(COM1 + UART_FCR, 0xc7);        /* FIFOs on and cleared */
    outb(COM1 + UART_MCR, 0x03);        /* DTR, RTS */
}

static void wait_lsr(uint8_t bit)
{
    for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
        if (inb(COM1 + UART_LSR) & bit)
            return;
    }
}

/* Writes one character; "\n" becomes CR LF. */
void con_putc(char c)
{
    if (c == '\n')
        con_putc('\r');
    wait_lsr(LSR_THRE);
    outb(COM1 + UART_THR, (uint8_t)c);
}

/* Waits until the UART has sent everything (before an exit). */
void con_flush(void)
{
    wait_lsr(LSR_TEMT);
}

static void put_str(const char *s)
{
    if (!s)
        s = "(null)";
    while (*s)
        con_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, int neg, unsigned width, char pad)
{
    char buf[24];
    unsigned n = 0;

    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    while (width > n) {
        con_putc(pad);
        width--;
    }
    while (n)
        con_putc(buf[--n]);
}

static uint64_t arg_unsigned(va_list *ap, int lng)
{
    if (lng)
        return va_arg(*ap, unsigned long);
    return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int lng)
{
    if (lng)
        return va_arg(*ap, long);
    return va_arg(*ap, int);
}

/* printf subset, see the file comment. Unknown conversions print as is. */
void con_vprintf(const char *fmt, va_list ap)
{
    va_list aq;

    va_copy(aq, ap);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            con_putc(*fmt);
            continue;
        }
        char pad = ' ';
        unsigned width = 0;
        int lng = 0;
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        while (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = arg_signed(&aq, lng);
            put_num(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u': put_num(arg_unsigned(&aq, lng), 10, 0, width, pad); break;
        case 'x': put_num(arg_unsigned(&aq, lng), 16, 0, width, pad); break;
        case 'p':
            put_str("0x");
            put_num((uintptr_t)va_arg(aq, void *), 16, 0, width, pad);
            break;
        case 's': put_str(va_arg(aq, const char *)); break;
        case 'c': con_putc((char)va_arg(aq, int)); break;
        case '\0': fmt--; break;
        default: con_putc(*fmt); break;
        }
    }
    va_end(aq);
}

void con_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    con_vprintf(fmt, ap);
    va_end(ap);
}
