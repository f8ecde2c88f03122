/*
 * Capability spaces and the mapping database (see cap.h). Pure logic:
 * no allocation, no global state, no recursion.
 *
 * Decisions:
 *  - Checks come before any change, in the order each contract lists;
 *    the first failing check decides the status.
 *  - An original needs a non-NULL object, a real type (not NONE) and
 *    only known rights bits; anything else is BH_EINVAL.
 *  - Deriving to an empty rights set is allowed: the copy names the
 *    object (lookup with rights 0 succeeds, e.g. to compare identities)
 *    but permits nothing, not even further delegation.
 *  - A derived copy keeps the source's object and type; only rights
 *    narrow. New children go to the head of the parent's child list.
 *  - Revocation removes in post-order (a leaf at a time, deepest first),
 *    so a stopped call leaves a valid tree that is itself the
 *    continuation. Descendants derived while a revocation is paused are
 *    simply part of the work of the next call.
 */
#include <string.h>
#include "cap.h"

static bool cap_empty(const struct cap *c)
{
    return c->obj == NULL;
}

/* Empties slot c, keeping its owner. c must have no children. */
static void cap_clear(struct cap *c)
{
    struct capspace *owner = c->space;

    memset(c, 0, sizeof(*c));
    c->space = owner;
}

/* Takes leaf c out of its parent's child list. */
static void cap_unlink(struct cap *c)
{
    if (c->prev_sib != NULL)
        c->prev_sib->next_sib = c->next_sib;
    else if (c->parent != NULL)
        c->parent->first_child = c->next_sib;
    if (c->next_sib != NULL)
        c->next_sib->prev_sib = c->prev_sib;
}

/* Makes c (already filled in) the newest child of p. */
static void cap_link(struct cap *p, struct cap *c)
{
    c->parent = p;
    c->prev_sib = NULL;
    c->next_sib = p->first_child;
    if (p->first_child != NULL)
        p->first_child->prev_sib = c;
    p->first_child = c;
}

/*
 * Links a node that lives outside any capability space (a page mapping)
 * as the newest child of parent, with depth parent's + 1. Returns
 * BH_ERANGE beyond CAP_MAX_DEPTH. The caller fills in obj/type/rights.
 */
enum bh_status cap_attach(struct cap *parent, struct cap *child)
{
    if (parent->depth >= CAP_MAX_DEPTH)
        return BH_ERANGE;
    child->depth = parent->depth + 1;
    cap_link(parent, child);
    return BH_OK;
}

/* Sets cs to n empty slots in slots[0..n), each owned by cs. */
void capspace_init(struct capspace *cs, struct cap *slots, uint32_t n)
{
    cs->slots = slots;
    cs->nslots = n;
    memset(slots, 0, (size_t)n * sizeof(*slots));
    for (uint32_t i = 0; i < n; i++)
        slots[i].space = cs;
}

/*
 * Finds the capability at sel. Returns BH_ECAP if sel >= nslots, the slot
 * is empty, or type is not BH_OBJ_NONE (any type) and differs from the
 * capability's; BH_ERIGHTS if any bit of rights is missing from it
 * (unknown bits are never held). On BH_OK sets *out. O(1).
 */
enum bh_status cap_lookup(struct capspace *cs, uint64_t sel, unsigned type,
                          unsigned rights, struct cap **out)
{
    struct cap *c;

    if (sel >= cs->nslots)
        return BH_ECAP;
    c = &cs->slots[sel];
    if (cap_empty(c))
        return BH_ECAP;
    if (type != BH_OBJ_NONE && type != c->type)
        return BH_ECAP;
    if ((rights & ~(unsigned)c->rights) != 0)
        return BH_ERIGHTS;
    *out = c;
    return BH_OK;
}

/*
 * Installs an original capability (root of a new derivation tree, depth
 * 0) for obj at sel. Returns BH_EINVAL if obj is NULL, type is not a real
 * object type or rights has unknown bits; BH_ECAP if sel >= nslots;
 * BH_EEXIST if the slot is occupied.
 */
enum bh_status cap_install(struct capspace *cs, uint64_t sel, void *obj,
                           unsigned type, unsigned rights)
{
    struct cap *c;

    if (obj == NULL || type == BH_OBJ_NONE || type >= BH_OBJ_COUNT ||
        (rights & ~BH_R_ALL) != 0)
        return BH_EINVAL;
    if (sel >= cs->nslots)
        return BH_ECAP;
    c = &cs->slots[sel];
    if (!cap_empty(c))
        return BH_EEXIST;
    c->obj = obj;
    c->type = (uint8_t)type;
    c->rights = (uint8_t)rights;
    c->depth = 0;
    return BH_OK;
}

