/* Ticket spinlock. Holders must not sleep; IRQ state is the caller's job. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H
#include <stdint.h>
#include <stdbool.h>

struct spinlock { volatile uint32_t next, owner; };
#define SPINLOCK_INIT { 0, 0 }

/* Waits until ticket me is served (spinlock.c: out of line, as the lock
   is free mostly). */
void spin_wait(struct spinlock *l, uint32_t me);

/* Inline (always): the kernel lock is taken and released on every entry. */
static inline __attribute__((always_inline)) void spin_lock(struct spinlock *l)
{
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    bool busy;                         /* owner != me, compared in memory (x86 loads acquire) */
    __asm__ volatile("cmpl %[me], %[own]" : "=@ccne"(busy) : [own] "m"(l->owner), [me] "r"(me)
                     : "memory");
    if (__builtin_expect(busy, 0))
        spin_wait(l, me);
}

/* Only the holder writes owner, so one ADD suffices; on x86 a store
   already has release order (the clobber keeps the compiler's). */
static inline __attribute__((always_inline)) void spin_unlock(struct spinlock *l)
{
    __asm__ volatile("addl $1, %0" : "+m"(l->owner) :: "memory", "cc");
}
#endif
