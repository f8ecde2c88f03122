/* The guest's IDT, exception reports, interrupt handlers, and catching
 * exceptions on purpose. */
#ifndef TESTGUEST_TRAP_H
#define TESTGUEST_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* What isr.asm pushes: the registers, the vector and error code, then the
 * CPU's interrupt frame (SDM vol. 3A 6.14.1). */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame matches isr.asm");

/* The last exception taken inside catch_run(). */
struct caught {
    uint64_t vector, error, rip, cr2;
};

typedef void irq_handler(struct trap_frame *f);

/* Loads the TSS (with an IST stack for NMI, #DF and #MC) and the IDT. */
void trap_init(void);

/* Runs fn(arg). Returns 0 if it completed, 1 if it raised an exception
 * (vectors 0-31 except NMI, #DF and #MC), which is then recorded in
 * *seen (may be NULL) and abandoned: catch_run returns at once. #BP and
 * #OF are traps: they are recorded and fn continues after the INT3 or
 * INTO (catch_run then returns 0, and *seen says what happened). Not
 * reentrant. */
int catch_run(void (*fn)(void *), void *arg);
void catch_result(struct caught *seen);
/* Exceptions caught since boot. */
uint64_t catch_total(void);

/* Installs HANDLER for interrupt VECTOR (32-255); NULL removes it. */
void trap_set_handler(uint8_t vector, irq_handler *handler);
/* Interrupts (vectors 32-255) that arrived without a handler. */
uint64_t trap_stray_count(void);
/* While set, NMIs are counted instead of ending the run (hostile test). */
void trap_tolerate_nmi(bool on);
uint64_t trap_nmi_count(void);

/* Short name of exception VECTOR ("#PF"), or "int" for 32 and above. */
const char *trap_name(uint64_t vector);

#endif
