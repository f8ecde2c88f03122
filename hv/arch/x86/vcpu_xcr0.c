/* A guest's XCR0 (Intel SDM Vol. 1, 13.3). XSETBV always exits; the VMM
   answers with the value in its reply (BH_MTD_XCR0). The XCR0 the guest
   runs on is kept in the vCPU's FPU area and loaded before each of its VM
   entries (fpu_claim, fpu_guest), so the guest's AVX state is switched
   with the rest of its FPU state. That is the guest's own value only
   while its CR4.OSXSAVE is set: with the bit clear, XSETBV, XGETBV and
   every VEX or XSAVE instruction raise #UD in the guest, and legacy SSE
   and x87 do not depend on XCR0, so nothing the guest can do shows
   which value is loaded, and it runs on hv's (fpu_xcr0): no XSETBV at
   its entries and exits. hv owns the OSXSAVE bit in the CR4 guest/host
   mask, so a guest that flips it exits to its VMM, whose reply
   (BH_MTD_CR) reaches vmstate_cr4 before the guest runs again. */
#include "vcpu.h"
#include "vmx.h"
#include "vmcs.h"
#include "fpu.h"

#define GP_INJECT (0x80000000u | 3u << 8 | 13u)   /* valid, hardware exception, #GP */
#define INJ_HAS_ERROR (1u << 11)

void vcpu_xcr0_snapshot(struct vcpu *v, struct bh_vmstate *s)
{
    s->xcr0 = fpu_xcr0 ? v->xcr0 : XCR0_X87;
    s->xcr0_ok = fpu_xcr0;
}

void vcpu_xcr0_update(struct vcpu *v)
{
    if (fpu_xcr0)
        fpu_set_xcr0(v->fpu, v->osxsave ? v->xcr0 : fpu_xcr0);
}

void vcpu_xcr0_write(struct vcpu *v, uint64_t xcr0)
{
    if (fpu_xcr0 && xcr0_valid(xcr0, fpu_xcr0)) {
        v->xcr0 = xcr0;
        vcpu_xcr0_update(v);           /* loaded before its next entry */
        return;
    }
    /* Error codes only in protected mode: real mode refuses them (an
       entry check with unrestricted guest). */
    bool pe = vmread(VMCS_GUEST_CR0) & 1;
    vmwrite(VMCS_ENTRY_INTR, GP_INJECT | (pe ? INJ_HAS_ERROR : 0));
    vmwrite(VMCS_ENTRY_ERROR, 0);
}
