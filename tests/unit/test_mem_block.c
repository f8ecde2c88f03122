/* Host unit tests for mem_block_order (hv/mem.h): which block a
   BH_SYS_MAP asks for, from its flags and page count. Single pages carry
   no block flag; BH_MAP_2M takes exactly 512 pages, BH_MAP_1G exactly
   BH_MAP_1G_PAGES; both flags together, or any other count, are refused. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mem.h"

static void single_pages_are_order_0(void **state)
{
    (void)state;
    unsigned order = 99;
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_FRESH, 1, &order), BH_OK);
    assert_int_equal(order, 0);
    assert_int_equal(mem_block_order(BH_M_R, BH_MAP_MAX, &order), BH_OK);
    assert_int_equal(order, 0);
}

static void a_2m_block_is_512_pages(void **state)
{
    (void)state;
    unsigned order = 0;
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_2M, 512, &order), BH_OK);
    assert_int_equal(order, 9);
    assert_int_equal(4096ull << order, 2ull << 20);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_2M, 511, &order), BH_EINVAL);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_2M, 1, &order), BH_EINVAL);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_2M, BH_MAP_1G_PAGES, &order), BH_EINVAL);
}

static void a_1g_block_is_262144_pages(void **state)
{
    (void)state;
    unsigned order = 0;
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_1G | BH_MAP_GUEST, BH_MAP_1G_PAGES, &order),
                     BH_OK);
    assert_int_equal(order, 18);
    assert_int_equal(4096ull << order, 1ull << 30);
    assert_int_equal(BH_MAP_1G_PAGES, 1u << 18);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_1G, 512, &order), BH_EINVAL);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_1G, BH_MAP_1G_PAGES - 1, &order), BH_EINVAL);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_1G, BH_MAP_1G_PAGES + 1, &order), BH_EINVAL);
    assert_int_equal(mem_block_order(BH_M_R | BH_MAP_1G, 0, &order), BH_EINVAL);
}

static void both_sizes_at_once_are_refused(void **state)
{
    (void)state;
    unsigned order = 0;
    uint64_t both = BH_M_R | BH_MAP_2M | BH_MAP_1G;
    assert_int_equal(mem_block_order(both, 512, &order), BH_EINVAL);
    assert_int_equal(mem_block_order(both, BH_MAP_1G_PAGES, &order), BH_EINVAL);
}

static void the_flags_are_distinct_bits(void **state)
{
    (void)state;
    uint64_t others = BH_M_R | BH_M_W | BH_M_X | BH_MAP_FRESH | BH_MAP_GUEST | BH_M_DMA |
                      BH_MAP_DMA | BH_MAP_2M;
    assert_int_equal(others & BH_MAP_1G, 0);
    assert_int_equal(BH_MAP_1G & (BH_MAP_1G - 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_pages_are_order_0),
        cmocka_unit_test(a_2m_block_is_512_pages),
        cmocka_unit_test(a_1g_block_is_262144_pages),
        cmocka_unit_test(both_sizes_at_once_are_refused),
        cmocka_unit_test(the_flags_are_distinct_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
