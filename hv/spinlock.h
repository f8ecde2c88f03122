/* Ticket spinlock. Holders must not sleep; IRQ state is the caller's job. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H
#include <stdint.h>

struct spinlock { volatile uint32_t next, owner; };
#define SPINLOCK_INIT { 0, 0 }

/* Inline (always): the kernel lock is taken and released on every entry. */
static inline __attribute__((always_inline)) void spin_lock(struct spinlock *l)
{
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        __asm__ volatile("pause" ::: "memory");
}

/* Only the holder writes owner, so one ADD suffices; on x86 a store
   already has release order (the clobber keeps the compiler's). */
static inline __attribute__((always_inline)) void spin_unlock(struct spinlock *l)
{
    __asm__ volatile("addl $1, %0" : "+m"(l->owner) :: "memory", "cc");
}
#endif
