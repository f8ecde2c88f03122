/* XSAVE set-up (see fpu.h): which state components hv switches per EC. */
#include "fpu.h"
#include "cpu.h"
#include "percpu.h"
#include "console.h"
#include "panic.h"
#include "ec.h"

#define CPUID1_XSAVE (1u << 26)

uint64_t fpu_xcr0;

_Static_assert(FPU_AREA % 64 == 0 && FPU_AREA >= 512 + 64, "an XSAVE area: legacy part and header");
_Static_assert(FPU_XCR0_OFF >= 464 && FPU_XCR0_OFF + 8 <= 512, "bytes 464-511 are software's");

/* The components of want whose standard-format place (CPUID leaf 0xD,
   sub-leaf i: eax size, ebx offset) ends inside FPU_AREA; AVX-512's three
   go together. */
static uint64_t fitting(uint64_t want)
{
    for (unsigned i = 2; i < 8; i++) {
        if (!(want & (1ull << i)))
            continue;
        struct cpuid_regs r = cpuid(0xd, i);
        if ((uint64_t)r.b + r.a > FPU_AREA)
            want &= ~((1ull << i) | (i >= 5 ? XCR0_AVX512 : 0));
    }
    return want;
}

void fpu_init_cpu(void)
{
    if (!(cpuid(1, 0).c & CPUID1_XSAVE) || cpuid(0, 0).a < 0xd) {
        if (fpu_xcr0)
            panic("fpu: CPU %lu has no XSAVE but the boot CPU has", this_cpu()->id);
        return;
    }
    write_cr4(read_cr4() | CR4_OSXSAVE);
    struct cpuid_regs r = cpuid(0xd, 0);
    uint64_t want = ((uint64_t)r.d << 32 | r.a) & (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
    if ((want & XCR0_AVX512) != XCR0_AVX512)
        want &= ~XCR0_AVX512;
    want = fitting(want);
    if (!xcr0_valid(want, want) || !(want & XCR0_SSE))
        want = XCR0_X87 | XCR0_SSE;
    xsetbv0(want);
    if (cpuid(0xd, 0).b > FPU_AREA)
        panic("fpu: XSAVE needs %u bytes for XCR0 %lx", cpuid(0xd, 0).b, want);
    if (this_cpu()->id == 0)
        kprintf("# fpu: XSAVE, XCR0 %lx (%u of %u bytes per EC)\n", want, cpuid(0xd, 0).b,
                FPU_AREA);
    else if (want != fpu_xcr0)
        panic("fpu: CPU %lu would switch XCR0 %lx, the boot CPU %lx", this_cpu()->id, want, fpu_xcr0);
    fpu_xcr0 = want;
}

/* Saves this CPU's state into area, or loads area's, under every
   component hv switches (XCR0 = fpu_xcr0 by then): nothing an EC holds
   is left behind, and what an area never held comes up in its initial
   state (Intel SDM Vol. 1, 13.8). Without XSAVE, FXSAVE/FXRSTOR. */
static void save(void *area)
{
    if (!fpu_xcr0)
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
    else
        __asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)fpu_xcr0),
                         "d"((uint32_t)(fpu_xcr0 >> 32)) : "memory");
}
static void restore(const void *area)
{
    if (!fpu_xcr0)
        __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
    else
        __asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)fpu_xcr0),
                         "d"((uint32_t)(fpu_xcr0 >> 32)) : "memory");
}

void fpu_claim(struct percpu *p, struct ec *ec)
{
    if (!p->fpu_live) {
        __asm__ volatile("clts" ::: "memory");
        p->fpu_live = true;
    }
    if (p->fpu_owner == ec)
        return;                        /* a user EC's: XCR0 is fpu_xcr0 (ec_to_user) */
    if (fpu_xcr0 && xgetbv0() != fpu_xcr0)
        xsetbv0(fpu_xcr0);             /* a guest's was loaded */
    if (p->fpu_owner)
        save(p->fpu_owner->fpu);
    restore(ec->fpu);
    p->fpu_owner = ec;
    uint64_t own = fpu_xcr0 ? fpu_get_xcr0(ec->fpu) : 0;
    if (own != fpu_xcr0)
        xsetbv0(own);                  /* a guest's own */
    p->xcr0_narrow = own != fpu_xcr0;
}

void fpu_forget(struct ec *ec)
{
    struct percpu *q = &cpus[ec->cpu];
    if (q->fpu_owner == ec)
        q->fpu_owner = NULL;           /* its registers are overwritten by the next claim */
}
