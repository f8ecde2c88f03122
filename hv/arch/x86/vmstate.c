/* The guest state of VM exits: what a portal's MTD names is read from the
   VMCS into an exit message, and what a reply names is written back
   (Intel SDM Vol. 3C, 24.4; struct bh_vmstate in the ABI header). Only
   guest-state fields and the controls in write_ctrl can be written. */
#include "vcpu.h"
#include "vmx.h"
#include "vmcs.h"
#include "ec.h"
#include "cpu.h"
#include "percpu.h"
#include "fpu.h"
#include "vmreply.h"
#include <stddef.h>

#define CR0_PE (1u << 0)
#define CR0_PG (1u << 31)
#define EFER_LMA (1u << 10)
#define RFLAGS_OK 0x3f7fd5ull            /* the flags a guest may hold */

void vmstate_seg_write(unsigned i, const struct bh_vmseg *s)
{
    vmwrite(VMCS_GUEST_ES_SEL + i * VMCS_SEG_STRIDE, s->sel);
    vmwrite(VMCS_GUEST_ES_LIMIT + i * VMCS_SEG_STRIDE, s->limit);
    vmwrite(VMCS_GUEST_ES_AR + i * VMCS_SEG_STRIDE, (s->ar & 0xffu) | (uint32_t)(s->ar & 0x1f00u) << 4);
    vmwrite(VMCS_GUEST_ES_BASE + i * VMCS_SEG_STRIDE, s->base);
}

static void seg_read(unsigned i, struct bh_vmseg *s)
{
    uint32_t ar = (uint32_t)vmread(VMCS_GUEST_ES_AR + i * VMCS_SEG_STRIDE);
    s->sel = (uint16_t)vmread(VMCS_GUEST_ES_SEL + i * VMCS_SEG_STRIDE);
    s->limit = (uint32_t)vmread(VMCS_GUEST_ES_LIMIT + i * VMCS_SEG_STRIDE);
    s->ar = (uint16_t)((ar & 0xffu) | ((ar >> 4) & 0x1f00u));
    s->base = vmread(VMCS_GUEST_ES_BASE + i * VMCS_SEG_STRIDE);
}

void vmstate_cr0(uint64_t v)
{
    const struct vmx_caps *c = &vmx_cap;
    vmwrite(VMCS_CR0_SHADOW, v);
    vmwrite(VMCS_GUEST_CR0, vmx_cr_fix(v, c->cr0_fixed0 & ~(uint64_t)(CR0_PE | CR0_PG), c->cr0_fixed1));
}


void vmstate_cr4(struct vcpu *vc, uint64_t v)
{
    vmwrite(VMCS_CR4_SHADOW, v);
    vmwrite(VMCS_GUEST_CR4, vmx_cr_fix(v, vmx_cap.cr4_fixed0, vmx_cap.cr4_fixed1));
    vc->osxsave = v & CR4_OSXSAVE;
    vcpu_xcr0_update(vc);
}

uint64_t vmstate_cr4_mask(void)
{
    return vmx_cap.cr4_fixed0 | ~vmx_cap.cr4_fixed1 | (fpu_xcr0 ? CR4_OSXSAVE : 0);
}

uint64_t vmstate_cr0_mask(void)
{
    return (vmx_cap.cr0_fixed0 & ~(uint64_t)(CR0_PE | CR0_PG)) | ~vmx_cap.cr0_fixed1;
}

