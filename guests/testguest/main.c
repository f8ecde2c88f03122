/* The test guest's C entry: read the command string at CMDLINE_ADDR, run
 * the selected tests, print the plan and exit through the debug-exit
 * port (guests/README.md). */
#include "cmdline.h"
#include "console.h"
#include "layout.h"
#include "tap.h"
#include "tests.h"
#include "trap.h"

void guest_main(void) __attribute__((noreturn));

/* Copies the command string out of low memory, as bytes: it may hold
 * anything, and it may have no NUL at all. */
static void read_cmdline(char *buf)
{
    const volatile char *src = (const volatile char *)(uintptr_t)CMDLINE_ADDR;

    for (unsigned i = 0; i < CMDLINE_MAX; i++)
        buf[i] = src[i];
}

/* Echoes the command string (unprintable bytes as '?', at most up to the
 * first NUL) and the result of parsing it. */
static void report_cmdline(const char *buf, int rc, const struct cmdline_error *err)
{
    unsigned len = 0;

    while (len < CMDLINE_MAX && buf[len])
        len++;
    con_printf("# cmdline: \"");
    for (unsigned i = 0; i < len; i++)
        con_putc(buf[i] >= 0x20 && buf[i] <= 0x7e ? buf[i] : '?');
    con_printf("\"%s\n", len == 0 ? " (empty: the default tests)" : "");
    if (rc)
        con_printf("# cmdline: error at byte %lu: %s; ignoring the command string, "
                   "running the default tests\n", (unsigned long)err->offset, err->msg);
}

static void report_selection(const struct guest_opts *o)
{
    con_printf("# tests:");
    for (unsigned t = 0; t < T_COUNT; t++) {
        if (o->tests & TEST_BIT(t))
            con_printf(" %s", cmdline_test_name((enum test_id)t));
    }
    con_printf("\n");
}

static bool selected(const struct guest_opts *o, enum test_id t)
{
    return (o->tests & TEST_BIT(t)) != 0;
}

void guest_main(void)
{
    char buf[CMDLINE_MAX];
    struct guest_opts o;
    struct cmdline_error err;

    con_init();
    con_printf("# testguest: long mode\n");
    trap_init();
    pic_init();

    read_cmdline(buf);
    int rc = cmdline_parse(buf, sizeof(buf), &o, &err);
    report_cmdline(buf, rc, &err);
    report_selection(&o);

    t_modes();
    if (selected(&o, T_CPUID))
        t_cpuid(&o);
    if (selected(&o, T_MSR))
        t_msr();
    if (selected(&o, T_PIO))
        t_pio();
    if (selected(&o, T_EXC))
        t_exc();
    if (selected(&o, T_HLT))
        t_hlt();
    if (selected(&o, T_MMIO))
        t_mmio(&o);
    if (selected(&o, T_HOSTILE))
        t_hostile(&o);
    if (selected(&o, T_BENCH))
        t_bench(&o);
    if (selected(&o, T_PASSTHROUGH))
        t_passthrough();
    if (selected(&o, T_TRIPLE))
        t_triple();
    if (trap_stray_count())
        con_printf("# %lu interrupt(s) arrived without a handler\n", trap_stray_count());
    tap_finish();
}