/*
 * Delegates src into slot dsel of dst: the copy names the same object
 * and type with rights src->rights & rights_mask, and becomes the newest
 * child of src. Returns BH_ECAP if src is NULL or empty; BH_EINVAL if
 * rights_mask has unknown bits; BH_ERIGHTS if src lacks BH_R_DELEGATE;
 * BH_ECAP if dsel >= dst->nslots; BH_EEXIST if that slot is occupied;
 * BH_ERANGE if the copy would be deeper than CAP_MAX_DEPTH. An empty
 * resulting rights set is allowed (see the top of this file).
 */
enum bh_status cap_derive(struct capspace *dst, uint64_t dsel,
                          struct cap *src, unsigned rights_mask)
{
    struct cap *c;

    if (src == NULL || cap_empty(src))
        return BH_ECAP;
    if ((rights_mask & ~BH_R_ALL) != 0)
        return BH_EINVAL;
    if ((src->rights & BH_R_DELEGATE) == 0)
        return BH_ERIGHTS;
    if (dsel >= dst->nslots)
        return BH_ECAP;
    c = &dst->slots[dsel];
    if (!cap_empty(c))
        return BH_EEXIST;
    if (src->depth >= CAP_MAX_DEPTH)
        return BH_ERANGE;
    c->obj = src->obj;
    c->type = src->type;
    c->rights = (uint8_t)(src->rights & rights_mask);
    c->depth = src->depth + 1;
    cap_link(src, c);
    return BH_OK;
}

/*
 * Removes every descendant of c and, if self, c itself (unlinking it from
 * its parent). Before each removal calls release(ctx, gone) if release is
 * not NULL; gone is then still filled in, a leaf, and still linked.
 * release must not change any capability.
 *
 * At most *budget capabilities are removed; *budget is decreased by the
 * number removed. Returns BH_OK when done; BH_EBUSY (with *budget == 0)
 * if work remains: call again with the same c and self to continue.
 * Returns BH_ECAP if c is NULL or empty (e.g. already revoked with self).
 *
 * Cost: O(1) amortised per removed capability, plus at most
 * CAP_MAX_DEPTH steps per call to find the current deepest leaf.
 */
enum bh_status cap_revoke(struct cap *c, bool self, unsigned *budget,
                          void (*release)(void *ctx, struct cap *gone),
                          void *ctx)
{
    struct cap *cur = c;

    if (c == NULL || cap_empty(c))
        return BH_ECAP;
    for (;;) {
        struct cap *up;

        while (cur->first_child != NULL)
            cur = cur->first_child;
        if (cur == c && !self)
            return BH_OK;
        if (*budget == 0)
            return BH_EBUSY;
        (*budget)--;
        up = cur->parent;
        if (release != NULL)
            release(ctx, cur);
        cap_unlink(cur);
        cap_clear(cur);
        if (cur == c)
            return BH_OK;
        cur = up;
    }
}

/*
 * Empties cs when its PD dies: revokes every capability in it with self.
 * Descendants in other spaces go too; capabilities derived from other
 * spaces are unlinked from their parents, which stay. release and budget
 * work as in cap_revoke(); in addition the scan charges one budget unit
 * per CAP_SCAN_BATCH slots passed, so a call is bounded even in a large,
 * mostly empty space. k holds the scan position: set k->next = 0 before
 * the first call and pass it back unchanged to continue. Returns BH_OK
 * when every slot is empty, BH_EBUSY (with *budget == 0) otherwise.
 */
enum bh_status cap_clear_space(struct capspace *cs, struct cap_space_kill *k,
                               unsigned *budget,
                               void (*release)(void *ctx, struct cap *gone),
                               void *ctx)
{
    while (k->next < cs->nslots) {
        struct cap *c = &cs->slots[k->next];

        if (!cap_empty(c)) {
            enum bh_status st = cap_revoke(c, true, budget, release, ctx);
            if (st != BH_OK)
                return st;
        }
        if ((k->next + 1) % CAP_SCAN_BATCH == 0 && k->next + 1 < cs->nslots) {
            if (*budget == 0)
                return BH_EBUSY;
            (*budget)--;
        }
        k->next++;
    }
    return BH_OK;
}

/* True if c is a strict descendant of anc. Walks up at most CAP_MAX_DEPTH. */
bool cap_is_descendant(const struct cap *anc, const struct cap *c)
{
    for (const struct cap *p = c->parent; p != NULL; p = p->parent)
        if (p == anc)
            return true;
    return false;
}

/* Number of direct children of c. */
unsigned cap_children(const struct cap *c)
{
    unsigned n = 0;

    for (const struct cap *ch = c->first_child; ch != NULL; ch = ch->next_sib)
        n++;
    return n;
}
