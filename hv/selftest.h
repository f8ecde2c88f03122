/* In-kernel self tests; each prints TAP results on the console. */
#ifndef HV_SELFTEST_H
#define HV_SELFTEST_H
#include "timer.h"
struct boot_info;
struct acpi_info;
struct hv_opts;

/* Checks W^X of the kernel image and NX of the physmap in the live tables. */
void selftest_paging(void);
/* Drains the page allocator: no page it hands out may be reserved, the
   kernel, a module or an ACPI table; then returns every page. */
void selftest_memory(const struct boot_info *bi, const struct acpi_info *ai);
/* Measures a 10 ms one-shot on the boot CPU against the TSC. */
void selftest_timer(enum timer_mode mode);
/* Reports each AP's own timer check. */
void selftest_ap_timers(unsigned online);
/* Runs the tests named by test= (fault, ud, panic). */
void selftest_named(const struct hv_opts *o);
#endif
