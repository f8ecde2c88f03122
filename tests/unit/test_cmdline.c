/* Host unit tests for hv/cmdline.c: loaders, argument start, module
 * strings and the option parser, including malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"

static struct hv_opts opts;
static struct cmdline_diag diag;

static enum bh_status parse(const char *args)
{
    return cmdline_parse(args, &opts, &diag);
}

/* True if some diag message equals text exactly. */
static int has_msg(const char *text)
{
    uint32_t i;
    for (i = 0; i < diag.count; i++) {
        if (strcmp(diag.msg[i], text) == 0)
            return 1;
    }
    return 0;
}

static void expect_msg(const char *text)
{
    uint32_t i;
    if (has_msg(text))
        return;
    for (i = 0; i < diag.count; i++)
        print_message("diag[%u]: %s\n", i, diag.msg[i]);
    fail_msg("missing diag message: %s", text);
}

static void assert_defaults(const struct hv_opts *o)
{
    assert_int_equal(o->serial_port, 0x3f8);
    assert_int_equal(o->serial_baud, 115200);
    assert_int_equal(o->exit_action, HV_EXIT_HALT);
    assert_int_equal(o->smp_max, 0);
    assert_int_equal(o->apic, HV_APIC_AUTO);
    assert_int_equal(o->timer, HV_TIMER_AUTO);
    assert_string_equal(o->root, "");
    assert_int_equal(o->test_count, 0);
    assert_int_equal(o->debugexit_port, 0);
    assert_int_equal(o->loglevel, 6);
    assert_false(o->no_1g);
}

/* ---- loaders and argument start --------------------------------------- */

static void test_loader_names(void **state)
{
    (void)state;
    assert_int_equal(cmdline_loader("qemu"), BOOT_LOADER_QEMU);
    assert_int_equal(cmdline_loader("QEMU"), BOOT_LOADER_QEMU);
    assert_int_equal(cmdline_loader("iPXE 1.0.0+ (g1234abc)"), BOOT_LOADER_IPXE);
    assert_int_equal(cmdline_loader("GRUB 2.06-13+deb12u1"), BOOT_LOADER_GRUB);
    assert_int_equal(cmdline_loader("GRUB"), BOOT_LOADER_GRUB);
    assert_int_equal(cmdline_loader("qemux"), BOOT_LOADER_UNKNOWN);
    assert_int_equal(cmdline_loader("GRUBBY"), BOOT_LOADER_UNKNOWN);
    assert_int_equal(cmdline_loader("Limine"), BOOT_LOADER_UNKNOWN);
    assert_int_equal(cmdline_loader(""), BOOT_LOADER_UNKNOWN);
    assert_int_equal(cmdline_loader(NULL), BOOT_LOADER_UNKNOWN);
}

static void test_args_qemu(void **state)
{
    (void)state;
    assert_string_equal(
        cmdline_args("/path/hv.bin serial=0x3f8,115200 smp=2", BOOT_LOADER_QEMU),
        "serial=0x3f8,115200 smp=2");
    assert_string_equal(cmdline_args("build/hv.bin", BOOT_LOADER_QEMU), "");
    assert_string_equal(cmdline_args("build/hv.bin ", BOOT_LOADER_QEMU), "");
    assert_string_equal(cmdline_args("hv.bin\tnosmp", BOOT_LOADER_QEMU),
                        "nosmp");
}

static void test_args_ipxe(void **state)
{
    (void)state;
    assert_string_equal(cmdline_args("tftp://10.0.2.2/hv.bin serial=com2 "
                                     "exit=poweroff",
                                     BOOT_LOADER_IPXE),
                        "serial=com2 exit=poweroff");
    assert_string_equal(cmdline_args("http://h/x/hv.bin", BOOT_LOADER_IPXE), "");
}

static void test_args_grub(void **state)
{
    (void)state;
    assert_string_equal(cmdline_args("serial=com2 smp=1", BOOT_LOADER_GRUB),
                        "serial=com2 smp=1");
    assert_string_equal(cmdline_args("  nosmp", BOOT_LOADER_GRUB), "nosmp");
    assert_string_equal(cmdline_args("", BOOT_LOADER_GRUB), "");
}

