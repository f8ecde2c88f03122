/* Host unit tests for hv/cap.c: capability spaces and the mapping database. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cap.h"

#define NSPACE 4u
#define NSLOT 64u

/* Stand-in kernel objects: only their addresses matter. */
static int obj_a, obj_b, obj_c;

struct world {
    struct capspace cs[NSPACE];
    struct cap slots[NSPACE][NSLOT];
};

static void world_init(struct world *w)
{
    for (unsigned i = 0; i < NSPACE; i++)
        capspace_init(&w->cs[i], w->slots[i], NSLOT);
}

static struct cap *slot(struct world *w, unsigned s, unsigned sel)
{
    return &w->slots[s][sel];
}

/* Records every released capability, and checks what release promises. */
#define MAX_LOG (NSPACE * NSLOT)
struct release_log {
    unsigned n;
    struct cap *gone[MAX_LOG];
};

static void record_release(void *ctx, struct cap *gone)
{
    struct release_log *log = ctx;

    assert_non_null(gone->obj);         /* still filled in */
    assert_null(gone->first_child);     /* removed leaf first */
    if (gone->parent != NULL)           /* still linked */
        assert_true(gone->prev_sib != NULL ? gone->prev_sib->next_sib == gone
                                           : gone->parent->first_child == gone);
    assert_true(log->n < MAX_LOG);
    log->gone[log->n++] = gone;
}

static unsigned times_released(const struct release_log *log,
                               const struct cap *c)
{
    unsigned k = 0;

    for (unsigned i = 0; i < log->n; i++)
        if (log->gone[i] == c)
            k++;
    return k;
}

/*
 * Structural invariants over all slots of w: empty slots are all zero
 * except their owner; sibling lists and parent pointers agree; depth is
 * parent depth + 1; a child has its parent's object and type and a subset
 * of its rights; every linked capability is reachable exactly once.
 */
static void check_tree(struct world *w)
{
    unsigned with_parent = 0, listed = 0;

    for (unsigned s = 0; s < NSPACE; s++) {
        for (unsigned i = 0; i < NSLOT; i++) {
            struct cap *c = slot(w, s, i);

            assert_ptr_equal(c->space, &w->cs[s]);
            assert_int_equal(cap_sel(c), i);
            if (c->obj == NULL) {
                assert_int_equal(c->type, 0);
                assert_int_equal(c->rights, 0);
                assert_int_equal(c->depth, 0);
                assert_null(c->parent);
                assert_null(c->first_child);
                assert_null(c->next_sib);
                assert_null(c->prev_sib);
                continue;
            }
            assert_true(c->type > BH_OBJ_NONE && c->type < BH_OBJ_COUNT);
            assert_int_equal(c->rights & ~BH_R_ALL, 0);
            if (c->parent == NULL) {
                assert_int_equal(c->depth, 0);
                assert_null(c->prev_sib);
                assert_null(c->next_sib);
            } else {
                struct cap *p = c->parent;
                with_parent++;
                assert_non_null(p->obj);
                assert_int_equal(c->depth, p->depth + 1);
                assert_true(c->depth <= CAP_MAX_DEPTH);
                assert_ptr_equal(c->obj, p->obj);
                assert_int_equal(c->type, p->type);
                assert_int_equal(c->rights & ~p->rights, 0);
                if (c->prev_sib == NULL)
                    assert_ptr_equal(p->first_child, c);
                else
                    assert_ptr_equal(c->prev_sib->next_sib, c);
                if (c->next_sib != NULL)
                    assert_ptr_equal(c->next_sib->prev_sib, c);
            }
            if (c->first_child != NULL)
                assert_null(c->first_child->prev_sib);
            for (struct cap *ch = c->first_child; ch != NULL; ch = ch->next_sib) {
                assert_ptr_equal(ch->parent, c);
                assert_true(++listed <= NSPACE * NSLOT);
            }
        }
    }
    assert_int_equal(listed, with_parent);
}

/* ---- lookup ---------------------------------------------------------- */

static void test_lookup_out_of_range(void **state)
{
    (void)state;
    struct world w;
    struct cap *c = NULL;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], NSLOT - 1, &obj_a, BH_OBJ_SM, BH_R_ALL), BH_OK);
    assert_int_equal(cap_lookup(&w.cs[0], NSLOT - 1, BH_OBJ_NONE, 0, &c), BH_OK);
    assert_int_equal(cap_lookup(&w.cs[0], NSLOT, BH_OBJ_NONE, 0, &c), BH_ECAP);
    assert_int_equal(cap_lookup(&w.cs[0], UINT64_MAX, BH_OBJ_NONE, 0, &c), BH_ECAP);
    assert_int_equal(cap_lookup(&w.cs[0], 1ull << 32, BH_OBJ_NONE, 0, &c), BH_ECAP);
}

static void test_lookup_empty(void **state)
{
    (void)state;
    struct world w;
    struct cap *c = NULL;
    world_init(&w);
    for (unsigned i = 0; i < NSLOT; i++)
        assert_int_equal(cap_lookup(&w.cs[0], i, BH_OBJ_NONE, 0, &c), BH_ECAP);
    assert_null(c);
}

