/* The big kernel lock: one CPU in the kernel's object code at a time.
   Kernel paths are short and bounded, so this is the simplest correct SMP
   design (seL4 makes the same choice); the idle loop releases it. */
#ifndef HV_BKL_H
#define HV_BKL_H
#include "spinlock.h"
extern struct spinlock bkl;
static inline __attribute__((always_inline)) void bkl_lock(void) { spin_lock(&bkl); }
static inline __attribute__((always_inline)) void bkl_unlock(void) { spin_unlock(&bkl); }
#endif
