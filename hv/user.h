/* User tasks (issue 2 scope): an ELF image in its own address space,
   run in ring 3 on the calling CPU until it exits or faults. The full
   thread/PD object model replaces this in the microkernel work. */
#ifndef HV_USER_H
#define HV_USER_H
#include <stdint.h>
#include <stddef.h>
#include <bulkhead/abi.h>

struct trapframe;

enum task_end { TASK_EXITED = 1, TASK_KILLED = 2 };

#define TASK_LINE_MAX 240

struct task {
    char name[64];
    uint64_t root;        /* PML4 physical address */
    uint64_t entry;
    uint64_t exit_code;
    char kill_reason[96];
    char line[TASK_LINE_MAX];   /* partial output line */
    unsigned line_len;
};

/* Validates img as an ELF64 user image and builds its address space
   with the argument string args on the stack. On failure nothing stays
   allocated and *why says what was wrong. */
enum bh_status task_load(struct task *t, const void *img, size_t len,
                         const char *name, const char *args, const char **why);
/* Runs t in ring 3 until it exits or is killed; returns how it ended. */
enum task_end task_run(struct task *t);
/* Frees the task's address space and every page in it. */
void task_destroy(struct task *t);
/* Exception in ring 3: report it and end the current task. */
void __attribute__((noreturn)) user_fault(struct trapframe *tf);
/* Ends the current task from a system call. */
void __attribute__((noreturn)) task_exit_current(uint64_t code);
/* Adds user output to the task's line buffer, emitting whole lines. */
void task_output(struct task *t, const char *s, size_t len);
#endif
