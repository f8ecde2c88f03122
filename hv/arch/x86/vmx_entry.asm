; VM entry and exit (Intel SDM Vol. 3C, 26 and 27). The guest's general
; registers live in its EC's struct trapframe (trap.h), CR2 in the frame's
; error slot; RIP, RSP and RFLAGS live in the VMCS.

%include "frame.inc"

extern vcpu_exited
extern vcpu_entry_failed

global vmx_enter
global vmx_exit_entry

section .text

; void vmx_enter(struct trapframe *guest, uint64_t launched): never returns.
; A failed VMLAUNCH/VMRESUME falls through to vcpu_entry_failed on this
; CPU's kernel stack; the frame is left as it was.
vmx_enter:
    mov rax, [rdi + 16 * 8]
    mov cr2, rax
    mov rsp, rdi
    test rsi, rsi                      ; POP leaves the flags alone
    POP_REGS
    jnz .resume
    vmlaunch
    jmp .failed
.resume:
    vmresume
.failed:
    mov rsp, [gs:32]
    call vcpu_entry_failed
    ud2

; VM exit: the VMCS set RSP to the end of the EC's general registers
; (HOST_RSP = &frame.vector), GS base to this CPU and RFLAGS to 2.
vmx_exit_entry:
    PUSH_REGS
    mov rax, cr2
    mov [rsp + 16 * 8], rax
    mov rsp, [gs:32]                   ; per-CPU kernel stack
    call vcpu_exited
    ud2
