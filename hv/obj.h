/* Kernel-object memory and lifetime. Objects are whole pages charged to a
   PD's quota, so no PD can exhaust kernel memory for the others, and
   out-of-memory is a status, never a panic. Capabilities hold references;
   an object dies when its last reference goes. */
#ifndef HV_OBJ_H
#define HV_OBJ_H
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>

struct pd;

struct kobj {
    uint32_t refs;
    uint8_t type;              /* enum bh_obj */
    struct pd *quota;          /* PD charged for this object's pages */
    uint32_t pages;
};

/* Allocates and zeroes n pages charged to pd (NULL = the kernel itself).
   Returns BH_ENOMEM if pd's quota or the machine is out of pages. */
enum bh_status quota_alloc(struct pd *pd, uint32_t n, void **out);
/* Returns n pages at va to the allocator and credits pd. */
void quota_free(struct pd *pd, void *va, uint32_t n);
/* Pages pd may still charge. */
uint64_t quota_left(const struct pd *pd);

/* Dead objects that some CPU may still be using, freed once none does:
   ECs (ec.c), page-table roots (pd.c) and vCPU VMCSs (vcpu.c). Counted in
   one word, so that the assembler fast path tests all three in one
   compare. At most two ECs per CPU and 32 roots wait (ec.c, pd.c). */
union reap_wait {
    struct {
        uint16_t ec, root;
        uint32_t vcpu;
    };
    uint64_t any;
};
_Static_assert(sizeof(union reap_wait) == 8, "one word");
extern union reap_wait reap_wait;
/* After every change of reap_wait: every CPU's reap byte (percpu.h,
   in the word the assembler fast path tests) says whether anything
   waits. */
void reap_wait_sync(void);

/* Allocates a one-page object of the given type with one reference. */
enum bh_status kobj_new(struct pd *pd, uint8_t type, void **out);
void kobj_get(struct kobj *o);
/* Drops a reference; destroys the object when it was the last. */
void kobj_put(struct kobj *o);
#endif
