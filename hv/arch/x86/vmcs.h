/* VMCS field encodings, control bits and exit reasons (Intel SDM Vol. 3D,
   Appendix B and C; Vol. 3C, chapter 25), and VMREAD/VMWRITE. */
#ifndef HV_X86_VMCS_H
#define HV_X86_VMCS_H
#include <stdint.h>

enum vmcs_field {
    /* 16-bit */
    VMCS_VPID = 0x0000,
    VMCS_GUEST_ES_SEL = 0x0800, VMCS_GUEST_CS_SEL = 0x0802, VMCS_GUEST_SS_SEL = 0x0804,
    VMCS_GUEST_DS_SEL = 0x0806, VMCS_GUEST_FS_SEL = 0x0808, VMCS_GUEST_GS_SEL = 0x080a,
    VMCS_GUEST_LDTR_SEL = 0x080c, VMCS_GUEST_TR_SEL = 0x080e,
    VMCS_HOST_ES_SEL = 0x0c00, VMCS_HOST_CS_SEL = 0x0c02, VMCS_HOST_SS_SEL = 0x0c04,
    VMCS_HOST_DS_SEL = 0x0c06, VMCS_HOST_FS_SEL = 0x0c08, VMCS_HOST_GS_SEL = 0x0c0a,
    VMCS_HOST_TR_SEL = 0x0c0c,
    /* 64-bit */
    VMCS_IO_BITMAP_A = 0x2000, VMCS_IO_BITMAP_B = 0x2002, VMCS_MSR_BITMAP = 0x2004,
    VMCS_EXIT_MSR_STORE = 0x2006, VMCS_EXIT_MSR_LOAD = 0x2008, VMCS_ENTRY_MSR_LOAD = 0x200a,
    VMCS_TSC_OFFSET = 0x2010, VMCS_EPTP = 0x201a,
    VMCS_GUEST_PHYS = 0x2400,
    VMCS_LINK_PTR = 0x2800, VMCS_GUEST_DEBUGCTL = 0x2802, VMCS_GUEST_PAT = 0x2804,
    VMCS_GUEST_EFER = 0x2806, VMCS_GUEST_PDPTE0 = 0x280a,
    VMCS_HOST_PAT = 0x2c00, VMCS_HOST_EFER = 0x2c02,
    /* 32-bit */
    VMCS_PIN_CTLS = 0x4000, VMCS_PROC_CTLS = 0x4002, VMCS_EXC_BITMAP = 0x4004,
    VMCS_PF_MASK = 0x4006, VMCS_PF_MATCH = 0x4008, VMCS_CR3_TARGETS = 0x400a,
    VMCS_EXIT_CTLS = 0x400c, VMCS_EXIT_MSR_STORE_N = 0x400e, VMCS_EXIT_MSR_LOAD_N = 0x4010,
    VMCS_ENTRY_CTLS = 0x4012, VMCS_ENTRY_MSR_LOAD_N = 0x4014, VMCS_ENTRY_INTR = 0x4016,
    VMCS_ENTRY_ERROR = 0x4018, VMCS_ENTRY_INSN_LEN = 0x401a, VMCS_TPR_THRESHOLD = 0x401c,
    VMCS_PROC2_CTLS = 0x401e,
    VMCS_INSN_ERROR = 0x4400, VMCS_EXIT_REASON = 0x4402, VMCS_EXIT_INTR = 0x4404,
    VMCS_EXIT_INTR_ERROR = 0x4406, VMCS_IDT_VEC = 0x4408, VMCS_IDT_VEC_ERROR = 0x440a,
    VMCS_EXIT_INSN_LEN = 0x440c, VMCS_EXIT_INSN_INFO = 0x440e,
    VMCS_GUEST_ES_LIMIT = 0x4800, VMCS_GUEST_GDTR_LIMIT = 0x4810, VMCS_GUEST_IDTR_LIMIT = 0x4812,
    VMCS_GUEST_ES_AR = 0x4814, VMCS_GUEST_INTR_STATE = 0x4824, VMCS_GUEST_ACTIVITY = 0x4826,
    VMCS_GUEST_SYSENTER_CS = 0x482a, VMCS_PREEMPT_TIMER = 0x482e,
    VMCS_HOST_SYSENTER_CS = 0x4c00,
    /* natural width */
    VMCS_CR0_MASK = 0x6000, VMCS_CR4_MASK = 0x6002, VMCS_CR0_SHADOW = 0x6004,
    VMCS_CR4_SHADOW = 0x6006,
    VMCS_EXIT_QUAL = 0x6400, VMCS_GUEST_LINEAR = 0x640a,
    VMCS_GUEST_CR0 = 0x6800, VMCS_GUEST_CR3 = 0x6802, VMCS_GUEST_CR4 = 0x6804,
    VMCS_GUEST_ES_BASE = 0x6806, VMCS_GUEST_GDTR_BASE = 0x6816, VMCS_GUEST_IDTR_BASE = 0x6818,
    VMCS_GUEST_DR7 = 0x681a, VMCS_GUEST_RSP = 0x681c, VMCS_GUEST_RIP = 0x681e,
    VMCS_GUEST_RFLAGS = 0x6820, VMCS_GUEST_PENDING_DBG = 0x6822,
    VMCS_GUEST_SYSENTER_ESP = 0x6824, VMCS_GUEST_SYSENTER_EIP = 0x6826,
    VMCS_HOST_CR0 = 0x6c00, VMCS_HOST_CR3 = 0x6c02, VMCS_HOST_CR4 = 0x6c04,
    VMCS_HOST_FS_BASE = 0x6c06, VMCS_HOST_GS_BASE = 0x6c08, VMCS_HOST_TR_BASE = 0x6c0a,
    VMCS_HOST_GDTR_BASE = 0x6c0c, VMCS_HOST_IDTR_BASE = 0x6c0e,
    VMCS_HOST_SYSENTER_ESP = 0x6c10, VMCS_HOST_SYSENTER_EIP = 0x6c12,
    VMCS_HOST_RSP = 0x6c14, VMCS_HOST_RIP = 0x6c16,
};
/* The eight guest segments are laid out in order ES CS SS DS FS GS LDTR TR,
   2 apart in each group (selector, limit, access rights, base). */
