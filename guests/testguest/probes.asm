; Instructions that fault on purpose, for the exception tests (t_exc.c).
; Each is its own function, run through catch_run(), and exports the
; address of the faulting instruction so the test can check the RIP the
; CPU reported.

global probe_ud, probe_ud_insn, probe_de, probe_de_insn
global probe_bp, probe_bp_insn, probe_read, probe_read_insn
global probe_triple

section .text
bits 64

; void probe_ud(void *unused): #UD.
probe_ud:
probe_ud_insn:
    ud2
    ret

; void probe_de(void *unused): #DE, 1 / 0.
probe_de:
    mov eax, 1
    xor edx, edx
    xor ecx, ecx
probe_de_insn:
    div ecx
    ret

; void probe_bp(uint32_t *after): #BP is a trap, so the handler returns
; to the next instruction, which sets *after = 1.
probe_bp:
probe_bp_insn:
    int3
    mov dword [rdi], 1
    ret

; void probe_read(uint64_t *addr_in_value_out): 64-bit load from *arg,
; stored back into *arg if it did not fault.
probe_read:
    mov rax, [rdi]
probe_read_insn:
    mov rax, [rax]
    mov [rdi], rax
    ret

; void probe_triple(void): an empty IDT, then #UD: the #UD cannot be
; delivered (#GP), nor can the #GP (#DF), nor the #DF: a triple fault,
; which is a shutdown (SDM vol. 3A 6.15, interrupt 8).
probe_triple:
    lidt [rel empty_idt]
    ud2
.hang:
    cli
    hlt
    jmp .hang

section .data
align 8
empty_idt:
    dw 0
    dq 0
