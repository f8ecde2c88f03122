; Sector 0 of the test guest: a boot sector, run in real mode at 0000:7C00.
;
; Two ways in (guests/README.md, "Load contract"):
;  - a BIOS loaded only this sector: read the payload (sectors 1..N) with
;    INT 13h AH=42h from drive DL to 0x7e00;
;  - the Bulkhead VMM copied the whole image to 0x7c00 and started the vCPU
;    here with DL=0x80 and no BIOS: the payload magic at 0x7e00 is already
;    there, so no BIOS call is made at all.
; Either way the magic is then cleared, so that a warm reset under a BIOS
; (RAM kept) reads the payload from disk again instead of running a copy
; whose data the last run changed. Then jump to the payload with
; AX = CS at entry, BL = how it was loaded, DL = drive.

%include "layout.inc"

extern __payload_sectors                ; linker script: sectors after this one

CHUNK equ 32                            ; sectors per INT 13h call (16 KiB)

section .boot progbits alloc exec write align=1
bits 16
global boot_start
boot_start:
    cli
    cld
    mov bp, cs                          ; 0000 or 07C0 depending on the BIOS
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, LOAD_ADDR
    jmp 0:.normalised
.normalised:
    mov [drive], dl

    mov si, magic                       ; already in memory (VMM load)?
    call payload_present
    mov bl, PATH_PRELOADED
    je .go

    mov si, msg_nobios                  ; no IVT entry for INT 13h: no BIOS
    mov ax, [0x13 * 4]
    or ax, [0x13 * 4 + 2]
    jz fail

    mov si, msg_noext                   ; EDD extensions, subset 1 (AH=42h)
    mov ah, 0x41
    mov bx, 0x55aa
    mov dl, [drive]
    int 0x13
    jc fail
    cmp bx, 0xaa55
    jne fail
    test cl, 1
    jz fail

.read:
    mov ax, [remaining]
    test ax, ax
    jz .loaded
    cmp ax, CHUNK
    jbe .count
    mov ax, CHUNK
.count:
    mov [dap_count], ax
    mov si, dap
    mov ah, 0x42
    mov dl, [drive]
    int 0x13
    mov si, msg_read
    jc fail
    mov ax, [dap_count]
    add [dap_lba], ax
    adc word [dap_lba + 2], 0
    sub [remaining], ax
    shl ax, 5                           ; sectors -> paragraphs
    add [dap_seg], ax
    jmp .read

.loaded:
    mov si, msg_bad
    call payload_present
    jne fail
    mov bl, PATH_BIOS
.go:
    mov di, PAYLOAD_ADDR                ; clear the magic (see above)
    xor ax, ax
    mov cx, 4
    rep stosw
    mov dl, [drive]
    mov ax, bp
    jmp 0:PAYLOAD_ENTRY

; ZF set if the 8 magic bytes are at PAYLOAD_ADDR.
payload_present:
    push si
    mov si, magic
    mov di, PAYLOAD_ADDR
    mov cx, 4
    repe cmpsw
    pop si
    ret

; Prints the message at SI on COM1, reports STATUS_LOAD on the exit port,
; and halts if that returns.
fail:
    mov bx, uart_init
.init:
    mov dx, COM1
    add dl, [bx]
    mov al, [bx + 1]
    out dx, al
    add bx, 2
    cmp bx, uart_init_end
    jb .init
.msg:
    lodsb
    test al, al
    jz .exit
    mov ah, al
    mov dx, COM1 + 5
    mov cx, 0xffff                      ; bounded: a missing UART must not hang us
.wait:
    in al, dx
    test al, 0x20
    loopz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    jmp .msg
.exit:
    mov eax, STATUS_LOAD
    mov dx, DEBUG_EXIT
    out dx, eax
.halt:
    cli
    hlt
    jmp .halt

uart_init:                              ; (register, value): 115200 8N1, FIFO
    db 1, 0x00, 3, 0x80, 0, 0x01, 1, 0x00, 3, 0x03, 2, 0xc7, 4, 0x03
uart_init_end:

magic:      db PAYLOAD_MAGIC
drive:      db 0
remaining:  dw __payload_sectors
align 4
dap:                                    ; EDD 3.0 disk address packet
            db 0x10, 0
dap_count:  dw 0
            dw 0                        ; buffer offset
dap_seg:    dw PAYLOAD_ADDR >> 4        ; buffer segment
dap_lba:    dq 1

msg_nobios: db "testguest: no payload in memory and no BIOS to load it", 13, 10, 0
msg_noext:  db "testguest: no INT 13h extensions", 13, 10, 0
msg_read:   db "testguest: disk read failed", 13, 10, 0
msg_bad:    db "testguest: payload magic missing after load", 13, 10, 0

    times 510 - ($ - $$) db 0
    dw 0xaa55
