/* COM1 output for the test guest: polled 16550, 115200 8N1. */
#ifndef TESTGUEST_CONSOLE_H
#define TESTGUEST_CONSOLE_H

#include <stdarg.h>

/* Programs COM1: 115200 8N1, FIFOs on, no interrupts. */
void con_init(void);
/* Writes C ("\n" as CR LF), waiting a bounded time for room. */
void con_putc(char c);
/* Waits (bounded) until everything written has left the UART. */
void con_flush(void);
/* printf subset: %d %u %x %s %c %p, the 0 flag, a width, l and ll. */
void con_vprintf(const char *fmt, va_list ap);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
