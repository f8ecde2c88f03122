/* Formatted console output and TAP helpers for user programs. */
#ifndef BH_IO_H
#define BH_IO_H
#include <stdbool.h>
/* printf-style output through BH_SYS_PRINT; returns the length written. */
int bh_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "ok - ..." or "not ok - ..." (the kernel numbers the line). */
void bh_tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
