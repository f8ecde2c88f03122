/* Host unit tests for hv/pmm.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pmm.h"

#define PG PMM_PAGE
#define NPAGES 1000u /* not a multiple of 64 on purpose */

static uint64_t bitmap[(NPAGES + 63) / 64 + 1];

/* A pool of NPAGES pages, all free. */
static void setup_all_free(struct pmm *p)
{
    assert_int_equal(pmm_init(p, bitmap, sizeof(bitmap), NPAGES), BH_OK);
    pmm_mark_free(p, 0, NPAGES * PG);
    assert_int_equal(p->nfree, NPAGES);
}

static void test_bitmap_bytes(void **state)
{
    (void)state;
    assert_int_equal(pmm_bitmap_bytes(0), 0);
    assert_int_equal(pmm_bitmap_bytes(1), 8);
    assert_int_equal(pmm_bitmap_bytes(64), 8);
    assert_int_equal(pmm_bitmap_bytes(65), 16);
    assert_int_equal(pmm_bitmap_bytes(PMM_MAX_PAGES), PMM_MAX_PAGES / 8);
}

static void test_init_bad_args(void **state)
{
    (void)state;
    struct pmm p;
    assert_int_equal(pmm_init(NULL, bitmap, sizeof(bitmap), 10), BH_EINVAL);
    assert_int_equal(pmm_init(&p, NULL, sizeof(bitmap), 10), BH_EINVAL);
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), 0), BH_EINVAL);
    assert_int_equal(pmm_init(&p, (char *)bitmap + 4, 64, 10), BH_EINVAL);
    assert_int_equal(pmm_init(&p, bitmap, 8, 65), BH_ENOMEM);
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), PMM_MAX_PAGES + 1), BH_ERANGE);
}

static void test_init_all_used(void **state)
{
    (void)state;
    struct pmm p;
    memset(bitmap, 0, sizeof(bitmap));
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), NPAGES), BH_OK);
    assert_int_equal(p.nfree, 0);
    for (uint64_t i = 0; i < NPAGES; i++)
        assert_false(pmm_is_free(&p, i * PG));
    uint64_t a;
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_ENOMEM);
}

static void test_mark_free_inward_and_clipped(void **state)
{
    (void)state;
    struct pmm p;
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), NPAGES), BH_OK);
    pmm_mark_free(&p, 0x1001, 0x2fff); /* [1001,4000): pages 2,3 */
    assert_int_equal(p.nfree, 2);
    assert_false(pmm_is_free(&p, 0x1000));
    assert_true(pmm_is_free(&p, 0x2000));
    assert_true(pmm_is_free(&p, 0x3fff));
    assert_false(pmm_is_free(&p, 0x4000));
    pmm_mark_free(&p, 0x2000, 0x2000); /* already free: no double count */
    assert_int_equal(p.nfree, 2);
    pmm_mark_free(&p, 0x5800, 0x400);  /* no whole page */
    assert_int_equal(p.nfree, 2);
    pmm_mark_free(&p, (NPAGES - 2) * PG, 100 * PG); /* past the end */
    assert_int_equal(p.nfree, 4);
    pmm_mark_free(&p, NPAGES * PG, PG);
    pmm_mark_free(&p, UINT64_MAX - PG, UINT64_MAX); /* wraps */
    assert_int_equal(p.nfree, 4);
    assert_false(pmm_is_free(&p, NPAGES * PG));
}

static void test_fill_pool_then_enomem(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a, seen[NPAGES / 64 + 1] = { 0 };
    setup_all_free(&p);
    for (unsigned n = 0; n < NPAGES; n++) {
        assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_OK);
        assert_int_equal(a % PG, 0);
        assert_true(a / PG < NPAGES);
        uint64_t i = a / PG;
        assert_false(seen[i / 64] & (1ull << (i % 64)));
        seen[i / 64] |= 1ull << (i % 64);
        assert_false(pmm_is_free(&p, a));
    }
    assert_int_equal(p.nfree, 0);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_ENOMEM);
    assert_int_equal(pmm_alloc(&p, 3, 1, 0, &a), BH_ENOMEM);
}

static void test_free_and_reuse(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a;
    setup_all_free(&p);
    for (unsigned n = 0; n < NPAGES; n++)
        assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_OK);
    assert_int_equal(pmm_free(&p, 777 * PG, 1), BH_OK);
    assert_true(pmm_is_free(&p, 777 * PG));
    assert_int_equal(p.nfree, 1);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_OK);
    assert_int_equal(a, 777 * PG);
    assert_int_equal(pmm_free(&p, 100 * PG, 50), BH_OK);
    assert_int_equal(pmm_alloc(&p, 50, 1, 0, &a), BH_OK);
    assert_int_equal(a, 100 * PG);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_ENOMEM);
}

