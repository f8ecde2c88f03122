/* Kernel console and TAP emitter. */
#include "console.h"
#include "spinlock.h"
#include "lib/fmt.h"
#include "serial.h"
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

static struct spinlock con_lock = SPINLOCK_INIT;
static volatile int lock_broken;
static unsigned tap_count;

static void lock(void)
{
    if (!lock_broken)
        spin_lock(&con_lock);
}

static void unlock(void)
{
    if (!lock_broken)
        spin_unlock(&con_lock);
}

static void emit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

void console_break_lock(void)
{
    lock_broken = 1;
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lock();
    emit(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    unlock();
}

void tap_result(bool ok, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lock();
    unsigned n = ++tap_count;
    char line[300];
    int len = snfmt(line, sizeof line, "%sok %u - %s\n", ok ? "" : "not ", n, buf);
    emit(line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
    unlock();
}

/* A user line starting "ok" or "not ok" gets the next number; the text
   after an optional number and " - " is kept. */
void tap_user_line(const char *line, size_t len)
{
    bool ok = len >= 2 && !memcmp(line, "ok", 2);
    size_t skip = ok ? 2 : 6;
    while (skip < len && (line[skip] == ' ' || (line[skip] >= '0' && line[skip] <= '9')))
        skip++;
    if (skip + 1 < len && line[skip] == '-' && line[skip + 1] == ' ')
        skip += 2;
    size_t rest = len - skip;
    if (rest > 200)
        rest = 200;
    tap_result(ok, "%.*s", (int)rest, line + skip);
}

void tap_plan(void)
{
    kprintf("1..%u\n", tap_count);
}
