/* System call entry set-up and dispatch. */
#ifndef HV_SYSCALL_H
#define HV_SYSCALL_H
struct trapframe;
/* Programs EFER.SCE, STAR, LSTAR and FMASK on the calling CPU. */
void syscall_init_cpu(void);
/* C entry from syscall_entry (entry.asm): number in rax, status back in rax. */
void syscall_dispatch(struct trapframe *tf);
/* C entry for CALL and REPLY_WAIT where the CPU has FSGSBASE (fastpath.asm's
   general IPC entry, with a frame of only what IPC reads): the C fast paths
   for at most BH_MSG_REG_WORDS words, then ipc.c. Never returns. */
void __attribute__((noreturn)) syscall_ipc(struct trapframe *tf);
#endif
