/* Per-CPU data, reached through GS (gs:0 holds the self pointer). */
#ifndef HV_X86_PERCPU_H
#define HV_X86_PERCPU_H
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct ec;
struct cpu_sched;
struct vcpu;

#define MAX_CPUS 64
#define KSTACK_SIZE 16384u
#define IST_STACK_SIZE 4096u

/* Intel SDM Vol. 3A, 8.2.3: 64-bit TSS. */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x18 /* SYSRET loads SS from STAR[63:48] + 8 */
#define GDT_UCODE 0x20 /* and CS from STAR[63:48] + 16 */
#define GDT_TSS 0x28
#define GDT_ENTRIES 7

struct percpu {
    struct percpu *self;    /* gs:0 */
    struct ec *current;     /* gs:8: the EC this CPU runs; SYSCALL saves the
                               user state at the end of its register frame,
                               user interrupts at TSS.RSP0 (the same place) */
    uint64_t user_rsp;      /* gs:16, scratch for the SYSCALL entry */
    uint64_t id;            /* gs:24, logical CPU number */
    uint64_t kstack_top;    /* gs:32, this CPU's kernel stack */
    volatile uint64_t tlb_seen;   /* the TLB generation this CPU flushed for (tlb.h) */
    volatile int tlb_in_user;     /* in user mode or a guest (tlb.h) */
    uint32_t apic_id;
    volatile bool online;
    volatile bool timer_checked;  /* AP finished its timer check */
    uint64_t loaded_cr3;          /* a user PD's CR3 value (pd->cr3) loaded, 0 for the kernel's */
    struct cpu_sched *sched;      /* this CPU's run queue (sc.c) */
    uint64_t io_bitmap, io_bitmap1;   /* physical pages mapped as I/O bitmap */
    const void *io_pd;            /* the PD whose bitmap that is; NULL when
                                     any PD's bitmap pages came or went */
    struct tss *tss;              /* boot_tss, then the TSS in the I/O window */
    struct vcpu *vmcs;            /* the vCPU whose VMCS is current here */
    struct vcpu *sys_owner;       /* whose (NULL once it died) */
    bool dr_loaded;               /* DR0-DR3 are nonzero */
    struct vcpu *dr_owner;        /* whose (NULL once it died); without dr_guest:
                                     kept, equal to hv's (vcpu_dr.c) */
    bool tr_cut;                  /* a VM exit left TR's limit at 0x67 */
    /* Guest state a VM exit leaves loaded on this CPU until hv switches
       to a user EC, a pending schedule, a current EC that was killed,
       objects waiting to be freed, a current EC that owns the FPU
       registers: any of it set sends the assembler fast path
       (fastpath.asm) to the C paths, which restore hv's state, schedule,
       free or switch the FPU: one test. */
    union {
        uint64_t slow;
        struct {
            bool sys_guest;       /* a guest's SYSCALL MSRs are loaded, not hv's */
            bool dr_guest;        /* a guest's DR0-DR3/DR6 are loaded, not hv's */
            bool xcr0_narrow;     /* XCR0 is a guest's, narrower than fpu_xcr0 */
            volatile bool resched;    /* an IPI or timer asked for a schedule */
            bool current_dead;    /* current is dead (ec_kill); cleared when
                                     current changes (percpu_set_current) */
            bool reap;            /* reap_wait is not 0 (obj.h, reap_wait_sync) */
            bool fpu_live;        /* CR0.TS is clear: the current EC owns the
                                     FPU registers (fpu_owner; fpu.h) */
        };
    };
    /* What the first word of an EC's fast-path key (ec.h, ec_key) must
       be for the fast path on this CPU: a handler waiting for a call, a
       caller waiting for the reply to a call; and for ec_switch_exit
       (ctx.h), a user EC ready here (sched_init_cpu). */
    uint64_t key_wait_call, key_wait_reply, key_ready;
    struct ec *fpu_owner;         /* whose FPU state the registers hold (fpu.h) */
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss boot_tss __attribute__((aligned(16)));
};
/* The bytes of percpu.slow that say guest state is loaded. */
#define PERCPU_SLOW_GUEST 0xffffffull
_Static_assert(offsetof(struct percpu, sys_guest) == offsetof(struct percpu, slow) &&
                   offsetof(struct percpu, dr_guest) == offsetof(struct percpu, slow) + 1 &&
                   offsetof(struct percpu, xcr0_narrow) == offsetof(struct percpu, slow) + 2,
               "PERCPU_SLOW_GUEST covers the guest-state bytes");
_Static_assert(offsetof(struct percpu, current) == 8, "entry.asm uses gs:8");
_Static_assert(offsetof(struct percpu, kstack_top) == 32, "entry.asm uses gs:32");
_Static_assert(offsetof(struct percpu, user_rsp) == 16, "entry.asm uses gs:16");
_Static_assert(offsetof(struct percpu, id) == 24, "entry.asm uses gs:24");

extern struct percpu cpus[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

/* This CPU's number, one load (gs:24). Not volatile: it never changes
   under the code that reads it, so the compiler may reuse the value. */
static inline uint64_t this_cpu_id(void)
{
    uint64_t id;
    __asm__("mov %%gs:24, %0" : "=r"(id));
    return id;
}

/* Loads this CPU's GDT, TSS and GS base; stacks come from the caller. */
void percpu_init(struct percpu *c, unsigned id, uint64_t kstack_top, uint64_t ist_base);
/* Moves this CPU's TSS into its I/O window so that the two pages after it
   (the I/O permission bitmap) can be remapped per PD (gdt.c). Needs the
   page allocator. Returns BH_ENOMEM if it is out of pages. */
int percpu_io_init(struct percpu *c);
/* Maps the I/O bitmap pages (pa0, pa1) after this CPU's TSS. */
void percpu_io_switch(struct percpu *c, uint64_t pa0, uint64_t pa1);
/* An I/O map base beyond the TSS limit: every port faults (SDM Vol. 1,
   19.5.2), with no bitmap pages mapped; for PDs that hold no port. */
#define TSS_IOMAP_NONE 0xffffu

/* The shared all-ones ("no port") bitmap pages. */
extern uint64_t percpu_deny_pa[2];
static inline uint64_t percpu_io_deny(unsigned half) { return percpu_deny_pa[half & 1]; }

/* Reloads TR from the GDT: a VM exit cuts its limit to 0x67 (Intel SDM
   Vol. 3C, 28.5.2), which would hide the I/O bitmap after the TSS. */
void percpu_reload_tr(struct percpu *c);

/* Makes ec (NULL: none, idle) the current EC of CPU c. */
static inline void percpu_set_current(struct percpu *c, struct ec *ec)
{
    c->current = ec;
    c->current_dead = false;
}

/* Points user-mode interrupt entry at frame_end (TSS.RSP0), the end of
   the current EC's frame (where SYSCALL saves too: entry.asm). */
static inline void percpu_set_frame(struct percpu *c, uint64_t frame_end)
{
    c->tss->rsp[0] = frame_end;
}
#endif
