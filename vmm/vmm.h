/*
 * The per-guest VMM (vmm/README.md): private declarations shared by its
 * files. One VMM runs one guest with one vCPU. Its exit handler is a
 * local EC on the vCPU's CPU; every exit is a call to it, served on the
 * vCPU's lent SC, so all of struct vm is touched only by that handler
 * once the vCPU runs (main only waits for the VM to end).
 */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include "args.h"
#include "bus.h"
#include "lapic.h"
#include "pic.h"
#include "pit.h"
#include "rtc.h"
#include <bh/sys.h>
#include <stdbool.h>
#include <stdint.h>

/* Selectors in the VMM's own space. 16 and 17 are configured (boot/vms.dts). */
#define SEL_SELF 16u                  /* its own PD, CTRL */
#define SEL_UART 17u                  /* the UART server's portal, CALL */
#define SEL_VM 32u
#define SEL_VCPU 33u
#define SEL_VCPU_SC 34u
#define SEL_HANDLER 35u
#define SEL_VM_DEATH 36u
#define SEL_WAKE 37u
#define SEL_CALIB 38u
#define SEL_EXIT_BASE 128u            /* 128 exit portals: 128..255 */

#define GUEST_RAM_VA 0x0000000100000000ull   /* the VMM's view of guest RAM */
#define GUEST_LOAD 0x7c00ull          /* guests/README.md, load contract */
#define GUEST_CMDLINE 0x5000ull
#define VMINFO_MMIO 0xfeb00000ull     /* the VMM's information device */
#define UART_MMIO 0xfe000000ull       /* the memory-mapped 16550 (UART server unit 1) */
#define DEBUG_EXIT_PORT 0xf4u

/* Basic exit reasons (Intel SDM Vol. 3D, appendix C) the VMM handles. */
enum {
    EXIT_EXC_NMI = 0, EXIT_EXT_INT = 1, EXIT_TRIPLE = 2, EXIT_INIT = 3, EXIT_SIPI = 4,
    EXIT_INTR_WINDOW = 7, EXIT_NMI_WINDOW = 8, EXIT_TASK_SWITCH = 9, EXIT_CPUID = 10,
    EXIT_GETSEC = 11, EXIT_HLT = 12, EXIT_INVD = 13, EXIT_INVLPG = 14, EXIT_RDPMC = 15,
    EXIT_RDTSC = 16, EXIT_RSM = 17, EXIT_VMCALL = 18, EXIT_VMCLEAR = 19, EXIT_VMXON = 27,
    EXIT_CR = 28, EXIT_DR = 29, EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
    EXIT_BAD_GUEST = 33, EXIT_BAD_MSR_LOAD = 34, EXIT_MWAIT = 36, EXIT_MTF = 37,
    EXIT_MONITOR = 39, EXIT_PAUSE = 40, EXIT_BAD_MCE = 41, EXIT_TPR = 43,
    EXIT_GDTR_IDTR = 46, EXIT_LDTR_TR = 47, EXIT_EPT_VIOLATION = 48, EXIT_EPT_MISCONFIG = 49,
    EXIT_INVEPT = 50, EXIT_RDTSCP = 51, EXIT_PREEMPT = 52, EXIT_INVVPID = 53,
    EXIT_WBINVD = 54, EXIT_XSETBV = 55, EXIT_RDRAND = 57, EXIT_INVPCID = 58,
    EXIT_VMFUNC = 59, EXIT_RDSEED = 61, EXIT_XSAVES = 63, EXIT_XRSTORS = 64,
};

/* Event injection (SDM Vol. 3C, 24.8.3). */
#define INJ_VALID (1u << 31)
#define INJ_ERRCODE (1u << 11)
#define INJ_EXT_INT (0u << 8)
#define INJ_HW_EXC (3u << 8)
#define VEC_UD 6u
#define VEC_GP 13u

#define RFLAGS_IF (1ull << 9)
#define CR0_PE (1ull << 0)
#define CR0_TS (1ull << 3)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* Time the handler spends on one class of exits (TSC ticks; in Bochs,
   instructions), from the message's arrival to the reply. */

/* How the VM ended. */
enum vm_end { VM_RUNNING = 0, VM_EXITED, VM_STOPPED };

struct vm {
    char name[32];
    struct vmm_args args;
    unsigned cpu;
    uint64_t tsc_hz, tsc_khz;
    uint8_t *ram;
    uint64_t ram_size;
    unsigned ram_blocks;              /* 2 MiB of it mapped as one 2 MiB page each */
    struct bus pio, mmio;
    struct pic pic;
    struct pit pit;
    struct rtc rtc;
    struct lapic lapic;
    uint8_t port92;
    bool uart_ok;                     /* the UART server answered so far */
    bool irq_touched;                 /* this exit may have changed what the pump sees */
    /* MSRs without a home in the VMCS, kept for the guest to read back. */
    uint64_t misc_enable, star, lstar, cstar, sfmask, mtrr_def, debugctl, tsc_aux, bios_sign;
    /* The end, set by the handler (or a device it called) before it stops the VM. */
    volatile enum vm_end end;
    volatile uint64_t exit_status;
    char why[160];
    /* Counters for the report. */
    uint64_t exits, by_reason[BH_VM_EXITS], unknown_pio_rd, unknown_pio_wr, unknown_msr,
        unassigned_mmio, injected_irqs, injected_exc, halts, halt_waits, reset_requests,
        uart_calls;
};

