/* The VMM's reply to a VM exit, the common part inline: the general path
   (vmstate.c's vcpu_reply) and the VM-reply fast path (vcpu.c) run it. */
#ifndef HV_X86_VMREPLY_H
#define HV_X86_VMREPLY_H
#include <stddef.h>
#include "vcpu.h"
#include "vmcs.h"
#include "ec.h"
#include "percpu.h"

#define VMS_W(f) (offsetof(struct bh_vmstate, f) / 8)

/* The guest's RIP; an STI or MOV SS blocking ends with the instruction it
   moves past (Intel SDM Vol. 3C, 25.4.2). */
static inline __attribute__((always_inline)) void write_rip(uint64_t rip)
{
    vmwrite(VMCS_GUEST_RIP, rip);
    uint64_t is = vmread(VMCS_GUEST_INTR_STATE);
    if (is & 3)
        vmwrite(VMCS_GUEST_INTR_STATE, is & ~3ull);
}

/* vcpu_reply past rax-rbx and the usual RIP (vmstate.c): the other
   general registers into the frame, the rest into st for
   vmstate_write_back. */
void vcpu_reply_rest(struct vcpu *v, struct trapframe *r, const volatile uint64_t *u,
                     uint64_t mtd);

/* Read once: the VMM's UTCB may change under us. The general registers
   go straight into the vCPU's frame; the usual reply's RIP (nothing else
   but rax-rbx named) straight into its VMCS when that is current here;
   the rest into the kernel's copy, for vmstate_write_back before the
   next entry. */
static inline __attribute__((always_inline)) void vcpu_reply_inline(struct ec *c, struct ec *h)
{
    struct vcpu *v = c->vcpu;
    const volatile uint64_t *u = h->utcb->mr;
    uint64_t mtd = u[0] & BH_MTD_ALL & ~(uint64_t)BH_MTD_QUAL;
    struct trapframe *r = &c->regs;
    if (mtd & BH_MTD_GPR_ACDB)
        r->rax = u[VMS_W(rax)], r->rcx = u[VMS_W(rcx)], r->rdx = u[VMS_W(rdx)],
        r->rbx = u[VMS_W(rbx)];
    uint64_t rest = mtd & ~(uint64_t)BH_MTD_GPR_ACDB;
    if (rest == BH_MTD_RIP_LEN && !v->dirty && this_cpu()->vmcs == v) {
        uint64_t rip = u[VMS_W(rip)];
        v->st.rip = rip, v->st.insn_len = u[VMS_W(insn_len)];   /* as vcpu_reply_rest keeps them */
        write_rip(rip);
    } else if (rest) {
        vcpu_reply_rest(v, r, u, mtd);
    }
}
#endif
