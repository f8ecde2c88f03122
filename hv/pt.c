/* Portals. */
#include "pt.h"
#include "ec.h"

enum bh_status pt_create(struct pd *pd, struct ec *handler, uint64_t badge, struct pt **out)
{
    struct pt *pt;
    if (!handler->local)
        return BH_EINVAL;              /* only local ECs serve portals */
    enum bh_status s = kobj_new(pd, BH_OBJ_PT, (void **)&pt);
    if (s != BH_OK)
        return s;
    pt->handler = handler;
    pt->badge = badge;
    kobj_get(&handler->obj);
    *out = pt;
    return BH_OK;
}

void pt_destroy(struct pt *pt)
{
    struct ec *h = pt->handler;
    quota_free(pt->obj.quota, pt, 1);
    kobj_put(&h->obj);
}