#define VMCS_SEG_STRIDE 2

/* Pin-based controls */
#define PIN_EXT_INT (1u << 0)
#define PIN_NMI (1u << 3)
#define PIN_VIRTUAL_NMI (1u << 5)
#define PIN_PREEMPT_TIMER (1u << 6)
/* Primary processor-based controls */
#define PROC_INTR_WINDOW (1u << 2)
#define PROC_TSC_OFFSET (1u << 3)
#define PROC_HLT (1u << 7)
#define PROC_INVLPG (1u << 9)
#define PROC_MWAIT (1u << 10)
#define PROC_RDPMC (1u << 11)
#define PROC_RDTSC (1u << 12)
#define PROC_CR3_LOAD (1u << 15)
#define PROC_CR3_STORE (1u << 16)
#define PROC_CR8_LOAD (1u << 19)
#define PROC_CR8_STORE (1u << 20)
#define PROC_NMI_WINDOW (1u << 22)
#define PROC_MOV_DR (1u << 23)
#define PROC_UNCOND_IO (1u << 24)
#define PROC_IO_BITMAP (1u << 25)
#define PROC_MSR_BITMAP (1u << 28)
#define PROC_MONITOR (1u << 29)
#define PROC_PAUSE (1u << 30)
#define PROC_SECONDARY (1u << 31)
/* Secondary processor-based controls */
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_WBINVD (1u << 6)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID (1u << 12)
#define PROC2_XSAVES (1u << 20)
/* VM-exit controls */
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_LONG (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define EXIT_SAVE_PREEMPT (1u << 22)
/* VM-entry controls */
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_GUEST_LONG (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* Interruption information (entry injection, exit and IDT vectoring). */
#define INTR_VALID (1u << 31)
#define INTR_HAS_ERROR (1u << 11)
#define INTR_TYPE_SHIFT 8
#define INTR_TYPE_EXT 0u
#define INTR_TYPE_NMI 2u
#define INTR_TYPE_HW_EXC 3u
#define INTR_TYPE_SW_INT 4u
#define INTR_TYPE_PRIV_SW_EXC 5u
#define INTR_TYPE_SW_EXC 6u

/* Exit reasons (basic, bits 15:0 of the exit reason field). */
#define EXIT_REASON_FAILED_ENTRY (1u << 31)
enum vmx_exit {
    VMX_EXIT_EXC_NMI = 0, VMX_EXIT_EXT_INT = 1, VMX_EXIT_TRIPLE = 2, VMX_EXIT_INIT = 3,
    VMX_EXIT_SIPI = 4, VMX_EXIT_INTR_WINDOW = 7, VMX_EXIT_NMI_WINDOW = 8,
    VMX_EXIT_TASK_SWITCH = 9, VMX_EXIT_CPUID = 10, VMX_EXIT_HLT = 12, VMX_EXIT_INVD = 13,
    VMX_EXIT_INVLPG = 14, VMX_EXIT_RDPMC = 15, VMX_EXIT_RDTSC = 16, VMX_EXIT_VMCALL = 18,
    VMX_EXIT_CR = 28, VMX_EXIT_DR = 29, VMX_EXIT_IO = 30, VMX_EXIT_RDMSR = 31,
    VMX_EXIT_WRMSR = 32, VMX_EXIT_BAD_GUEST = 33, VMX_EXIT_BAD_MSR_LOAD = 34,
    VMX_EXIT_MWAIT = 36, VMX_EXIT_MTF = 37, VMX_EXIT_MONITOR = 39, VMX_EXIT_PAUSE = 40,
    VMX_EXIT_MCE_ENTRY = 41, VMX_EXIT_EPT_VIOLATION = 48, VMX_EXIT_EPT_MISCONFIG = 49,
    VMX_EXIT_PREEMPT = 52, VMX_EXIT_XSETBV = 55,
};

#ifndef VMX_HOST_TEST
/* VMREAD/VMWRITE. On failure (no current VMCS, unsupported field) they
   set CF or ZF; hv only uses fields it checked exist, so callers that
   care use vmcs_write_checked. */
static inline uint64_t vmread(uint64_t field)
{
    uint64_t v;
    __asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
    return v;
}
static inline void vmwrite(uint64_t field, uint64_t v)
{
    __asm__ volatile("vmwrite %1, %0" ::"r"(field), "r"(v) : "cc", "memory");
}
static inline int vmwrite_checked(uint64_t field, uint64_t v)
{
    uint8_t bad;
    __asm__ volatile("vmwrite %2, %1; setna %0" : "=r"(bad) : "r"(field), "r"(v) : "cc", "memory");
    return bad ? -1 : 0;
}
#endif
#endif