/* One MTD group of the guest state into s (the VMCS is current). */
static void snap_one(unsigned bit, struct bh_vmstate *s, const struct trapframe *r)
{
    switch (bit) {
    case 0: s->rax = r->rax, s->rcx = r->rcx, s->rdx = r->rdx, s->rbx = r->rbx; break;
    case 1: s->rbp = r->rbp, s->rsi = r->rsi, s->rdi = r->rdi; break;
    case 2:
        s->r8 = r->r8, s->r9 = r->r9, s->r10 = r->r10, s->r11 = r->r11;
        s->r12 = r->r12, s->r13 = r->r13, s->r14 = r->r14, s->r15 = r->r15;
        break;
    case 3: s->rsp = vmread(VMCS_GUEST_RSP); break;
    case 4: s->rip = vmread(VMCS_GUEST_RIP), s->insn_len = vmread(VMCS_EXIT_INSN_LEN); break;
    case 5: s->rflags = vmread(VMCS_GUEST_RFLAGS); break;
    case 6: seg_read(0, &s->es), seg_read(3, &s->ds); break;
    case 7: seg_read(4, &s->fs), seg_read(5, &s->gs); break;
    case 8: seg_read(1, &s->cs), seg_read(2, &s->ss); break;
    case 9: seg_read(7, &s->tr); break;
    case 10: seg_read(6, &s->ldtr); break;
    case 11:
        s->gdtr = (struct bh_vmseg){ .limit = (uint32_t)vmread(VMCS_GUEST_GDTR_LIMIT),
                                     .base = vmread(VMCS_GUEST_GDTR_BASE) };
        break;
    case 12:
        s->idtr = (struct bh_vmseg){ .limit = (uint32_t)vmread(VMCS_GUEST_IDTR_LIMIT),
                                     .base = vmread(VMCS_GUEST_IDTR_BASE) };
        break;
    case 13: {
        uint64_t m0 = vmstate_cr0_mask(), m4 = vmstate_cr4_mask();
        s->cr0 = (vmread(VMCS_GUEST_CR0) & ~m0) | (vmread(VMCS_CR0_SHADOW) & m0);
        s->cr4 = (vmread(VMCS_GUEST_CR4) & ~m4) | (vmread(VMCS_CR4_SHADOW) & m4);
        s->cr3 = vmread(VMCS_GUEST_CR3);
        s->cr2 = r->error;                     /* the exit stub keeps CR2 there */
        break;
    }
    case 14: s->dr7 = vmread(VMCS_GUEST_DR7); break;
    case 15:
        s->sysenter_cs = vmread(VMCS_GUEST_SYSENTER_CS);
        s->sysenter_esp = vmread(VMCS_GUEST_SYSENTER_ESP);
        s->sysenter_eip = vmread(VMCS_GUEST_SYSENTER_EIP);
        break;
    case 16:
        s->qual = s->reason == BH_VMEXIT_FAIL ? vmread(VMCS_INSN_ERROR) : vmread(VMCS_EXIT_QUAL);
        s->gpa = vmread(VMCS_GUEST_PHYS), s->gla = vmread(VMCS_GUEST_LINEAR);
        s->insn_info = vmread(VMCS_EXIT_INSN_INFO);
        break;
    case 17: s->intr_state = vmread(VMCS_GUEST_INTR_STATE), s->actv_state = vmread(VMCS_GUEST_ACTIVITY); break;
    case 18:
        s->exit_intr_info = vmread(VMCS_EXIT_INTR), s->exit_intr_error = vmread(VMCS_EXIT_INTR_ERROR);
        s->idt_vec_info = vmread(VMCS_IDT_VEC), s->idt_vec_error = vmread(VMCS_IDT_VEC_ERROR);
        break;
    case 19: s->efer = vmread(VMCS_GUEST_EFER), s->pat = vmread(VMCS_GUEST_PAT); break;
    case 20: s->tsc_offset = vmread(VMCS_TSC_OFFSET), s->tsc = rdtsc() + s->tsc_offset; break;
    default: break;                            /* 21 (CTRL) is reply-only */
    }
}

/* Costs in proportion to the groups the portal asked for; the two that
   nearly every exit carries (MTD_LEAN in vmm/) without a dispatch. */
