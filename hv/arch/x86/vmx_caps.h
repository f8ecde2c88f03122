/* VMX capability logic: the pure part of VT-x setup (no instructions),
   shared by hv and the host unit tests. Intel SDM Vol. 3D, Appendix A. */
#ifndef HV_X86_VMX_CAPS_H
#define HV_X86_VMX_CAPS_H
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>

#define MSR_FEATURE_CONTROL 0x3a
#define FC_LOCK (1u << 0)
#define FC_VMX_OUTSIDE_SMX (1u << 2)

#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PIN 0x481
#define MSR_VMX_PROC 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROC2 0x48b
#define MSR_VMX_EPT_VPID 0x48c
#define MSR_VMX_TRUE_PIN 0x48d
#define MSR_VMX_TRUE_PROC 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490

#define VMX_BASIC_TRUE_CTLS (1ull << 55)

/* IA32_VMX_EPT_VPID_CAP bits. */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_1G (1ull << 17)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_AD (1ull << 21)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_SINGLE (1ull << 41)
#define VPID_CAP_ALL (1ull << 42)

/* The capability MSRs as read on one CPU (TRUE variants where they exist). */
struct vmx_caps {
    uint64_t basic, pin, proc, proc2, exit, entry, misc;
    uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
    uint64_t ept_vpid;
};

/* What hv uses, derived from the capabilities. */
struct vmx_features {
    uint32_t revision;       /* VMCS revision identifier */
    bool ept, ept_2m, ept_1g, ept_ad, vpid, unrestricted, preempt_timer;
    bool invept_single, invvpid_single, msr_bitmap, io_bitmap, secondary, cr8_exit;
    unsigned preempt_shift;  /* the preemption timer counts TSC >> shift */
};

/* A control word from its capability MSR: bits 31:0 are the allowed-0
   settings (1 = must be 1), bits 63:32 the allowed-1 settings (0 = must
   be 0). Sets *out to (must | want | allowed-0) & allowed-1; returns
   BH_ENOTSUP (and names the missing bits in *missing) if a bit in must
   cannot be 1. want bits the CPU lacks are silently left out. */
enum bh_status vmx_ctl(uint64_t cap, uint32_t must, uint32_t want, uint32_t *out,
                       uint32_t *missing);
/* A control register value forced to the fixed bits: (v | fixed0) & fixed1. */
static inline uint64_t vmx_cr_fix(uint64_t v, uint64_t fixed0, uint64_t fixed1)
{
    return (v | fixed0) & fixed1;
}
/* Whether v honours the fixed bits. */
static inline bool vmx_cr_ok(uint64_t v, uint64_t fixed0, uint64_t fixed1)
{
    return (v & fixed0) == fixed0 && (v & ~fixed1) == 0;
}
/* Fills f from c. */
void vmx_features(const struct vmx_caps *c, struct vmx_features *f);
/* Whether a VMX setup with these capabilities can run Bulkhead guests
   (EPT with a 4-level write-back walk, unrestricted guest, MSR and I/O
   bitmaps); if not, *why names what is missing. */
bool vmx_usable(const struct vmx_features *f, const char **why);
#endif
