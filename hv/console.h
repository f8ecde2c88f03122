/* Kernel console: serialised line output on the serial port, and TAP. */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>

/* printf-style output; whole calls are atomic with respect to other CPUs. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* After a panic: stop taking the lock so a dead holder cannot block us. */
void console_break_lock(void);

/* TAP on the console (TAP 13). Each call emits one numbered result. */
void tap_result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Emits a user-provided result line ("ok ..." / "not ok ..."), renumbered. */
void tap_user_line(const char *line, size_t len);
/* Prints the plan "1..N" for everything emitted so far. */
void tap_plan(void);
#endif
