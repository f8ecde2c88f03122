; IPC fast path for register-only CALL and REPLY_WAIT between two user
; ECs on one CPU (the entry stub of the hot path; the C fast paths in
; fastpath.c and the general path in ipc.c handle everything else).
;
; The message travels in the registers the ABI names for it (r10 =
; msginfo, rsi rdx r8 r9 = words): they are never saved or copied, they
; stay in the CPU from one EC to the other. What the kernel must keep of
; the EC that blocks is what the ABI says a syscall preserves (rbx, rbp,
; r12-r15, rsp, and where to go on: rip and rflags, plus its FS and GS
; bases); what the EC that runs next gets is that same set from its own
; frame, so nothing else of the sender's reaches it (rax = status, rdi =
; the badge for a handler, the caller's own rdi back for a caller; rcx
; and r11 are consumed by SYSRET).
;
; A run of guards, under the big kernel lock, each sending the call to
; the C paths (with every register as the user left it) when anything
; unusual holds; then a point of no return after which nothing can fail.
; The guards are those of fastpath.c, plus what ctx_switch and
; ec_to_user (ctx.h) would otherwise do in C: objects waiting for CPUs
; to stop using them, state a VM exit left on this CPU, a schedule due,
; an I/O bitmap to map. Used only where the CPU has FSGSBASE
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
; all else zero, which SYSRET resumes as IRETQ would); a caller waiting
; for a reply that is no fault's (key) and no vCPU's waits in CALL.

%include "offsets.inc"

extern syscall_entry
extern syscall_entry.swapped
extern bkl
extern tlb_gen
extern reap_wait
extern fastpath_vmreply

global syscall_entry_fast

section .text

; Saves what the calling EC (rsp) keeps while blocked and takes the big
; kernel lock, going to %1 (lock held) if a TLB shootdown passed while it
; waited for it (see above). rax = the user's GS base.
%macro ENTER_LOCKED 1
    mov [rsp + EC_GS_BASE], rax
    mov [rsp + EC_RBX], rbx
    mov [rsp + EC_RBP], rbp
    mov [rsp + EC_R12], r12
    mov [rsp + EC_R13], r13
    mov [rsp + EC_R14], r14
    mov [rsp + EC_R15], r15
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