static void test_lookup_wrong_type(void **state)
{
    (void)state;
    struct world w;
    struct cap *c = NULL;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 3, &obj_a, BH_OBJ_PT, BH_R_CALL), BH_OK);
    for (unsigned t = 0; t < 256; t++) {
        enum bh_status want = (t == BH_OBJ_NONE || t == BH_OBJ_PT) ? BH_OK : BH_ECAP;
        c = NULL;
        assert_int_equal(cap_lookup(&w.cs[0], 3, t, 0, &c), want);
        if (want == BH_OK)
            assert_ptr_equal(c, slot(&w, 0, 3));
    }
}

static void test_lookup_missing_right(void **state)
{
    (void)state;
    struct world w;
    struct cap *c = NULL;
    world_init(&w);
    unsigned held = BH_R_UP | BH_R_DELEGATE;
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_SM, held), BH_OK);
    for (unsigned want = 0; want <= 0xff; want++) {
        enum bh_status st = (want & ~held) ? BH_ERIGHTS : BH_OK;
        assert_int_equal(cap_lookup(&w.cs[0], 0, BH_OBJ_SM, want, &c), st);
    }
    /* A type mismatch is reported before missing rights. */
    assert_int_equal(cap_lookup(&w.cs[0], 0, BH_OBJ_PD, BH_R_CTRL, &c), BH_ECAP);
}

/* ---- install --------------------------------------------------------- */

static void test_install_occupied(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 5, &obj_a, BH_OBJ_EC, BH_R_CTRL), BH_OK);
    assert_int_equal(cap_install(&w.cs[0], 5, &obj_b, BH_OBJ_SM, BH_R_UP), BH_EEXIST);
    assert_ptr_equal(slot(&w, 0, 5)->obj, &obj_a);
    assert_int_equal(slot(&w, 0, 5)->type, BH_OBJ_EC);
    assert_int_equal(slot(&w, 0, 5)->rights, BH_R_CTRL);
    check_tree(&w);
}

static void test_install_out_of_range(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], NSLOT, &obj_a, BH_OBJ_EC, 0), BH_ECAP);
    assert_int_equal(cap_install(&w.cs[0], UINT64_MAX, &obj_a, BH_OBJ_EC, 0), BH_ECAP);
    assert_int_equal(cap_install(&w.cs[0], (1ull << 32) + 1, &obj_a, BH_OBJ_EC, 0), BH_ECAP);
    check_tree(&w);
}

static void test_install_bad_type(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_NONE, 0), BH_EINVAL);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_COUNT, 0), BH_EINVAL);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, 256 + BH_OBJ_PD, 0), BH_EINVAL);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, ~0u, 0), BH_EINVAL);
    assert_int_equal(cap_install(&w.cs[0], 0, NULL, BH_OBJ_PD, 0), BH_EINVAL);
    for (unsigned t = BH_OBJ_PD; t < BH_OBJ_COUNT; t++)
        assert_int_equal(cap_install(&w.cs[0], t, &obj_a, t, 0), BH_OK);
    assert_null(slot(&w, 0, 0)->obj);
    check_tree(&w);
}

static void test_install_unknown_rights(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    for (unsigned b = 5; b < 32; b++)
        assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_PD,
                                     BH_R_CTRL | (1u << b)), BH_EINVAL);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_PD, BH_R_ALL), BH_OK);
    assert_int_equal(slot(&w, 0, 0)->rights, BH_R_ALL);
    check_tree(&w);
}

/* ---- derive ---------------------------------------------------------- */

static void test_derive_rights_only_shrink(void **state)
{
    (void)state;
    struct world w;
    for (unsigned r = 0; r <= BH_R_ALL; r++) {
        if (!(r & BH_R_DELEGATE))
            continue;
        world_init(&w);
        assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_PT, r), BH_OK);
        for (unsigned m = 0; m <= BH_R_ALL; m++) {
            struct cap *src = slot(&w, 0, 0), *c = slot(&w, 1, m);
            assert_int_equal(cap_derive(&w.cs[1], m, src, m), BH_OK);
            assert_int_equal(c->rights, r & m);
            assert_int_equal(c->rights & ~src->rights, 0);
            assert_ptr_equal(c->obj, &obj_a);
            assert_int_equal(c->type, BH_OBJ_PT);
            assert_int_equal(c->depth, 1);
            assert_ptr_equal(c->parent, src);
            /* And from the copy, every mask again: never regains a right. */
            if (c->rights & BH_R_DELEGATE) {
                for (unsigned m2 = 0; m2 <= BH_R_ALL; m2++) {
                    struct cap *g = slot(&w, 2, m2);
                    assert_int_equal(cap_derive(&w.cs[2], m2, c, m2), BH_OK);
                    assert_int_equal(g->rights, r & m & m2);
                }
                unsigned budget = ~0u;
                assert_int_equal(cap_revoke(c, false, &budget, NULL, NULL), BH_OK);
            }
        }
        assert_int_equal(cap_children(slot(&w, 0, 0)), BH_R_ALL + 1);
        check_tree(&w);
    }
}