static void test_hint_wraps(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a;
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), NPAGES), BH_OK);
    pmm_mark_free(&p, 5 * PG, PG);
    pmm_mark_free(&p, 900 * PG, PG);
    p.hint = 600;
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_OK);
    assert_int_equal(a, 900 * PG);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_OK);
    assert_int_equal(a, 5 * PG);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_ENOMEM);
}

static void test_contiguous_run(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a;
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), NPAGES), BH_OK);
    pmm_mark_free(&p, 10 * PG, 5 * PG);   /* 5 pages: too short */
    pmm_mark_free(&p, 60 * PG, 8 * PG);   /* 8 pages across a word boundary */
    pmm_mark_free(&p, 200 * PG, 100 * PG);
    assert_int_equal(pmm_alloc(&p, 8, 1, 0, &a), BH_OK);
    assert_int_equal(a, 60 * PG);
    assert_int_equal(pmm_alloc(&p, 6, 1, 0, &a), BH_OK);
    assert_int_equal(a, 200 * PG);
    assert_int_equal(pmm_alloc(&p, 95, 1, 0, &a), BH_ENOMEM);
    assert_int_equal(pmm_alloc(&p, 94, 1, 0, &a), BH_OK);
    assert_int_equal(a, 206 * PG);
    assert_int_equal(p.nfree, 5);
}

static void test_alignment(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a;
    setup_all_free(&p);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, &a), BH_OK); /* page 0 */
    assert_int_equal(pmm_alloc(&p, 1, 8, 0, &a), BH_OK);
    assert_int_equal(a, 8 * PG);
    assert_int_equal(pmm_alloc(&p, 3, 512, 0, &a), BH_OK); /* 2 MiB */
    assert_int_equal(a, 512 * PG);
    assert_int_equal(pmm_alloc(&p, 1, 512, 0, &a), BH_ENOMEM); /* 1024 > npages */
    assert_int_equal(pmm_alloc(&p, 16, 16, 0, &a), BH_OK);
    assert_int_equal(a % (16 * PG), 0);
    assert_int_equal(a, 16 * PG);
    /* Alignment 2^63 pages: index 0 is the only candidate, and it is used. */
    assert_int_equal(pmm_alloc(&p, 1, 1ull << 63, 0, &a), BH_ENOMEM);
    assert_int_equal(pmm_free(&p, 0, 1), BH_OK);
    assert_int_equal(pmm_alloc(&p, 1, 1ull << 63, 0, &a), BH_OK);
    assert_int_equal(a, 0);
}

static void test_below_limit(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a;
    assert_int_equal(pmm_init(&p, bitmap, sizeof(bitmap), NPAGES), BH_OK);
    pmm_mark_free(&p, 100 * PG, 10 * PG);
    pmm_mark_free(&p, 500 * PG, 10 * PG);
    p.hint = 300;
    assert_int_equal(pmm_alloc(&p, 1, 1, 105 * PG, &a), BH_OK);
    assert_int_equal(a, 100 * PG);
    /* Run of 5 must end at or below the limit: pages 101..105 fit 106*PG. */
    assert_int_equal(pmm_alloc(&p, 5, 1, 106 * PG, &a), BH_OK);
    assert_int_equal(a, 101 * PG);
    assert_int_equal(pmm_alloc(&p, 5, 1, 110 * PG + 0xfff, &a), BH_ENOMEM);
    assert_int_equal(pmm_alloc(&p, 4, 1, 110 * PG + 0xfff, &a), BH_OK);
    assert_int_equal(a, 106 * PG);
    assert_int_equal(pmm_alloc(&p, 1, 1, 110 * PG, &a), BH_ENOMEM);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0x100, &a), BH_ENOMEM);
    assert_int_equal(pmm_alloc(&p, 10, 1, 1ull << 60, &a), BH_OK);
    assert_int_equal(a, 500 * PG);
}

