/* Formatted output for user programs, on top of the shared formatter. */
#include <bh/io.h>
#include <bh/sys.h>
#include "lib/fmt.h"
#include <stdarg.h>

int bh_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    bh_print(buf, len);
    return (int)len;
}

void bh_tap(bool ok, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    bh_printf("%sok - %s\n", ok ? "" : "not ", buf);
}
