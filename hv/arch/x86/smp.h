/* Application processor start-up (INIT-SIPI-SIPI, Intel SDM Vol. 3A,
   8.4.4.1) and cross-CPU stop. */
#ifndef HV_X86_SMP_H
#define HV_X86_SMP_H
#include <stdint.h>
#include <stdbool.h>

/* Starts every APIC id in ids other than the boot CPU's, up to max CPUs
   in total. Returns the number of CPUs online (boot CPU included). */
unsigned smp_boot(const uint32_t *ids, unsigned n, unsigned max);
/* CPUs online. */
unsigned smp_online(void);
/* Per-AP result of its own timer check (true if its interrupt arrived). */
bool smp_cpu_timer_ok(unsigned cpu);
/* Sends an NMI to every other CPU (panic). */
void smp_stop_others(void);
#endif
