/* Portal: an IPC entry point bound to a local (server) EC, with a badge
   that tells the server which portal was called. */
#ifndef HV_PT_H
#define HV_PT_H
#include "obj.h"
struct ec;
struct pd;
struct pt {
    struct kobj obj;
    struct ec *handler;
    uint64_t badge;
    uint64_t mtd;              /* BH_MTD_*: what a VM exit through it carries */
};
enum bh_status pt_create(struct pd *pd, struct ec *handler, uint64_t badge, struct pt **out);
void pt_destroy(struct pt *pt);
#endif