void vcpu_snapshot_into(struct ec *c, uint64_t mtd, struct bh_vmstate *s)
{
    const struct trapframe *r = &c->regs;
    s->mtd = mtd;
    s->reason = c->vcpu->st.reason;
    if (mtd & BH_MTD_GPR_ACDB)
        s->rax = r->rax, s->rcx = r->rcx, s->rdx = r->rdx, s->rbx = r->rbx;
    if (mtd & BH_MTD_RIP_LEN)
        s->rip = vmread(VMCS_GUEST_RIP), s->insn_len = vmread(VMCS_EXIT_INSN_LEN);
    for (mtd &= ~(uint64_t)(BH_MTD_GPR_ACDB | BH_MTD_RIP_LEN); mtd; mtd &= mtd - 1)
        snap_one((unsigned)__builtin_ctzll(mtd), s, r);
    if (s->mtd & BH_MTD_DR)
        vcpu_dr_snapshot(c->vcpu, s);
    if (s->mtd & BH_MTD_XCR0)
        vcpu_xcr0_snapshot(c->vcpu, s);
}

void vcpu_snapshot(struct ec *c, uint64_t mtd)
{
    vcpu_snapshot_into(c, mtd, &c->vcpu->st);
}

/* The words of struct bh_vmstate each MTD bit names (offset, count). */
#define W(f) (offsetof(struct bh_vmstate, f) / 8)
static const struct { uint8_t off, n; } mtd_words[23][2] = {
    { { W(rax), 4 } },          { { W(rbp), 3 } },       { { W(r8), 8 } },
    { { W(rsp), 1 } },          { { W(rip), 1 }, { W(insn_len), 1 } },
    { { W(rflags), 1 } },       { { W(es), 2 }, { W(ds), 2 } },
    { { W(fs), 4 } },           { { W(cs), 4 } },        { { W(tr), 2 } },
    { { W(ldtr), 2 } },         { { W(gdtr), 2 } },      { { W(idtr), 2 } },
    { { W(cr0), 4 } },          { { W(dr7), 1 }, { W(dr), 5 } },       { { W(sysenter_cs), 3 } },
    { { W(qual), 3 }, { W(insn_info), 1 } },             { { W(intr_state), 2 } },
    { { W(exit_intr_info), 6 } },                        { { W(efer), 2 } },
    { { W(tsc), 2 } },          { { W(ctrl), 2 } },      { { W(xcr0), 2 } },
};
_Static_assert(W(rbx) == W(rax) + 3 && W(rdi) == W(rbp) + 2 && W(gs) == W(fs) + 2 &&
               W(ss) == W(cs) + 2 && W(cr4) == W(cr0) + 3 && W(gla) == W(qual) + 2 &&
               W(inj_error) == W(exit_intr_info) + 5 && W(pat) == W(efer) + 1 && W(dr6) == W(dr) + 4,
               "the MTD groups are contiguous in struct bh_vmstate");

/* The same as masks of struct bh_vmstate words (lo covers words 0-63, hi
   words 64-127), so that a copy costs a few instructions per word named
   and nothing per word not named. */
#define MTD_GROUPS (sizeof mtd_words / sizeof mtd_words[0])
_Static_assert(sizeof(struct bh_vmstate) <= 128 * 8, "two 64-bit word masks cover the exit message");
struct wmask { uint64_t lo, hi; };
static struct wmask mtd_mask[MTD_GROUPS];

static void mtd_masks_init(void)
{
    for (unsigned b = 0; b < MTD_GROUPS; b++)
        for (unsigned g = 0; g < 2; g++)
            for (unsigned k = mtd_words[b][g].off; k < mtd_words[b][g].off + mtd_words[b][g].n; k++) {
                if (k < 64)
                    mtd_mask[b].lo |= 1ull << k;
                else
                    mtd_mask[b].hi |= 1ull << (k - 64);
            }
}

/* Copies the words mtd names (mtd itself and reason always); each source
   word is read once, so a VMM changing its UTCB meanwhile harms only
   itself. */
