/* The test guest's tests, one function per selectable name (main.c runs
 * them in this order). Each prints its TAP results. */
#ifndef TESTGUEST_TESTS_H
#define TESTGUEST_TESTS_H

#include "cmdline.h"

void t_modes(void);                             /* t_cpu.c */
void t_cpuid(const struct guest_opts *o);
void t_msr(void);
void t_pio(void);                               /* t_io.c */
void t_mmio(const struct guest_opts *o);
void t_exc(void);                               /* t_exc.c */
void t_hlt(void);                               /* t_hlt.c */
void t_hostile(const struct guest_opts *o);     /* t_hostile.c */
void t_bench(const struct guest_opts *o);       /* t_bench.c */
void t_passthrough(void);                       /* t_pt.c */
__attribute__((noreturn)) void t_triple(void);  /* t_exc.c */

/* pic.c: the legacy 8259 pair, remapped to vectors 0x20-0x2f. */
#define PIC_VECTOR_BASE 0x20u
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);

#endif
