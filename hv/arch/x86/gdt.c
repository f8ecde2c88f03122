/* GDT, TSS and GS setup for one CPU. Descriptor formats: Intel SDM
   Vol. 3A, 3.4.5 (segment descriptors) and 8.2.3 (64-bit TSS descriptor). */
#include "percpu.h"
#include "cpu.h"
#include <string.h>

struct percpu cpus[MAX_CPUS];

struct gdt_ptr { uint16_t limit; uint64_t base; } __attribute__((packed));
_Static_assert(sizeof(struct gdt_ptr) == 10, "GDTR image is 10 bytes");

static void load_segments(struct percpu *c)
{
    struct gdt_ptr p = { sizeof c->gdt - 1, (uint64_t)c->gdt };
    __asm__ volatile("lgdt %0" ::"m"(p));
    __asm__ volatile(
        "pushq %0\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %1, %%ds\n\t"
        "mov %1, %%es\n\t"
        "mov %1, %%ss\n\t"
        "xor %%eax, %%eax\n\t"
        "mov %%ax, %%fs\n\t"
        "mov %%ax, %%gs\n\t"
        :
        : "i"((uint64_t)GDT_KCODE), "r"((uint16_t)GDT_KDATA)
        : "rax", "memory");
    __asm__ volatile("ltr %0" ::"r"((uint16_t)GDT_TSS));
}

void percpu_init(struct percpu *c, unsigned id, uint64_t kstack_top, uint64_t ist_base)
{
    c->self = c;
    c->id = id;
    c->kstack_top = kstack_top;
    c->frame_top = kstack_top;
    c->gdt[0] = 0;
    c->gdt[1] = 0x00af9b000000ffffull; /* kernel code, 64-bit, DPL 0 */
    c->gdt[2] = 0x00cf93000000ffffull; /* kernel data */
    c->gdt[3] = 0x00cff3000000ffffull; /* user data, DPL 3 */
    c->gdt[4] = 0x00affb000000ffffull; /* user code, 64-bit, DPL 3 */
    uint64_t base = (uint64_t)&c->tss, limit = sizeof c->tss - 1;
    c->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    c->gdt[6] = base >> 32;
    memset(&c->tss, 0, sizeof c->tss);
    c->tss.rsp[0] = kstack_top;
    for (unsigned i = 0; i < 3; i++)       /* IST1 NMI, IST2 #DF, IST3 #MC */
        c->tss.ist[i] = ist_base + (i + 1) * IST_STACK_SIZE;
    c->tss.iomap_base = sizeof c->tss;     /* no I/O bitmap: all ports fault */
    load_segments(c);
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}
