/*
 * Capability spaces and the mapping database.
 *
 * A capability space (one per protection domain) is an array of slots
 * the caller provides (the kernel takes it from the PD's quota). A
 * selector is an index into it. Every non-empty slot names a kernel
 * object with a type and rights.
 *
 * The mapping database is a forest of derivation trees threaded through
 * the slots themselves: cap_install() makes an original (a root, depth
 * 0), cap_derive() makes a child of an existing capability, possibly in
 * another space, with rights that can only shrink. cap_revoke() removes
 * a whole subtree; it is iterative, bounded by a work budget and
 * restartable, with the tree itself as the continuation.
 *
 * Concurrency: none here. The caller serialises every call that touches
 * capabilities linked to each other (in practice: one lock around the
 * mapping database).
 */
#ifndef HV_CAP_H
#define HV_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

/* Deepest derivation allowed: an original has depth 0. */
#define CAP_MAX_DEPTH 64u
/* cap_clear_space() charges one budget unit per this many slots scanned. */
#define CAP_SCAN_BATCH 64u

struct capspace;

struct cap {
    void *obj;            /* kernel object, NULL = empty slot */
    uint8_t type;         /* enum bh_obj */
    uint8_t rights;       /* BH_R_* bits */
    uint16_t pad;
    uint32_t depth;       /* derivation depth, 0 = original */
    /* Mapping database: the derivation tree. Children form a doubly
       linked list headed by the parent's first_child (newest first). */
    struct cap *parent, *first_child, *next_sib, *prev_sib;
    struct capspace *space; /* owner; set for empty slots too */
};
_Static_assert(sizeof(struct cap) <= 64, "a slot fits a cache line");

struct capspace {
    struct cap *slots;
    uint32_t nslots;
};

/* Restartable scan position of cap_clear_space(); start with next = 0. */
struct cap_space_kill {
    uint32_t next;
};

void capspace_init(struct capspace *cs, struct cap *slots, uint32_t n);
enum bh_status cap_lookup(struct capspace *cs, uint64_t sel, unsigned type,
                          unsigned rights, struct cap **out);
enum bh_status cap_install(struct capspace *cs, uint64_t sel, void *obj,
                           unsigned type, unsigned rights);
enum bh_status cap_derive(struct capspace *dst, uint64_t dsel,
                          struct cap *src, unsigned rights_mask);
enum bh_status cap_revoke(struct cap *c, bool self, unsigned *budget,
                          void (*release)(void *ctx, struct cap *gone),
                          void *ctx);
enum bh_status cap_clear_space(struct capspace *cs, struct cap_space_kill *k,
                               unsigned *budget,
                               void (*release)(void *ctx, struct cap *gone),
                               void *ctx);
/* Links child (outside any space) under parent; BH_ERANGE if too deep. */
enum bh_status cap_attach(struct cap *parent, struct cap *child);

bool cap_is_descendant(const struct cap *anc, const struct cap *c);
unsigned cap_children(const struct cap *c);

/* Selector of slot c within its owning space. */
static inline uint64_t cap_sel(const struct cap *c)
{
    return (uint64_t)(c - c->space->slots);
}

#endif
