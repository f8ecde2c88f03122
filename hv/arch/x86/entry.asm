; Kernel entry and exit paths: interrupt/exception stubs, SYSCALL entry,
; and the switch into and out of user mode. Frame layout: struct trapframe
; in trap.h (general registers, vector, error code, hardware frame).

%define GDT_UDATA 0x18
%define GDT_UCODE 0x20
%define VEC_SYSCALL 256

extern trap_dispatch
extern syscall_dispatch

global isr_table
global syscall_entry
global user_enter
global user_exit

%macro PUSH_REGS 0
    push r15
    push r14
    push r13
    push r12
    push r11
    push r10
    push r9
    push r8
    push rbp
    push rdi
    push rsi
    push rdx
    push rcx
    push rbx
    push rax
%endmacro

%macro POP_REGS 0
    pop rax
    pop rbx
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    pop rbp
    pop r8
    pop r9
    pop r10
    pop r11
    pop r12
    pop r13
    pop r14
    pop r15
%endmacro

section .text

; One stub per vector; vectors without a CPU error code push a zero.
%macro ISR 1
isr_%1:
%if (%1 == 8) || (%1 == 10) || (%1 == 11) || (%1 == 12) || (%1 == 13) || (%1 == 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
    push 0
%endif
    push %1
    jmp trap_common
%endmacro

%assign i 0
%rep 256
ISR i
%assign i i + 1
%endrep

trap_common:
    test byte [rsp + 24], 3            ; CS of the interrupted context
    jz .from_kernel
    swapgs
.from_kernel:
    PUSH_REGS
    cld
    mov rdi, rsp
    call trap_dispatch
    POP_REGS
    add rsp, 16                        ; vector, error code
    test byte [rsp + 8], 3
    jz .to_kernel
    swapgs
.to_kernel:
    iretq

; SYSCALL: rcx = user rip, r11 = user rflags; IF, TF, DF, AC cleared by
; IA32_FMASK. Builds a trapframe on this CPU's kernel stack.
syscall_entry:
    swapgs
    mov [gs:16], rsp
    mov rsp, [gs:8]
    push GDT_UDATA | 3
    push qword [gs:16]
    push r11
    push GDT_UCODE | 3
    push rcx
    push 0
    push VEC_SYSCALL
    PUSH_REGS
    mov rdi, rsp
    call syscall_dispatch
    POP_REGS
    add rsp, 16
    pop rcx                            ; rip (syscall_dispatch keeps it below BH_USER_TOP)
    add rsp, 8
    pop r11                            ; rflags
    mov rsp, [rsp]                     ; user rsp
    swapgs
    o64 sysret

; uint64_t user_enter(struct kctx *save, uint64_t rip, uint64_t rsp, uint64_t arg)
; Saves the kernel's callee-saved context in *save and drops to ring 3 at
; rip with stack rsp and rdi = arg. Returns when user_exit(save, v) runs.
user_enter:
    mov [rdi + 8], rbx
    mov [rdi + 16], rbp
    mov [rdi + 24], r12
    mov [rdi + 32], r13
    mov [rdi + 40], r14
    mov [rdi + 48], r15
    mov rax, [rsp]
    mov [rdi + 56], rax                ; return address
    lea rax, [rsp + 8]
    mov [rdi], rax                     ; rsp after return
    push GDT_UDATA | 3
    push rdx
    push 0x202                         ; IF set
    push GDT_UCODE | 3
    push rsi
    mov rdi, rcx
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    swapgs
    iretq

; void user_exit(struct kctx *ctx, uint64_t value): resumes user_enter's
; caller with value. Runs on a kernel stack with the kernel GS loaded.
user_exit:
    mov rbx, [rdi + 8]
    mov rbp, [rdi + 16]
    mov r12, [rdi + 24]
    mov r13, [rdi + 32]
    mov r14, [rdi + 40]
    mov r15, [rdi + 48]
    mov rsp, [rdi]
    mov rax, rsi
    jmp [rdi + 56]

section .rodata
align 8
isr_table:
%assign i 0
%rep 256
    dq isr_ %+ i
%assign i i + 1
%endrep
