/* Host unit tests for hv/arch/x86/fpu.h: which XCR0 values a guest's
   XSETBV may load (Intel SDM Vol. 1, 13.3), and where the EC's own XCR0
   sits in its save area. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fpu.h"

uint64_t fpu_xcr0;                     /* fpu.c's; unused by these tests */

#define ALL (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512)

static void xcr0_accepts_the_legal_sets(void **state)
{
    (void)state;
    assert_true(xcr0_valid(XCR0_X87, ALL));
    assert_true(xcr0_valid(XCR0_X87 | XCR0_SSE, ALL));
    assert_true(xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX, ALL));
    assert_true(xcr0_valid(ALL, ALL));
}

static void xcr0_refuses_what_the_cpu_would(void **state)
{
    (void)state;
    assert_false(xcr0_valid(0, ALL));                          /* x87 off */
    assert_false(xcr0_valid(XCR0_SSE | XCR0_AVX, ALL));
    assert_false(xcr0_valid(XCR0_X87 | XCR0_AVX, ALL));        /* AVX without SSE */
    assert_false(xcr0_valid(XCR0_X87 | XCR0_SSE | (1ull << 5), ALL));   /* AVX-512 in part */
    assert_false(xcr0_valid(XCR0_X87 | XCR0_SSE | (3ull << 6) | XCR0_AVX, ALL));
    assert_false(xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX512, ALL));   /* AVX-512 without AVX */
}

static void xcr0_refuses_what_hv_does_not_switch(void **state)
{
    (void)state;
    uint64_t avx = XCR0_X87 | XCR0_SSE | XCR0_AVX;
    assert_false(xcr0_valid(ALL, avx));                        /* the CPU may, hv does not */
    assert_false(xcr0_valid(avx | (1ull << 9), ALL));          /* PKRU: never switched */
    assert_false(xcr0_valid(avx | (3ull << 3), ALL));          /* MPX: never switched */
    assert_true(xcr0_valid(avx, avx));
    assert_false(xcr0_valid(XCR0_X87, 0));                     /* no XSAVE: nothing */
}

static void xcr0_lives_in_the_software_bytes(void **state)
{
    (void)state;
    _Alignas(64) uint8_t area[FPU_AREA];
    memset(area, 0x5a, sizeof area);
    fpu_init_area(area);
    assert_int_equal(area[0], 0x7f);
    assert_int_equal(area[1], 0x03);
    assert_int_equal(area[24], 0x80);
    assert_int_equal(area[25], 0x1f);
    for (unsigned i = 512; i < 576; i++)                       /* the XSAVE header: zero */
        assert_int_equal(area[i], 0);
    fpu_set_xcr0(area, 7);
    assert_int_equal(fpu_get_xcr0(area), 7);
    assert_int_equal(area[464], 7);
    assert_int_equal(area[0], 0x7f);                           /* nothing else moved */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xcr0_accepts_the_legal_sets),
        cmocka_unit_test(xcr0_refuses_what_the_cpu_would),
        cmocka_unit_test(xcr0_refuses_what_hv_does_not_switch),
        cmocka_unit_test(xcr0_lives_in_the_software_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
