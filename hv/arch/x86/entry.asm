; Kernel entry and exit paths: interrupt/exception stubs, SYSCALL entry,
; and the switch into and out of user mode. Frame layout: struct trapframe
; in trap.h (general registers, vector, error code, hardware frame).

%define GDT_UDATA 0x18
%define GDT_UCODE 0x20
%define VEC_SYSCALL 256

extern trap_dispatch
extern trap_user
extern syscall_dispatch

global isr_table
global syscall_entry
global ret_user

%include "frame.inc"
%include "offsets.inc"

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

; Exceptions and interrupts. From user mode the CPU has already switched
; to TSS.RSP0, the end of the current EC's frame, so the whole register
; state lands in the EC; C then runs on this CPU's kernel stack and leaves
; through ret_user. From kernel mode (only the idle loop runs with IF=1,
; plus faults) the frame stays on the current stack and we iretq back.
trap_common:
    test byte [rsp + 24], 3            ; CS of the interrupted context
    jz .from_kernel
    swapgs
    PUSH_REGS
    cld
    mov rdi, rsp
    mov rsp, [gs:32]                   ; per-CPU kernel stack
    call trap_user                     ; does not return
    ud2
.from_kernel:
    PUSH_REGS
    cld
    mov rdi, rsp
    call trap_dispatch
    POP_REGS
    add rsp, 16                        ; vector, error code
    iretq

; SYSCALL: rcx = user rip, r11 = user rflags; IF, TF, DF, AC cleared by
; IA32_FMASK. The frame is built at the end of the current EC's (gs:8)
; register frame, then C runs on the kernel stack.
syscall_entry:
    swapgs
    mov [gs:16], rsp
    mov rsp, [gs:8]
    add rsp, EC_FRAME_END
    push GDT_UDATA | 3
    push qword [gs:16]
    push r11
    push GDT_UCODE | 3
    push rcx
    push 0
    push VEC_SYSCALL
    PUSH_REGS
    mov rdi, rsp
    mov rsp, [gs:32]
    call syscall_dispatch              ; does not return
    ud2

; void ret_user(struct trapframe *f): resumes user mode from an EC's frame.
; Frames saved by SYSCALL leave with SYSRET, all others with IRETQ. SYSRET
; takes RIP and RFLAGS from rcx and r11, so those two come from the frame's
; rip and rflags, and every register is loaded straight from the frame.
; A SYSCALL frame's rip is canonical: user code lies below BH_USER_TOP
; (canonical itself), and the kernel never sets a frame's rip at or above
; it (syscall_dispatch kills an EC that would return there).
ret_user:
    cmp qword [rdi + 15 * 8], VEC_SYSCALL
    jne .iret
    mov rcx, [rdi + 17 * 8]            ; rip
    mov r11, [rdi + 19 * 8]            ; rflags
    mov rax, [rdi + 0 * 8]
    mov rbx, [rdi + 1 * 8]
    mov rdx, [rdi + 3 * 8]
    mov rsi, [rdi + 4 * 8]
    mov rbp, [rdi + 6 * 8]
    mov r8, [rdi + 7 * 8]
    mov r9, [rdi + 8 * 8]
    mov r10, [rdi + 9 * 8]
    mov r12, [rdi + 11 * 8]
    mov r13, [rdi + 12 * 8]
    mov r14, [rdi + 13 * 8]
    mov r15, [rdi + 14 * 8]
    mov rsp, [rdi + 20 * 8]            ; user rsp
    mov rdi, [rdi + 5 * 8]
    swapgs
    o64 sysret
.iret:
    mov rsp, rdi
    POP_REGS
    add rsp, 16
    swapgs
    iretq

section .rodata
align 8
isr_table:
%assign i 0
%rep 256
    dq isr_ %+ i
%assign i i + 1
%endrep
