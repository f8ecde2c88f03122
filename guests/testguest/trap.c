/* IDT, TSS and the C side of interrupt entry (isr.asm). An exception
 * that nobody expected ends the run with a "not ok" result naming the
 * vector, error code and RIP, and exit status STATUS_EXCEPTION. */
#include "console.h"
#include "layout.h"
#include "tap.h"
#include "trap.h"
#include "x86.h"

#define GATE_INTR64     0x8eu           /* present, DPL 0, 64-bit interrupt gate */
#define TSS_AVAIL64     0x89u           /* present, 64-bit available TSS */
#define IST_CRITICAL    1u
#define VEC_NMI         2u
#define VEC_BP          3u
#define VEC_OF          4u
#define VEC_DF          8u
#define VEC_PF          14u
#define VEC_MC          18u

struct idt_gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "SDM vol. 3A figure 6-8");

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "SDM vol. 3A figure 8-11");

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* isr.asm */
extern const uint64_t isr_table[256];
extern char catch_landing[];
extern struct {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, armed;
} catch_ctx;
/* head.asm: the GDT, whose entry at SEL_TSS (16 bytes) we fill in. */
extern uint64_t gdt[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t critical_stack[8192] __attribute__((aligned(16)));
static irq_handler *handlers[256];
static struct caught last_caught;
static uint64_t caught_total, stray_total, nmi_total;
static bool nmi_tolerated;
static int reporting;

static const char *const names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
    "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
    "#VE", "#CP", "#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC",
    "#SX", "#31",
};

const char *trap_name(uint64_t vector)
{
    return vector < 32 ? names[vector] : "int";
}

static void set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
    struct idt_gate *g = &idt[vector];

    g->off_lo = (uint16_t)handler;
    g->sel = SEL_CODE64;
    g->ist = ist;
    g->type = GATE_INTR64;
    g->off_mid = (uint16_t)(handler >> 16);
    g->off_hi = (uint32_t)(handler >> 32);
    g->zero = 0;
}

/* The 16-byte TSS descriptor (SDM vol. 3A figure 8-4) at SEL_TSS. */
static void load_tss(void)
{
    uint64_t base = (uintptr_t)&tss;
    uint64_t limit = sizeof(tss) - 1;

    tss.ist[IST_CRITICAL - 1] = (uintptr_t)(critical_stack + sizeof(critical_stack));
    tss.iomap_base = sizeof(tss);               /* no I/O bitmap */
    gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                       ((uint64_t)TSS_AVAIL64 << 40) | (((limit >> 16) & 0xf) << 48) |
                       (((base >> 24) & 0xff) << 56);
    gdt[SEL_TSS / 8 + 1] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS) : "memory");
}

void trap_init(void)
{
    struct desc_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };

    load_tss();
    for (unsigned v = 0; v < 256; v++) {
        bool critical = v == VEC_DF || v == VEC_MC || v == VEC_NMI;
        set_gate(v, isr_table[v], critical ? IST_CRITICAL : 0);
    }
    __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void trap_set_handler(uint8_t vector, irq_handler *handler)
{
    handlers[vector] = handler;
}

uint64_t trap_stray_count(void)
{
    return stray_total;
}

void trap_tolerate_nmi(bool on)
{
    nmi_tolerated = on;
}

uint64_t trap_nmi_count(void)
{
    return nmi_total;
}

void catch_result(struct caught *seen)
{
    *seen = last_caught;
}

uint64_t catch_total(void)
{
    return caught_total;
}

/* Ends the run: one "not ok" line with everything known about F, the
 * registers as comments, the plan, and STATUS_EXCEPTION. A fault while
 * reporting goes straight to the exit port. */
static __attribute__((noreturn)) void unexpected(struct trap_frame *f)
{
    if (reporting++)
        guest_exit(STATUS_EXCEPTION);
    if (f->vector == VEC_PF)
        tap(false, "unexpected exception #PF (vector 14, error 0x%lx) at rip 0x%lx, cr2 0x%lx",
            f->error, f->rip, read_cr2());
    else
        tap(false, "unexpected exception %s (vector %lu, error 0x%lx) at rip 0x%lx",
            trap_name(f->vector), f->vector, f->error, f->rip);
    con_printf("# cs 0x%lx rflags 0x%lx rsp 0x%lx ss 0x%lx\n", f->cs, f->rflags, f->rsp, f->ss);
    con_printf("# rax 0x%lx rbx 0x%lx rcx 0x%lx rdx 0x%lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    con_printf("# rsi 0x%lx rdi 0x%lx rbp 0x%lx r8 0x%lx\n", f->rsi, f->rdi, f->rbp, f->r8);
    tap_abort(STATUS_EXCEPTION);
}

/* An exception inside catch_run(): record it, then either let a trap
 * continue or make the IRETQ return 1 from catch_run (isr.asm). */
static void caught(struct trap_frame *f)
{
    last_caught.vector = f->vector;
    last_caught.error = f->error;
    last_caught.rip = f->rip;
    last_caught.cr2 = f->vector == VEC_PF ? read_cr2() : 0;
    caught_total++;
    if (f->vector == VEC_BP || f->vector == VEC_OF)
        return;
    f->rbx = catch_ctx.rbx;
    f->rbp = catch_ctx.rbp;
    f->r12 = catch_ctx.r12;
    f->r13 = catch_ctx.r13;
    f->r14 = catch_ctx.r14;
    f->r15 = catch_ctx.r15;
    f->rsp = catch_ctx.rsp;
    f->rip = (uintptr_t)catch_landing;
    catch_ctx.armed = 0;
}

/* Called by isr_common for every vector. */
void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
    uint64_t v = f->vector;

    if (v == VEC_NMI && nmi_tolerated) {
        nmi_total++;
        return;
    }
    if (v < 32) {
        if (catch_ctx.armed && v != VEC_NMI && v != VEC_DF && v != VEC_MC)
            caught(f);
        else
            unexpected(f);
        return;
    }
    if (handlers[v])
        handlers[v](f);
    else
        stray_total++;
}
