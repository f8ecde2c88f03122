; User program entry: rdi = pointer to the argument string (on the stack).
; Calls main(args) and exits with its return value.
extern main
global _start
section .text
_start:
    xor ebp, ebp
    and rsp, -16
    call main
    mov rdi, rax
    mov eax, 1                          ; BH_SYS_EXIT
    syscall
    ud2
