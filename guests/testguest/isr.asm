; Interrupt and exception entry (64-bit): one stub per vector pushes a
; zero error code where the CPU pushes none (SDM vol. 3A 6.13), then the
; vector; isr_common saves the registers as a struct trap_frame (trap.h)
; and calls trap_dispatch(frame). The handler may change the frame: the
; registers, RIP and RSP it holds are what IRETQ resumes with.
;
; catch_run(fn, arg) calls fn(arg) and returns 0, or 1 if an exception
; that trap.c "catches" (see trap.h) happened inside: the dispatcher then
; points the frame at catch_landing with catch_run's saved registers and
; stack, so the IRETQ returns from catch_run.

extern trap_dispatch

global isr_table, catch_run, catch_landing, catch_ctx

section .text
bits 64

%assign v 0
%rep 256
isr_ %+ v:
%if !(v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30)
    push qword 0                        ; the CPU pushes no error code
%endif
    push qword v
    jmp isr_common
%assign v v + 1
%endrep

isr_common:
    cld
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                        ; struct trap_frame *, 16-byte aligned
    call trap_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                         ; vector, error code
    iretq

; int catch_run(void (*fn)(void *), void *arg)
catch_run:
    mov [rel catch_ctx + 0], rbx
    mov [rel catch_ctx + 8], rbp
    mov [rel catch_ctx + 16], r12
    mov [rel catch_ctx + 24], r13
    mov [rel catch_ctx + 32], r14
    mov [rel catch_ctx + 40], r15
    mov [rel catch_ctx + 48], rsp       ; points at our return address
    mov qword [rel catch_ctx + 56], 1   ; armed
    mov rax, rdi
    mov rdi, rsi
    sub rsp, 8                          ; keep the ABI's 16-byte alignment
    call rax
    add rsp, 8
    mov qword [rel catch_ctx + 56], 0
    xor eax, eax
    ret

; Reached by IRETQ from trap_dispatch, with RSP and the callee-saved
; registers as catch_run saved them; the dispatcher has disarmed it.
catch_landing:
    mov eax, 1
    ret

section .data
align 8
isr_table:
%assign v 0
%rep 256
    dq isr_ %+ v
%assign v v + 1
%endrep

section .bss
align 8
catch_ctx:  resq 8                      ; rbx rbp r12-r15 rsp armed (trap.h)
