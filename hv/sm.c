/* Semaphores. */
#include "sm.h"
#include "ec.h"
#include "sc.h"

enum bh_status sm_create(struct pd *pd, uint64_t count, struct sm **out)
{
    struct sm *sm;
    enum bh_status s = kobj_new(pd, BH_OBJ_SM, (void **)&sm);
    if (s != BH_OK)
        return s;
    sm->count = count;
    *out = sm;
    return BH_OK;
}

enum bh_status sm_up(struct sm *sm)
{
    struct ec *w = ecq_pop(&sm->waiters);
    if (w) {
        ec_wake(w, BH_OK);
        return BH_OK;
    }
    if (sm->count == UINT64_MAX)
        return BH_EOVERFLOW;
    sm->count++;
    return BH_OK;
}

enum bh_status sm_down(struct sm *sm, struct ec *ec, uint64_t deadline)
{
    if (sm->count) {
        sm->count--;
        return BH_OK;
    }
    if (deadline && !sched_timeout_room(ec))
        return BH_ENOMEM;              /* too many timed waits on this CPU */
    ec->state = EC_WAIT_SM;
    ec->wait_sm = sm;
    ec->wait_sc = sched_current();
    ecq_push(&sm->waiters, ec);
    if (deadline)
        sched_add_timeout(ec, deadline);
    if (ec->wait_sc)
        sched_block(ec->wait_sc);
    return BH_EBUSY;
}

bool sm_destroy(struct sm *sm)
{
    if (ecq_abort(&sm->waiters, &sm->obj))
        return false;
    quota_free(sm->obj.quota, sm, 1);
    return true;
}