static void test_args_unknown(void **state)
{
    (void)state;
    assert_string_equal(cmdline_args("/boot/hv.bin a=b", BOOT_LOADER_UNKNOWN),
                        "a=b");
    assert_string_equal(cmdline_args("tftp://1.2.3.4/hv a=b",
                                     BOOT_LOADER_UNKNOWN),
                        "a=b");
    assert_string_equal(cmdline_args("smp=2 x", BOOT_LOADER_UNKNOWN),
                        "smp=2 x");
    assert_string_equal(cmdline_args("nosmp smp=2", BOOT_LOADER_UNKNOWN),
                        "nosmp smp=2");
    assert_string_equal(cmdline_args("root=a/b x", BOOT_LOADER_UNKNOWN),
                        "root=a/b x");
    assert_string_equal(cmdline_args("hv.bin a=b", BOOT_LOADER_UNKNOWN),
                        "hv.bin a=b");
    assert_string_equal(cmdline_args(NULL, BOOT_LOADER_QEMU), "");
    assert_string_equal(cmdline_args("", BOOT_LOADER_UNKNOWN), "");
}

/* ---- module strings ---------------------------------------------------- */

static void check_module(const char *raw, const char *name, const char *args)
{
    struct cmdline_module m;
    memset(&m, 0x55, sizeof(m));
    cmdline_module(raw, &m);
    assert_string_equal(m.name, name);
    assert_string_equal(m.args, args);
    assert_false(m.name_truncated);
    assert_false(m.args_truncated);
}

static void test_module_loaders(void **state)
{
    (void)state;
    check_module("build/root.elf a=b", "root.elf", "a=b");
    check_module("tftp://10.0.2.2/root.elf a=b  c=d", "root.elf", "a=b  c=d");
    check_module("root.elf a=b", "root.elf", "a=b");
    check_module("/boot/root.elf", "root.elf", "");
}

static void test_module_edge(void **state)
{
    (void)state;
    check_module("", "", "");
    check_module(NULL, "", "");
    check_module("   \t ", "", "");
    check_module("\troot.elf\tx=1\ty=2\t\n", "root.elf", "x=1\ty=2");
    check_module("dir/", "", "");
    check_module("a/b/c/d", "d", "");
    check_module("///", "", "");
}

static void test_module_truncation(void **state)
{
    char raw[1200];
    struct cmdline_module m;
    (void)state;

    memset(raw, 'n', 100);
    raw[100] = ' ';
    memset(raw + 101, 'a', 400);
    raw[501] = '\0';
    cmdline_module(raw, &m);
    assert_int_equal(strlen(m.name), 63);
    assert_true(m.name_truncated);
    assert_int_equal(strlen(m.args), 255);
    assert_true(m.args_truncated);

    memset(raw, 'n', 63);
    raw[63] = ' ';
    memset(raw + 64, 'a', 255);
    raw[319] = '\0';
    cmdline_module(raw, &m);
    assert_int_equal(strlen(m.name), 63);
    assert_false(m.name_truncated);
    assert_int_equal(strlen(m.args), 255);
    assert_false(m.args_truncated);
}

/* ---- option parsing: good input --------------------------------------- */

static void test_parse_empty(void **state)
{
    (void)state;
    assert_int_equal(parse(""), BH_OK);
    assert_defaults(&opts);
    assert_int_equal(diag.count, 0);
    assert_int_equal(parse(NULL), BH_OK);
    assert_defaults(&opts);
    assert_int_equal(parse(" \t  \t"), BH_OK);
    assert_defaults(&opts);
    assert_int_equal(cmdline_parse("", &opts, NULL), BH_OK);
    assert_int_equal(cmdline_parse("", NULL, &diag), BH_EINVAL);
}

