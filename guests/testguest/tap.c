/* TAP results, the plan, and the exit through the debug-exit port. */
#include <stdarg.h>

#include "console.h"
#include "layout.h"
#include "tap.h"
#include "x86.h"

static uint32_t results, failures;

bool tap(bool ok, const char *fmt, ...)
{
    va_list ap;

    results++;
    if (!ok)
        failures++;
    con_printf("%sok %u - ", ok ? "" : "not ", results);
    va_start(ap, fmt);
    con_vprintf(fmt, ap);
    va_end(ap);
    con_putc('\n');
    return ok;
}

void tap_todo(bool ok, const char *why, const char *fmt, ...)
{
    va_list ap;

    results++;
    con_printf("%sok %u - ", ok ? "" : "not ", results);
    va_start(ap, fmt);
    con_vprintf(fmt, ap);
    va_end(ap);
    con_printf(" # TODO %s\n", why);
}

void tap_skip(const char *why, const char *fmt, ...)
{
    va_list ap;

    results++;
    con_printf("ok %u - ", results);
    va_start(ap, fmt);
    con_vprintf(fmt, ap);
    va_end(ap);
    con_printf(" # SKIP %s\n", why);
}

uint32_t tap_count(void)
{
    return results;
}

uint32_t tap_failures(void)
{
    return failures;
}

void tap_finish(void)
{
    tap_abort(failures ? STATUS_FAIL : STATUS_PASS);
}

void tap_abort(uint32_t status)
{
    if (results)
        con_printf("1..%u\n", results);
    con_printf("# testguest: end, %u result(s), %u not ok, exit status %u\n",
               results, failures, status);
    guest_exit(status);
}

/* Under QEMU the isa-debug-exit device ends the emulator here; under the
 * Bulkhead VMM the write means "guest done, status N". Anything else
 * (no such device) returns, and the guest stops for good. */
void guest_exit(uint32_t status)
{
    con_flush();
    outl(DEBUG_EXIT_PORT, status);
    for (;;)
        __asm__ volatile("cli; hlt");
}
