/* Kernel-object memory, quotas and reference counts. */
#include "obj.h"
#include "pd.h"
#include "ec.h"
#include "sc.h"
#include "pt.h"
#include "sm.h"
#include "irq.h"
#include "dev.h"
#include "kmem.h"
#include "paging.h"
#include "spinlock.h"
#include <string.h>

struct spinlock bkl = SPINLOCK_INIT;
union reap_wait reap_wait;

void reap_wait_sync(void)
{
    bool any = reap_wait.any != 0;
    for (unsigned i = 0; i < MAX_CPUS; i++)   /* those not online yet too */
        cpus[i].reap = any;
}

uint64_t quota_left(const struct pd *pd)
{
    return pd ? pd->quota - pd->used : kmem_free_count();
}

enum bh_status quota_alloc(struct pd *pd, uint32_t n, void **out)
{
    uint64_t pa;
    if (pd && pd->quota - pd->used < n)
        return BH_ENOMEM;
    if (kmem_alloc_pages(n, &pa) != BH_OK)
        return BH_ENOMEM;
    if (pd)
        pd->used += n;
    *out = phys_to_virt(pa);
    memset(*out, 0, n * PAGE_SIZE);
    return BH_OK;
}

void quota_free(struct pd *pd, void *va, uint32_t n)
{
    kmem_free_pages(virt_to_phys(va), n);
    if (pd)
        pd->used -= n;
}

enum bh_status kobj_new(struct pd *pd, uint8_t type, void **out)
{
    struct kobj *o;
    enum bh_status s = quota_alloc(pd, 1, (void **)&o);
    if (s != BH_OK)
        return s;
    o->refs = 1;
    o->type = type;
    o->quota = pd;
    o->pages = 1;
    if (pd)
        pd->charged++;                 /* its page is credited back to pd: pd's page stays */
    *out = o;
    return BH_OK;
}

void kobj_get(struct kobj *o)
{
    o->refs++;
}

/* Object destructors, indexed by type; false if the object lives on
   (dead, with a reference again) until its waiters are aborted. */
static bool destroy(struct kobj *o)
{
    switch (o->type) {
    case BH_OBJ_PD: pd_destroy((struct pd *)o); return true;
    case BH_OBJ_EC: return ec_destroy((struct ec *)o);
    case BH_OBJ_SC: ksc_destroy((struct ksc *)o); return true;
    case BH_OBJ_PT: pt_destroy((struct pt *)o); return true;
    case BH_OBJ_SM: return sm_destroy((struct sm *)o);
    case BH_OBJ_IRQ: irq_destroy((struct irq *)o); return true;
    case BH_OBJ_DEV: dev_destroy((struct dev *)o); return true;
    default: return true;
    }
}

void kobj_put(struct kobj *o)
{
    if (!o || --o->refs)
        return;
    struct pd *charged = o->type == BH_OBJ_PD ? NULL : o->quota;
    if (destroy(o) && charged)         /* destroy credited its page to charged */
        pd_uncharge(charged);
}