static void test_double_free_and_bad_free(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a;
    setup_all_free(&p);
    assert_int_equal(pmm_alloc(&p, 4, 1, 0, &a), BH_OK);
    assert_int_equal(pmm_free(&p, a, 4), BH_OK);
    assert_int_equal(pmm_free(&p, a, 4), BH_EINVAL);   /* double free */
    assert_int_equal(p.nfree, NPAGES);
    assert_int_equal(pmm_alloc(&p, 4, 1, 0, &a), BH_OK);
    assert_int_equal(pmm_free(&p, a, 5), BH_EINVAL);   /* tail already free */
    for (int i = 0; i < 4; i++)                       /* nothing changed */
        assert_false(pmm_is_free(&p, a + (uint64_t)i * PG));
    assert_int_equal(p.nfree, NPAGES - 4);
    assert_int_equal(pmm_free(&p, a + 1, 1), BH_EINVAL);        /* unaligned */
    assert_int_equal(pmm_free(&p, a, 0), BH_EINVAL);            /* zero */
    assert_int_equal(pmm_free(&p, NPAGES * PG, 1), BH_EINVAL);  /* past end */
    assert_int_equal(pmm_free(&p, (NPAGES - 1) * PG, 2), BH_EINVAL);
    assert_int_equal(pmm_free(&p, a, UINT64_MAX), BH_EINVAL);   /* wraps */
    assert_int_equal(pmm_free(&p, UINT64_MAX & ~(PG - 1), 1), BH_EINVAL);
    assert_int_equal(pmm_free(&p, a, 4), BH_OK);
}

static void test_alloc_bad_args(void **state)
{
    (void)state;
    struct pmm p;
    uint64_t a = 0x1234;
    setup_all_free(&p);
    assert_int_equal(pmm_alloc(&p, 0, 1, 0, &a), BH_EINVAL);
    assert_int_equal(pmm_alloc(&p, 1, 0, 0, &a), BH_EINVAL);
    assert_int_equal(pmm_alloc(&p, 1, 3, 0, &a), BH_EINVAL);
    assert_int_equal(pmm_alloc(&p, 1, 1, 0, NULL), BH_EINVAL);
    assert_int_equal(pmm_alloc(NULL, 1, 1, 0, &a), BH_EINVAL);
    assert_int_equal(pmm_alloc(&p, NPAGES + 1, 1, 0, &a), BH_ENOMEM);
    assert_int_equal(pmm_alloc(&p, UINT64_MAX, 1, 0, &a), BH_ENOMEM);
    assert_int_equal(a, 0x1234);
    assert_int_equal(p.nfree, NPAGES);
    assert_int_equal(pmm_alloc(&p, NPAGES, 1, 0, &a), BH_OK); /* whole pool */
    assert_int_equal(a, 0);
    assert_int_equal(p.nfree, 0);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random allocs/frees against a byte-per-page model. */
static void test_random_against_model(void **state)
{
    (void)state;
    struct pmm p;
    unsigned char used[NPAGES] = { 0 };
    uint64_t seed = 12345, nfree = NPAGES;
    setup_all_free(&p);
    for (int op = 0; op < 20000; op++) {
        uint64_t n = 1 + rng(&seed) % 8, a;
        if (rng(&seed) % 2) {
            uint64_t align = 1ull << (rng(&seed) % 4);
            if (pmm_alloc(&p, n, align, 0, &a) == BH_OK) {
                assert_int_equal(a / PG % align, 0);
                for (uint64_t i = 0; i < n; i++) {
                    assert_false(used[a / PG + i]);
                    used[a / PG + i] = 1;
                }
                nfree -= n;
            }
        } else {
            uint64_t first = rng(&seed) % NPAGES;
            int ok = first + n <= NPAGES;
            for (uint64_t i = 0; ok && i < n; i++)
                ok = used[first + i];
            assert_int_equal(pmm_free(&p, first * PG, n), ok ? BH_OK : BH_EINVAL);
            if (ok) {
                memset(used + first, 0, n);
                nfree += n;
            }
        }
        assert_int_equal(p.nfree, nfree);
    }
    for (uint64_t i = 0; i < NPAGES; i++)
        assert_int_equal(pmm_is_free(&p, i * PG), !used[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bitmap_bytes),
        cmocka_unit_test(test_init_bad_args),
        cmocka_unit_test(test_init_all_used),
        cmocka_unit_test(test_mark_free_inward_and_clipped),
        cmocka_unit_test(test_fill_pool_then_enomem),
        cmocka_unit_test(test_free_and_reuse),
        cmocka_unit_test(test_hint_wraps),
        cmocka_unit_test(test_contiguous_run),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_below_limit),
        cmocka_unit_test(test_double_free_and_bad_free),
        cmocka_unit_test(test_alloc_bad_args),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