static void copy_mtd(volatile uint64_t *dst, const volatile uint64_t *src, uint64_t mtd)
{
    if (!mtd_mask[0].lo)
        mtd_masks_init();
    struct wmask m = { 0, 0 };
    dst[0] = mtd;
    dst[1] = src[1];
    for (mtd &= BH_MTD_ALL; mtd; mtd &= mtd - 1) {
        unsigned b = (unsigned)__builtin_ctzll(mtd);
        m.lo |= mtd_mask[b].lo, m.hi |= mtd_mask[b].hi;
    }
    for (; m.lo; m.lo &= m.lo - 1) {
        unsigned k = (unsigned)__builtin_ctzll(m.lo);
        dst[k] = src[k];
    }
    for (; m.hi; m.hi &= m.hi - 1) {
        unsigned k = 64 + (unsigned)__builtin_ctzll(m.hi);
        dst[k] = src[k];
    }
}

/* A new RIP ends an STI / MOV SS shadow. */

void vcpu_message(struct ec *h, struct ec *c)
{
    copy_mtd(h->utcb->mr, (const uint64_t *)&c->vcpu->st, c->vcpu->st.mtd);
    h->regs.rax = BH_OK;
    h->regs.r10 = BH_MSG_VMEXIT;
    h->regs.rsi = c->vcpu->st.reason;
}

/* vcpu_reply past rax-rbx and the usual RIP: the other general registers
   into the frame, the rest into st for vmstate_write_back. */
void vcpu_reply_rest(struct vcpu *v, struct trapframe *r, const volatile uint64_t *u,
                     uint64_t mtd)
{
    struct bh_vmstate *s = &v->st;
    if (mtd & BH_MTD_GPR_BSD)
        r->rbp = u[W(rbp)], r->rsi = u[W(rsi)], r->rdi = u[W(rdi)];
    if (mtd & BH_MTD_GPR_R8_R15) {
        r->r8 = u[W(r8)], r->r9 = u[W(r9)], r->r10 = u[W(r10)], r->r11 = u[W(r11)];
        r->r12 = u[W(r12)], r->r13 = u[W(r13)], r->r14 = u[W(r14)], r->r15 = u[W(r15)];
    }
    uint64_t rest = mtd & ~(uint64_t)(BH_MTD_GPR_ACDB | BH_MTD_GPR_BSD | BH_MTD_GPR_R8_R15);
    if (!rest)
        return;                         /* st keeps the exit's state: nothing reads it */
    v->dirty |= rest;
    s->mtd = mtd;
    if (rest & BH_MTD_RIP_LEN) {
        s->rip = u[W(rip)], s->insn_len = u[W(insn_len)];
        if (!(rest &= ~(uint64_t)BH_MTD_RIP_LEN))
            return;
    }
    uint64_t reason = s->reason;
    copy_mtd((uint64_t *)s, u, rest);
    s->reason = reason;
    s->mtd = mtd;
    if (mtd & BH_MTD_CR)
        r->error = s->cr2;
}

void vcpu_reply(struct ec *c, struct ec *h)
{
    vcpu_reply_inline(c, h);
}

static void write_ctrl(struct vcpu *v, const struct bh_vmstate *s)
{
    uint32_t proc = v->proc & ~(PROC_INTR_WINDOW | PROC_NMI_WINDOW);
    uint32_t pin = v->pin & ~PIN_PREEMPT_TIMER, exit = v->exit & ~EXIT_SAVE_PREEMPT;
    v->hv_leaf = s->ctrl & BH_VMCTRL_HV_LEAF;
    if (s->ctrl & BH_VMCTRL_INTR_WINDOW)
        proc |= PROC_INTR_WINDOW & (uint32_t)(vmx_cap.proc >> 32);
    if (s->ctrl & BH_VMCTRL_NMI_WINDOW)
        proc |= PROC_NMI_WINDOW & (uint32_t)(vmx_cap.proc >> 32);
    if ((s->ctrl & BH_VMCTRL_PREEMPT) && vmx_feat.preempt_timer) {
        pin |= PIN_PREEMPT_TIMER;
        exit |= EXIT_SAVE_PREEMPT;       /* only with the timer on */
        uint64_t t = s->preempt_timer >> vmx_feat.preempt_shift;
        vmwrite(VMCS_PREEMPT_TIMER, t > 0xffffffffu ? 0xffffffffu : t);
    }
    if (proc != v->proc)                 /* a VMWRITE only for what changed */
        vmwrite(VMCS_PROC_CTLS, v->proc = proc);
    if (pin != v->pin)
        vmwrite(VMCS_PIN_CTLS, v->pin = pin);
    if (exit != v->exit)
        vmwrite(VMCS_EXIT_CTLS, v->exit = exit);
}

