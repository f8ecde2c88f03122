; Multiboot v1 entry of the ACPI table dumper (32-bit protected mode, no paging).
; The loader leaves us in flat 32-bit protected mode with interrupts off.
bits 32

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0

section .multiboot
align 4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .bss
align 16
stack_bottom:
    resb 16384
stack_top:

section .text
global _start
extern dump_main
_start:
    cli
    mov esp, stack_top
    cld
    call dump_main
.halt:
    hlt
    jmp .halt