static void test_parse_serial(void **state)
{
    (void)state;
    assert_int_equal(parse("serial=0x2f8,9600"), BH_OK);
    assert_int_equal(opts.serial_port, 0x2f8);
    assert_int_equal(opts.serial_baud, 9600);
    assert_int_equal(parse("serial=com1"), BH_OK);
    assert_int_equal(opts.serial_port, 0x3f8);
    assert_int_equal(parse("serial=com2"), BH_OK);
    assert_int_equal(opts.serial_port, 0x2f8);
    assert_int_equal(parse("serial=COM3,300"), BH_OK);
    assert_int_equal(opts.serial_port, 0x3e8);
    assert_int_equal(opts.serial_baud, 300);
    assert_int_equal(parse("serial=com4,57600"), BH_OK);
    assert_int_equal(opts.serial_port, 0x2e8);
    assert_int_equal(parse("serial=1016"), BH_OK);
    assert_int_equal(opts.serial_port, 0x3f8);
    assert_int_equal(parse("serial=0xfff8,2"), BH_OK);
    assert_int_equal(opts.serial_port, 0xfff8);
    assert_int_equal(opts.serial_baud, 2);
    assert_int_equal(parse("serial=off"), BH_OK);
    assert_int_equal(opts.serial_port, 0);
    static const unsigned bauds[] = { 115200, 57600, 38400, 19200, 9600,
                                      4800,   2400,  1200,  300,   50 };
    for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "serial=com1,%u", bauds[i]);
        assert_int_equal(parse(buf), BH_OK);
        assert_int_equal(opts.serial_baud, bauds[i]);
    }
}

static void test_parse_enums(void **state)
{
    (void)state;
    assert_int_equal(parse("exit=poweroff apic=x2apic timer=tsc-deadline"),
                     BH_OK);
    assert_int_equal(opts.exit_action, HV_EXIT_POWEROFF);
    assert_int_equal(opts.apic, HV_APIC_X2APIC);
    assert_int_equal(opts.timer, HV_TIMER_TSC_DEADLINE);
    assert_int_equal(parse("exit=reboot apic=xapic timer=lapic"), BH_OK);
    assert_int_equal(opts.exit_action, HV_EXIT_REBOOT);
    assert_int_equal(opts.apic, HV_APIC_XAPIC);
    assert_int_equal(opts.timer, HV_TIMER_LAPIC);
    assert_int_equal(parse("exit=halt apic=auto timer=auto"), BH_OK);
    assert_defaults(&opts);
}

static void test_parse_numbers(void **state)
{
    (void)state;
    assert_int_equal(parse("smp=4 debugexit=0xf4 loglevel=0"), BH_OK);
    assert_int_equal(opts.smp_max, 4);
    assert_int_equal(opts.debugexit_port, 0xf4);
    assert_int_equal(opts.loglevel, 0);
    assert_int_equal(parse("smp=256 loglevel=7 debugexit=65535"), BH_OK);
    assert_int_equal(opts.smp_max, 256);
    assert_int_equal(opts.loglevel, 7);
    assert_int_equal(opts.debugexit_port, 0xffff);
    assert_int_equal(parse("smp=0X1"), BH_OK);
    assert_int_equal(opts.smp_max, 1);
    assert_int_equal(parse("nosmp"), BH_OK);
    assert_int_equal(opts.smp_max, 1);
    assert_false(opts.no_1g);
    assert_int_equal(parse("no1g"), BH_OK);
    assert_true(opts.no_1g);
}

static void test_parse_root_and_tests(void **state)
{
    (void)state;
    assert_int_equal(parse("root=vmm.elf test=ept,vmx_basic,a-b,0"), BH_OK);
    assert_string_equal(opts.root, "vmm.elf");
    assert_int_equal(opts.test_count, 4);
    assert_string_equal(opts.test[0], "ept");
    assert_string_equal(opts.test[1], "vmx_basic");
    assert_string_equal(opts.test[2], "a-b");
    assert_string_equal(opts.test[3], "0");
    assert_int_equal(parse("id=rack4-node17"), BH_OK);
    assert_string_equal(opts.id, "rack4-node17");
}

