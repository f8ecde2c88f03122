/* Time: ACPI PM timer for calibration, TSC for delays, and a one-shot
   per-CPU timer interrupt (TSC-deadline where it works, LAPIC otherwise). */
#ifndef HV_X86_TIMER_H
#define HV_X86_TIMER_H
#include <stdint.h>
#include <stdbool.h>

enum timer_mode { TIMER_AUTO, TIMER_TSC_DEADLINE, TIMER_LAPIC };

/* Records the ACPI PM timer port (0 if none; then the PIT is used). */
void timer_set_pmtimer(uint16_t port, bool is32);
/* Measures TSC and LAPIC timer rates (boot CPU, interrupts off). */
void timer_calibrate(void);
/* Picks and verifies the one-shot mode on the boot CPU; returns it. */
enum timer_mode timer_select(enum timer_mode want);
const char *timer_mode_name(enum timer_mode m);
uint64_t timer_tsc_hz(void);
/* Busy-waits us microseconds. */
void udelay(uint64_t us);
/* Arms this CPU's one-shot interrupt (VEC_TIMER) us microseconds ahead. */
void timer_arm_us(uint64_t us);
/* Timer interrupts taken so far by cpu. */
uint32_t timer_fired_count(unsigned cpu);
/* Microseconds since calibration according to the reference clock. */
uint64_t timer_ref_now_us(void);
#endif
