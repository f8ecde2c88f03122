; IPC fast path for register-only CALL and REPLY_WAIT between two user
; ECs on one CPU (the entry stub of the hot path; the C fast paths in
; fastpath.c and the general path in ipc.c handle everything else).
;
; The message travels in the registers the ABI names for it (r10 =
; msginfo, rsi rdx r8 r9 = words): they are never saved or copied, they
; stay in the CPU from one EC to the other. So do rbx, rbp and r12-r15,
; which CALL and REPLY_WAIT do not preserve (docs/abi.md): this path
; never touches them. What the kernel must keep of the EC that blocks is
; rsp, where to go on (rip and rflags), its FS and GS bases and, for a
; caller, rdi; what the EC that runs next gets is that same set from its
; own frame (rax = status, rdi = the badge for a handler, the caller's
; own rdi back for a caller; rcx and r11 are consumed by SYSRET). The
; path works in rax, rcx, r11 and rdi only, so no kernel value reaches
; user mode.
;
; A run of guards, under the big kernel lock, each sending the call to
; the C paths (with every register as the user left it) when anything
; unusual holds; then a point of no return after which nothing can fail.
; The guards are those of fastpath.c, plus what ctx_switch and
; ec_to_user (ctx.h) would otherwise do in C: objects waiting for CPUs
; to stop using them, state a VM exit left on this CPU, a schedule due,
; CR0.TS clear (the current EC owns the FPU), an I/O bitmap to map. Used
; only where the CPU has FSGSBASE
; (syscall_init_cpu picks this entry then).
;
; TLB shootdown (tlb.c) needs no test here: the CPU stays "in user mode"
; (tlb_in_user) throughout, so an initiator sends it an IPI and waits
; until it has flushed, which it does when the IPI arrives after SYSRET.
; Only while the fast path waits for the lock, which an initiator may
; hold while it waits, does it leave user mode; it then checks whether a
; shootdown passed it by, and if one did takes the C path, which
; flushes.
;
; The EC that runs next leaves through SYSRET, which fits every EC the
; guards let through, so its frame kind needs no test: a handler waiting
; for a call (its key: ec_key in ec.h) waits in REPLY_WAIT, a SYSCALL
; frame, or has never run (its first frame: user RIP, RSP and RFLAGS,
; which SYSRET resumes as IRETQ would); a caller waiting for a reply that
; is no fault's and no vCPU's (key) waits in CALL.

%include "offsets.inc"

%define MSR_KGS_BASE 0xc0000102         ; IA32_KERNEL_GS_BASE (cpu.h)

extern syscall_entry
extern syscall_ipc
extern bkl
extern tlb_gen
extern fastpath_vmreply

global syscall_entry_fast
global ec_switch_exit

section .text

; Saves what the calling EC (rsp) keeps while blocked that SYSRET and
; the user's GS base hold, and takes the big kernel lock, going to %1
; (lock held) if a TLB shootdown passed while it waited for it (see
; above). rax = the user's GS base.
%macro ENTER_LOCKED 1
    mov [rsp + EC_GS_BASE], rax
    mov [rsp + EC_RIP], rcx
    mov [rsp + EC_RFLAGS], r11
    mov eax, 1
    lock xadd [bkl + SPIN_NEXT], eax
    cmp eax, [bkl + SPIN_OWNER]
    je %%locked
    mov dword [gs:PC_IN_USER], 0        ; the holder may wait for this CPU
%%spin:
    pause
    cmp eax, [bkl + SPIN_OWNER]
    jne %%spin
    mov dword [gs:PC_IN_USER], 1        ; no shootdown starts while we hold it
    mov rax, [tlb_gen]
    cmp [gs:PC_TLB_SEEN], rax
    jne %1
%%locked:
%endmacro

; Guards for switching from the current EC (rsp) to user EC r11, a local
; or global EC of this CPU, going to %1 if one fails: all state-free (the
; I/O map base is the only thing set, and ec_to_user sets it again for
; whichever EC the C path resumes). Leaves the TSS in rcx. A PD with
; ports (rare: drivers) is checked out of line.
%macro SWITCH_GUARDS 1
    cmp qword [gs:PC_SLOW], 0           ; a guest's MSRs, DRs or XCR0; a
    jne %1                              ; schedule; current killed meanwhile;
                                        ; objects to free; current owns the FPU
    mov rcx, [gs:PC_TSS]
    mov rax, [r11 + EC_PD]
    cmp qword [rax + PD_IOBM], 0        ; the first bitmap page: any port (ctx_io)
    mov word [rcx + TSS_IOMAP], TSS_IOMAP_CLOSED   ; beyond the limit
    jne %%ports