static void test_derive_empty_rights_allowed(void **state)
{
    (void)state;
    struct world w;
    struct cap *c = NULL;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_SM, BH_R_ALL), BH_OK);
    assert_int_equal(cap_derive(&w.cs[1], 0, slot(&w, 0, 0), 0), BH_OK);
    assert_int_equal(cap_lookup(&w.cs[1], 0, BH_OBJ_SM, 0, &c), BH_OK);
    assert_int_equal(c->rights, 0);
    assert_int_equal(cap_lookup(&w.cs[1], 0, BH_OBJ_SM, BH_R_UP, &c), BH_ERIGHTS);
    assert_int_equal(cap_derive(&w.cs[1], 1, c, BH_R_ALL), BH_ERIGHTS);
    check_tree(&w);
}

static void test_derive_unknown_mask_bits(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_PD, BH_R_ALL), BH_OK);
    for (unsigned b = 5; b < 32; b++)
        assert_int_equal(cap_derive(&w.cs[1], 0, slot(&w, 0, 0), 1u << b), BH_EINVAL);
    assert_null(slot(&w, 1, 0)->obj);
    assert_int_equal(cap_children(slot(&w, 0, 0)), 0);
    check_tree(&w);
}

static void test_derive_without_delegate(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_PD,
                                 BH_R_ALL & ~BH_R_DELEGATE), BH_OK);
    assert_int_equal(cap_derive(&w.cs[1], 0, slot(&w, 0, 0), BH_R_ALL), BH_ERIGHTS);
    assert_int_equal(cap_derive(&w.cs[1], 0, slot(&w, 0, 0), 0), BH_ERIGHTS);
    /* A copy without DELEGATE is a dead end. */
    assert_int_equal(cap_install(&w.cs[0], 1, &obj_b, BH_OBJ_PD, BH_R_ALL), BH_OK);
    assert_int_equal(cap_derive(&w.cs[1], 1, slot(&w, 0, 1), BH_R_CTRL), BH_OK);
    assert_int_equal(cap_derive(&w.cs[2], 1, slot(&w, 1, 1), BH_R_ALL), BH_ERIGHTS);
    assert_null(slot(&w, 1, 0)->obj);
    assert_null(slot(&w, 2, 1)->obj);
    check_tree(&w);
}

static void test_derive_bad_slots(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_PD, BH_R_ALL), BH_OK);
    assert_int_equal(cap_install(&w.cs[1], 7, &obj_b, BH_OBJ_SM, BH_R_UP), BH_OK);
    /* Occupied destination, in another space and in the source's own. */
    assert_int_equal(cap_derive(&w.cs[1], 7, slot(&w, 0, 0), BH_R_ALL), BH_EEXIST);
    assert_int_equal(cap_derive(&w.cs[0], 0, slot(&w, 0, 0), BH_R_ALL), BH_EEXIST);
    assert_ptr_equal(slot(&w, 1, 7)->obj, &obj_b);
    assert_null(slot(&w, 1, 7)->parent);
    /* Out of range destination. */
    assert_int_equal(cap_derive(&w.cs[1], NSLOT, slot(&w, 0, 0), BH_R_ALL), BH_ECAP);
    assert_int_equal(cap_derive(&w.cs[1], UINT64_MAX, slot(&w, 0, 0), BH_R_ALL), BH_ECAP);
    /* Empty or missing source. */
    assert_int_equal(cap_derive(&w.cs[1], 0, slot(&w, 0, 1), BH_R_ALL), BH_ECAP);
    assert_int_equal(cap_derive(&w.cs[1], 0, NULL, BH_R_ALL), BH_ECAP);
    assert_int_equal(cap_children(slot(&w, 0, 0)), 0);
    check_tree(&w);
}

static void test_derive_depth_limit(void **state)
{
    (void)state;
    struct capspace cs;
    struct cap slots[CAP_MAX_DEPTH + 4];
    capspace_init(&cs, slots, CAP_MAX_DEPTH + 4);
    assert_int_equal(cap_install(&cs, 0, &obj_a, BH_OBJ_SC, BH_R_ALL), BH_OK);
    for (unsigned d = 1; d <= CAP_MAX_DEPTH; d++) {
        assert_int_equal(cap_derive(&cs, d, &slots[d - 1], BH_R_ALL), BH_OK);
        assert_int_equal(slots[d].depth, d);
    }
    assert_int_equal(cap_derive(&cs, CAP_MAX_DEPTH + 1, &slots[CAP_MAX_DEPTH],
                                BH_R_ALL), BH_ERANGE);
    assert_null(slots[CAP_MAX_DEPTH + 1].obj);
    assert_null(slots[CAP_MAX_DEPTH].first_child);
    /* A sibling at the limit is still fine. */
    assert_int_equal(cap_derive(&cs, CAP_MAX_DEPTH + 1, &slots[CAP_MAX_DEPTH - 1],
                                BH_R_ALL), BH_OK);
    assert_true(cap_is_descendant(&slots[0], &slots[CAP_MAX_DEPTH]));
    assert_false(cap_is_descendant(&slots[CAP_MAX_DEPTH], &slots[0]));
    assert_false(cap_is_descendant(&slots[0], &slots[0]));
    /* Revoking the whole chain is iterative (no stack growth with depth). */
    unsigned budget = ~0u;
    assert_int_equal(cap_revoke(&slots[0], true, &budget, NULL, NULL), BH_OK);
    assert_int_equal(budget, ~0u - (CAP_MAX_DEPTH + 2));
    for (unsigned i = 0; i < CAP_MAX_DEPTH + 4; i++)
        assert_null(slots[i].obj);
}

