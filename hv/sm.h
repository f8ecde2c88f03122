/* Semaphore: a counter with a FIFO of waiting ECs; up() from any CPU
   wakes a waiter on its own CPU (IPI). Later also the target of IRQs. */
#ifndef HV_SM_H
#define HV_SM_H
#include "obj.h"
#include "ec.h"
struct ec;
struct pd;
struct sm {
    struct kobj obj;
    uint64_t count;
    struct ecq waiters;
};
enum bh_status sm_create(struct pd *pd, uint64_t count, struct sm **out);
/* Destroys sm (its last reference went). With ECs waiting it lives on,
   dead, until the abort steps have woken each with BH_EABORT (returns
   false; the dead queue's reference destroys it then). */
bool sm_destroy(struct sm *sm);
/* Increments or wakes the first waiter (which returns BH_OK).
   BH_EOVERFLOW if the counter would wrap. */
enum bh_status sm_up(struct sm *sm);
/* Takes a unit if there is one (BH_OK); otherwise blocks the current EC
   (returns BH_EBUSY to mean "blocked, schedule"), with an optional
   deadline in TSC ticks (the waiter then gets BH_ETIMEOUT). */
enum bh_status sm_down(struct sm *sm, struct ec *ec, uint64_t deadline);
#endif