static void test_parse_tabs(void **state)
{
    (void)state;
    assert_int_equal(parse("\tsmp=2\t\texit=reboot\t loglevel=3 \r\n"), BH_OK);
    assert_int_equal(opts.smp_max, 2);
    assert_int_equal(opts.exit_action, HV_EXIT_REBOOT);
    assert_int_equal(opts.loglevel, 3);
}

/* ---- option parsing: malformed input ---------------------------------- */

static void test_bad_serial(void **state)
{
    (void)state;
    assert_int_equal(parse("serial=com1,7"), BH_EINVAL);
    expect_msg("serial: bad baud '7' (ignored, using 115200)");
    assert_int_equal(opts.serial_port, 0x3f8);
    assert_int_equal(opts.serial_baud, 115200);

    assert_int_equal(parse("serial=0,9600"), BH_EINVAL);
    expect_msg("serial: bad port '0', need com1..com4 or 1..0xfff8 "
               "(ignored, using 0x3f8)");
    assert_int_equal(opts.serial_baud, 9600);

    assert_int_equal(parse("serial=0xfff9"), BH_EINVAL);
    assert_int_equal(parse("serial=com5"), BH_EINVAL);
    assert_int_equal(parse("serial=0x3f8x"), BH_EINVAL);
    assert_int_equal(parse("serial=0x"), BH_EINVAL);
    assert_int_equal(parse("serial=com1,"), BH_EINVAL);
    expect_msg("serial: bad baud '' (ignored, using 115200)");
    assert_int_equal(parse("serial=com1,115201"), BH_EINVAL);
    assert_int_equal(parse("serial=com1,1"), BH_EINVAL);
    assert_int_equal(parse("serial=com1,0"), BH_EINVAL);
    assert_int_equal(parse("serial=com1,9600,1"), BH_EINVAL);
    assert_int_equal(parse("serial=off,9600"), BH_EINVAL);
    assert_int_equal(opts.serial_baud, 9600);
    assert_int_equal(parse("serial=99999999999999999999999"), BH_EINVAL);
    assert_int_equal(opts.serial_port, 0x3f8);
}

static void test_bad_enums(void **state)
{
    (void)state;
    assert_int_equal(parse("exit=explode"), BH_EINVAL);
    expect_msg("exit: bad value 'explode' (ignored, using halt)");
    assert_int_equal(parse("exit=poweroff exit=HALT"), BH_EINVAL);
    expect_msg("exit: bad value 'HALT' (ignored, using poweroff)");
    assert_int_equal(opts.exit_action, HV_EXIT_POWEROFF);
    assert_int_equal(parse("apic=x3apic timer=tsc"), BH_EINVAL);
    expect_msg("apic: bad value 'x3apic' (ignored, using auto)");
    expect_msg("timer: bad value 'tsc' (ignored, using auto)");
    assert_defaults(&opts);
}

static void test_bad_numbers(void **state)
{
    (void)state;
    assert_int_equal(parse("smp=99999999999999999999"), BH_EINVAL);
    expect_msg("smp: number too large '99999999999999999999', need 1..256 "
               "(ignored, using all)");
    assert_int_equal(opts.smp_max, 0);
    assert_int_equal(parse("smp=0"), BH_EINVAL);
    expect_msg("smp: out of range '0', need 1..256 (ignored, using all)");
    assert_int_equal(parse("smp=257"), BH_EINVAL);
    assert_int_equal(parse("smp=2x"), BH_EINVAL);
    expect_msg("smp: bad number '2x', need 1..256 (ignored, using all)");
    assert_int_equal(parse("smp=-1"), BH_EINVAL);
    assert_int_equal(parse("smp=+1"), BH_EINVAL);
    assert_int_equal(parse("smp=0x1g"), BH_EINVAL);
    assert_int_equal(parse("smp=0xffffffffffffffff"), BH_EINVAL);
    assert_int_equal(parse("smp=0x10000000000000000"), BH_EINVAL);
    assert_int_equal(parse("smp=18446744073709551616"), BH_EINVAL);
    expect_msg("smp: number too large '18446744073709551616', need 1..256 "
               "(ignored, using all)");
    assert_int_equal(parse("loglevel=8"), BH_EINVAL);
    expect_msg("loglevel: out of range '8', need 0..7 (ignored, using 6)");
    assert_int_equal(parse("debugexit=0"), BH_EINVAL);
    assert_int_equal(parse("debugexit=0x10000"), BH_EINVAL);
    expect_msg("debugexit: out of range '0x10000', need 1..0xffff "
               "(ignored, using none)");
    assert_defaults(&opts);
}

