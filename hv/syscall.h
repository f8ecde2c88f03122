/* System call entry set-up and dispatch. */
#ifndef HV_SYSCALL_H
#define HV_SYSCALL_H
struct trapframe;
/* Programs EFER.SCE, STAR, LSTAR and FMASK on the calling CPU. */
void syscall_init_cpu(void);
/* C entry from syscall_entry (entry.asm): number in rax, status back in rax. */
void syscall_dispatch(struct trapframe *tf);
#endif
