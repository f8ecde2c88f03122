/* Host unit tests for hv/memmap.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "memmap.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* Sorted, disjoint, non-adjacent, non-empty, below the physical limit. */
static void check_invariants(const struct memmap *m)
{
    assert_true(m->n <= MEMMAP_MAX);
    for (unsigned i = 0; i < m->n; i++) {
        assert_true(m->r[i].base < m->r[i].end);
        assert_true(m->r[i].end <= MEMMAP_PHYS_LIMIT);
        if (i > 0)
            assert_true(m->r[i - 1].end < m->r[i].base);
    }
}

static void expect_ranges(const struct memmap *m, const struct mem_range *want,
                          unsigned n)
{
    check_invariants(m);
    assert_int_equal(m->n, n);
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(m->r[i].base, want[i].base);
        assert_int_equal(m->r[i].end, want[i].end);
    }
}

static void test_empty(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    assert_int_equal(m.n, 0);
    assert_false(m.overflow);
    assert_int_equal(memmap_total(&m), 0);
}

static void test_add_disjoint_unsorted(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    assert_int_equal(memmap_add(&m, 0x300000, 0x1000), BH_OK);
    assert_int_equal(memmap_add(&m, 0x100000, 0x1000), BH_OK);
    assert_int_equal(memmap_add(&m, 0x200000, 0x1000), BH_OK);
    const struct mem_range want[] = {
        { 0x100000, 0x101000 }, { 0x200000, 0x201000 }, { 0x300000, 0x301000 },
    };
    expect_ranges(&m, want, 3);
    assert_int_equal(memmap_total(&m), 0x3000);
}

static void test_add_merges_overlap_and_adjacent(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    memmap_add(&m, 0x1000, 0x1000);  /* [1000,2000) */
    memmap_add(&m, 0x2000, 0x1000);  /* adjacent -> [1000,3000) */
    memmap_add(&m, 0x5000, 0x2000);  /* [5000,7000) */
    memmap_add(&m, 0x2800, 0x3000);  /* bridges both -> [1000,7000) */
    const struct mem_range want[] = { { 0x1000, 0x7000 } };
    expect_ranges(&m, want, 1);
    memmap_add(&m, 0x1800, 0x100);   /* fully inside: no change */
    expect_ranges(&m, want, 1);
    memmap_add(&m, 0x0, 0x10000);    /* swallows everything */
    const struct mem_range want2[] = { { 0x0, 0x10000 } };
    expect_ranges(&m, want2, 1);
}

static void test_add_merges_many(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    for (uint64_t i = 0; i < 20; i++)
        memmap_add(&m, i * 0x10000, 0x1000);
    assert_int_equal(m.n, 20);
    memmap_add(&m, 0x25000, 0x80000); /* covers ranges 3..10 partially */
    check_invariants(&m);
    assert_int_equal(m.n, 20 - 8 + 1);
    assert_int_equal(m.r[3].base, 0x25000);
    assert_int_equal(m.r[3].end, 0xa5000);
}

static void test_zero_length_ignored(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    assert_int_equal(memmap_add(&m, 0x1000, 0), BH_OK);
    assert_int_equal(m.n, 0);
    memmap_add(&m, 0x1000, 0x3000);
    assert_int_equal(memmap_remove(&m, 0x2000, 0), BH_OK);
    assert_int_equal(m.n, 1);
    assert_int_equal(memmap_total(&m), 0x3000);
}

static void test_wrap_clipped(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    /* base + len wraps past 2^64: clipped, then clipped to 2^52. */
    assert_int_equal(memmap_add(&m, 0xfff0000000000000ull, 0x20000000000000ull), BH_OK);
    assert_int_equal(m.n, 0);
    assert_int_equal(memmap_add(&m, 4 * GiB, UINT64_MAX), BH_OK);
    const struct mem_range want[] = { { 4 * GiB, MEMMAP_PHYS_LIMIT } };
    expect_ranges(&m, want, 1);
    /* A wrapping remove removes everything from base upward. */
    assert_int_equal(memmap_remove(&m, 8 * GiB, UINT64_MAX), BH_OK);
    const struct mem_range want2[] = { { 4 * GiB, 8 * GiB } };
    expect_ranges(&m, want2, 1);
}

