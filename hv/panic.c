/* Panic path: print once, stop all CPUs, end per the exit policy. */
#include "panic.h"
#include "console.h"
#include "lib/fmt.h"
#include "percpu.h"
#include "smp.h"
#include "power.h"
#include "cpu.h"
#include <stdarg.h>

static volatile int panicking;

void panic_stop_this_cpu(void)
{
    cli();
    for (;;)
        hlt();
}

void panic(const char *fmt, ...)
{
    cli();
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
        panic_stop_this_cpu();        /* a second panic: just stop */
    smp_stop_others();
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_break_lock();
    uint64_t gs = rdmsr(MSR_GS_BASE);
    bool gs_ok = gs >= (uint64_t)cpus && gs < (uint64_t)(cpus + MAX_CPUS);
    kprintf("PANIC on cpu %ld: %s\n", gs_ok ? (long)((struct percpu *)gs)->id : -1L, buf);
    kprintf("# bulkhead: panic\n");
    hv_exit();
}