/* ---- revoke ---------------------------------------------------------- */

/*
 * The tree used by the revoke tests, over three spaces:
 *
 *   R = s0[0]
 *   ├── A = s1[0]            (revoked in the tests)
 *   │   ├── A1 = s2[0]
 *   │   │   └── A11 = s0[1]
 *   │   └── A2 = s2[1]
 *   │       ├── A21 = s1[1]
 *   │       └── A22 = s2[2]
 *   └── B = s1[2]            (sibling of A)
 *       └── B1 = s2[3]
 */
struct fixture {
    struct world w;
    struct cap *R, *A, *A1, *A11, *A2, *A21, *A22, *B, *B1;
};

static struct cap *derive_ok(struct world *w, unsigned s, unsigned sel,
                             struct cap *src)
{
    assert_int_equal(cap_derive(&w->cs[s], sel, src, BH_R_ALL), BH_OK);
    return slot(w, s, sel);
}

static void fixture_build(struct fixture *f)
{
    struct world *w = &f->w;
    world_init(w);
    assert_int_equal(cap_install(&w->cs[0], 0, &obj_a, BH_OBJ_PT, BH_R_ALL), BH_OK);
    f->R = slot(w, 0, 0);
    f->A = derive_ok(w, 1, 0, f->R);
    f->B = derive_ok(w, 1, 2, f->R);
    f->A1 = derive_ok(w, 2, 0, f->A);
    f->A2 = derive_ok(w, 2, 1, f->A);
    f->A11 = derive_ok(w, 0, 1, f->A1);
    f->A21 = derive_ok(w, 1, 1, f->A2);
    f->A22 = derive_ok(w, 2, 2, f->A2);
    f->B1 = derive_ok(w, 2, 3, f->B);
    check_tree(w);
}

static void test_revoke_descendants_across_spaces(void **state)
{
    (void)state;
    struct fixture f;
    fixture_build(&f);
    assert_true(cap_is_descendant(f.R, f.A21));
    assert_true(cap_is_descendant(f.A, f.A11));
    assert_false(cap_is_descendant(f.A, f.B1));
    assert_int_equal(cap_children(f.A), 2);
    assert_int_equal(f.A11->depth, 3);

    unsigned budget = 100;
    assert_int_equal(cap_revoke(f.A, false, &budget, NULL, NULL), BH_OK);
    assert_int_equal(budget, 100 - 5);
    check_tree(&f.w);
    /* Descendants gone, in all three spaces. */
    assert_null(f.A1->obj);
    assert_null(f.A11->obj);
    assert_null(f.A2->obj);
    assert_null(f.A21->obj);
    assert_null(f.A22->obj);
    /* A itself, its ancestor, its sibling and the sibling's child stay. */
    assert_ptr_equal(f.A->obj, &obj_a);
    assert_int_equal(cap_children(f.A), 0);
    assert_ptr_equal(f.A->parent, f.R);
    assert_int_equal(cap_children(f.R), 2);
    assert_ptr_equal(f.B1->parent, f.B);
    assert_true(cap_is_descendant(f.R, f.B1));
    /* Their selectors are free again. */
    assert_int_equal(cap_derive(&f.w.cs[0], 1, f.B, BH_R_UP), BH_OK);
    check_tree(&f.w);
}

static void test_revoke_with_self(void **state)
{
    (void)state;
    struct fixture f;
    struct cap *c;
    fixture_build(&f);
    unsigned budget = 100;
    assert_int_equal(cap_revoke(f.A, true, &budget, NULL, NULL), BH_OK);
    assert_int_equal(budget, 100 - 6);
    check_tree(&f.w);
    assert_null(f.A->obj);
    assert_int_equal(cap_lookup(&f.w.cs[1], 0, BH_OBJ_NONE, 0, &c), BH_ECAP);
    assert_int_equal(cap_children(f.R), 1);
    assert_ptr_equal(f.R->first_child, f.B);
    assert_ptr_equal(f.B1->parent, f.B);
    /* Once gone, a second revoke reports the empty slot. */
    assert_int_equal(cap_revoke(f.A, true, &budget, NULL, NULL), BH_ECAP);
    assert_int_equal(cap_revoke(f.A, false, &budget, NULL, NULL), BH_ECAP);
    /* Revoking a leaf without self is a no-op that costs nothing. */
    budget = 0;
    assert_int_equal(cap_revoke(f.B1, false, &budget, NULL, NULL), BH_OK);
    /* The root with self empties the rest. */
    budget = 100;
    assert_int_equal(cap_revoke(f.R, true, &budget, NULL, NULL), BH_OK);
    assert_int_equal(budget, 100 - 3);
    check_tree(&f.w);
    for (unsigned s = 0; s < NSPACE; s++)
        for (unsigned i = 0; i < NSLOT; i++)
            assert_null(slot(&f.w, s, i)->obj);
}

static void test_revoke_release_once_each(void **state)
{
    (void)state;
    struct fixture f;
    struct release_log log = { 0 };
    fixture_build(&f);
    unsigned budget = 100;
    assert_int_equal(cap_revoke(f.A, true, &budget, record_release, &log), BH_OK);
    assert_int_equal(log.n, 6);
    struct cap *gone[] = { f.A, f.A1, f.A11, f.A2, f.A21, f.A22 };
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(times_released(&log, gone[i]), 1);
    assert_int_equal(times_released(&log, f.R), 0);
    assert_int_equal(times_released(&log, f.B), 0);
    assert_int_equal(times_released(&log, f.B1), 0);
    /* A child is always released before its parent. */
    assert_ptr_equal(log.gone[log.n - 1], f.A);
    check_tree(&f.w);
}

static void test_revoke_budget_zero(void **state)
{
    (void)state;
    struct fixture f;
    fixture_build(&f);
    struct fixture before = f;
    unsigned budget = 0;
    assert_int_equal(cap_revoke(f.A, false, &budget, NULL, NULL), BH_EBUSY);
    assert_int_equal(budget, 0);
    assert_memory_equal(&before.w.slots, &f.w.slots, sizeof(f.w.slots));
}

/* Same shape as the original, slot by slot, pointers relative to w. */
static void assert_same_world(struct world *x, struct world *y)
{
    for (unsigned s = 0; s < NSPACE; s++) {
        for (unsigned i = 0; i < NSLOT; i++) {
            struct cap *a = slot(x, s, i), *b = slot(y, s, i);
            assert_ptr_equal(a->obj, b->obj);
            assert_int_equal(a->type, b->type);
            assert_int_equal(a->rights, b->rights);
            assert_int_equal(a->depth, b->depth);
            struct cap *pa[] = { a->parent, a->first_child, a->next_sib, a->prev_sib };
            struct cap *pb[] = { b->parent, b->first_child, b->next_sib, b->prev_sib };
            for (unsigned k = 0; k < 4; k++) {
                if (pa[k] == NULL) {
                    assert_null(pb[k]);
                    continue;
                }
                assert_non_null(pb[k]);
                assert_int_equal((char *)pa[k] - (char *)x->slots,
                                 (char *)pb[k] - (char *)y->slots);
            }
        }
    }
}

static void test_revoke_tiny_budget(void **state)
{
    (void)state;
    for (int self = 0; self <= 1; self++) {
        struct fixture ref, f;
        struct release_log lr = { 0 }, lf = { 0 };
        fixture_build(&ref);
        fixture_build(&f);
        /* Make it wider: a few more children of A2 and of A11. */
        for (unsigned i = 10; i < 20; i++) {
            derive_ok(&ref.w, i % NSPACE, i, i & 1 ? ref.A2 : ref.A11);
            derive_ok(&f.w, i % NSPACE, i, i & 1 ? f.A2 : f.A11);
        }
        unsigned big = ~0u;
        assert_int_equal(cap_revoke(ref.A, self, &big, record_release, &lr), BH_OK);
        unsigned removed = ~0u - big;
        assert_int_equal(removed, 15u + (unsigned)self);

        unsigned calls = 0;
        enum bh_status st;
        do {
            unsigned budget = 1;
            st = cap_revoke(f.A, self, &budget, record_release, &lf);
            calls++;
            assert_int_equal(budget, 0);
            assert_int_equal(lf.n, calls);
            check_tree(&f.w);
            if (st == BH_EBUSY)
                assert_true(calls < removed);
        } while (st == BH_EBUSY);
        assert_int_equal(st, BH_OK);
        assert_int_equal(calls, removed);
        assert_same_world(&ref.w, &f.w);
        /* Same caps released, in the same order. */
        assert_int_equal(lr.n, lf.n);
        for (unsigned i = 0; i < lr.n; i++)
            assert_int_equal((char *)lr.gone[i] - (char *)ref.w.slots,
                             (char *)lf.gone[i] - (char *)f.w.slots);
    }
}

static void test_revoke_independent_trees(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    /* The same object has two originals (e.g. re-installed by its creator). */
    assert_int_equal(cap_install(&w.cs[0], 0, &obj_a, BH_OBJ_SM, BH_R_ALL), BH_OK);
    assert_int_equal(cap_install(&w.cs[1], 0, &obj_a, BH_OBJ_SM, BH_R_ALL), BH_OK);
    struct cap *x = slot(&w, 0, 0), *y = slot(&w, 1, 0);
    struct cap *x1 = derive_ok(&w, 2, 0, x);
    struct cap *y1 = derive_ok(&w, 2, 1, y);
    struct cap *y2 = derive_ok(&w, 3, 0, y1);
    struct cap *x2 = derive_ok(&w, 3, 1, x1);
    assert_false(cap_is_descendant(x, y2));
    assert_false(cap_is_descendant(y, x2));

    struct release_log log = { 0 };
    unsigned budget = 100;
    assert_int_equal(cap_revoke(x, true, &budget, record_release, &log), BH_OK);
    assert_int_equal(log.n, 3);
    assert_null(x->obj);
    assert_null(x1->obj);
    assert_null(x2->obj);
    assert_ptr_equal(y->obj, &obj_a);
    assert_ptr_equal(y1->obj, &obj_a);
    assert_ptr_equal(y2->obj, &obj_a);
    assert_true(cap_is_descendant(y, y2));
    check_tree(&w);
}

