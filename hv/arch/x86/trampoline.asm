; AP start-up trampoline, copied to TRAMPOLINE_PHYS (0x8000) and entered
; by a SIPI with vector 0x08: real mode -> protected mode -> long mode.
; Assembled flat (-f bin); struct tramp_params in smp.c mirrors the block
; at offset PARAMS.

%define PARAMS 0xf00
bits 16
org 0x8000
    cli
    cld
    xor ax, ax
    mov ds, ax
    lgdt [gdt_ptr]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp 0x08:pm32

bits 32
pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 1 << 5                      ; PAE
    mov cr4, eax
    mov eax, [p_cr3]
    mov cr3, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, [p_efer]
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | (1 << 5)   ; PG, WP, NE
    and eax, ~((1 << 30) | (1 << 29))          ; CD, NW off
    mov cr0, eax
    jmp 0x18:lm64

bits 64
lm64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [p_stack]
    mov rdi, [p_cpu]
    mov dword [p_started], 1
    mov rax, [p_entry]
    jmp rax

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08: 32-bit code
    dq 0x00cf92000000ffff               ; 0x10: data
    dq 0x00af9a000000ffff               ; 0x18: 64-bit code
gdt_ptr:
    dw gdt_ptr - gdt - 1
    dd gdt

times PARAMS - ($ - $$) db 0
p_cr3: dd 0
p_efer: dd 0
p_stack: dq 0
p_cpu: dq 0
p_entry: dq 0
p_started: dd 0