static void test_above_phys_limit_clipped(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    memmap_add(&m, MEMMAP_PHYS_LIMIT, 0x1000);           /* wholly above */
    memmap_add(&m, MEMMAP_PHYS_LIMIT + GiB, GiB);        /* wholly above */
    assert_int_equal(m.n, 0);
    memmap_add(&m, MEMMAP_PHYS_LIMIT - 0x1000, 0x5000);  /* straddles */
    const struct mem_range want[] = {
        { MEMMAP_PHYS_LIMIT - 0x1000, MEMMAP_PHYS_LIMIT },
    };
    expect_ranges(&m, want, 1);
}

static void test_remove_cases(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    memmap_add(&m, 0x10000, 0x10000); /* [10000,20000) */
    memmap_add(&m, 0x30000, 0x10000); /* [30000,40000) */
    memmap_remove(&m, 0x18000, 0x1000); /* split */
    const struct mem_range w1[] = {
        { 0x10000, 0x18000 }, { 0x19000, 0x20000 }, { 0x30000, 0x40000 },
    };
    expect_ranges(&m, w1, 3);
    memmap_remove(&m, 0x1c000, 0x18000); /* tail of 2nd, head of 3rd */
    const struct mem_range w2[] = {
        { 0x10000, 0x18000 }, { 0x19000, 0x1c000 }, { 0x34000, 0x40000 },
    };
    expect_ranges(&m, w2, 3);
    memmap_remove(&m, 0x0, 0x1c000); /* swallows the first two */
    const struct mem_range w3[] = { { 0x34000, 0x40000 } };
    expect_ranges(&m, w3, 1);
    memmap_remove(&m, 0x50000, 0x1000); /* no overlap */
    expect_ranges(&m, w3, 1);
    memmap_remove(&m, 0x34000, 0xc000); /* exact */
    assert_int_equal(m.n, 0);
}

/* Typical PC map: usable, reserved overlapping usable (as real firmware does). */
static void test_boot_sequence(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    memmap_add(&m, 0x0, 0x9fc00);
    memmap_add(&m, 0x100000, 0x7fee0000);         /* to 0x7ffe0000 */
    memmap_add(&m, 0x100000000ull, 0x80000000ull);
    memmap_remove(&m, 0x9fc00, 0x400);            /* EBDA */
    memmap_remove(&m, 0xf0000, 0x10000);          /* BIOS */
    memmap_remove(&m, 0x7ffe0000, 0x20000);       /* ACPI */
    memmap_remove(&m, 0x7ff00000, 0x1000);        /* reserved inside usable */
    memmap_remove(&m, 0, MiB);                    /* low 1 MiB */
    memmap_remove(&m, 0x200000, 0x123456);        /* kernel image */
    memmap_page_align(&m);
    const struct mem_range want[] = {
        { 0x100000, 0x200000 },
        { 0x324000, 0x7ff00000 },
        { 0x7ff01000, 0x7ffe0000 },
        { 0x100000000ull, 0x180000000ull },
    };
    expect_ranges(&m, want, 4);
}

static void test_page_align(void **state)
{
    (void)state;
    struct memmap m;
    memmap_init(&m);
    memmap_add(&m, 0x1001, 0x2fff);  /* [1001,4000) -> [2000,4000) */
    memmap_add(&m, 0x5800, 0x400);   /* inside one page -> dropped */
    memmap_add(&m, 0x7000, 0x1000);  /* already aligned */
    memmap_add(&m, 0x9100, 0x1f00);  /* [9100,b000) -> [a000,b000) */
    memmap_add(&m, 0xc000, 0xfff);   /* [c000,cfff) -> dropped */
    memmap_page_align(&m);
    const struct mem_range want[] = {
        { 0x2000, 0x4000 }, { 0x7000, 0x8000 }, { 0xa000, 0xb000 },
    };
    expect_ranges(&m, want, 3);
    memmap_page_align(&m); /* idempotent */
    expect_ranges(&m, want, 3);
}

/* Fills all 128 slots with ranges of growing size (smallest first). */
static void fill_table(struct memmap *m)
{
    memmap_init(m);
    for (uint64_t i = 0; i < MEMMAP_MAX; i++)
        assert_int_equal(memmap_add(m, i * MiB, 0x1000 + i * 0x1000), BH_OK);
    assert_int_equal(m->n, MEMMAP_MAX);
    assert_false(m->overflow);
}