/* ---- clear space ----------------------------------------------------- */

/*
 * Space 1 dies. It holds an original with children out in spaces 2 and 3
 * (and one inside space 1), and copies derived from space 0 and 2.
 */
static void clear_fixture(struct world *w)
{
    world_init(w);
    assert_int_equal(cap_install(&w->cs[0], 0, &obj_a, BH_OBJ_PD, BH_R_ALL), BH_OK);
    assert_int_equal(cap_install(&w->cs[1], 5, &obj_b, BH_OBJ_EC, BH_R_ALL), BH_OK);
    assert_int_equal(cap_install(&w->cs[2], 0, &obj_c, BH_OBJ_SM, BH_R_ALL), BH_OK);
    struct cap *a_in = derive_ok(w, 1, 60, slot(w, 0, 0));  /* copy from 0 */
    derive_ok(w, 2, 9, a_in);                                /* onward to 2 */
    derive_ok(w, 3, 4, slot(w, 0, 0));                       /* a sibling in 3 */
    struct cap *b_out = derive_ok(w, 2, 1, slot(w, 1, 5));   /* own obj out */
    derive_ok(w, 3, 1, b_out);
    derive_ok(w, 1, 2, b_out);                               /* and back in */
    derive_ok(w, 1, 3, slot(w, 1, 5));                       /* inside 1 */
    struct cap *c_in = derive_ok(w, 1, 0, slot(w, 2, 0));    /* copy from 2 */
    derive_ok(w, 1, 1, c_in);
    check_tree(w);
}

static void check_cleared(struct world *w)
{
    check_tree(w);
    for (unsigned i = 0; i < NSLOT; i++)
        assert_null(slot(w, 1, i)->obj);
    /* Removed because they descend from space 1. */
    assert_null(slot(w, 2, 9)->obj);
    assert_null(slot(w, 2, 1)->obj);
    assert_null(slot(w, 3, 1)->obj);
    /* Parents in other spaces stay, with their other children. */
    assert_ptr_equal(slot(w, 0, 0)->obj, &obj_a);
    assert_int_equal(cap_children(slot(w, 0, 0)), 1);
    assert_ptr_equal(slot(w, 3, 4)->parent, slot(w, 0, 0));
    assert_ptr_equal(slot(w, 2, 0)->obj, &obj_c);
    assert_int_equal(cap_children(slot(w, 2, 0)), 0);
}

static void test_clear_space(void **state)
{
    (void)state;
    struct world w;
    struct release_log log = { 0 };
    clear_fixture(&w);
    struct cap_space_kill k = { 0 };
    unsigned budget = 1000;
    assert_int_equal(cap_clear_space(&w.cs[1], &k, &budget, record_release, &log),
                     BH_OK);
    /* 6 caps in space 1, 3 in other spaces; scan cost: NSLOT / BATCH - 1. */
    assert_int_equal(log.n, 9);
    assert_int_equal(1000 - budget, 9 + NSLOT / CAP_SCAN_BATCH - 1);
    for (unsigned i = 0; i < log.n; i++)
        assert_int_equal(times_released(&log, log.gone[i]), 1);
    check_cleared(&w);
    /* Clearing again is a no-op. */
    k.next = 0;
    assert_int_equal(cap_clear_space(&w.cs[1], &k, &budget, record_release, &log),
                     BH_OK);
    assert_int_equal(log.n, 9);
}

static void test_clear_space_tiny_budget(void **state)
{
    (void)state;
    struct world w;
    struct release_log log = { 0 };
    clear_fixture(&w);
    struct cap_space_kill k = { 0 };
    unsigned calls = 0;
    enum bh_status st;
    do {
        unsigned budget = 1;
        st = cap_clear_space(&w.cs[1], &k, &budget, record_release, &log);
        calls++;
        check_tree(&w);
        assert_true(calls < 100);
    } while (st == BH_EBUSY);
    assert_int_equal(st, BH_OK);
    assert_int_equal(log.n, 9);
    check_cleared(&w);
}

static void test_clear_space_scan_bounded(void **state)
{
    (void)state;
    enum { N = 10 * CAP_SCAN_BATCH };
    static struct cap big[N];
    struct capspace cs;
    capspace_init(&cs, big, N);
    assert_int_equal(cap_install(&cs, N - 1, &obj_a, BH_OBJ_SM, BH_R_ALL), BH_OK);
    struct cap_space_kill k = { 0 };
    unsigned calls = 0;
    enum bh_status st;
    do {
        unsigned budget = 1;
        st = cap_clear_space(&cs, &k, &budget, NULL, NULL);
        calls++;
    } while (st == BH_EBUSY);
    assert_int_equal(st, BH_OK);
    /* 9 batch boundaries before the end plus one removal. */
    assert_int_equal(calls, 10);
    assert_null(big[N - 1].obj);
}

/* ---- random stress against a reference model ------------------------ */

#define NCAP ((int)(NSPACE * NSLOT))

struct model_cap {
    bool present;
    int parent;     /* global index, -1 = none */
    void *obj;
    unsigned type, rights, depth;
};

