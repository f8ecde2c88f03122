/* Host unit tests for the EPT entry encoding in hv/arch/x86/ept.h
   (Intel SDM Vol. 3C, 29.3.2 and 29.3.7): 4 KiB, 2 MiB and 1 GiB leaves,
   their rights, memory type and size bit, which addresses a leaf fits;
   RAM write-back, device memory uncached and never executable. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ept.h"

#define MB2 (1ull << 21)
#define GB1 (1ull << 30)

static void sizes_per_level(void **state)
{
    (void)state;
    assert_int_equal(ept_level_size(0), 4096);
    assert_int_equal(ept_level_size(1), MB2);
    assert_int_equal(ept_level_size(2), GB1);
}

static void a_4k_leaf(void **state)
{
    (void)state;
    uint64_t e = ept_leaf(0x12345000, BH_M_R | BH_M_W, 0, EPT_OWNED);
    assert_int_equal(e & EPT_ADDR, 0x12345000);
    assert_int_equal(e & 7, EPT_R | EPT_W);                    /* no X */
    assert_int_equal((e >> 3) & 7, 6);                         /* write-back */
    assert_int_equal(e & EPT_LARGE, 0);                        /* bit 7 is ignored at level 0: kept 0 */
    assert_true(e & EPT_OWNED);
    assert_true(ept_is_leaf(e, 0));
}

static void large_leaves_set_bit_7(void **state)
{
    (void)state;
    uint64_t e2 = ept_leaf(0x40200000, BH_M_R | BH_M_X, 1, 0);
    assert_int_equal(e2 & EPT_ADDR, 0x40200000);
    assert_int_equal(e2 & 7, EPT_R | EPT_X);
    assert_int_equal((e2 >> 3) & 7, 6);
    assert_true(e2 & EPT_LARGE);
    assert_int_equal(e2 & EPT_OWNED, 0);
    assert_true(ept_is_leaf(e2, 1));
    uint64_t e1 = ept_leaf(3 * GB1, BH_M_R, 2, 0);
    assert_int_equal(e1 & EPT_ADDR, 3 * GB1);
    assert_int_equal(e1 & 7, EPT_R);
    assert_true(ept_is_leaf(e1, 2));
    /* a table pointer (no bit 7) is not a leaf above level 0 */
    assert_false(ept_is_leaf(0x5000 | EPT_R | EPT_W | EPT_X, 1));
    assert_false(ept_is_leaf(0x5000 | EPT_R | EPT_W | EPT_X, 2));
}

static void rights_beyond_rwx_do_not_leak(void **state)
{
    (void)state;
    uint64_t e = ept_leaf(MB2, BH_M_R | BH_M_W | BH_M_X | BH_M_DMA | (1u << 7), 1, 0);
    assert_int_equal(e & ~(EPT_ADDR | EPT_LARGE | EPT_WB | 7), 0);
    /* low address bits never reach the entry's flags */
    assert_int_equal(ept_leaf(0x1fff, BH_M_R, 0, 0) & ~EPT_ADDR, EPT_WB | EPT_R);
}

static void what_a_leaf_fits(void **state)
{
    (void)state;
    assert_true(ept_leaf_fits(0x200000, 0x400000, 1));
    assert_false(ept_leaf_fits(0x201000, 0x400000, 1));        /* gpa misaligned */
    assert_false(ept_leaf_fits(0x200000, 0x401000, 1));        /* pa misaligned */
    assert_true(ept_leaf_fits(GB1, 2 * GB1, 2));
    assert_false(ept_leaf_fits(MB2, 2 * GB1, 2));
    assert_true(ept_leaf_fits(0x7000, 0x9000, 0));
    assert_false(ept_leaf_fits(0x7800, 0x9000, 0));
    assert_false(ept_leaf_fits(EPT_GPA_TOP, 0, 1));             /* past the 4-level walk */
    assert_true(ept_leaf_fits(EPT_GPA_TOP - MB2, 0, 1));
    assert_false(ept_leaf_fits(0, 0, 3));                      /* no 512 GiB leaves */
}

#define MT(e) (((e) >> 3) & 7)

static void ram_is_write_back_with_its_rights(void **state)
{
    (void)state;
    uint64_t e = ept_leaf(0x123456000ull, BH_M_R | BH_M_W | BH_M_X, 0, EPT_OWNED);
    assert_int_equal(MT(e), 6);                       /* WB */
    assert_true(e & EPT_R && e & EPT_W && e & EPT_X);
    assert_true(e & EPT_OWNED);
    assert_false(e & EPT_DEVICE);
    assert_int_equal(e & EPT_ADDR, 0x123456000ull);
    e = ept_leaf(0x5000, BH_M_R, 0, 0);
    assert_int_equal(e, 0x5000ull | EPT_WB | EPT_R);
}

static void device_memory_is_uncached_and_never_executable(void **state)
{
    (void)state;
    uint64_t e = ept_leaf(0xfebf0000ull, BH_M_R | BH_M_W | BH_M_X, 0, EPT_DEVICE);
    assert_int_equal(MT(e), 0);                       /* UC */
    assert_true(e & EPT_R && e & EPT_W);
    assert_false(e & EPT_X);
    assert_true(e & EPT_DEVICE);
    assert_false(e & EPT_OWNED);
    assert_false(e & (1ull << 6));                    /* IPAT clear: UC wins anyway */
    assert_int_equal(e & EPT_ADDR, 0xfebf0000ull);
    e = ept_leaf(0xfebf0000ull, BH_M_R, 0, EPT_DEVICE);
    assert_false(e & (EPT_W | EPT_X));
}

static void software_bits_stay_out_of_the_hardware_fields(void **state)
{
    (void)state;
    /* the address field never takes the software bits, and an unaligned
       or oversized address cannot spill into them */
    uint64_t e = ept_leaf(~0ull, BH_M_R, 0, 0);
    assert_false(e & EPT_DEVICE);
    assert_false(e & EPT_OWNED);
    assert_false(e & (1ull << 63));                   /* suppress #VE */
    assert_int_equal(MT(e), 6);
    /* attribute bits other than OWNED and DEVICE are ignored */
    e = ept_leaf(0x1000, BH_M_R, 0, EPT_MT | (1ull << 63));
    assert_int_equal(e, 0x1000ull | EPT_WB | EPT_R);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_per_level),
        cmocka_unit_test(a_4k_leaf),
        cmocka_unit_test(large_leaves_set_bit_7),
        cmocka_unit_test(rights_beyond_rwx_do_not_leak),
        cmocka_unit_test(what_a_leaf_fits),
        cmocka_unit_test(ram_is_write_back_with_its_rights),
        cmocka_unit_test(device_memory_is_uncached_and_never_executable),
        cmocka_unit_test(software_bits_stay_out_of_the_hardware_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
