; User program entry: rdi = pointer to the argument string (on the stack),
; rsi = a value the starter passes (CPUs online for the root task).
; A program started by another PD (lib/elf_load.c) gets all registers
; zero instead and finds the two values at [rsp+8] and [rsp+16].
; Calls main(rdi, rsi) and exits with its return value.
extern main
global _start
section .text
_start:
    xor ebp, ebp
    test rdi, rdi
    jnz .go
    mov rdi, [rsp + 8]
    mov rsi, [rsp + 16]
.go:
    and rsp, -16
    call main
    mov rdi, rax
    mov eax, 1                          ; BH_SYS_EXIT
    syscall
    ud2
