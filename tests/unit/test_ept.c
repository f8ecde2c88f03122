/* Host unit tests for the EPT leaf encoding (hv/arch/x86/ept.h,
   ept_leaf): RAM write-back, device memory uncached and never
   executable (Intel SDM Vol. 3C, 29.3.2 and 29.3.7). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ept.h"

#define MT(e) (((e) >> 3) & 7)

static void ram_is_write_back_with_its_rights(void **state)
{
    (void)state;
    uint64_t e = ept_leaf(0x123456000ull, BH_M_R | BH_M_W | BH_M_X, EPT_OWNED);
    assert_int_equal(MT(e), 6);                       /* WB */
    assert_true(e & EPT_R && e & EPT_W && e & EPT_X);
    assert_true(e & EPT_OWNED);
    assert_false(e & EPT_DEVICE);
    assert_int_equal(e & EPT_ADDR, 0x123456000ull);
    e = ept_leaf(0x5000, BH_M_R, 0);
    assert_int_equal(e, 0x5000ull | EPT_WB | EPT_R);
}

static void device_memory_is_uncached_and_never_executable(void **state)
{
    (void)state;
    uint64_t e = ept_leaf(0xfebf0000ull, BH_M_R | BH_M_W | BH_M_X, EPT_DEVICE);
    assert_int_equal(MT(e), 0);                       /* UC */
    assert_true(e & EPT_R && e & EPT_W);
    assert_false(e & EPT_X);
    assert_true(e & EPT_DEVICE);
    assert_false(e & EPT_OWNED);
    assert_false(e & (1ull << 6));                    /* IPAT clear: UC wins anyway */
    assert_int_equal(e & EPT_ADDR, 0xfebf0000ull);
    e = ept_leaf(0xfebf0000ull, BH_M_R, EPT_DEVICE);
    assert_false(e & (EPT_W | EPT_X));
}

static void software_bits_stay_out_of_the_hardware_fields(void **state)
{
    (void)state;
    /* the address field never takes the software bits, and an unaligned
       or oversized address cannot spill into them */
    uint64_t e = ept_leaf(~0ull, BH_M_R, 0);
    assert_false(e & EPT_DEVICE);
    assert_false(e & EPT_OWNED);
    assert_false(e & (1ull << 63));                   /* suppress #VE */
    assert_int_equal(MT(e), 6);
    /* attribute bits other than OWNED and DEVICE are ignored */
    e = ept_leaf(0x1000, BH_M_R, EPT_MT | (1ull << 63));
    assert_int_equal(e, 0x1000ull | EPT_WB | EPT_R);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ram_is_write_back_with_its_rights),
        cmocka_unit_test(device_memory_is_uncached_and_never_executable),
        cmocka_unit_test(software_bits_stay_out_of_the_hardware_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
