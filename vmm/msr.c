/* RDMSR and WRMSR: a small set of MSRs, emulated; every other one raises
   #GP in the guest (counted; the first few are reported). EFER and PAT
   travel with BH_MTD_EFER_PAT, the SYSENTER MSRs with BH_MTD_SYSENTER,
   the TSC as the VMCS's TSC offset (BH_MTD_TSC). Registers: Intel SDM
   Vol. 4. */
#include "vmm.h"
#include <bh/io.h>

#define MSR_TSC 0x10u
#define MSR_PLATFORM_ID 0x17u
#define MSR_APIC_BASE 0x1bu
#define MSR_FEATURE_CONTROL 0x3au
#define MSR_BIOS_UPDT_TRIG 0x79u
#define MSR_BIOS_SIGN_ID 0x8bu
#define MSR_MTRRCAP 0xfeu
#define MSR_SYSENTER_CS 0x174u
#define MSR_SYSENTER_ESP 0x175u
#define MSR_SYSENTER_EIP 0x176u
#define MSR_MCG_CAP 0x179u
#define MSR_MISC_ENABLE 0x1a0u
#define MSR_DEBUGCTL 0x1d9u
#define MSR_PAT 0x277u
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_TSC_AUX 0xc0000103u

#define EFER_SCE (1ull << 0)
#define EFER_NXE (1ull << 11)
#define REPORT_MAX 4u

static bool canonical(uint64_t v) { return (uint64_t)((int64_t)(v << 16) >> 16) == v; }

/* Every byte a memory type the PAT allows: UC, WC, WT, WP, WB, UC-. */
static bool pat_ok(uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned t = (v >> (8 * i)) & 0xff;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

static void unknown(struct vexit *x, const char *op, uint32_t msr)
{
    if (vm.unknown_msr++ < REPORT_MAX)
        bh_printf("# vmm %s: %s of unknown MSR 0x%x at rip 0x%lx: #GP%s\n", vm.name, op, msr,
                  x->s->rip, vm.unknown_msr == REPORT_MAX ? " (further ones are only counted)" : "");
    inject_exc(x, VEC_GP, true, 0);
}

static bool rd(struct vexit *x, uint32_t msr, uint64_t *v)
{
    struct bh_vmstate *s = x->s;
    if (msr >= 0x800 && msr <= 0x8ff) {
        irq_sync();
        return lapic_msr_read(&vm.lapic, msr, now_tsc(), v);
    }
    switch (msr) {
    case MSR_TSC: *v = s->tsc; return true;
    case MSR_PLATFORM_ID: *v = 0; return true;
    case MSR_APIC_BASE: *v = vm.lapic.base_msr; return true;
    case MSR_FEATURE_CONTROL: *v = 1; return true;        /* locked, VMX off */
    case MSR_BIOS_SIGN_ID: *v = vm.bios_sign; return true;
    case MSR_MTRRCAP: *v = 0; return true;                /* no MTRR ranges */
    case MSR_SYSENTER_CS: *v = s->sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *v = s->sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *v = s->sysenter_eip; return true;
    case MSR_MCG_CAP: *v = 0; return true;
    case MSR_MISC_ENABLE: *v = vm.misc_enable; return true;
    case MSR_DEBUGCTL: *v = vm.debugctl; return true;
    case MSR_PAT: *v = s->pat; return true;
    case MSR_MTRR_DEF_TYPE: *v = vm.mtrr_def; return true;
    case MSR_EFER: *v = s->efer; return true;
    case MSR_STAR: *v = vm.star; return true;
    case MSR_LSTAR: *v = vm.lstar; return true;
    case MSR_CSTAR: *v = vm.cstar; return true;
    case MSR_SFMASK: *v = vm.sfmask; return true;
    case MSR_TSC_AUX: *v = vm.tsc_aux; return true;
    default: return false;
    }
}

void ex_rdmsr(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    uint32_t msr = (uint32_t)s->rcx;
    uint64_t v;
    if (!rd(x, msr, &v)) {
        unknown(x, "RDMSR", msr);
        return;
    }
    s->rax = (uint32_t)v;
    s->rdx = v >> 32;
    x->out |= BH_MTD_GPR_ACDB;
    skip_insn(x);
}

/* Returns false for #GP. */
static bool wr(struct vexit *x, uint32_t msr, uint64_t v)
{
    struct bh_vmstate *s = x->s;
    if (msr >= 0x800 && msr <= 0x8ff) {
        irq_touch();
        return lapic_msr_write(&vm.lapic, msr, v, now_tsc());
    }
    switch (msr) {
    case MSR_TSC:                      /* the guest's TSC becomes v now */
        s->tsc_offset = v - (s->tsc - s->tsc_offset);
        x->out |= BH_MTD_TSC;
        return true;
    case MSR_APIC_BASE: {
        irq_touch();                   /* enable and mode decide what reaches the guest */
        uint64_t old = vm.lapic.base_msr & 0xfffff000ull;
        if (!lapic_set_base(&vm.lapic, v))
            return false;
        uint64_t base = vm.lapic.base_msr & 0xfffff000ull;
        if (base != old) {             /* the page moves with it, if it fits */
            const struct bus_range *r = bus_find(&vm.mmio, old, 1);
            if (r && bus_add(&vm.mmio, base, 0x1000, r->name, r->ops, r->dev, NULL) == BH_OK)
                bus_remove(&vm.mmio, old);
            else
                bh_printf("# vmm %s: the APIC page cannot move to 0x%lx: it stays at 0x%lx\n",
                          vm.name, base, old);
        }
        return true;
    }
    case MSR_BIOS_SIGN_ID: vm.bios_sign = v; return true;
    case MSR_BIOS_UPDT_TRIG: return true;        /* no microcode to load */
    case MSR_SYSENTER_CS: s->sysenter_cs = v & 0xffff; x->out |= BH_MTD_SYSENTER; return true;
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
        if (!canonical(v))
            return false;
        if (msr == MSR_SYSENTER_ESP)
            s->sysenter_esp = v;
        else
            s->sysenter_eip = v;
        x->out |= BH_MTD_SYSENTER;
        return true;
    case MSR_MISC_ENABLE: vm.misc_enable = v & ((1ull << 0) | (1ull << 18)); return true;
    case MSR_DEBUGCTL: vm.debugctl = v & 3; return true;
    case MSR_PAT:
        if (!pat_ok(v))
            return false;
        s->pat = v;
        x->out |= BH_MTD_EFER_PAT;
        return true;
    case MSR_MTRR_DEF_TYPE:
        if (v & ~0xcffull)
            return false;
        vm.mtrr_def = v;
        return true;
    case MSR_EFER: {
        uint64_t keep = s->efer & EFER_LMA;
        if (v & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
            return false;
        if ((s->cr0 & CR0_PG) && ((v ^ s->efer) & EFER_LME))
            return false;              /* LME changes only with paging off */
        s->efer = (v & ~EFER_LMA) | keep;
        x->out |= BH_MTD_EFER_PAT;
        return true;
    }
    case MSR_STAR: vm.star = v; return true;
    case MSR_LSTAR:
    case MSR_CSTAR:
        if (!canonical(v))
            return false;
        if (msr == MSR_LSTAR)
            vm.lstar = v;
        else
            vm.cstar = v;
        return true;
    case MSR_SFMASK: vm.sfmask = v & 0xffffffffull; return true;
    case MSR_TSC_AUX: vm.tsc_aux = v & 0xffffffffull; return true;
    default:
        unknown(x, "WRMSR", msr);
        x->injecting = true;
        return true;                   /* unknown() injected #GP already */
    }
}

void ex_wrmsr(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    uint32_t msr = (uint32_t)s->rcx;
    uint64_t v = (uint32_t)s->rax | (s->rdx << 32);
    if (!wr(x, msr, v)) {
        inject_exc(x, VEC_GP, true, 0);
        return;
    }
    if (!x->injecting)
        skip_insn(x);
}
