; Tiny real-mode guests for the root task's VT-x tests (root/t_vmx.c). The
; VMM copies one to guest-physical 0x7c00 and starts it there (cs = 0).
; Each exit it makes is one the test expects, in this order.

global vmg_basic, vmg_basic_end, vmg_triple, vmg_triple_end

section .rodata
bits 16

; CPUID, then OUT 'G' to port 0x3f8, then VMCALL with the CPUID answer in
; bx, a read of unmapped 0x9000 (EPT violation), another VMCALL with what
; that read gave, then HLT.
vmg_basic:
    mov eax, 0x12345678
    cpuid
    mov bx, ax
    mov dx, 0x3f8
    mov al, 'G'
    out dx, al
    mov eax, 1
    vmcall
    mov cx, [0x9000]
    mov eax, 2
    mov bx, cx
    vmcall
    hlt
.spin:
    jmp .spin
vmg_basic_end:

; An IDT of limit 0 and an INT3: #GP, then a double fault, then shutdown.
vmg_triple:
    xor ax, ax
    mov [0x7f00], ax
    mov [0x7f02], ax
    mov [0x7f04], ax
    lidt [0x7f00]
    int3
.spin:
    jmp .spin
vmg_triple_end:

; The exit benchmark (root/bench_vmx.c). For each path, BATCHES batches of
; BATCH operations between two RDTSCs; each batch's ticks go to the VMM by
; VMCALL (eax = 0x100 + path, ebx = ticks). Then VMCALL 0x1ff and HLT.
%define BATCH 16
%define BATCHES 41
global vmg_bench, vmg_bench_end

%macro BENCH 3
    mov di, BATCHES
%%batch:
    mov si, BATCH
    rdtsc
    mov ebp, eax
%%loop:
    %2
    %3
    dec si
    jnz %%loop
    rdtsc
    sub eax, ebp
    mov ebx, eax
    mov eax, 0x100 + %1
    vmcall
    dec di
    jnz %%batch
%endmacro

vmg_bench:
    BENCH 0, nop, nop                             ; the loop alone
    BENCH 1, {xor eax, eax}, cpuid                ; CPUID, answered by the VMM
    BENCH 2, {mov eax, 0x40000100}, cpuid         ; CPUID, answered by hv itself
    BENCH 3, {xor eax, eax}, vmcall               ; VMCALL, answered by the VMM
    BENCH 4, nop, {out 0x80, al}                  ; port I/O to a device in the VMM
    BENCH 5, {mov ecx, 0x8b}, rdmsr               ; RDMSR, answered by the VMM
    mov eax, 0x1ff
    vmcall
    hlt
.spin:
    jmp .spin
vmg_bench_end:

; Event injection (t_vmx.c): an interrupt injected at HLT, one held back
; by CLI until the VMM's interrupt window opens at STI, and an NMI; each
; handler counts, and VMCALLs report the counts (eax = step, bx = count).
global vmg_inject, vmg_inject_end
%define GI(x) (0x7c00 + (x) - vmg_inject)
vmg_inject:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [0x7f00], 0
    mov word [0x7f02], 0
    mov word [0x20 * 4], GI(.int20)
    mov word [0x20 * 4 + 2], 0
    mov word [2 * 4], GI(.nmi)
    mov word [2 * 4 + 2], 0
    sti
    hlt
    mov eax, 3
    mov bx, [0x7f00]
    vmcall
    cli
    mov eax, 4
    vmcall
    sti
    nop
    mov eax, 5
    mov bx, [0x7f00]
    vmcall
    mov eax, 6
    vmcall
    mov eax, 7
    mov bx, [0x7f02]
    vmcall
    hlt
.spin:
    jmp .spin
.int20:
    inc word [0x7f00]
    iret
.nmi:
    inc word [0x7f02]
    iret
vmg_inject_end:

; Spins with interrupts enabled and every vector of its IVT pointing at a
; VMCALL 0xbad: a host interrupt that leaked into the guest would show.
global vmg_spin, vmg_spin_end
%define GS(x) (0x7c00 + (x) - vmg_spin)
vmg_spin:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    xor bx, bx
    mov cx, 256
.fill:
    mov word [bx], GS(.leak)
    mov word [bx + 2], 0
    add bx, 4
    loop .fill
    sti
.spin:
    jmp .spin
.leak:
    mov eax, 0xbad
    vmcall
    iret
vmg_spin_end:

; SSE state: the guest fills xmm0, exits, and stores xmm0 again after the
; VMM (which uses xmm0 itself meanwhile) replied.
global vmg_sse, vmg_sse_end
%define GX(x) (0x7c00 + (x) - vmg_sse)
vmg_sse:
    xor ax, ax
    mov ds, ax
    mov eax, cr4
    or eax, 0x600
    mov cr4, eax
    movdqu xmm0, [GX(.pattern)]
    mov eax, 8
    vmcall
    movdqu [0x7f40], xmm0
    mov eax, 9
    vmcall
    hlt
.spin:
    jmp .spin
.pattern:
    times 16 db 0xab
vmg_sse_end:

; Revocation and the TSC offset (t_vmx.c): RDTSC first (the VMM set a TSC
; offset of 2^40 at start-up; VMCALL 1 reports edx), then a read of
; 0x9000, which the VMM maps on the EPT violation (VMCALL 2 reports what
; was read), then, after the VMM unmapped that page again, the same read,
; which must fault once more.
global vmg_revoke, vmg_revoke_end
vmg_revoke:
    xor ax, ax
    mov ds, ax
    rdtsc
    mov ebx, edx
    mov eax, 1
    vmcall
    mov ax, [0x9000]
    mov bx, ax
    mov eax, 2
    vmcall
    mov ax, [0x9000]
    hlt
.spin:
    jmp .spin
vmg_revoke_end:

; SYSCALL MSRs (t_vmx.c): writes LSTAR, reads it back and reports it by
; VMCALL 10 (ebx); with the VMM's pass-through neither access exits.
global vmg_lstar, vmg_lstar_end
vmg_lstar:
    mov ecx, 0xc0000082
    mov eax, 0x12345678
    xor edx, edx
    wrmsr
    xor eax, eax
    rdmsr
    mov ebx, eax
    mov eax, 10
    vmcall
    hlt
.spin:
    jmp .spin
vmg_lstar_end:

; Debug registers (t_vmx.c). Every MOV DR exits and the VMM emulates it
; through BH_MTD_DR. vmg_dr sets DR0-DR3 and DR6, arms a data breakpoint
; on 0x7f80 (DR7: L0, read/write, 1 byte), makes an exit round trip
; (VMCALL 11), reads DR6 back (VMCALL 12), reads 0x7f80 (its #DB handler
; counts), reads DR6 (VMCALL 13: ebx = DR6, ecx = count) and DR1-DR3
; (VMCALL 14: ebx ecx edx). vmg_dr_peek, a guest run after it on the same
; CPU, arms the same breakpoint without setting DR0, reads 0x7f80 and
; reports (VMCALL 15) the #DB count, its DR0 and its DR6.
global vmg_dr, vmg_dr_end, vmg_dr_peek, vmg_dr_peek_end
%define GD(x) (0x7c00 + (x) - vmg_dr)
vmg_dr:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [0x7f02], 0
    mov word [1 * 4], GD(.db)
    mov word [1 * 4 + 2], 0
    mov eax, 0x7f80
    mov dr0, eax
    mov eax, 0x11110000
    mov dr1, eax
    mov eax, 0x2222
    mov dr2, eax
    mov eax, 0x330000
    mov dr3, eax
    mov eax, 0xffff0ff2
    mov dr6, eax
    mov eax, 0x30001
    mov dr7, eax
    mov eax, 11
    vmcall
    mov eax, dr6
    mov ebx, eax
    mov eax, 12
    vmcall
    mov al, [0x7f80]
    mov eax, dr6
    mov ebx, eax
    movzx ecx, word [0x7f02]
    mov eax, 13
    vmcall
    mov eax, dr1
    mov ebx, eax
    mov eax, dr2
    mov ecx, eax
    mov eax, dr3
    mov edx, eax
    mov eax, 14
    vmcall
    hlt
.spin:
    jmp .spin
.db:
    inc word [0x7f02]
    iret
vmg_dr_end:

; vmg_dr_kept never touches its debug registers (so hv keeps them
; loaded across its exits): during its VMCALL 22 a thread of the root's
; single-steps on the same CPU; then it reads DR6 (an exit: the VMM
; answers from BH_MTD_DR) and reports it (VMCALL 23, ebx).
global vmg_dr_kept, vmg_dr_kept_end
vmg_dr_kept:
    mov eax, 22
    vmcall
    mov eax, dr6
    mov ebx, eax
    mov eax, 23
    vmcall
    hlt
vmg_dr_kept_end:

%define GP(x) (0x7c00 + (x) - vmg_dr_peek)
vmg_dr_peek:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [0x7f02], 0
    mov word [1 * 4], GP(.db)
    mov word [1 * 4 + 2], 0
    mov eax, 0x30001
    mov dr7, eax
    mov al, [0x7f80]
    mov eax, dr0
    mov ecx, eax
    mov eax, dr6
    mov edx, eax
    movzx ebx, word [0x7f02]
    mov eax, 15
    vmcall
    hlt
