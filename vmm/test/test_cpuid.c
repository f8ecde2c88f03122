/* Host unit tests for the guest's CPUID (vmm/cpuid.c) on a made-up CPU:
   the start-up table answers exactly what filtering each leaf afresh
   would, for every subleaf, and the filter hides what it must. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "cpuid.h"

static uint32_t basic_max = 0x20, ext_max = 0x80000008u;
static unsigned host_calls;

/* Leaves whose answer depends on ECX on real CPUs (Intel SDM Vol. 2A,
   CPUID): those vary with the subleaf here, every other one does not. */
static int by_sub(uint32_t leaf)
{
    static const uint32_t subs[] = { 4, 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1a,
                                     0x1b, 0x1d, 0x1e, 0x1f, 0x8000001du, 0x80000020u };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (subs[i] == leaf)
            return 1;
    return 0;
}

void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);
void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    host_calls++;
    uint32_t s = by_sub(leaf) ? sub : 0;
    r[0] = leaf * 0x9e3779b9u ^ s, r[1] = ~leaf + s * 3, r[2] = 0xffffffffu ^ s << 4,
    r[3] = 0xffffffffu - s;
    if (leaf == 0)
        r[0] = basic_max;
    if (leaf == 0x80000000u)
        r[0] = ext_max;
}

static void check_all(void)
{
    static const uint32_t bases[] = { 0, 0x80000000u };
    for (unsigned b = 0; b < 2; b++)
        for (uint32_t l = bases[b]; l < bases[b] + 0x30; l++)
            for (uint32_t sub = 0; sub < 4; sub++) {
                uint32_t want[4], got[4];
                cpuid_guest(l, sub, want);
                const uint32_t *t = cpuid_cached(l);
                if (t)
                    memcpy(got, t, sizeof got);
                else
                    cpuid_guest(l, sub, got);
                if (memcmp(want, got, sizeof got))
                    fail_msg("leaf %#x subleaf %u: the table's answer differs", l, sub);
            }
}

static void test_table_matches_filter(void **state)
{
    (void)state;
    cpuid_init();
    check_all();
    basic_max = 0x7, ext_max = 0x80000004u;        /* a smaller CPU: fewer leaves */
    cpuid_init();
    check_all();
    uint32_t r[4];
    cpuid_guest(8, 0, r);                           /* beyond the top: all zero */
    assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
    basic_max = 0x20, ext_max = 0x80000008u;
}

static void test_table_scope(void **state)
{
    (void)state;
    cpuid_init();
    assert_non_null(cpuid_cached(0));
    assert_non_null(cpuid_cached(1));
    assert_non_null(cpuid_cached(0x80000001u));
    assert_null(cpuid_cached(4));                   /* subleaf-dependent */
    assert_null(cpuid_cached(7));
    assert_null(cpuid_cached(0xb));
    assert_null(cpuid_cached(0x20));                /* beyond the table */
    assert_null(cpuid_cached(0x40000000u));         /* the VMM's own range */
    assert_null(cpuid_cached(0xc0000000u));
    host_calls = 0;                                 /* a lookup asks no host */
    for (uint32_t l = 0; l < 4; l++)
        (void)cpuid_cached(l);
    assert_int_equal(host_calls, 0);
}

static void test_filter(void **state)
{
    (void)state;
    cpuid_init();
    const uint32_t *l0 = cpuid_cached(0), *l1 = cpuid_cached(1);
    assert_int_equal(l0[0], 0x16);                  /* capped at the highest leaf it knows */
    assert_true(l1[2] & 1u << 31);                  /* the hypervisor bit */
    assert_false(l1[2] & 1u << 5);                  /* no VMX */
    assert_false(l1[2] & 1u << 26);                 /* no XSAVE */
    assert_false(l1[2] & 1u << 27);                 /* no OSXSAVE */
    assert_int_equal(l1[1] >> 16 & 0xff, 1);        /* one logical CPU */
    assert_int_equal(l1[1] >> 24, 0);               /* APIC ID 0 */
    const uint32_t *ld = cpuid_cached(0xd);
    assert_true(!ld[0] && !ld[1] && !ld[2] && !ld[3]);   /* XSAVE state: hidden */
    uint32_t r[4];
    cpuid_guest(0x40000000u, 0, r);
    char name[13] = { 0 };
    memcpy(name, &r[1], 4), memcpy(name + 4, &r[2], 4), memcpy(name + 8, &r[3], 4);
    assert_string_equal(name, "BulkheadVMM");
    cpuid_guest(7, 1, r);                           /* only subleaf 0 of leaf 7 */
    assert_true(!r[0] && !r[1] && !r[2] && !r[3]);
    cpuid_guest(0xb, 1, r);
    assert_int_equal(r[2], 2u << 8 | 1);            /* level 1: a core */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_filter),
        cmocka_unit_test(test_table_scope),
        cmocka_unit_test(test_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