static void write_one(unsigned bit, struct vcpu *v, const struct bh_vmstate *s)
{
    switch (bit) {
    case 3: vmwrite(VMCS_GUEST_RSP, s->rsp); break;
    case 4: write_rip(s->rip); break;
    case 5: vmwrite(VMCS_GUEST_RFLAGS, (s->rflags & RFLAGS_OK) | 2); break;
    case 6: vmstate_seg_write(0, &s->es), vmstate_seg_write(3, &s->ds); break;
    case 7: vmstate_seg_write(4, &s->fs), vmstate_seg_write(5, &s->gs); break;
    case 8: vmstate_seg_write(1, &s->cs), vmstate_seg_write(2, &s->ss); break;
    case 9: vmstate_seg_write(7, &s->tr); break;
    case 10: vmstate_seg_write(6, &s->ldtr); break;
    case 11: vmwrite(VMCS_GUEST_GDTR_LIMIT, s->gdtr.limit & 0xffff), vmwrite(VMCS_GUEST_GDTR_BASE, s->gdtr.base); break;
    case 12: vmwrite(VMCS_GUEST_IDTR_LIMIT, s->idtr.limit & 0xffff), vmwrite(VMCS_GUEST_IDTR_BASE, s->idtr.base); break;
    case 13: vmstate_cr0(s->cr0), vmstate_cr4(v, s->cr4), vmwrite(VMCS_GUEST_CR3, s->cr3); break;
    case 14: vmwrite(VMCS_GUEST_DR7, s->dr7), vcpu_dr_write(v, s); break;
    case 15:
        vmwrite(VMCS_GUEST_SYSENTER_CS, s->sysenter_cs);
        vmwrite(VMCS_GUEST_SYSENTER_ESP, s->sysenter_esp);
        vmwrite(VMCS_GUEST_SYSENTER_EIP, s->sysenter_eip);
        break;
    case 17: vmwrite(VMCS_GUEST_INTR_STATE, s->intr_state & 0x1f), vmwrite(VMCS_GUEST_ACTIVITY, s->actv_state & 3); break;
    case 18:
        vmwrite(VMCS_ENTRY_INTR, s->inj_info & 0x80000fffu);
        vmwrite(VMCS_ENTRY_ERROR, (uint32_t)s->inj_error);
        vmwrite(VMCS_ENTRY_INSN_LEN, s->insn_len & 0xf);
        break;
    case 19: {
        uint32_t entry = (uint32_t)vmread(VMCS_ENTRY_CTLS) & ~ENTRY_GUEST_LONG;
        vmwrite(VMCS_GUEST_EFER, s->efer);
        vmwrite(VMCS_GUEST_PAT, s->pat);
        vmwrite(VMCS_ENTRY_CTLS, entry | ((s->efer & EFER_LMA) ? ENTRY_GUEST_LONG : 0));
        break;
    }
    case 20: vmwrite(VMCS_TSC_OFFSET, s->tsc_offset); break;
    case 21: write_ctrl(v, s); break;
    case 22: vcpu_xcr0_write(v, s->xcr0); break;
    default: break;                 /* GPRs went to the frame at the reply */
    }
}

/* Applies what the VMM's reply named. Only guest state and the controls
   in write_ctrl: nothing here can reach hv's own state. */
void vmstate_write_back(struct vcpu *v)
{
    for (uint64_t d = v->dirty; d; d &= d - 1)
        write_one((unsigned)__builtin_ctzll(d), v, &v->st);
    v->dirty = 0;
}
