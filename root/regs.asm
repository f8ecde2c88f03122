; Register-level IPC checks for root/t_regs.c: a caller and a handler
; written in assembly, so that every general register is under the
; test's control. Each fills rbx, rbp and r12-r15 (which IPC does not
; preserve), rcx and r11 with its own marked values before it enters the
; kernel and records every register when the kernel hands control back,
; for the C side to check that the ABI was kept: the message arrived,
; and nothing of the partner's or the kernel's where it may not be.

global regs_call, regs_server, regs_seen_by_server

%define SYS_CALL 2
%define SYS_REPLY_WAIT 3
%define CALLER_MARK 0xca11e40000000000
%define SERVER_MARK 0x5e4e400000000000

section .bss
align 8
; What the handler found at its last entry: rax rbx rcx rdx rsi rdi rbp
; r8 .. r15 (15 words), then its rsp.
regs_seen_by_server: resq 16

section .text

; Stores all sixteen general registers at [rel %1] (rax first), using
; only RIP-relative stores so that none is changed.
%macro RECORD 1
    mov [rel %1 + 0 * 8], rax
    mov [rel %1 + 1 * 8], rbx
    mov [rel %1 + 2 * 8], rcx
    mov [rel %1 + 3 * 8], rdx
    mov [rel %1 + 4 * 8], rsi
    mov [rel %1 + 5 * 8], rdi
    mov [rel %1 + 6 * 8], rbp
    mov [rel %1 + 7 * 8], r8
    mov [rel %1 + 8 * 8], r9
    mov [rel %1 + 9 * 8], r10
    mov [rel %1 + 10 * 8], r11
    mov [rel %1 + 11 * 8], r12
    mov [rel %1 + 12 * 8], r13
    mov [rel %1 + 13 * 8], r14
    mov [rel %1 + 14 * 8], r15
%endmacro

; Sets rbx, rbp and r12-r15 to MARK + 1 .. MARK + 6.
%macro MARK 1
    mov rbx, %1 + 1
    mov rbp, %1 + 2
    mov r12, %1 + 3
    mov r13, %1 + 4
    mov r14, %1 + 5
    mov r15, %1 + 6
%endmacro

section .bss
align 8
caller_seen: resq 15
saved_rsp: resq 1

section .text

; void regs_call(uint64_t pt, uint64_t mi, uint64_t out[15]):
; CALL pt with msginfo mi and words 0x1111.., 0x2222.., 0x3333..,
; 0x4444.., every preserved register marked; out gets every register as
; the call returned (rax rbx rcx rdx rsi rdi rbp r8 .. r15).
regs_call:
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    push rdx                            ; out
    mov [rel saved_rsp], rsp
    mov r10, rsi
    mov rsi, 0x1111111111111111
    mov rdx, 0x2222222222222222
    mov r8, 0x3333333333333333
    mov r9, 0x4444444444444444
    mov r11, CALLER_MARK + 7            ; clobbered by SYSCALL: must not arrive
    mov rcx, CALLER_MARK + 8
    MARK CALLER_MARK
    mov eax, SYS_CALL
    syscall
    RECORD caller_seen
    mov rsp, [rel saved_rsp]
    pop rdx
    lea rsi, [rel caller_seen]
    mov ecx, 15
.copy:
    mov rax, [rsi + rcx * 8 - 8]
    mov [rdx + rcx * 8 - 8], rax
    dec ecx
    jnz .copy
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

; Local EC entry (its first call arrives through the general path): on
; every call it records all registers, then replies with words
; 0xaaaa.., 0xbbbb.., 0xcccc.., 0xdddd.. and its own registers marked.
regs_server:
    RECORD regs_seen_by_server
    mov [rel regs_seen_by_server + 15 * 8], rsp
    mov r10, 4
    mov rsi, 0xaaaaaaaaaaaaaaaa
    mov rdx, 0xbbbbbbbbbbbbbbbb
    mov r8, 0xcccccccccccccccc
    mov r9, 0xdddddddddddddddd
    mov rdi, SERVER_MARK + 9            ; not part of a reply
    mov r11, SERVER_MARK + 7
    mov rcx, SERVER_MARK + 8
    MARK SERVER_MARK
    mov eax, SYS_REPLY_WAIT
    syscall
    jmp regs_server
