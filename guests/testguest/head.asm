; Start of the payload (sector 1, at 0x7e00): its magic, then the mode
; switch real mode -> 32-bit protected mode -> 64-bit long mode, which
; reports each step on COM1 and leaves evidence in the boot_* variables
; for the C tests (t_cpu.c). Then guest_main() in C.
;
; In:  AX = CS when sector 0 was entered, BL = load path (PATH_*),
;      DL = drive, DS = ES = SS = 0, SP = 0x7c00, interrupts off.

%include "layout.inc"

extern guest_main
extern __bss_start, __bss_end

global boot_entry_cs, boot_path, boot_drive, boot_rm_cr0, boot_a20
global boot_pm_cr0, boot_pm_cs, boot_pm_efer_lma
global gdt, pml4, pdpt, pd_low, pd_mmio, stack_top

A20_WAS_ON  equ 1
A20_PORT92  equ 2                       ; we turned it on with port 0x92
A20_OFF     equ 3                       ; could not turn it on

section .head progbits alloc exec write align=1
bits 16
    db PAYLOAD_MAGIC                    ; boot.asm looks for it (8 bytes)
payload_entry16:                        ; = PAYLOAD_ENTRY (linker script checks)
    cli
    cld
    xor cx, cx
    mov ds, cx
    mov es, cx
    mov ss, cx
    mov sp, LOAD_ADDR
    mov [boot_entry_cs], ax
    mov [boot_path], bl
    mov [boot_drive], dl
    mov eax, cr0
    mov [boot_rm_cr0], eax

    call uart_init16
    mov si, msg_real
    call puts16
    mov si, msg_bios
    cmp byte [boot_path], PATH_BIOS
    je .path
    mov si, msg_pre
.path:
    call puts16

    call a20_on16
    jz .a20_was_on
    in al, 0x92                         ; "fast A20": bit 1 on, bit 0 (reset) off
    or al, 2
    and al, 0xfe
    out 0x92, al
    mov byte [boot_a20], A20_PORT92
    call a20_on16
    jz .a20_done
    mov byte [boot_a20], A20_OFF
    mov si, msg_a20off
    call puts16
    jmp .a20_done
.a20_was_on:
    mov byte [boot_a20], A20_WAS_ON
.a20_done:

    lgdt [gdt_ptr]
    mov eax, cr0
    or eax, 1                           ; PE
    mov cr0, eax
    jmp dword SEL_CODE32:pm32

; ZF set if A20 is on: writes to 0000:0500 and FFFF:0510 (linear 0x100500)
; must not alias. Both bytes are restored.
a20_on16:
    push ds
    push es
    xor ax, ax
    mov ds, ax
    dec ax
    mov es, ax
    mov al, [ds:0x500]
    mov ah, [es:0x510]
    mov byte [ds:0x500], 0x00
    mov byte [es:0x510], 0xff
    cmp byte [ds:0x500], 0x00           ; changed: aliased, A20 off
    mov [es:0x510], ah
    mov [ds:0x500], al
    pop es
    pop ds
    ret

; Programs COM1 for 115200 8N1 with FIFOs, no interrupts.
uart_init16:
    mov si, uart_regs
.next:
    mov dx, COM1
    add dl, [si]
    mov al, [si + 1]
    out dx, al
    add si, 2
    cmp si, uart_regs_end
    jb .next
    ret

; Prints the NUL-terminated string at DS:SI on COM1 (polled, bounded wait).
puts16:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
    mov cx, 0xffff
.wait:
    in al, dx
    test al, 0x20
    loopz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp puts16
.done:
    ret