extern struct vm vm;

/* The state of one exit and what the reply writes back. */
struct vexit {
    struct bh_vmstate *s;             /* the handler's UTCB: exit state in, reply out */
    uint64_t reason;
    uint64_t out;                     /* BH_MTD_* the reply writes */
    bool injecting;                   /* an exception goes in with this reply */
    bool stop;                        /* end the VM instead of resuming it */
};

/* exit.c */
/* Fills mtd[0..BH_VM_EXITS) with the guest state each exit portal
   carries; 0 for a reason the VMM has no handler (and so no portal) for. */
void exit_portals(uint64_t *mtd_of_reason);
typedef void (*exit_fn)(struct vexit *x);
/* The handler of each basic exit reason (NULL: none, and no portal). */
extern const exit_fn vmm_handlers[BH_VM_EXITS];
/* The crash-after hook: faults on purpose at exit vm.exits (reason basic). */
void __attribute__((noinline)) vmm_crash_now(uint64_t basic);
/* vmm_handle for every reason without a handler, and failed entries. */
void __attribute__((noinline)) vmm_handle_rare(struct vexit *x);
void irq_pump(struct vexit *x);
/* Handles one exit: dispatches by basic reason (a failed entry, an
   unknown reason and the crash-after hook included), then runs the
   interrupt pump unless the VM is to stop. Sets x->out or x->stop.
   Inline: it runs on every exit, in the handler's loop (main.c). */
static inline void vmm_handle(struct vexit *x)
{
    uint64_t r = x->reason;
    vm.exits++;
    if (r < BH_VM_EXITS && vmm_handlers[r]) {
        vm.by_reason[r]++;
        if (vm.exits - 1 >= vm.args.crash_after - 1)   /* crash_after 0: never */
            vmm_crash_now(r);
        vmm_handlers[r](x);
    } else {
        vmm_handle_rare(x);
    }
    if (!x->stop)
        irq_pump(x);
}
/* Records why the VM ends (vm.why) and marks the exit to stop it. */
void vm_stop(struct vexit *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Injects hardware exception vec with the reply (no error code in real
   mode); RIP stays on the faulting instruction. */
void inject_exc(struct vexit *x, unsigned vec, bool has_error, uint32_t error);
/* Moves RIP past the exiting instruction (the exit's insn_len). */
static inline void skip_insn(struct vexit *x)
{
    x->s->rip += x->s->insn_len;
    x->out |= BH_MTD_RIP_LEN;
}
/* General register i (0..15, rax..r15) in the exit state, and the MTD
   group the reply needs to write it back. */
uint64_t *gpr(struct bh_vmstate *s, unsigned i);
uint64_t gpr_mtd(unsigned i);

#include "cpuid.h"

/* msr.c: the RDMSR and WRMSR exits. */
void ex_rdmsr(struct vexit *x);
void ex_wrmsr(struct vexit *x);

/* irq.c */
/* After an exit: timers into the controllers, an interrupt injected (if
   the exit carried the state to decide; else an interrupt window asked
   for), the preemption timer armed. Skips all that while nothing can have
   changed since the last full pump (irq.c). Names BH_MTD_CTRL in the
   reply when the controls change or the preemption timer is armed; the
   controls carry BH_VMCTRL_HV_LEAF if the arguments ask for it
   (hv-leaf=1). */
void irq_pump(struct vexit *x);
/* Before the guest reads an interrupt controller or a timer: due timer
   events into the controllers. */
void irq_sync(void);
/* Before the guest (or the VMM for it) changes an interrupt controller,
   a timer or the priority: the same, and the next pump runs in full. */
void irq_touch(void);
/* The HLT exit: stops the VM if interrupts are off, else sleeps until an
   interrupt is due (see irq.c). */
void ex_hlt(struct vexit *x);
/* The host TSC. */
uint64_t now_tsc(void);

/* passthru.c: a PCI function passed through (passthrough=BB:DD.F). */
/* Extra quota the VM PD needs for the DMA mirror of ram_pages (0 without
   passthrough). */
uint64_t pt_vm_quota(uint64_t ram_pages);
/* After the RAM and the device buses: gets, assigns and presents the
   function; its MSI threads run at prio. BH_OK without passthrough. */
enum bh_status pt_init(unsigned prio);
/* Entries with a host message not yet taken (bit i: MSI-X entry i), set
   by the interrupt threads. While any is set the pump runs in full;
   pt_poll moves them into the local APIC. Inline: every exit looks. */
extern volatile uint32_t pt_fired;
static inline bool pt_pending(void) { return pt_fired != 0; }
void pt_poll(void);
/* Counters for the VM's end report. */
void pt_report(void);

/* devs.c */
/* Registers every device on the two buses; an overlap is refused and
   reported. Returns the first failure's status. */
enum bh_status devs_init(void);
/* The port I/O and EPT-violation (MMIO) exits. */
void ex_io(struct vexit *x);
void ex_ept(struct vexit *x);

#endif
