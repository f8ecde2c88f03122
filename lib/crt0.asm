; User program entry: rdi = pointer to the argument string (on the stack),
; rsi = a value the starter passes (CPUs online for the root task).
; Calls main(rdi, rsi) and exits with its return value.
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
