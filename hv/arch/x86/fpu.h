/* FPU, x87, SSE and AVX state per EC. hv itself never uses these
   registers (-mgeneral-regs-only). Switching is lazy: the registers keep
   the state of one EC per CPU, its owner (percpu fpu_owner), until
   another EC touches them. Switching to any other user EC sets CR0.TS;
   that EC's first FPU, SSE or AVX instruction raises #NM, and only then
   does hv save the owner's state and load the EC's (fpu_claim). A vCPU
   claims the registers at each VM entry unless they are its already
   (vcpu_enter; a guest runs on its own CR0, so it never meets hv's TS
   and VMX needs no #NM exits).
   Where the CPU has XSAVE, hv enables CR4.OSXSAVE and
   switches every component in fpu_xcr0 (x87, SSE, AVX and AVX-512 where
   present and the area holds them: fpu.c) with XSAVE/XRSTOR in the
   standard format (Intel SDM Vol. 1, 13.4), XCR0 included; elsewhere
   FXSAVE/FXRSTOR (Vol. 1, 10.5). Each EC's XCR0 (a guest's own, set by
   its VMM's XSETBV reply; fpu_xcr0 for user ECs) lives in bytes 464-471
   of its area, which the processor never writes (Vol. 1, 10.5.1). XCR0
   is the guest's only while it runs: user ECs always run with
   fpu_xcr0 (percpu xcr0_narrow says when it must be widened back). A
   guest's registers for components its XCR0 leaves out hold only its own
   area's contents or the initial state, never another EC's. */
#ifndef HV_X86_FPU_H
#define HV_X86_FPU_H
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#define FPU_AREA 2816            /* per EC, in its page: x87 to AVX-512 fit */
#define FPU_XCR0_OFF 464         /* the EC's XCR0, in the software bytes */
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_AVX512 (7ull << 5)  /* opmask, ZMM_Hi256, Hi16_ZMM */

/* XCR0 for user ECs: every component hv switches; 0 without XSAVE (fpu.c). */
extern uint64_t fpu_xcr0;

/* Whether XSETBV may load v into XCR0 when hv allows the components in
   allowed: x87 always on, AVX only with SSE, the AVX-512 components all
   or none and only with AVX (Intel SDM Vol. 1, 13.3). */
static inline bool xcr0_valid(uint64_t v, uint64_t allowed)
{
    if ((v & ~allowed) || !(v & XCR0_X87))
        return false;
    if ((v & XCR0_AVX) && !(v & XCR0_SSE))
        return false;
    if ((v & XCR0_AVX512) && ((v & XCR0_AVX512) != XCR0_AVX512 || !(v & XCR0_AVX)))
        return false;
    return true;
}

static inline uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}
static inline void xsetbv0(uint64_t v)
{
    __asm__ volatile("xsetbv" ::"a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(0) : "memory");
}

/* __builtin_memcpy: one move even under -fno-builtin (it runs on every
   EC switch). */
static inline uint64_t fpu_get_xcr0(const void *area)
{
    uint64_t v;
    __builtin_memcpy(&v, (const uint8_t *)area + FPU_XCR0_OFF, 8);
    return v;
}
static inline void fpu_set_xcr0(void *area, uint64_t v)
{
    __builtin_memcpy((uint8_t *)area + FPU_XCR0_OFF, &v, 8);
}

/* The state after FNINIT with all SSE exceptions masked; XCR0 hv's full
   set (a vCPU's is set to the reset value 1 by vcpu_create). */
static inline void fpu_init_area(void *area)
{
    uint8_t *a = area;
    memset(a, 0, FPU_AREA);
    a[0] = 0x7f, a[1] = 0x03;                      /* FCW 0x037f */
    a[24] = 0x80, a[25] = 0x1f;                    /* MXCSR 0x1f80 */
    fpu_set_xcr0(a, fpu_xcr0);
}
struct percpu;
struct ec;
/* Clears CR0.TS and makes ec the owner of this CPU's (p) FPU registers,
   saving the previous owner's state into its area and loading ec's, its
   XCR0 last. From #NM of a user EC and, when another EC owns them, at a
   vCPU's entry (vcpu.c keeps an owner's XCR0 itself). */
void fpu_claim(struct percpu *p, struct ec *ec);
/* An EC that goes away: no CPU may save into its area any more. */
void fpu_forget(struct ec *ec);

/* Enables XSAVE on this CPU where present and sets fpu_xcr0 (from
   percpu_init, on every CPU; they must agree). */
void fpu_init_cpu(void);
#endif
