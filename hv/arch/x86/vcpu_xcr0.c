/* A guest's XCR0 (Intel SDM Vol. 1, 13.3). XSETBV always exits; the VMM
   answers with the value in its reply (BH_MTD_XCR0). hv keeps it in the
   vCPU's FPU area and loads it before each of its VM entries (fpu_claim),
   so the guest's AVX state is switched with the rest of its FPU state. */
#include "vcpu.h"
#include "vmx.h"
#include "vmcs.h"
#include "fpu.h"

#define GP_INJECT (0x80000000u | 3u << 8 | 13u)   /* valid, hardware exception, #GP */
#define INJ_HAS_ERROR (1u << 11)

void vcpu_xcr0_snapshot(struct vcpu *v, struct bh_vmstate *s)
{
    s->xcr0 = fpu_xcr0 ? fpu_get_xcr0(v->fpu) : XCR0_X87;
    s->xcr0_ok = fpu_xcr0;
}

void vcpu_xcr0_write(struct vcpu *v, uint64_t xcr0)
{
    if (fpu_xcr0 && xcr0_valid(xcr0, fpu_xcr0)) {
        fpu_set_xcr0(v->fpu, xcr0);    /* loaded by fpu_claim before its next entry */
        return;
    }
    /* Error codes only in protected mode: real mode refuses them (an
       entry check with unrestricted guest). */
    bool pe = vmread(VMCS_GUEST_CR0) & 1;
    vmwrite(VMCS_ENTRY_INTR, GP_INJECT | (pe ? INJ_HAS_ERROR : 0));
    vmwrite(VMCS_ENTRY_ERROR, 0);
}
