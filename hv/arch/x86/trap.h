/* Interrupt and exception handling. */
#ifndef HV_X86_TRAP_H
#define HV_X86_TRAP_H
#include <stdint.h>
#include <stddef.h>

struct trapframe {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};
_Static_assert(sizeof(struct trapframe) == 22 * 8, "entry.asm frame layout");
_Static_assert(offsetof(struct trapframe, rip) == 17 * 8 && offsetof(struct trapframe, rflags) == 19 * 8 &&
               offsetof(struct trapframe, rsp) == 20 * 8, "entry.asm frame layout");

#define VEC_NM 7
#define VEC_TIMER 0x20
#define VEC_IPI_WAKE 0x21
#define VEC_SPURIOUS 0xff
#define VEC_SYSCALL 256

typedef void (*irq_handler)(struct trapframe *tf);

/* Builds the IDT (once, on the boot CPU). */
void idt_init(void);
/* Loads the IDT on the calling CPU. */
void idt_load(void);
/* Installs the handler for an interrupt vector (32..255). */
void irq_set_handler(unsigned vector, irq_handler h);
/* C entry from trap_common (entry.asm) for traps taken in kernel mode. */
void trap_dispatch(struct trapframe *tf);
/* C entry for traps from user mode; never returns (resumes via schedule). */
void __attribute__((noreturn)) trap_user(struct trapframe *tf);
/* Prints a full register report for tf on the console. */
void trap_report(const struct trapframe *tf);
/* Name of an exception vector, or "interrupt". */
const char *trap_name(uint64_t vector);
#endif
