/* Ticket spinlock: the contended case (spinlock.h). */
#include "spinlock.h"

void spin_wait(struct spinlock *l, uint32_t me)
{
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        __asm__ volatile("pause" ::: "memory");
}
