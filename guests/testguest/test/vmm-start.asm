; A stand-in for the Bulkhead VMM's start state, for QEMU's -bios: 64 KiB
; of "firmware" whose reset vector sets DL=0x80 and jumps to 0000:7C00,
; nothing else. With the image and the command string put in RAM by
; QEMU's generic loader (-device loader,...,force-raw=on), the guest then
; starts the way guests/README.md's load contract says the VMM starts it:
; no BIOS, no IVT, no BDA, the payload already in memory.
; Build: nasm -f bin (mk/guests.mk). Used by tests/system/guest-qemu.t.

bits 16
org 0xf0000                             ; the last 64 KiB below 1 MiB

    times 0xfff0 db 0xf4                ; HLT everywhere else
reset:                                  ; F000:FFF0, the reset vector
    cli
    mov dl, 0x80
    jmp 0x0000:0x7c00
    times 0x10000 - ($ - $$) db 0xf4