; Loads what a system call preserves (and SYSRET's RIP and RFLAGS) from
; EC %1's frame, all but rbx (which may be %1).
%macro LOAD_KEPT 1
    mov rcx, [%1 + EC_RIP]
    mov r11, [%1 + EC_RFLAGS]
    mov rbp, [%1 + EC_RBP]
    mov r12, [%1 + EC_R12]
    mov r13, [%1 + EC_R13]
    mov r14, [%1 + EC_R14]
    mov r15, [%1 + EC_R15]
%endmacro

; Guards for switching from the current EC (rsp) to user EC rbx with
; PD r13, a local or global EC of this CPU, going to %1 if one fails: all
; state-free (the I/O map base is the only thing set, and ec_to_user sets
; it again for whichever EC the C path resumes). Leaves the TSS in rcx.
%macro SWITCH_GUARDS 1
    cmp qword [gs:PC_SLOW], 0           ; a guest's MSRs, DRs or XCR0; a
    jne %1                              ; schedule; current killed meanwhile
    cmp qword [reap_wait], 0            ; ECs, VMCSs, page tables to free
    jne %1
    mov rcx, [gs:PC_TSS]
    cmp qword [r13 + PD_IOBM], 0        ; the first bitmap page: any port (ctx_io)
    jne %%ports
    mov word [rcx + TSS_IOMAP], TSS_IOMAP_CLOSED   ; beyond the limit
    jmp %%io_done
%%ports:                                ; its bitmap pages must be the mapped ones
    cmp [gs:PC_IO_PD], r13
    jne %1
    cmp byte [gs:PC_TR_CUT], 0          ; TR's limit hides the bitmap
    jne %1
    mov word [rcx + TSS_IOMAP], TSS_IOMAP_OPEN
%%io_done:
%endmacro

; Past the point of no return: the current EC (rsp), which now blocks,
; keeps its user RSP and FS base; EC rbx with PD r13 becomes current
; (address space with its PCID, FS base, frame for the next entry in the
; TSS, rcx, lazy FPU: fpu.h), the lock is released and rbx resumes in
; user mode after its own SYSCALL with rax = BH_OK. Caller sets rdi.
%macro SWITCH_AND_EXIT 0
    mov rax, [gs:PC_USER_RSP]
    mov [rsp + EC_RSP], rax
    mov qword [rsp + EC_VECTOR], VEC_SYSCALL_FRAME
    rdfsbase rax
    mov [rsp + EC_FS_BASE], rax
    mov rax, [rbx + EC_FS_BASE]
    wrfsbase rax
    mov rax, [r13 + PD_ROOT]
    cmp rax, [gs:PC_ROOT]
    je %%as_done
    mov [gs:PC_ROOT], rax
    mov rax, [r13 + PD_CR3]
    mov cr3, rax
%%as_done:
    lea rax, [rbx + EC_FRAME_END]
    mov [rcx + TSS_RSP0], rax
    cmp [gs:PC_FPU_OWNER], rbx
    je %%fpu_own
    cmp byte [gs:PC_FPU_TS], 0
    jne %%fpu_done
    mov rax, cr0
    or eax, CR0_TS_BIT
    mov cr0, rax
    mov byte [gs:PC_FPU_TS], 1
    jmp %%fpu_done
%%fpu_own:
    cmp byte [gs:PC_FPU_TS], 0
    je %%fpu_done
    clts
    mov byte [gs:PC_FPU_TS], 0
%%fpu_done:
    mov [gs:PC_CURRENT], rbx
    add dword [bkl + SPIN_OWNER], 1     ; unlock: only the holder writes it
    LOAD_KEPT rbx
    mov rsp, [rbx + EC_RSP]
    mov rax, [rbx + EC_GS_BASE]
    mov rbx, [rbx + EC_RBX]
    swapgs
    wrgsbase rax
    xor eax, eax                        ; BH_OK
    o64 sysret
%endmacro

; SYSCALL entry where the CPU has FSGSBASE: CALL and REPLY_WAIT try the
; fast path, every other call goes straight to the general entry.
syscall_entry_fast:
    cmp r10, MSG_REG_WORDS              ; items or UTCB words: the general path
    ja syscall_entry
    cmp rax, SYS_CALL
    je fast_call
    cmp rax, SYS_REPLY_WAIT
    je fast_reply
    jmp syscall_entry

; CALL: rdi = portal selector, r10 = msginfo.
fast_call:
    rdgsbase rax                        ; the user's GS base: not swapped yet
    swapgs
    mov [gs:PC_USER_RSP], rsp
    mov rsp, [gs:PC_CURRENT]            ; the caller
    ENTER_LOCKED bail_call
    cmp rdi, [rsp + EC_NSLOTS]
    jae bail_call
    imul rbp, rdi, CAP_SIZE
    add rbp, [rsp + EC_SLOTS]
    cmp byte [rbp + CAP_TYPE], OBJ_PT
    jne bail_call
    test byte [rbp + CAP_RIGHTS], R_CALL
    jz bail_call
    mov rbp, [rbp + CAP_OBJ]            ; the portal
    mov rbx, [rbp + PT_HANDLER]         ; its handler
    mov rax, [gs:PC_KEY_WAIT_CALL]
    cmp [rbx + EC_CPU], rax             ; waits for a call on this CPU
    jne bail_call
    cmp qword [rbx + EC_SC], 0          ; handlers with an SC: ipc.c decides
    jne bail_call
    mov r12, [gs:PC_SCHED]
    mov r12, [r12 + SCHED_RQ_CURRENT]
    mov r12, [r12 + SC_OWNER]           ; the SC the caller runs on, lent on
    mov r13, [rbx + EC_PD]
    SWITCH_GUARDS bail_call
    ; Point of no return (ipc_take).
    mov [rbx + EC_CALLER], rsp
    mov [rbx + EC_DONOR], r12
    mov byte [rbx + EC_STATE], EC_S_READY
    mov byte [rsp + EC_STATE], EC_S_WAIT_REPLY
    mov [rsp + EC_WAIT_SC], r12
    mov [r12 + KSC_EXEC], rbx
    mov [rsp + EC_RDI], rdi             ; unchanged by CALL (ABI)
    mov rdi, [rbp + PT_BADGE]
    SWITCH_AND_EXIT

; REPLY_WAIT: r10 = msginfo of the reply. A reply to a vCPU (a VM exit)
; goes on in vm_reply.
fast_reply:
    rdgsbase rax
    swapgs
    mov [gs:PC_USER_RSP], rsp
    mov rsp, [gs:PC_CURRENT]            ; the handler
    ENTER_LOCKED bail_reply
    mov rbx, [rsp + EC_CALLER]
    test rbx, rbx
    jz bail_reply                       ; no caller: the general path waits
    cmp qword [rbx + EC_VCPU], 0
    jne vm_reply
    mov rax, [gs:PC_KEY_WAIT_REPLY]
    cmp [rbx + EC_CPU], rax             ; on this CPU, waits for a reply, no fault's
    jne bail_reply
    cmp qword [rsp + EC_SC], 0          ; a handler with an SC: ipc.c decides
    jne bail_reply
    cmp qword [rsp + EC_CALLERS_HEAD], 0    ; callers queued on it
    jne bail_reply
    mov r12, [rsp + EC_DONOR]           ; lent by the caller (SC-less handler)
    mov r13, [rbx + EC_PD]
    SWITCH_GUARDS bail_reply
    ; Point of no return.
    mov byte [rbx + EC_STATE], EC_S_READY
    mov qword [rbx + EC_WAIT_SC], 0
    mov qword [rsp + EC_CALLER], 0
    mov qword [rsp + EC_DONOR], 0
    mov byte [rsp + EC_STATE], EC_S_WAIT_CALL
    mov [r12 + KSC_EXEC], rbx
    mov rdi, [rbx + EC_RDI]             ; the caller's, unchanged by CALL
    SWITCH_AND_EXIT

; REPLY_WAIT answering a VM exit, the handler (rsp) saved and the lock
; taken: it keeps what it keeps on the user fast path, plus the message
; registers, since the guards and the guest entry are C
; (fastpath_vmreply, on the kernel stack), which comes back only when a
; guard failed, having changed nothing.
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
; registers the user had, and enter the general path as SYSCALL would
; have (after SWAPGS, user RSP at gs:PC_USER_RSP, rax = the call).
bail_call:
    mov eax, SYS_CALL
    jmp bail
bail_reply:
    mov eax, SYS_REPLY_WAIT
bail:
    add dword [bkl + SPIN_OWNER], 1
    mov rbx, [rsp + EC_RBX]
    LOAD_KEPT rsp
    jmp syscall_entry.swapped