bits 32
pm32:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov esp, LOAD_ADDR
    mov eax, cr0
    mov [boot_pm_cr0], eax
    mov ax, cs
    mov [boot_pm_cs], ax
    mov esi, msg_pm
    call puts32

    mov edi, __bss_start                ; page tables and stack live there
    mov ecx, __bss_end
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    mov eax, 0x80000000                 ; long mode? CPUID 0x80000001 EDX[29]
    cpuid
    cmp eax, 0x80000001
    jb .no_lm
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_lm

    mov ecx, 0xc0000080                 ; EFER.LMA must still be 0 here
    rdmsr
    shr eax, 10
    and eax, 1
    mov [boot_pm_efer_lma], al

    ; Identity map with 2 MiB pages (SDM vol. 3A 4.5): GiB 0 write-back,
    ; GiB 3 (LAPIC, IOAPIC, HPET, other MMIO) uncached (PCD|PWT).
    mov dword [pml4], pdpt + 3
    mov dword [pdpt + 0 * 8], pd_low + 3
    mov dword [pdpt + 3 * 8], pd_mmio + 3
    xor ecx, ecx
.fill:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83                        ; P, RW, PS
    mov [pd_low + ecx * 8], eax
    add eax, 0xc0000000 | 0x18          ; + 3 GiB, PWT, PCD
    mov [pd_mmio + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .fill

    mov eax, cr4
    or eax, 1 << 5                      ; PAE
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, 1 << 8                      ; LME
    wrmsr
    mov eax, cr0
    or eax, (1 << 31) | 1               ; PG (and PE)
    and eax, ~((1 << 30) | (1 << 29))   ; caches on: CD, NW (set at reset)
    mov cr0, eax
    jmp SEL_CODE64:lm64

.no_lm:
    mov esi, msg_nolm
    call puts32
    mov eax, STATUS_NO_LM
    mov dx, DEBUG_EXIT
    out dx, eax
.halt:
    cli
    hlt
    jmp .halt

; Prints the NUL-terminated string at ESI on COM1 (polled, bounded wait).
puts32:
    push ecx
    push edx
.next:
    lodsb
    test al, al
    jz .done
    mov ah, al
    mov dx, COM1 + 5
    mov ecx, 0x10000
.wait:
    in al, dx
    test al, 0x20
    loopz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp .next
.done:
    pop edx
    pop ecx
    ret

bits 64
lm64:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, stack_top
    xor ebp, ebp
    call guest_main                     ; does not return
.dead:
    cli
    hlt
    jmp .dead

align 4
boot_entry_cs:      dd 0
boot_path:          dd 0
boot_drive:         dd 0
boot_rm_cr0:        dd 0
boot_a20:           dd 0
boot_pm_cr0:        dd 0
boot_pm_cs:         dd 0
boot_pm_efer_lma:   dd 0

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff               ; 0x08: 32-bit code, base 0, 4 GiB
    dq 0x00cf92000000ffff               ; 0x10: data, base 0, 4 GiB
    dq 0x00af9a000000ffff               ; 0x18: 64-bit code (L=1)
    dq 0, 0                             ; 0x20: 64-bit TSS, filled in by C
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dd gdt

uart_regs:                              ; (register, value): 115200 8N1, FIFO
    db 1, 0x00, 3, 0x80, 0, 0x01, 1, 0x00, 3, 0x03, 2, 0xc7, 4, 0x03
uart_regs_end:

msg_real:   db "# testguest: real mode", 0
msg_bios:   db ", payload read by the BIOS (INT 13h)", 13, 10, 0
msg_pre:    db ", payload preloaded (no BIOS call)", 13, 10, 0
msg_a20off: db "# testguest: A20 is off and port 0x92 did not turn it on", 13, 10, 0
msg_pm:     db "# testguest: protected mode", 13, 10, 0
msg_nolm:   db "# testguest: this CPU has no long mode", 13, 10, 0

section .bss nobits alloc noexec write align=4096
pml4:       resb 4096
pdpt:       resb 4096
pd_low:     resb 4096                   ; GiB 0
pd_mmio:    resb 4096                   ; GiB 3
stack:      resb 16384
stack_top:
