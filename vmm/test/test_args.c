/* Host unit tests for vmm/args.c: defaults, every key, the guest's
   command string after "--", and malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "args.h"

static struct vmm_args a;
static char err[128];

static void ok(const char *s)
{
    err[0] = '\0';
    if (vmm_args_parse(s, &a, err, sizeof err) != BH_OK)
        fail_msg("'%s' refused: %s", s, err);
}

static void bad(const char *s, const char *why)
{
    err[0] = '\0';
    assert_int_equal(vmm_args_parse(s, &a, err, sizeof err), BH_EINVAL);
    if (!strstr(err, why))
        fail_msg("'%s': got \"%s\", want \"%s\"", s, err, why);
}

static void test_good(void **state)
{
    (void)state;
    ok("");
    assert_int_equal(a.ram_mib, 4);
    assert_int_equal(a.vcpu_prio, 10);
    assert_int_equal(a.crash_after, 0);
    assert_false(a.hv_leaf);
    assert_false(a.has_cmdline);
    ok("ram-mib=8 vcpu-prio=0x20 crash-after=2000");
    assert_int_equal(a.ram_mib, 8);
    assert_int_equal(a.vcpu_prio, 32);
    assert_int_equal(a.crash_after, 2000);
    ok("  ram-mib=2   -- tests=default mmio=0xfeb00000 expect-hv=BulkheadVMM");
    assert_int_equal(a.ram_mib, 2);
    assert_true(a.has_cmdline);
    assert_string_equal(a.cmdline, "tests=default mmio=0xfeb00000 expect-hv=BulkheadVMM");
    ok("--");
    assert_true(a.has_cmdline);
    assert_string_equal(a.cmdline, "");
    ok("-- ram-mib=99 --");                /* all of it is the guest's */
    assert_int_equal(a.ram_mib, 4);
    assert_string_equal(a.cmdline, "ram-mib=99 --");
    ok("ram-mib=64 vcpu-prio=255 crash-after=1000000000");
    assert_false(a.hv_leaf);
    ok("hv-leaf=1 -- tests=bench");
    assert_true(a.hv_leaf);
    assert_string_equal(a.cmdline, "tests=bench");
    ok("hv-leaf=0");
    assert_false(a.hv_leaf);
    ok("hv-leaf=0x1 ram-mib=2");
    assert_true(a.hv_leaf);
    assert_int_equal(a.ram_mib, 2);
    assert_false(a.passthrough);
    ok("passthrough=00:04.0 -- tests=passthrough");
    assert_true(a.passthrough);
    assert_int_equal(a.pt_bdf, 0x20);
    assert_string_equal(a.cmdline, "tests=passthrough");
    ok("ram-mib=8 passthrough=fF:1f.7");
    assert_int_equal(a.pt_bdf, 0xffff);
}

static void test_bad(void **state)
{
    (void)state;
    bad("ram-mib=1", "'ram-mib' needs a number in 2..64");
    bad("ram-mib=65", "2..64");
    bad("ram-mib=", "2..64");
    bad("ram-mib=4x", "2..64");
    bad("ram-mib=0x", "2..64");
    bad("ram-mib=99999999999999999999999", "2..64");
    bad("vcpu-prio=0", "1..255");
    bad("crash-after=0", "1..1000000000");
    bad("hv-leaf=2", "'hv-leaf' needs a number in 0..1");
    bad("hv-leaf", "unknown word 'hv-leaf'");
    bad("hv-leaf=1 hv-leaf=1", "'hv-leaf' given twice");
    bad("ram-mib=4 ram-mib=4", "'ram-mib' given twice");
    bad("rammib=4", "unknown word 'rammib=4' at offset 0");
    bad("ram-mib=4 verbose", "unknown word 'verbose' at offset 10");
    bad("ram-mib", "unknown word 'ram-mib'");
    bad("-", "unknown word '-'");
    bad("--x", "unknown word '--x'");
    bad("passthrough=00:04", "'passthrough' needs a PCI function as BB:DD.F");
    bad("passthrough=00:20.0", "BB:DD.F");        /* device 0x20 */
    bad("passthrough=00:04.8", "BB:DD.F");        /* function 8 */
    bad("passthrough=0:04.0", "BB:DD.F");
    bad("passthrough=00:04.0x", "BB:DD.F");
    bad("passthrough=0g:04.0", "BB:DD.F");
    bad("passthrough=", "BB:DD.F");
    bad("passthrough", "unknown word 'passthrough'");
    bad("passthrough=00:04.0 passthrough=00:04.0", "'passthrough' given twice");
    char big[400];
    memset(big, 'a', sizeof big);
    memcpy(big, "-- ", 3);
    big[3 + VMM_CMDLINE_MAX] = '\0';
    bad(big, "longer than 255");
    big[3 + VMM_CMDLINE_MAX - 1] = '\0';
    ok(big);
    assert_int_equal(strlen(a.cmdline), VMM_CMDLINE_MAX - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