%%io_done:
[section .text.cold]
%%ports:                                ; its bitmap pages must be the mapped ones
    cmp [gs:PC_IO_PD], rax
    jne %1
    cmp byte [gs:PC_TR_CUT], 0          ; TR's limit hides the bitmap
    jne %1
    mov word [rcx + TSS_IOMAP], TSS_IOMAP_OPEN
    jmp %%io_done
__?SECT?__
%endmacro

; Makes EC r11 current, past the point of no return of a switch: its FS
; base, address space (with its PCID), frame for the next entry in the
; TSS (rcx), lazy FPU (fpu.h: the guards made sure CR0.TS is set, so it
; is cleared only for the registers' owner).
%macro SWITCH_CORE 0
    mov rax, [r11 + EC_FS_BASE]
    wrfsbase rax
    mov rax, [r11 + EC_CR3]             ; its PD's, with the PCID
    cmp rax, [gs:PC_CR3]
    je %%as_done
    mov [gs:PC_CR3], rax
    mov cr3, rax
%%as_done:
    lea rax, [r11 + EC_FRAME_END]
    mov [rcx + TSS_RSP0], rax
    cmp [gs:PC_FPU_OWNER], r11
    je %%fpu_own
%%fpu_done:
[section .text.cold]
%%fpu_own:
    clts
    mov byte [gs:PC_FPU_LIVE], 1
    jmp %%fpu_done
__?SECT?__
    mov [gs:PC_CURRENT], r11
%endmacro

; Past the point of no return: the current EC (rsp), which now blocks,
; keeps its user RSP and FS base; EC r11 becomes current (SWITCH_CORE),
; the lock is released and r11 resumes in user mode after its own
; SYSCALL with rax = BH_OK. rbx, rbp and r12-r15 are not touched: they
; hold what the sender left in them (the ABI preserves them for no IPC
; call). The caller sets rdi.
%macro SWITCH_AND_EXIT 0
    mov rax, [gs:PC_USER_RSP]
    mov [rsp + EC_RSP], rax
    mov qword [rsp + EC_VECTOR], VEC_SYSCALL_FRAME
    rdfsbase rax
    mov [rsp + EC_FS_BASE], rax
    SWITCH_CORE
    add dword [bkl + SPIN_OWNER], 1     ; unlock: only the holder writes it
    mov rcx, [r11 + EC_RIP]
    mov rsp, [r11 + EC_RSP]
    mov rax, [r11 + EC_GS_BASE]
    mov r11, [r11 + EC_RFLAGS]
    swapgs
    wrgsbase rax
    xor eax, eax                        ; BH_OK
    o64 sysret
%endmacro

; struct ec *ec_switch_exit(struct ec *next) (ctx.h): ec_resume's switch
; from the current user EC to user EC next, ready on this CPU and resuming
; from a SYSCALL frame, with the lock held and the CPU out of "user mode"
; (syscall_enter in syscall.c): ctx_switch, ec_to_user and ret_user in one. If
; that is not the case, or a guard fails (those of the fast path, plus a
; TLB flush due), returns next, having changed nothing but the current
; EC's saved FS and GS bases (which ctx_switch saves again).
ec_switch_exit:
    mov rax, [gs:PC_KEY_READY]
    cmp [rdi + EC_CPU], rax             ; ready here, no fault pending, no vCPU
    jne .fail
    cmp qword [rdi + EC_VECTOR], VEC_SYSCALL_FRAME
    jne .fail
    mov rsi, [gs:PC_CURRENT]
    test rsi, rsi
    jz .fail                            ; from idle
    cmp rsi, rdi
    je .fail                            ; no switch
    cmp byte [rsi + EC_KEY_VCPU], 0
    jne .fail                           ; after a VM exit
    mov ecx, MSR_KGS_BASE
    rdmsr                               ; the current EC's user GS base (after SWAPGS)
    shl rdx, 32
    or rax, rdx
    mov [rsi + EC_GS_BASE], rax
    rdfsbase rax
    mov [rsi + EC_FS_BASE], rax
    mov rax, [tlb_gen]
    cmp [gs:PC_TLB_SEEN], rax
    jne .fail
    mov r11, rdi
    SWITCH_GUARDS .fail
    ; Point of no return.
    SWITCH_CORE
    mov rax, [r11 + EC_GS_BASE]
    cmp rax, [rsi + EC_GS_BASE]         ; KERNEL_GS_BASE holds the old one's
    jne .gs
.gs_done:
    mov dword [gs:PC_IN_USER], 1
    add dword [bkl + SPIN_OWNER], 1
    mov rcx, [r11 + EC_RIP]
    mov rax, [r11 + EC_RAX]
    mov rbx, [r11 + EC_RBX]
    mov rdx, [r11 + EC_RDX]
    mov rsi, [r11 + EC_RSI]
    mov rdi, [r11 + EC_RDI]
    mov rbp, [r11 + EC_RBP]
    mov r8, [r11 + EC_R8]
    mov r9, [r11 + EC_R9]
    mov r10, [r11 + EC_R10]
    mov r12, [r11 + EC_R12]
    mov r13, [r11 + EC_R13]
    mov r14, [r11 + EC_R14]
    mov r15, [r11 + EC_R15]
    mov rsp, [r11 + EC_RSP]
    mov r11, [r11 + EC_RFLAGS]
    swapgs
    o64 sysret
.fail:
    mov rax, rdi
    ret
[section .text.cold]
.gs:
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_KGS_BASE
    wrmsr
    jmp .gs_done
__?SECT?__

; SYSCALL entry where the CPU has FSGSBASE: CALL and REPLY_WAIT try the
; fast path, every other call goes straight to the general entry.
syscall_entry_fast:
    cmp rax, SYS_REPLY_WAIT
    je reply_entry
    cmp rax, SYS_CALL
    jne syscall_entry
    cmp r10, MSG_REG_WORDS              ; items or UTCB words: the general path
    ja ipc_general

; CALL: rdi = portal selector, r10 = msginfo.
fast_call:
    rdgsbase rax                        ; the user's GS base: not swapped yet
    swapgs
    mov [gs:PC_USER_RSP], rsp
    mov rsp, [gs:PC_CURRENT]            ; the caller
    mov [rsp + EC_RDI], rdi             ; back with the reply (CALL keeps it)
    ENTER_LOCKED bail_call
    cmp rdi, [rsp + EC_NSLOTS]
    jae bail_call
    imul rdi, rdi, CAP_SIZE
    add rdi, [rsp + EC_SLOTS]
    cmp byte [rdi + CAP_TYPE], OBJ_PT
    jne bail_call
    test byte [rdi + CAP_RIGHTS], R_CALL
    jz bail_call
    mov rdi, [rdi + CAP_OBJ]            ; the portal
    mov r11, [rdi + PT_HANDLER]         ; its handler
    mov rax, [gs:PC_KEY_WAIT_CALL]
    cmp [r11 + EC_CPU], rax             ; waits for a call on this CPU
    jne bail_call
    cmp qword [r11 + EC_SC], 0          ; handlers with an SC: ipc.c decides
    jne bail_call
    SWITCH_GUARDS bail_call
    ; Point of no return (ipc_take).
    mov rax, [gs:PC_SCHED]
    mov rax, [rax + SCHED_RQ_CURRENT]
    mov rax, [rax + SC_OWNER]           ; the SC the caller runs on, lent on
    mov [r11 + EC_CALLER], rsp
    mov [r11 + EC_DONOR], rax
    mov [rsp + EC_WAIT_SC], rax
    mov [rax + KSC_EXEC], r11
    mov byte [r11 + EC_STATE], EC_S_READY
    mov byte [rsp + EC_STATE], EC_S_WAIT_REPLY
    mov rdi, [rdi + PT_BADGE]
    SWITCH_AND_EXIT

; REPLY_WAIT: r10 = msginfo of the reply. A reply to a vCPU (a VM exit)
; goes on in vm_reply.
reply_entry:
    cmp r10, MSG_REG_WORDS
    ja ipc_general
fast_reply:
    rdgsbase rax
    swapgs
    mov [gs:PC_USER_RSP], rsp
    mov rsp, [gs:PC_CURRENT]            ; the handler
    ENTER_LOCKED bail_reply
    mov r11, [rsp + EC_CALLER]
    test r11, r11
    jz bail_reply                       ; no caller: the general path waits
    mov rax, [gs:PC_KEY_WAIT_REPLY]
    cmp [r11 + EC_CPU], rax             ; on this CPU, waits for a reply, no
    jne reply_other                     ; fault's, no vCPU's
    cmp qword [rsp + EC_SC], 0          ; a handler with an SC: ipc.c decides
    jne bail_reply
    cmp qword [rsp + EC_CALLERS_HEAD], 0    ; callers queued on it
    jne bail_reply
    SWITCH_GUARDS bail_reply
    ; Point of no return.
    mov rax, [rsp + EC_DONOR]           ; lent by the caller (SC-less handler)
    mov byte [r11 + EC_STATE], EC_S_READY
    mov qword [r11 + EC_WAIT_SC], 0
    mov qword [rsp + EC_CALLER], 0
    mov qword [rsp + EC_DONOR], 0
    mov byte [rsp + EC_STATE], EC_S_WAIT_CALL
    mov [rax + KSC_EXEC], r11
    mov rdi, [r11 + EC_RDI]             ; the caller's, unchanged by CALL
    SWITCH_AND_EXIT

reply_other:
    cmp qword [r11 + EC_VCPU], 0
    je bail_reply

; REPLY_WAIT answering a VM exit, the handler (rsp) saved and the lock
; taken: it keeps what it keeps on the user fast path, plus the message
; registers, since the guards and the guest entry are C
; (fastpath_vmreply, on the kernel stack), which comes back only when a
; guard failed, having changed nothing (the C code keeps rbx, rbp and
; r12-r15, which the general path then saves as the user left them).
vm_reply:
    cmp byte [rsp + EC_STATE], EC_S_DEAD    ; killed from another CPU meanwhile
    je bail_reply
    mov [rsp + EC_RDI], rdi
    mov [rsp + EC_RSI], rsi
    mov [rsp + EC_RDX], rdx
    mov [rsp + EC_R8], r8
    mov [rsp + EC_R9], r9
    mov [rsp + EC_R10], r10
    mov rdi, rsp
    mov rsp, [gs:PC_KSTACK]
    call fastpath_vmreply
    mov rsp, [gs:PC_CURRENT]
    mov rdi, [rsp + EC_RDI]
    mov rsi, [rsp + EC_RSI]
    mov rdx, [rsp + EC_RDX]
    mov r8, [rsp + EC_R8]
    mov r9, [rsp + EC_R9]
    mov r10, [rsp + EC_R10]
    jmp bail_reply

; A guard failed, with the lock held: release it, give back the
; registers the general path reads (the fast path changed rax, rcx, r11
; and, in a call, rdi; RIP and RFLAGS are saved) and enter it at
; ipc_saved (after SWAPGS, user RSP at gs:PC_USER_RSP, rax = the call).
bail_call:
    mov rdi, [rsp + EC_RDI]
    mov eax, SYS_CALL
    jmp bail
bail_reply:
    mov eax, SYS_REPLY_WAIT
bail:
    add dword [bkl + SPIN_OWNER], 1
    jmp ipc_saved

; CALL and REPLY_WAIT on the general path (syscall_ipc: the C fast
; paths, then ipc.c). Neither preserves rbx, rbp, r12-r15 (abi.md), so
; the frame gets only what the general path reads or SYSRET needs: rax,
; the argument and message registers, RIP, RFLAGS, RSP and the frame
; kind. The slots left alone hold the EC's own values from an earlier
; entry (0 before its first), which is what a later exit from this frame
; loads: never anything of another EC's or the kernel's. (Without
; FSGSBASE, syscall_entry saves the whole frame for these too.)
ipc_general:
    swapgs
    mov [gs:PC_USER_RSP], rsp
    mov rsp, [gs:PC_CURRENT]
    mov [rsp + EC_RIP], rcx
    mov [rsp + EC_RFLAGS], r11
ipc_saved:                              ; the fast path's bail: RIP, RFLAGS saved
    mov rcx, [gs:PC_USER_RSP]
    mov [rsp + EC_RSP], rcx
    mov qword [rsp + EC_VECTOR], VEC_SYSCALL_FRAME
    mov [rsp + EC_RAX], rax
    mov [rsp + EC_RDI], rdi
    mov [rsp + EC_RSI], rsi
    mov [rsp + EC_RDX], rdx
    mov [rsp + EC_R8], r8
    mov [rsp + EC_R9], r9
    mov [rsp + EC_R10], r10
    lea rdi, [rsp + EC_RAX]             ; the EC's frame
    mov rsp, [gs:PC_KSTACK]
    call syscall_ipc                    ; does not return
    ud2