static void test_bad_shapes(void **state)
{
    (void)state;
    assert_int_equal(parse("smp="), BH_EINVAL);
    expect_msg("smp: empty value (ignored)");
    assert_int_equal(parse("smp"), BH_EINVAL);
    expect_msg("smp: needs a value (ignored)");
    assert_int_equal(parse("nosmp=1"), BH_EINVAL);
    expect_msg("nosmp: takes no value '1' (ignored)");
    assert_int_equal(opts.smp_max, 0);
    assert_int_equal(parse("no1g=yes"), BH_EINVAL);
    expect_msg("no1g: takes no value 'yes' (ignored)");
    assert_false(opts.no_1g);
    assert_int_equal(parse("frobnicate=3 quiet"), BH_EINVAL);
    expect_msg("frobnicate: unknown option (ignored)");
    expect_msg("quiet: unknown option (ignored)");
    assert_int_equal(parse("=3"), BH_EINVAL);
    expect_msg(": unknown option (ignored)");
    assert_int_equal(parse("Serial=com2"), BH_EINVAL);
    assert_int_equal(parse("serial==com2"), BH_EINVAL);
    assert_defaults(&opts);
}

static void test_duplicates(void **state)
{
    (void)state;
    assert_int_equal(parse("smp=2 smp=3"), BH_EINVAL);
    expect_msg("smp: given more than once (last wins)");
    assert_int_equal(opts.smp_max, 3);
    assert_int_equal(parse("smp=4 nosmp"), BH_EINVAL);
    expect_msg("nosmp: given more than once (last wins)");
    assert_int_equal(opts.smp_max, 1);
    assert_int_equal(parse("loglevel=2 loglevel=9"), BH_EINVAL);
    assert_int_equal(opts.loglevel, 2);
    assert_int_equal(diag.count, 2);
}

static void test_bad_root_and_tests(void **state)
{
    char buf[200];
    (void)state;

    snprintf(buf, sizeof(buf), "root=%064d", 0);
    assert_int_equal(parse(buf), BH_EINVAL);
    assert_string_equal(opts.root, "");
    snprintf(buf, sizeof(buf), "root=%063d", 0);
    assert_int_equal(parse(buf), BH_OK);
    assert_int_equal(strlen(opts.root), 63);

    snprintf(buf, sizeof(buf), "id=%064d", 0);
    assert_int_equal(parse(buf), BH_EINVAL);
    assert_string_equal(opts.id, "");
    assert_int_equal(diag.count, 1);
    assert_non_null(strstr(diag.msg[0], "id: label too long"));

    assert_int_equal(parse("test=ept,EPT,,vmx"), BH_EINVAL);
    expect_msg("test: bad name 'EPT', need 1..31 of [a-z0-9_-] (ignored)");
    expect_msg("test: bad name '', need 1..31 of [a-z0-9_-] (ignored)");
    assert_int_equal(opts.test_count, 2);
    assert_string_equal(opts.test[1], "vmx");

    assert_int_equal(parse("test=a,"), BH_EINVAL);
    assert_int_equal(opts.test_count, 1);
    snprintf(buf, sizeof(buf), "test=%032d", 0);
    assert_int_equal(parse(buf), BH_EINVAL);
    assert_int_equal(opts.test_count, 0);
    snprintf(buf, sizeof(buf), "test=%031d", 0);
    assert_int_equal(parse(buf), BH_OK);
    assert_int_equal(opts.test_count, 1);

    assert_int_equal(parse("test=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p"), BH_OK);
    assert_int_equal(opts.test_count, 16);
    assert_int_equal(parse("test=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r"),
                     BH_EINVAL);
    expect_msg("test: more than 16 names (rest ignored)");
    assert_int_equal(opts.test_count, 16);
    assert_string_equal(opts.test[15], "p");

    assert_int_equal(parse("test=a test=b"), BH_EINVAL);
    assert_int_equal(opts.test_count, 1);
    assert_string_equal(opts.test[0], "b");
}

static void test_diag_limits(void **state)
{
    char buf[64 * 20];
    size_t i, len = 0;
    (void)state;

    for (i = 0; i < 20; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "bad%zu ", i);
    assert_int_equal(parse(buf), BH_EINVAL);
    assert_int_equal(diag.count, 16);
    assert_int_equal(diag.dropped, 4);
    assert_string_equal(diag.msg[15], "bad15: unknown option (ignored)");
    assert_int_equal(cmdline_parse(buf, &opts, NULL), BH_EINVAL);
}

static void test_hostile_text(void **state)
{
    char *big;
    size_t i;
    (void)state;

    /* Unprintable bytes and long values are sanitised and cut. */
    assert_int_equal(parse("exit=\x01\x7f\xff"), BH_EINVAL);
    expect_msg("exit: bad value '\?\?\?' (ignored, using halt)");
    assert_int_equal(parse("exit=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                     BH_EINVAL);
    expect_msg("exit: bad value 'aaaaaaaaaaaaaaaaaaaaaaaa...' (ignored, "
               "using halt)");

    /* One token of 1 MB, then many tokens: bounded, no crash. */
    big = malloc(1u << 20);
    assert_non_null(big);
    memset(big, 'x', (1u << 20) - 1);
    big[(1u << 20) - 1] = '\0';
    memcpy(big, "smp=", 4);
    assert_int_equal(parse(big), BH_EINVAL);
    assert_int_equal(diag.count, 1);
    for (i = 0; i + 6 < (1u << 20); i += 6)
        memcpy(big + i, "smp=2 ", 6);
    assert_int_equal(parse(big), BH_EINVAL);
    assert_int_equal(opts.smp_max, 2);
    assert_int_equal(diag.count, 16);
    assert_true(diag.dropped > 1000);
    for (i = 0; i < diag.count; i++)
        assert_true(strlen(diag.msg[i]) < CMDLINE_DIAG_LEN);
    free(big);
}

/* Every message stays NUL-terminated within its buffer for any byte mix. */
static void test_fuzz(void **state)
{
    static const char alphabet[] = "sm=p,x0x1 \tserial=com2,96exitloglevel"
                                   "test=a_b-\x01\xff/root=";
    char buf[96];
    uint32_t seed = 12345;
    int iter;
    size_t i;
    (void)state;

    for (iter = 0; iter < 20000; iter++) {
        size_t n = (seed >> 8) % (sizeof(buf) - 1);
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        buf[n] = '\0';
        (void)parse(buf);
        assert_true(diag.count <= CMDLINE_DIAG_MAX);
        for (i = 0; i < diag.count; i++)
            assert_true(memchr(diag.msg[i], '\0', CMDLINE_DIAG_LEN) != NULL);
        assert_true(opts.smp_max <= HV_SMP_MAX);
        assert_true(opts.loglevel <= 7);
        assert_true(opts.test_count <= HV_OPTS_TESTS_MAX);
        assert_true(opts.serial_port <= 0xfff8);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_names),
        cmocka_unit_test(test_args_qemu),
        cmocka_unit_test(test_args_ipxe),
        cmocka_unit_test(test_args_grub),
        cmocka_unit_test(test_args_unknown),
        cmocka_unit_test(test_module_loaders),
        cmocka_unit_test(test_module_edge),
        cmocka_unit_test(test_module_truncation),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_serial),
        cmocka_unit_test(test_parse_enums),
        cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_parse_root_and_tests),
        cmocka_unit_test(test_parse_tabs),
        cmocka_unit_test(test_bad_serial),
        cmocka_unit_test(test_bad_enums),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_bad_shapes),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bad_root_and_tests),
        cmocka_unit_test(test_diag_limits),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