.spin:
    jmp .spin
.db:
    inc word [0x7f02]
    iret
vmg_dr_peek_end:

; From real mode at 0x7c00 into 32-bit protected mode with flat code
; (0x08) and data (0x10) segments and the stack below 0x7c00; interrupts
; stay off. %1 is the guest's first label: the blob runs at 0x7c00, so
; its own addresses are 0x7c00 + (label - %1). Leaves the assembler in
; 32-bit mode.
%macro PM32 1
    cli
    xor ax, ax
    mov ds, ax
    lgdt [0x7c00 + %%gdtr - %1]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword 0x08:(0x7c00 + %%pm - %1)
%%gdt:
    dq 0
    dq 0x00cf9b000000ffff                ; 0x08: code, 32-bit, flat
    dq 0x00cf93000000ffff                ; 0x10: data, flat
%%gdtr:
    dw 23
    dd 0x7c00 + %%gdt - %1
bits 32
%%pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7c00
%endmacro

; AVX state (t_vmx.c). VEX instructions do not exist in real mode, so the
; guest enters 32-bit protected mode first, enables CR4.OSXSAVE and asks
; for XCR0 = x87|SSE|AVX by XSETBV (exit 55: the VMM answers with
; BH_MTD_XCR0). It fills ymm0 with 0xcd (VMCALL 16: the VMM uses its own
; ymm0 meanwhile), stores ymm0 at 0x7f40 (VMCALL 17), turns OSXSAVE off
; and on (each a CR exit: hv owns the bit) and reads XCR0 back by XGETBV
; (VMCALL 21, ebx = its low half), then tries XSETBV
; with AVX but no SSE, which must give it #GP (its handler: VMCALL 18,
; ebx = the error code). Started with ebx = 1, it only enables AVX and
; stores ymm0 as it found it (VMCALL 19).
global vmg_avx, vmg_avx_end
%define GA(x) (0x7c00 + (x) - vmg_avx)
vmg_avx:
    PM32 vmg_avx
    lidt [GA(.idtr)]
    mov eax, cr4
    or eax, 0x40600                      ; OSFXSR, OSXMMEXCPT, OSXSAVE
    mov cr4, eax
    xor ecx, ecx
    xor edx, edx
    mov eax, 7
    xsetbv
    cmp ebx, 1
    je .peek
    vmovdqu ymm0, [GA(.pattern)]
    mov eax, 16
    vmcall
    vmovdqu [0x7f40], ymm0
    mov eax, 17
    vmcall
    mov eax, cr4                         ; OSXSAVE off and on: two exits
    and eax, ~0x40000
    mov cr4, eax
    or eax, 0x40000
    mov cr4, eax
    xor ecx, ecx
    xgetbv                               ; its own XCR0 again
    mov ebx, eax
    mov eax, 21
    vmcall
    xor ecx, ecx
    xor edx, edx
    mov eax, 5                           ; AVX without SSE
    xsetbv
    mov eax, 0xbad
    vmcall
    hlt
.peek:
    vmovdqu [0x7f40], ymm0
    mov eax, 19
    vmcall
    hlt
.gp:
    pop ebx
    mov eax, 18
    vmcall
    hlt
.spin:
    jmp .spin
.idt:
    times 13 dq 0
    dw GA(.gp), 0x08                     ; 13: #GP, a 32-bit interrupt gate
    db 0, 0x8e
    dw 0
.idtr:
    dw 14 * 8 - 1
    dd GA(.idt)
.pattern:
    times 32 db 0xcd
vmg_avx_end:
bits 16

; A 2 MiB or 1 GiB guest page (t_vmx.c): the VMM shares its block at
; guest-physical esi (size edi, both set at start-up) as one EPT leaf. In
; 32-bit protected mode the guest reads the block's first and last dwords
; (ebx, ecx), writes 0x600df00d in the middle and reports by VMCALL 20;
; the VMM then revokes the block, and the guest's next read (a quarter
; into the block) must be an EPT violation.
global vmg_large, vmg_large_end
vmg_large:
    PM32 vmg_large
    mov ebx, [esi]
    mov ecx, [esi + edi - 4]
    mov edx, edi
    shr edx, 1
    mov dword [esi + edx], 0x600df00d
    mov eax, 20
    vmcall
    shr edx, 1
    mov eax, [esi + edx]
    mov eax, 0xbad
    vmcall
    hlt
.spin:
    jmp .spin
vmg_large_end:
bits 16
