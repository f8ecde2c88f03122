/* FPU, x87 and SSE state per EC (FXSAVE format, Intel SDM Vol. 1, 10.5).
   hv itself never uses these registers (-mgeneral-regs-only), so the
   state is switched only when the CPU switches ECs. */
#ifndef HV_X86_FPU_H
#define HV_X86_FPU_H
#include <stdint.h>
#include <string.h>

#define FPU_AREA 512

static inline void fpu_save(void *area)
{
    __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}
static inline void fpu_restore(const void *area)
{
    __asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}
/* The state after FNINIT with all SSE exceptions masked. */
static inline void fpu_init_area(void *area)
{
    uint8_t *a = area;
    memset(a, 0, FPU_AREA);
    a[0] = 0x7f, a[1] = 0x03;                      /* FCW 0x037f */
    a[24] = 0x80, a[25] = 0x1f;                    /* MXCSR 0x1f80 */
}
#endif
