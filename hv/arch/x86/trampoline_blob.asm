; The assembled AP trampoline, embedded in the kernel's read-only data.
global trampoline_start, trampoline_end
section .rodata
trampoline_start:
    incbin TRAMPOLINE_BIN
trampoline_end:
