; The code of root/t_teardown.c's victim PD, copied into a page of it:
; each of its handlers takes one call and then waits, forever, on the
; semaphore at selector 1 of its PD, so that it is ending that PD that
; ends the call (its caller then gets BH_EABORT). Position-independent,
; no stack.

global teardown_victim, teardown_victim_end

%define SYS_SM_CTRL 9
%define SM_DOWN 1
%define GATE_SEL 1

section .text

teardown_victim:
    mov eax, SYS_SM_CTRL
    mov edi, GATE_SEL
    mov esi, SM_DOWN
    xor edx, edx                        ; no timeout
    syscall
    jmp teardown_victim
teardown_victim_end:
