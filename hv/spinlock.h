/* Ticket spinlock. Holders must not sleep; IRQ state is the caller's job. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H
#include <stdint.h>

struct spinlock { volatile uint32_t next, owner; };
#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        __asm__ volatile("pause" ::: "memory");
}

static inline void spin_unlock(struct spinlock *l)
{
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}
#endif