struct model {
    struct model_cap c[NCAP];
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static int gidx(struct world *w, const struct cap *c)
{
    return (int)(c - &w->slots[0][0]);
}

static bool model_is_desc(const struct model *m, int anc, int i)
{
    for (int p = m->c[i].parent; p >= 0; p = m->c[p].parent)
        if (p == anc)
            return true;
    return false;
}

static void check_against_model(struct world *w, const struct model *m)
{
    check_tree(w);
    for (int i = 0; i < NCAP; i++) {
        const struct cap *c = &w->slots[0][0] + i;
        const struct model_cap *mc = &m->c[i];
        assert_int_equal(c->obj != NULL, mc->present);
        if (!mc->present)
            continue;
        assert_ptr_equal(c->obj, mc->obj);
        assert_int_equal(c->type, mc->type);
        assert_int_equal(c->rights, mc->rights);
        assert_int_equal(c->depth, mc->depth);
        if (mc->parent < 0)
            assert_null(c->parent);
        else
            assert_int_equal(gidx(w, c->parent), mc->parent);
    }
}

static void *const stress_objs[3] = { &obj_a, &obj_b, &obj_c };

static void stress_install(struct world *w, struct model *m)
{
    unsigned s = rnd_below(NSPACE), sel = rnd_below(NSLOT + 2);
    unsigned type = rnd_below(BH_OBJ_COUNT + 1);
    unsigned rights = rnd_below(8) == 0 ? 1u << rnd_below(32) : rnd_below(BH_R_ALL + 1);
    if (rnd_below(4) != 0)
        rights |= BH_R_DELEGATE;
    void *obj = stress_objs[rnd_below(3)];
    enum bh_status want;
    int g = (int)(s * NSLOT + sel);

    if (type == BH_OBJ_NONE || type >= BH_OBJ_COUNT || (rights & ~BH_R_ALL))
        want = BH_EINVAL;
    else if (sel >= NSLOT)
        want = BH_ECAP;
    else if (m->c[g].present)
        want = BH_EEXIST;
    else
        want = BH_OK;
    assert_int_equal(cap_install(&w->cs[s], sel, obj, type, rights), want);
    if (want == BH_OK)
        m->c[g] = (struct model_cap){ true, -1, obj, type, rights, 0 };
}

/*
 * A source for derive: mostly a present capability, often the deepest one
 * that may delegate (so chains reach CAP_MAX_DEPTH), sometimes any slot.
 */
static int stress_pick_src(const struct model *m)
{
    unsigned how = rnd_below(10);
    int start = (int)rnd_below(NCAP), best = -1;

    if (how == 0)
        return start;
    for (int k = 0; k < NCAP; k++) {
        int j = (start + k) % NCAP;
        if (!m->c[j].present)
            continue;
        if (how < 6)
            return j;
        if (how < 9 && !(m->c[j].rights & BH_R_DELEGATE))
            continue;
        if (best < 0 || m->c[j].depth > m->c[best].depth)
            best = j;
    }
    return best < 0 ? start : best;
}

static void stress_derive(struct world *w, struct model *m)
{
    int src = stress_pick_src(m);
    unsigned s = rnd_below(NSPACE), sel = rnd_below(NSLOT + 2);
    unsigned mask = rnd_below(16) == 0 ? 1u << rnd_below(32) : rnd_below(BH_R_ALL + 1);
    if (rnd_below(8) != 0)
        mask |= BH_R_DELEGATE;
    if (rnd_below(2) == 0) {
        /* Prefer an empty destination, so long chains can form. */
        for (unsigned k = 0; k < NCAP; k++) {
            unsigned j = (s * NSLOT + sel + k) % NCAP;
            if (!m->c[j].present) {
                s = j / NSLOT;
                sel = j % NSLOT;
                break;
            }
        }
    }
    int g = (int)(s * NSLOT + sel);
    const struct model_cap *ms = &m->c[src];
    enum bh_status want;

    if (!ms->present)
        want = BH_ECAP;
    else if (mask & ~BH_R_ALL)
        want = BH_EINVAL;
    else if (!(ms->rights & BH_R_DELEGATE))
        want = BH_ERIGHTS;
    else if (sel >= NSLOT)
        want = BH_ECAP;
    else if (m->c[g].present)
        want = BH_EEXIST;
    else if (ms->depth >= CAP_MAX_DEPTH)
        want = BH_ERANGE;
    else
        want = BH_OK;
    assert_int_equal(cap_derive(&w->cs[s], sel, &w->slots[0][0] + src, mask), want);
    if (want == BH_OK)
        m->c[g] = (struct model_cap){ true, src, ms->obj, ms->type,
                                      ms->rights & mask, ms->depth + 1 };
}

/* Removes from the model what revoking i (with or without self) removes. */
static unsigned model_revoke(struct model *m, int i, bool self, bool *gone)
{
    unsigned n = 0;

    memset(gone, 0, NCAP * sizeof(*gone));
    for (int j = 0; j < NCAP; j++)
        if (m->c[j].present && (model_is_desc(m, i, j) || (self && j == i)))
            gone[j] = true;
    for (int j = 0; j < NCAP; j++)
        if (gone[j]) {
            m->c[j] = (struct model_cap){ false, -1, NULL, 0, 0, 0 };
            n++;
        }
    return n;
}

static void check_released(struct world *w, const struct release_log *log,
                           const bool *gone, unsigned n)
{
    assert_int_equal(log->n, n);
    for (unsigned k = 0; k < log->n; k++) {
        int g = gidx(w, log->gone[k]);
        assert_true(gone[g]);
        assert_int_equal(times_released(log, log->gone[k]), 1);
    }
}

static void stress_revoke(struct world *w, struct model *m)
{
    int i = (int)rnd_below(NCAP);
    bool self = rnd() & 1;
    struct cap *c = &w->slots[0][0] + i;
    struct release_log log = { 0 };
    bool gone[NCAP];

    if (!m->c[i].present) {
        unsigned budget = 5;
        assert_int_equal(cap_revoke(c, self, &budget, record_release, &log), BH_ECAP);
        assert_int_equal(budget, 5);
        return;
    }
    unsigned n = model_revoke(m, i, self, gone);
    unsigned step = rnd_below(4) == 0 ? 1 + rnd_below(3) : ~0u;
    unsigned total = 0;
    enum bh_status st;
    do {
        unsigned budget = step;
        st = cap_revoke(c, self, &budget, record_release, &log);
        total += step - budget;
        if (st == BH_EBUSY)
            assert_int_equal(budget, 0);
        check_tree(w);
    } while (st == BH_EBUSY);
    assert_int_equal(st, BH_OK);
    assert_int_equal(total, n);
    check_released(w, &log, gone, n);
}

static void stress_clear(struct world *w, struct model *m)
{
    unsigned s = rnd_below(NSPACE);
    struct release_log log = { 0 };
    bool gone[NCAP], all[NCAP];
    unsigned n = 0;

    memset(all, 0, sizeof(all));
    for (unsigned sel = 0; sel < NSLOT; sel++) {
        int i = (int)(s * NSLOT + sel);
        if (m->c[i].present) {
            n += model_revoke(m, i, true, gone);
            for (int j = 0; j < NCAP; j++)
                all[j] |= gone[j];
        }
    }
    struct cap_space_kill k = { 0 };
    enum bh_status st;
    do {
        unsigned budget = 1 + rnd_below(4);
        st = cap_clear_space(&w->cs[s], &k, &budget, record_release, &log);
    } while (st == BH_EBUSY);
    assert_int_equal(st, BH_OK);
    check_released(w, &log, all, n);
}

static void stress_lookup(struct world *w, const struct model *m)
{
    unsigned s = rnd_below(NSPACE), sel = rnd_below(NSLOT + 2);
    unsigned type = rnd_below(BH_OBJ_COUNT + 1), rights = rnd_below(BH_R_ALL + 1);
    int g = (int)(s * NSLOT + sel);
    struct cap *out = NULL;
    enum bh_status want;

    if (sel >= NSLOT || !m->c[g].present ||
        (type != BH_OBJ_NONE && type != m->c[g].type))
        want = BH_ECAP;
    else if (rights & ~m->c[g].rights)
        want = BH_ERIGHTS;
    else
        want = BH_OK;
    assert_int_equal(cap_lookup(&w->cs[s], sel, type, rights, &out), want);
    if (want == BH_OK)
        assert_ptr_equal(out, slot(w, s, sel));
}

static void test_random_against_model(void **state)
{
    (void)state;
    static struct world w;
    static struct model m;
    rng_state = 0x9e3779b97f4a7c15ull;
    world_init(&w);
    for (int i = 0; i < NCAP; i++)
        m.c[i] = (struct model_cap){ false, -1, NULL, 0, 0, 0 };

    for (unsigned step = 0; step < 20000; step++) {
        unsigned op = rnd_below(100);
        if (op < 10)
            stress_install(&w, &m);
        else if (op < 80)
            stress_derive(&w, &m);
        else if (op < 92)
            stress_lookup(&w, &m);
        else if (op < 99)
            stress_revoke(&w, &m);
        else
            stress_clear(&w, &m);
        check_against_model(&w, &m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_out_of_range),
        cmocka_unit_test(test_lookup_empty),
        cmocka_unit_test(test_lookup_wrong_type),
        cmocka_unit_test(test_lookup_missing_right),
        cmocka_unit_test(test_install_occupied),
        cmocka_unit_test(test_install_out_of_range),
        cmocka_unit_test(test_install_bad_type),
        cmocka_unit_test(test_install_unknown_rights),
        cmocka_unit_test(test_derive_rights_only_shrink),
        cmocka_unit_test(test_derive_empty_rights_allowed),
        cmocka_unit_test(test_derive_unknown_mask_bits),
        cmocka_unit_test(test_derive_without_delegate),
        cmocka_unit_test(test_derive_bad_slots),
        cmocka_unit_test(test_derive_depth_limit),
        cmocka_unit_test(test_revoke_descendants_across_spaces),
        cmocka_unit_test(test_revoke_with_self),
        cmocka_unit_test(test_revoke_release_once_each),
        cmocka_unit_test(test_revoke_budget_zero),
        cmocka_unit_test(test_revoke_tiny_budget),
        cmocka_unit_test(test_revoke_independent_trees),
        cmocka_unit_test(test_clear_space),
        cmocka_unit_test(test_clear_space_tiny_budget),
        cmocka_unit_test(test_clear_space_scan_bounded),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
