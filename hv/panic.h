/* Panic: only for broken kernel invariants, never for caller errors. */
#ifndef HV_PANIC_H
#define HV_PANIC_H
/* Prints the message, stops every other CPU and ends the system. */
void __attribute__((noreturn, format(printf, 1, 2))) panic(const char *fmt, ...);
/* NMI handler body on the other CPUs while one panics. */
void __attribute__((noreturn)) panic_stop_this_cpu(void);
#endif
