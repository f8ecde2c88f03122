/* TAP output on COM1 and the guest's exit. */
#ifndef TESTGUEST_TAP_H
#define TESTGUEST_TAP_H

#include <stdbool.h>
#include <stdint.h>

/* Prints "ok N - TEXT" or "not ok N - TEXT"; returns ok. */
bool tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A known gap of the platform: "not ok N - TEXT # TODO WHY" (or "ok"),
 * which TAP does not count as a failure, and neither does the guest. */
void tap_todo(bool ok, const char *why, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints "ok N - TEXT # SKIP WHY". */
void tap_skip(const char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Results printed so far, and how many were not ok. */
uint32_t tap_count(void);
uint32_t tap_failures(void);
/* Prints the plan and exits with STATUS_PASS or STATUS_FAIL. */
__attribute__((noreturn)) void tap_finish(void);
/* Prints the plan (if any result was printed) and exits with STATUS. */
__attribute__((noreturn)) void tap_abort(uint32_t status);
/* Writes STATUS to the exit port; if that returns, halts forever. */
__attribute__((noreturn)) void guest_exit(uint32_t status);

#endif
