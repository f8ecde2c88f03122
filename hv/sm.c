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

void sm_unlink(struct sm *sm, struct ec *ec)
{
    for (struct ec **p = &sm->head, *prev = NULL; *p; prev = *p, p = &(*p)->wait_next)
        if (*p == ec) {
            *p = ec->wait_next;
            if (sm->tail == ec)
                sm->tail = prev;
            break;
        }
    ec->wait_next = NULL;
    ec->wait_sm = NULL;
}

/* Makes a blocked EC runnable again with status st on the SC it had. */
static void wake(struct ec *ec, enum bh_status st)
{
    sched_cancel_timeout(ec);
    ec->regs.rax = st;
    ec->state = EC_READY;
    ec->wait_sm = NULL;
    struct ksc *sc = ec->wait_sc;
    ec->wait_sc = NULL;
    if (sc) {
        sc->exec = ec;
        sched_ready(sc);
    }
}

enum bh_status sm_up(struct sm *sm)
{
    struct ec *w = sm->head;
    if (w) {
        sm->head = w->wait_next;
        if (!sm->head)
            sm->tail = NULL;
        w->wait_next = NULL;
        wake(w, BH_OK);
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
    ec->state = EC_WAIT_SM;
    ec->wait_sm = sm;
    ec->wait_next = NULL;
    ec->wait_sc = sched_current();
    if (sm->tail)
        sm->tail->wait_next = ec;
    else
        sm->head = ec;
    sm->tail = ec;
    if (deadline)
        sched_add_timeout(ec, deadline);
    if (ec->wait_sc)
        sched_block(ec->wait_sc);
    return BH_EBUSY;
}

void sm_destroy(struct sm *sm)
{
    while (sm->head) {
        struct ec *w = sm->head;
        sm->head = w->wait_next;
        w->wait_next = NULL;
        wake(w, BH_EABORT);
    }
    quota_free(sm->obj.quota, sm, 1);
}
