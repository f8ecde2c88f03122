/* VT-x bring-up: detection, IA32_FEATURE_CONTROL, the capability MSRs,
   CR0/CR4 fixed bits and VMXON, on every CPU (Intel SDM Vol. 3C, 24.6-24.8
   and Vol. 3D, Appendix A). Where VMX is absent or disabled hv says why
   and runs everything that needs no VMX. */
#include "vmx.h"
#include "vmcs.h"
#include "cpu.h"
#include "kmem.h"
#include "paging.h"
#include "percpu.h"
#include "console.h"
#include "timer.h"

#define CR0_NE (1u << 5)
#define CR4_VMXE (1u << 13)
#define CPUID1_VMX (1u << 5)

struct vmx_caps vmx_cap;
struct vmx_features vmx_feat;
static const char *why_not[MAX_CPUS];
static bool active[MAX_CPUS];
static volatile bool done[MAX_CPUS];    /* vmx_init_cpu finished there */

static void read_caps(struct vmx_caps *c)
{
    c->basic = rdmsr(MSR_VMX_BASIC);
    bool t = c->basic & VMX_BASIC_TRUE_CTLS;
    c->pin = rdmsr(t ? MSR_VMX_TRUE_PIN : MSR_VMX_PIN);
    c->proc = rdmsr(t ? MSR_VMX_TRUE_PROC : MSR_VMX_PROC);
    c->exit = rdmsr(t ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
    c->entry = rdmsr(t ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
    c->misc = rdmsr(MSR_VMX_MISC);
    c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
    bool sec = (c->proc >> 32) & PROC_SECONDARY;
    c->proc2 = sec ? rdmsr(MSR_VMX_PROC2) : 0;
    c->ept_vpid = sec ? rdmsr(MSR_VMX_EPT_VPID) : 0;
}

/* Firmware may leave the feature-control MSR unlocked; then we enable VMX
   outside SMX and lock it. Locked with VMX off means the firmware said no. */
static const char *feature_control(void)
{
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & FC_LOCK)) {
        wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
        fc = rdmsr(MSR_FEATURE_CONTROL);
    }
    return fc & FC_VMX_OUTSIDE_SMX ? NULL : "disabled by the firmware (IA32_FEATURE_CONTROL locked)";
}

static const char *vmxon(const struct vmx_caps *c)
{
    uint64_t cr0 = read_cr0() | CR0_NE, cr4 = read_cr4() | CR4_VMXE;
    if (!vmx_cr_ok(cr0, c->cr0_fixed0, c->cr0_fixed1))
        return "CR0 cannot meet the VMX fixed bits";
    if (!vmx_cr_ok(cr4, c->cr4_fixed0, c->cr4_fixed1))
        return "CR4 cannot meet the VMX fixed bits";
    if (((c->basic >> 50) & 0xf) != 6)
        return "the VMCS memory type is not write-back";
    uint64_t pa;
    if (kmem_alloc_pages(1, &pa) != BH_OK)
        return "out of memory for the VMXON region";
    uint32_t *region = phys_to_virt(pa);
    for (unsigned i = 0; i < 1024; i++)
        region[i] = 0;
    region[0] = (uint32_t)c->basic & 0x7fffffffu;
    write_cr0(cr0);
    write_cr4(cr4);
    uint8_t bad;
    __asm__ volatile("vmxon %1; setna %0" : "=r"(bad) : "m"(pa) : "cc", "memory");
    if (bad) {
        write_cr4(cr4 & ~(uint64_t)CR4_VMXE);
        kmem_free_pages(pa, 1);
        return "VMXON failed";
    }
    return NULL;
}

void vmx_init_cpu(unsigned cpu)
{
    struct vmx_caps c;
    const char *why = NULL;
    if (!(cpuid(1, 0).c & CPUID1_VMX)) {
        why = "the CPU reports no VMX (CPUID.1:ECX.VMX = 0)";
    } else if (!(why = feature_control())) {
        read_caps(&c);
        struct vmx_features f;
        vmx_features(&c, &f);
        if (cpu == 0) {
            vmx_cap = c;
            vmx_feat = f;
        }
        if (cpu && (c.basic != vmx_cap.basic || c.proc2 != vmx_cap.proc2 ||
                    c.ept_vpid != vmx_cap.ept_vpid))
            why = "its VMX capabilities differ from the boot CPU's";
        else if (vmx_usable(&f, &why))
            why = vmxon(&c);
    }
    why_not[cpu] = why;
    active[cpu] = !why;
    __atomic_store_n(&done[cpu], true, __ATOMIC_RELEASE);
}

bool vmx_active(unsigned cpu) { return cpu < MAX_CPUS && active[cpu]; }
bool vmx_available(void) { return active[0]; }

void vmx_report(unsigned online)
{
    if (!active[0]) {
        kprintf("hv: vmx: not available: %s; no guests, everything else runs\n", why_not[0]);
        return;
    }
    const struct vmx_features *f = &vmx_feat;
    kprintf("# vmx: revision %u, ept%s%s%s, vpid %s, unrestricted guest, preemption timer %s (tsc >> %u)\n",
            f->revision, f->ept_2m ? " 2M" : "", f->ept_1g ? " 1G" : "", f->ept_ad ? " A/D" : "",
            f->vpid ? "yes" : "no", f->preempt_timer ? "yes" : "no", f->preempt_shift);
    uint64_t end = rdtsc() + timer_tsc_hz();     /* APs get a second */
    for (unsigned i = 0; i < online; i++) {
        while (!__atomic_load_n(&done[i], __ATOMIC_ACQUIRE) && rdtsc() < end)
            cpu_relax();
        if (!done[i])
            why_not[i] = "it did not finish its VMX set-up";
        tap_result(active[i], "vmx: cpu %u in VMX root operation%s%s", i,
                   active[i] ? "" : ": ", active[i] ? "" : why_not[i]);
    }
}