static void test_overflow_drops_smallest_existing(void **state)
{
    (void)state;
    struct memmap m;
    fill_table(&m);
    uint64_t before = memmap_total(&m);
    assert_int_equal(memmap_add(&m, 200 * MiB, 0x100000), BH_ENOMEM);
    assert_true(m.overflow);
    check_invariants(&m);
    assert_int_equal(m.n, MEMMAP_MAX);
    assert_int_equal(m.r[0].base, 1 * MiB); /* range 0 (4 KiB) dropped */
    assert_int_equal(m.r[MEMMAP_MAX - 1].base, 200 * MiB);
    assert_int_equal(memmap_total(&m), before - 0x1000 + 0x100000);
}

static void test_overflow_drops_new_if_smallest(void **state)
{
    (void)state;
    struct memmap m;
    fill_table(&m);
    struct memmap copy = m;
    assert_int_equal(memmap_add(&m, 500 * MiB, 0x800), BH_ENOMEM);
    assert_true(m.overflow);
    check_invariants(&m);
    assert_memory_equal(m.r, copy.r, sizeof(m.r));
    /* Merging into an existing range needs no slot: still fine when full. */
    assert_int_equal(memmap_add(&m, 5 * MiB, 0x100000), BH_OK);
    check_invariants(&m);
}

static void test_overflow_on_split(void **state)
{
    (void)state;
    struct memmap m;
    fill_table(&m);
    /* Split the largest range (index 127, 128 pages) in the middle. */
    uint64_t b = 127 * MiB;
    assert_int_equal(memmap_remove(&m, b + 0x10000, 0x1000), BH_ENOMEM);
    assert_true(m.overflow);
    check_invariants(&m);
    assert_int_equal(m.n, MEMMAP_MAX);
    assert_int_equal(m.r[0].base, 1 * MiB);
    assert_int_equal(m.r[MEMMAP_MAX - 2].end, b + 0x10000);
    assert_int_equal(m.r[MEMMAP_MAX - 1].base, b + 0x11000);
    assert_int_equal(m.r[MEMMAP_MAX - 1].end, b + 0x80000);
}

/* Deterministic PRNG (xorshift64) for the model test. */
static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define MODEL_UNITS 200u

/* Random add/remove against a one-flag-per-unit model of the address space. */
static void test_random_against_model(void **state)
{
    (void)state;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 200; round++) {
        struct memmap m;
        unsigned char model[MODEL_UNITS] = { 0 };
        memmap_init(&m);
        for (int op = 0; op < 60; op++) {
            uint64_t b = rng(&seed) % MODEL_UNITS;
            uint64_t l = rng(&seed) % 20;
            if (b + l > MODEL_UNITS)
                l = MODEL_UNITS - b;
            int add = (rng(&seed) % 3) != 0;
            if (add)
                assert_int_equal(memmap_add(&m, b, l), BH_OK);
            else
                assert_int_equal(memmap_remove(&m, b, l), BH_OK);
            memset(model + b, add, l);
            check_invariants(&m);
            uint64_t total = 0;
            for (unsigned u = 0; u < MODEL_UNITS; u++) {
                int in = 0;
                for (unsigned i = 0; i < m.n; i++)
                    if (m.r[i].base <= u && u < m.r[i].end)
                        in = 1;
                assert_int_equal(in, model[u]);
                total += model[u];
            }
            assert_int_equal(memmap_total(&m), total);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_add_disjoint_unsorted),
        cmocka_unit_test(test_add_merges_overlap_and_adjacent),
        cmocka_unit_test(test_add_merges_many),
        cmocka_unit_test(test_zero_length_ignored),
        cmocka_unit_test(test_wrap_clipped),
        cmocka_unit_test(test_above_phys_limit_clipped),
        cmocka_unit_test(test_remove_cases),
        cmocka_unit_test(test_boot_sequence),
        cmocka_unit_test(test_page_align),
        cmocka_unit_test(test_overflow_drops_smallest_existing),
        cmocka_unit_test(test_overflow_drops_new_if_smallest),
        cmocka_unit_test(test_overflow_on_split),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
