/* Virtual CPUs: an EC whose "user mode" is a guest (VMX non-root). Its
   exits become calls to the VMM's exit portals (ipc.c), carrying the
   guest state the portal's MTD names. */
#ifndef HV_X86_VCPU_H
#define HV_X86_VCPU_H
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>
#include "percpu.h"

struct ec;
struct pd;
struct percpu;

struct vcpu {
    uint64_t vmcs_pa;
    struct pd *vmm;            /* holds the exit portals (a reference) */
    uint64_t exit_base;
    struct bh_vmstate st;      /* last exit's state / the VMM's write-back */
    uint64_t dirty;            /* BH_MTD_* of st to write before the next entry */
    uint32_t proc, proc2, pin, exit;   /* current controls */
    uint16_t vpid;
    bool launched;
    bool hv_leaf;              /* answer BH_CPUID_HV_LEAF in the kernel */
    union {                    /* any set: the entry's rare steps (vcpu.c), one test */
        uint32_t rare;
        struct {
            bool orphaned;     /* its VMM went away during an exit */
            bool unready;      /* its VMCS is not set up yet */
            bool recall;       /* BH_VCPU_RECALL: exit before running the guest */
            bool msrbm_new;    /* msrbm must go into the VMCS at the next entry */
        };
    };
    uint8_t *msrbm;            /* own MSR bitmap (charged to the VM), or NULL: shared */
    uint64_t io_gen;           /* mem_io_gen when the I/O bitmap fields were set */
    uint64_t host_cr3;         /* what VMCS_HOST_CR3 holds */
    bool sys_pass;             /* the VMM let STAR/LSTAR/CSTAR/FMASK pass through */
    uint64_t sys[4];           /* the guest's values of those, while not loaded */
    uint64_t dr[4], dr6;       /* the guest's DR0-DR3, DR6, while not loaded (vcpu_dr.c) */
    uint8_t *fpu;              /* its EC's FPU area (with the XCR0 it runs on) */
    uint64_t xcr0;             /* the guest's XCR0 (vcpu_xcr0.c) */
    bool osxsave;              /* the guest's CR4.OSXSAVE (hv owns the bit) */
    struct vcpu *zombie_next;  /* waiting for VMCLEAR on its CPU */
    uint32_t cpu;
};

/* Creates a vCPU EC in VM PD vm (charged to it) on cpu; its exits go to
   portals exit_base + reason in vmm's space. */
enum bh_status vcpu_create(struct pd *vm, struct pd *vmm, uint32_t cpu, uint64_t exit_base,
                           struct ec **out);
/* Enters (or first sets up) the guest of ec; from ec_resume, lock held. */
void __attribute__((noreturn)) vcpu_enter(struct ec *ec);
/* The exit message for handler h from vCPU caller c (begin() in ipc.c). */
void vcpu_message(struct ec *h, struct ec *c);
/* The VMM's reply from h to vCPU c: what to write back (the usual reply's
   RIP straight into the VMCS when it is current on this CPU). */
void vcpu_reply(struct ec *c, struct ec *h);
/* The exit call was aborted (the VMM died): stop at the next entry. */
void vcpu_orphan(struct ec *c);
/* Releases ec's vCPU (from ec_free): its VMCS is cleared on its own CPU. */
void vcpu_free(struct ec *ec);
/* Before a non-vCPU EC runs: hv's own SYSCALL MSRs back (a guest's are
   saved to its vCPU). */
void vcpu_host_sysmsrs(struct percpu *p);
/* vcpu_dr.c: the guest's debug registers. Reset values into v. */
void vcpu_dr_init(struct vcpu *v);
/* Before v's guest runs on this CPU: its DR0-DR3 and DR6 loaded (inline:
   nothing to load when they are loaded or kept since its last exit). */
void vcpu_dr_load(struct percpu *p, struct vcpu *v);
static inline void vcpu_dr_enter(struct percpu *p, struct vcpu *v)
{
    if (p->dr_owner == v)
        p->dr_guest = true;
    else
        vcpu_dr_load(p, v);
}
/* Before a user EC runs: a guest's DR6 saved to its vCPU, hv's values back
   (values equal to hv's stay loaded, kept for that vCPU's next entry). */
