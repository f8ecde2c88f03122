; Bulkhead boot entry: Multiboot v1 (a.out kludge) and Multiboot2 headers,
; then 32-bit protected mode -> 64-bit long mode -> higher-half C.
; Loaders: QEMU -kernel and iPXE use v1, GRUB uses v2 (see docs/boot.md).

%define KERNEL_VMA 0xffffffff80000000
%define MB1_MAGIC 0x1badb002
%define MB1_FLAGS 0x00010003            ; page-align modules, memory map, addresses
%define MB2_MAGIC 0xe85250d6

extern kmain
extern __image_start, __load_end_phys, __bss_end_phys, __bss_start_phys

global _start32
global boot_pml4, boot_gdt64_ptr, boot_stack_top

section .mbheader progbits alloc noexec nowrite align=8
mb1_header:                             ; Multiboot 1.6 spec, section 3.1.1
    dd MB1_MAGIC
    dd MB1_FLAGS
    dd -(MB1_MAGIC + MB1_FLAGS)
    dd mb1_header                       ; header_addr
    dd __image_start                    ; load_addr
    dd __load_end_phys                  ; load_end_addr
    dd __bss_end_phys                   ; bss_end_addr
    dd _start32                         ; entry_addr

align 8
mb2_header:                             ; Multiboot2 spec, section 3.1
    dd MB2_MAGIC
    dd 0                                ; architecture: i386 protected mode
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
align 8
    dw 2, 0                             ; address tag
    dd 24
    dd mb2_header
    dd __image_start
    dd __load_end_phys
    dd __bss_end_phys
align 8
    dw 3, 0                             ; entry address tag
    dd 12
    dd _start32
align 8
    dw 6, 0                             ; module alignment tag
    dd 8
align 8
    dw 0, 0                             ; end tag
    dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
_start32:
    cli
    cld
    mov edi, eax                        ; loader magic
    mov esi, ebx                        ; info structure (physical)

    ; Zero .bss (holds the boot stack and page tables). Loaders are meant
    ; to do this, but a broken one must not leave us with garbage tables.
    mov edx, edi
    mov edi, __bss_start_phys
    mov ecx, __bss_end_phys
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd
    mov edi, edx

    mov esp, boot_stack_top - KERNEL_VMA

    ; Long mode present? (CPUID 0x80000001 EDX bit 29)
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode
    mov ebp, edx                        ; keep NX bit (20) for EFER.NXE

    ; Boot page tables: identity map and higher-half map of the first GiB
    ; with 2 MiB pages. C replaces them with W^X tables right away.
    mov eax, boot_pdpt - KERNEL_VMA
    or eax, 3
    mov [boot_pml4 - KERNEL_VMA], eax
    mov eax, boot_pdpt_hi - KERNEL_VMA
    or eax, 3
    mov [boot_pml4 - KERNEL_VMA + 511 * 8], eax
    mov eax, boot_pd - KERNEL_VMA
    or eax, 3
    mov [boot_pdpt - KERNEL_VMA], eax
    mov [boot_pdpt_hi - KERNEL_VMA + 510 * 8], eax
    mov ecx, 0
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83                        ; present, writable, 2 MiB
    mov [boot_pd - KERNEL_VMA + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .fill_pd

    mov eax, cr4
    or eax, 1 << 5                      ; PAE
    mov cr4, eax
    mov eax, boot_pml4 - KERNEL_VMA
    mov cr3, eax
    mov ecx, 0xc0000080                 ; IA32_EFER
    rdmsr
    or eax, 1 << 8                      ; LME
    test ebp, 1 << 20
    jz .no_nx
    or eax, 1 << 11                     ; NXE
.no_nx:
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16) | (1 << 5) | 1   ; PG, WP, NE, PE
    and eax, ~((1 << 30) | (1 << 29))   ; caches on: clear CD, NW
    mov cr0, eax

    lgdt [boot_gdt64_ptr]
    jmp 0x08:.long_mode

.no_long_mode:
    mov esi, no_lm_msg
.putc:
    lodsb
    test al, al
    jz .halt
    mov dx, 0x3f8
    out dx, al
    jmp .putc
.halt:
    hlt
    jmp .halt

bits 64
.long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rax, .higher_half
    jmp rax

section .text
.higher_half:
    mov rsp, boot_stack_top
    xor ebp, ebp
    mov edi, edi                        ; zero-extend magic
    mov esi, esi                        ; and info address
    call kmain
.dead:
    cli
    hlt
    jmp .dead

section .boot.data progbits alloc noexec nowrite align=16
no_lm_msg: db "hv: this CPU has no 64-bit long mode; cannot boot", 13, 10, 0
align 16
boot_gdt64:
    dq 0
    dq 0x00af9a000000ffff               ; 0x08: 64-bit code
    dq 0x00cf92000000ffff               ; 0x10: data
boot_gdt64_end:
boot_gdt64_ptr:
    dw boot_gdt64_end - boot_gdt64 - 1
    dq boot_gdt64

section .bss
align 4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pdpt_hi: resb 4096
boot_pd: resb 4096
align 16
boot_stack: resb 16384
boot_stack_top:
