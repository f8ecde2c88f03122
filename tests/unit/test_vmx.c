/* Host unit tests for hv/arch/x86/vmx_caps.c: VMX control words, fixed
   CR bits and the feature summary hv derives from the capability MSRs. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmx_caps.h"
#include "vmcs.h"

static uint64_t cap(uint32_t allowed0, uint32_t allowed1)
{
    return (uint64_t)allowed1 << 32 | allowed0;
}

static void ctl_forces_allowed0_and_keeps_wanted(void **state)
{
    (void)state;
    uint32_t out, missing;
    /* bits 1,2,4 must be 1; bits 0..7 and 31 may be 1 */
    assert_int_equal(vmx_ctl(cap(0x16, 0x800000ff), PROC_HLT, PROC_SECONDARY, &out, &missing), BH_OK);
    assert_int_equal(out, 0x16u | PROC_HLT | PROC_SECONDARY);
    assert_int_equal(missing, 0);
}

static void ctl_drops_unsupported_wants(void **state)
{
    (void)state;
    uint32_t out, missing;
    assert_int_equal(vmx_ctl(cap(0, 0x0f), 0, 0xf0, &out, &missing), BH_OK);
    assert_int_equal(out, 0);
}

static void ctl_refuses_missing_musts(void **state)
{
    (void)state;
    uint32_t out, missing;
    assert_int_equal(vmx_ctl(cap(0, 0x0f), 0x30, 0x01, &out, &missing), BH_ENOTSUP);
    assert_int_equal(missing, 0x30);
    /* a bit the CPU demands stays set even when nobody asked for it */
    assert_int_equal(vmx_ctl(cap(0x100, 0x1ff), 0, 0, &out, NULL), BH_OK);
    assert_int_equal(out, 0x100);
}

/* The Bochs/GRUB case of platform.md: CR0 = 0xe0000011 has NE clear. */
static void cr_fixed_bits(void **state)
{
    (void)state;
    uint64_t f0 = 0x80000021, f1 = 0xffffffff;   /* PG, NE, PE must be 1 */
    assert_false(vmx_cr_ok(0xe0000011, f0, f1));
    assert_true(vmx_cr_ok(0xe0000031, f0, f1));
    assert_int_equal(vmx_cr_fix(0x11, f0, f1), 0x80000031);
    assert_false(vmx_cr_ok(1ull << 40, 0, f1));   /* beyond fixed1 */
    assert_int_equal(vmx_cr_fix(1ull << 40 | 1, 0, f1), 1);
}

static struct vmx_caps full_caps(void)
{
    struct vmx_caps c = { 0 };
    c.basic = 43 | 6ull << 50 | VMX_BASIC_TRUE_CTLS;
    c.pin = cap(0x16, 0x7f);
    c.proc = cap(0x0401e172, 0xfff9fffe);
    c.proc2 = cap(0, 0x001fffff);
    c.exit = cap(0x36dff, 0x7fffff);
    c.entry = cap(0x11ff, 0xffff);
    c.misc = 5;
    c.ept_vpid = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_1G | EPT_CAP_INVEPT |
                 EPT_CAP_AD | EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL | VPID_CAP_INVVPID |
                 VPID_CAP_SINGLE | VPID_CAP_ALL;
    return c;
}

static void features_of_a_full_cpu(void **state)
{
    (void)state;
    struct vmx_caps c = full_caps();
    struct vmx_features f;
    const char *why = "x";
    vmx_features(&c, &f);
    assert_int_equal(f.revision, 43);
    assert_true(f.ept && f.ept_2m && f.ept_1g && f.ept_ad && f.vpid && f.unrestricted);
    assert_true(f.preempt_timer && f.invept_single && f.invvpid_single);
    assert_int_equal(f.preempt_shift, 5);
    assert_true(vmx_usable(&f, &why));
    assert_string_equal(why, "");
}

static void features_missing_pieces(void **state)
{
    (void)state;
    struct vmx_caps c = full_caps();
    struct vmx_features f;
    const char *why;
    c.proc = cap(0x0401e172, 0x7ff9fffe);            /* no secondary controls */
    vmx_features(&c, &f);
    assert_false(f.ept || f.vpid || f.unrestricted);
    assert_false(vmx_usable(&f, &why));
    assert_non_null(strstr(why, "secondary"));

    c = full_caps();
    c.ept_vpid &= ~EPT_CAP_WB;                       /* no write-back EPT walk */
    vmx_features(&c, &f);
    assert_false(f.ept || f.unrestricted || f.ept_2m);
    assert_false(vmx_usable(&f, &why));
    assert_non_null(strstr(why, "EPT"));

    c = full_caps();
    c.proc2 = cap(0, 0x001fffff & ~PROC2_UNRESTRICTED);
    vmx_features(&c, &f);
    assert_true(f.ept);
    assert_false(vmx_usable(&f, &why));
    assert_non_null(strstr(why, "unrestricted"));

    c = full_caps();
    c.proc = cap(0x0401e172, 0xfff9fffe & ~PROC_MSR_BITMAP);
    vmx_features(&c, &f);
    assert_false(vmx_usable(&f, &why));
    assert_non_null(strstr(why, "MSR"));

    c = full_caps();
    c.proc = cap(0x0401e172, 0xfff9fffe & ~PROC_CR8_STORE);
    vmx_features(&c, &f);
    assert_false(vmx_usable(&f, &why));
    assert_non_null(strstr(why, "CR8"));

    c = full_caps();
    c.ept_vpid &= ~(VPID_CAP_SINGLE | VPID_CAP_ALL);  /* INVVPID with no usable type */
    c.exit = cap(0x36dff, 0x7fffff & ~EXIT_SAVE_PREEMPT);
    vmx_features(&c, &f);
    assert_false(f.vpid);
    assert_false(f.preempt_timer);
    assert_true(vmx_usable(&f, &why));              /* both optional */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ctl_forces_allowed0_and_keeps_wanted),
        cmocka_unit_test(ctl_drops_unsupported_wants),
        cmocka_unit_test(ctl_refuses_missing_musts),
        cmocka_unit_test(cr_fixed_bits),
        cmocka_unit_test(features_of_a_full_cpu),
        cmocka_unit_test(features_missing_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