void vcpu_host_debug(struct percpu *p);
#define DR6_CLEAN 0xffff0ff0ull        /* DR6's reset value: no debug event */
/* vcpu_host_debug for p->dr_guest set, its common case inline (each exit
   to a VMM meets it): DR6 still clean and DR0-DR3 zero, hv's values, so
   they stay loaded, kept for the owner. */
static inline __attribute__((always_inline)) void vcpu_leave_debug(struct percpu *p)
{
    uint64_t d6;
    __asm__ volatile("mov %%db6, %0" : "=r"(d6));
    if (__builtin_expect(d6 != DR6_CLEAN || p->dr_loaded, 0)) {
        vcpu_host_debug(p);
        return;
    }
    if (p->dr_owner)
        p->dr_owner->dr6 = d6;
    p->dr_guest = false;
}
/* A user EC's #DB (with the lock held): DR6 now holds its bits, so a
   vCPU's kept values are gone. */
void vcpu_dr_user_db(struct percpu *p);
/* BH_MTD_DR's DR0-DR3 and DR6 of v into s (on v's CPU, after an exit). */
void vcpu_dr_snapshot(struct vcpu *v, struct bh_vmstate *s);
/* A reply's DR0-DR3 and DR6 (DR6 sanitized) for v's next entry. */
void vcpu_dr_write(struct vcpu *v, const struct bh_vmstate *s);
/* v dies: no CPU saves into it any more. */
void vcpu_dr_forget(struct vcpu *v);
/* BH_MTD_XCR0: the guest's XCR0 and what hv allows, into s. */
void vcpu_xcr0_snapshot(struct vcpu *v, struct bh_vmstate *s);
/* A reply's XCR0 (v current on this CPU, before the entry): loaded if
   XSETBV would take it and hv switches its components; otherwise the
   guest gets #GP(0), as XSETBV would have given, and keeps its XCR0. */
void vcpu_xcr0_write(struct vcpu *v, uint64_t xcr0);
/* The XCR0 v's guest runs on, into its FPU area: its own while its
   CR4.OSXSAVE is set, else hv's (then no XSETBV at entry or exit). */
void vcpu_xcr0_update(struct vcpu *v);
/* This CPU goes idle: its current VMCS is cleared, so that a vCPU that
   dies meanwhile can be freed from any CPU. */
void vcpu_cpu_idle(void);
/* Clears and frees the VMCSs of dead vCPUs of this CPU (from ec_reap,
   when reap_wait.vcpu says some CPU has any). */
void vcpu_reap(void);
/* BH_SYS_VCPU_CTRL on vCPU ec, after the capability check. */
enum bh_status vcpu_ctrl(struct ec *ec, uint64_t op, uint64_t msr, uint64_t flags);
/* vmstate.c: segment and control-register writes (with the fixed bits)
   and the write-back of a reply, on the vCPU's CPU with its VMCS current. */
void vmstate_seg_write(unsigned i, const struct bh_vmseg *s);
void vmstate_cr0(uint64_t v);
/* The CR0 bits hv owns (the VMX fixed bits but PE and PG: unrestricted guest). */
uint64_t vmstate_cr0_mask(void);
void vmstate_cr4(struct vcpu *vc, uint64_t v);
/* The CR4 bits hv owns: the VMX fixed bits, and OSXSAVE where hv uses
   XSAVE (a guest's XCR0 matters only while that bit is set). */
uint64_t vmstate_cr4_mask(void);
void vmstate_write_back(struct vcpu *v);
/* Records the guest state an exit through a portal with MTD mtd
   carries (VMCS current on this CPU; from ipc_vmexit). */
void vcpu_snapshot(struct ec *c, uint64_t mtd);
/* The same, straight into s (a handler's UTCB on the exit fast path). */
void vcpu_snapshot_into(struct ec *c, uint64_t mtd, struct bh_vmstate *s);
#endif
