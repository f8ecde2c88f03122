/* IDT and trap dispatch. Gate format: Intel SDM Vol. 3A, 6.14.1. */
#include "trap.h"
#include "percpu.h"
#include "cpu.h"
#include "lapic.h"
#include "console.h"
#include "panic.h"
#include "ec.h"
#include "pd.h"
#include "root.h"
#include "sc.h"
#include "bkl.h"
#include "pic.h"
#include "tlb.h"
#include "ioapic.h"
#include "irq.h"
#include "ipc.h"
#include "paging.h"
#include "fpu.h"
#include "vcpu.h"

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

static struct idt_gate idt[256] __attribute__((aligned(16)));
static irq_handler handlers[256];
extern const uint64_t isr_table[256];

static const char *const exc_names[32] = {
    [0] = "#DE divide error", [1] = "#DB debug", [2] = "NMI",
    [3] = "#BP breakpoint", [4] = "#OF overflow", [5] = "#BR bound range",
    [6] = "#UD invalid opcode", [7] = "#NM device not available",
    [8] = "#DF double fault", [10] = "#TS invalid TSS",
    [11] = "#NP segment not present", [12] = "#SS stack fault",
    [13] = "#GP general protection", [14] = "#PF page fault",
    [16] = "#MF x87 error", [17] = "#AC alignment check",
    [18] = "#MC machine check", [19] = "#XM SIMD exception",
    [20] = "#VE virtualization exception", [21] = "#CP control protection",
};

const char *trap_name(uint64_t v)
{
    if (v < 32)
        return exc_names[v] ? exc_names[v] : "reserved exception";
    return v == VEC_SYSCALL ? "syscall" : "interrupt";
}

static void set_gate(unsigned v, uint64_t fn, unsigned ist, unsigned dpl)
{
    idt[v] = (struct idt_gate){
        .off_lo = (uint16_t)fn, .sel = GDT_KCODE, .ist = (uint8_t)ist,
        .type = (uint8_t)(0x8e | (dpl << 5)),       /* present, interrupt gate */
        .off_mid = (uint16_t)(fn >> 16), .off_hi = (uint32_t)(fn >> 32),
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++)
        set_gate(v, isr_table[v], 0, 0);
    set_gate(2, isr_table[2], 1, 0);    /* NMI on IST1 */
    set_gate(8, isr_table[8], 2, 0);    /* #DF on IST2 */
    set_gate(18, isr_table[18], 3, 0);  /* #MC on IST3 */
}

void idt_load(void)
{
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) p = {
        sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" ::"m"(p));
}

void irq_set_handler(unsigned vector, irq_handler h)
{
    if (vector >= 32 && vector < 256)
        handlers[vector] = h;
}

/* GS may be wrong after a fault in an entry path; don't trust it blindly. */
static unsigned safe_cpu_id(void)
{
    uint64_t gs = rdmsr(MSR_GS_BASE);
    if (gs < (uint64_t)cpus || gs >= (uint64_t)(cpus + MAX_CPUS))
        return 0xffffffffu;
    return (unsigned)((struct percpu *)gs)->id;
}

void trap_report(const struct trapframe *tf)
{
    unsigned cpu = safe_cpu_id();
    kprintf("trap: vector %lu (%s) error 0x%lx on cpu %d in %s mode\n",
            tf->vector, trap_name(tf->vector), tf->error, (int)cpu,
            (tf->cs & 3) ? "user" : "kernel");
    kprintf("  rip %016lx cs %04lx rflags %016lx rsp %016lx ss %04lx\n",
            tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
    kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    kprintf("  r13 %016lx r14 %016lx r15 %016lx\n", tf->r13, tf->r14, tf->r15);
    kprintf("  cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx\n",
            read_cr0(), read_cr2(), read_cr3(), read_cr4());
    if (tf->vector == 14)
        kprintf("  page fault at %016lx: %s, %s, %s%s\n", read_cr2(),
                (tf->error & 1) ? "protection violation" : "not present",
                (tf->error & 2) ? "write" : "read", (tf->error & 4) ? "user" : "supervisor",
                (tf->error & 16) ? ", instruction fetch" : "");
}

void trap_dispatch(struct trapframe *tf)
{
    if (tf->vector == 2) {               /* NMI: only used to stop CPUs */
        panic_stop_this_cpu();
    }
    if (tf->vector < 32) {
        static volatile int depth;
        if (__atomic_fetch_add(&depth, 1, __ATOMIC_SEQ_CST)) {
            /* a fault while reporting a fault: panic without the report */
            panic("nested kernel fault: vector %lu at rip %lx", tf->vector, tf->rip);
        }
        trap_report(tf);
        panic("unhandled %s in the kernel", trap_name(tf->vector));
    }
    if (tf->vector >= VEC_PIC_BASE && tf->vector < VEC_PIC_BASE + 16)
        return;                          /* masked 8259: spurious only */
    if (tf->vector == VEC_TLB) {
        tlb_ipi();
        lapic_eoi();
        return;
    }
    if (tf->vector >= VEC_IRQ_BASE && tf->vector < VEC_IRQ_BASE + IRQ_MAX_GSI) {
        irq_fire((unsigned)(tf->vector - VEC_IRQ_BASE));   /* masked, remembered */
        this_cpu()->resched = true;
        lapic_eoi();
        return;
    }
    irq_handler h = handlers[tf->vector];
    if (h)
        h(tf);
    if (tf->vector == VEC_TIMER || tf->vector == VEC_IPI_WAKE)
        this_cpu()->resched = true;
    if (tf->vector != VEC_SPURIOUS)
        lapic_eoi();
}

/* Entry from user mode (entry.asm), on this CPU's kernel stack; tf is the
   current EC's frame. An exception ends the EC (fault IPC to a handler
   portal comes with the next slice); an interrupt is handled and the
   scheduler decides who runs next. */
void trap_user(struct trapframe *tf)
{
    void ret_user(struct trapframe *f) __attribute__((noreturn));
    struct percpu *p = this_cpu();
    if (tf->vector == VEC_TLB) {       /* answered without the lock */
        if (p->current && p->current->state != EC_DEAD) {
            tlb_ipi();
            lapic_eoi();
            ret_user(tf);
        }
        /* Our EC was killed: leave its address space before answering,
           so its tables can be freed (pd.c), then reschedule. */
        paging_load_kernel();
        p->loaded_cr3 = 0;
        tlb_set_in_user(0);
        tlb_ipi();
        lapic_eoi();
        bkl_lock();
        schedule();
    }
    tlb_set_in_user(0);
    bkl_lock();
    if (tf->vector == 1)               /* first: whatever runs next, DR6 changed */
        vcpu_dr_user_db(p);
    struct ec *ec = p->current;
    if (ec->state == EC_DEAD) {
        if (tf->vector >= 32)
            trap_dispatch(tf);         /* EOI an interrupt if it was one */
        schedule();
    }
    if (tf->vector == VEC_NM && !p->fpu_live) {   /* lazy FPU switching (fpu.h) */
        fpu_claim(p, ec);
        ec_resume(ec);
    }
    if (tf->vector < 32) {
        uint64_t addr = tf->vector == 14 ? read_cr2() : 0;
        ipc_fault(ec, tf->vector, tf->error, addr);   /* returns if no handler */
        trap_report(tf);
        kprintf("# %s: EC killed: %s at rip %lx\n", ec->pd->name, trap_name(tf->vector), tf->rip);
        ec_kill(ec, 0x100 + tf->vector);
        root_check_end(ec);
        schedule();
    }
    trap_dispatch(tf);
    if (tf->vector == VEC_TIMER)
        sched_tick();
    schedule();
}
