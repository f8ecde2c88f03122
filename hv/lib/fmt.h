/* Bounded formatted output for hv/ (a subset of C99 vsnprintf). */
#ifndef HV_FMT_H
#define HV_FMT_H
#include <stdarg.h>
#include <stddef.h>

/*
 * Formats into buf (always NUL-terminated when size > 0). Supports
 * %c %s %d %i %u %x %X %p %% with flags '0', '-' and '#' (0x prefix), a width, a precision
 * for %s (also .*), and the length modifiers l, ll, z. Returns the length the full output would
 * have had (like C99), so truncation is detectable.
 */
int vsnfmt(char *buf, size_t size, const char *fmt, va_list ap);
int snfmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
