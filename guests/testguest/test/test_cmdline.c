/* Host unit test of the test guest's command-string parser
 * (guests/testguest/cmdline.c): every key, every error, and random and
 * truncated input in exact-size heap buffers, so that ASan sees any read
 * past the bytes the parser was given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../cmdline.h"

#define CAP 256u

static struct guest_opts opts;
static struct cmdline_error err;

/* Parses S from an exact-size copy (NUL included), with cap CAP. */
static int parse(const char *s)
{
    size_t n = strlen(s) + 1;
    char *buf = malloc(n);
    int rc;

    assert_non_null(buf);
    memcpy(buf, s, n);
    err = (struct cmdline_error){ 0, NULL };
    rc = cmdline_parse(buf, n < CAP ? n : CAP, &opts, &err);
    free(buf);
    return rc;
}

static void assert_defaults(const struct guest_opts *o)
{
    assert_int_equal(o->tests, TESTS_DEFAULT);
    assert_false(o->mmio_given);
    assert_false(o->hostile_given);
    assert_false(o->window_given);
    assert_false(o->ports_given);
    assert_false(o->expect_hv);
    assert_string_equal(o->hv_sig, "");
    assert_false(o->bench_given);
    assert_int_equal(o->bench_batches, BENCH_BATCHES_DEFAULT);
    assert_int_equal(o->bench_ops, BENCH_OPS_DEFAULT);
}

/* S must be refused at byte OFFSET, leaving the defaults. */
static void refused(const char *s, size_t offset)
{
    if (parse(s) != -1)
        fail_msg("accepted: \"%s\"", s);
    assert_non_null(err.msg);
    if (err.offset != offset)
        fail_msg("\"%s\": error at %zu (%s), expected %zu", s, err.offset, err.msg, offset);
    assert_defaults(&opts);
}

static void test_empty(void **state)
{
    (void)state;
    assert_int_equal(parse(""), 0);
    assert_defaults(&opts);
    assert_int_equal(parse(" \t\r\n  "), 0);
    assert_defaults(&opts);
}

static void test_tests(void **state)
{
    (void)state;
    assert_int_equal(parse("tests=cpuid"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_CPUID));
    assert_int_equal(parse("tests=basic"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES));
    assert_int_equal(parse("tests=basic,cpuid,msr,pio,exc,hlt"), 0);
    assert_int_equal(opts.tests, TESTS_DEFAULT & ~TEST_BIT(T_MMIO));
    assert_int_equal(parse("tests=passthrough"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_PASSTHROUGH));
    assert_false(TESTS_DEFAULT & TEST_BIT(T_PASSTHROUGH));
    assert_int_equal(parse("tests=default,triple"), 0);
    assert_int_equal(opts.tests, TESTS_DEFAULT | TEST_BIT(T_TRIPLE));
    assert_int_equal(parse("  tests=hostile,mmio\t"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_HOSTILE) | TEST_BIT(T_MMIO));
    for (unsigned t = 0; t < T_COUNT; t++) {
        char s[64];
        snprintf(s, sizeof(s), "tests=%s", cmdline_test_name((enum test_id)t));
        assert_int_equal(parse(s), 0);
        assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(t));
    }
}

static void test_params(void **state)
{
    (void)state;
    assert_int_equal(parse("mmio=0xFED00000"), 0);
    assert_true(opts.mmio_given);
    assert_int_equal(opts.mmio_addr, 0xfed00000u);
    assert_int_equal(opts.tests, TESTS_DEFAULT);
    assert_int_equal(parse("tests=cpuid mmio=4096"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_CPUID) | TEST_BIT(T_MMIO));
    assert_int_equal(opts.mmio_addr, 4096);

    assert_int_equal(parse("hostile=0xffffffffffffffff,100000000 window=0x1000000-0x2000000 "
                           "ports=0x1000-0x10000 tests=basic"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_HOSTILE));
    assert_true(opts.hostile_given);
    assert_true(opts.hostile_seed == UINT64_MAX);
    assert_int_equal(opts.hostile_rounds, 100000000);
    assert_true(opts.window_given);
    assert_int_equal(opts.window_start, 0x1000000);
    assert_int_equal(opts.window_end, 0x2000000);
    assert_true(opts.ports_given);
    assert_int_equal(opts.port_start, 0x1000);
    assert_int_equal(opts.port_end, 0x10000);

    assert_int_equal(parse("expect-hv"), 0);
    assert_true(opts.expect_hv);
    assert_string_equal(opts.hv_sig, "");
    assert_int_equal(parse("expect-hv=BulkheadVMM"), 0);
    assert_true(opts.expect_hv);
    assert_string_equal(opts.hv_sig, "BulkheadVMM");
    assert_int_equal(parse("expect-hv=TCGTCGTCGTCG"), 0);
    assert_string_equal(opts.hv_sig, "TCGTCGTCGTCG");

    assert_int_equal(parse("tests=bench"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_BENCH));
    assert_false(opts.bench_given);
    assert_int_equal(opts.bench_batches, BENCH_BATCHES_DEFAULT);
    assert_int_equal(opts.bench_ops, BENCH_OPS_DEFAULT);
    assert_int_equal(parse("bench=3,2"), 0);            /* selects bench, keeps the default set */
    assert_int_equal(opts.tests, TESTS_DEFAULT | TEST_BIT(T_BENCH));
    assert_true(opts.bench_given);
    assert_int_equal(opts.bench_batches, 3);
    assert_int_equal(opts.bench_ops, 2);
    assert_int_equal(parse("tests=basic bench=2,1"), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_BENCH));
    assert_int_equal(parse("bench=1000,0x3e8 tests=bench"), 0);
    assert_int_equal(opts.bench_batches, 1000);
    assert_int_equal(opts.bench_ops, 1000);
}

static void test_errors(void **state)
{
    (void)state;
    refused("bogus", 0);
    refused("tests=cpuid bogus=1", 12);
    refused("tests=", 6);
    refused("tests=cpuid,,msr", 12);
    refused("tests=cpuid,", 12);
    refused("tests=bogus", 6);
    refused("tests=cpuidx", 6);
    refused("tests=cpu", 6);
    refused("tests=cpuid tests=msr", 12);
    refused("mmio=", 5);
    refused("mmio=0x", 7);
    refused("mmio=12a", 7);
    refused("mmio=0xfed0000g", 14);
    refused("mmio=0xfed00001", 5);
    refused("mmio=0x8000000000", 5);
    refused("mmio=18446744073709551616", 24);
    refused("mmio=0x10000000000000000", 23);
    refused("mmio=-1", 5);
    refused("hostile=1", 9);
    refused("hostile=1,0", 8);
    refused("hostile=1,100000001", 8);
    refused("hostile=,5", 8);
    refused("hostile=1,", 10);
    refused("window=5-5", 7);
    refused("window=0x2000-0x1000", 7);
    refused("window=0-0x8000000001", 7);
    refused("window=0x1000", 13);
    refused("ports=0-0x10001", 6);
    refused("ports=3-2", 6);
    refused("expect-hv=", 10);
    refused("expect-hv=ABCDEFGHIJKLM", 10);
    refused("expect-hv expect-hv=X", 10);
    refused("expect-hvx", 0);
    refused("bench=", 6);
    refused("bench=5", 7);
    refused("bench=1,5", 6);
    refused("bench=1001,5", 6);
    refused("bench=5,0", 6);
    refused("bench=5,1001", 6);
    refused("bench=5,x", 8);
    refused("bench=2,1 bench=2,1", 10);
    refused("tests=benchx", 6);
    refused("tests=cpuid\x01", 11);
    refused("tests=cpu\x80id", 9);
    refused("\x7f", 0);
}

/* 256 bytes and no NUL: refused without reading byte 256. */
static void test_no_nul(void **state)
{
    char *buf = malloc(CAP);

    (void)state;
    assert_non_null(buf);
    memset(buf, 'A', CAP);
    assert_int_equal(cmdline_parse(buf, CAP, &opts, &err), -1);
    assert_int_equal(err.offset, CAP);
    assert_defaults(&opts);
    memcpy(buf, "tests=cpuid ", 12);
    assert_int_equal(cmdline_parse(buf, CAP, &opts, &err), -1);
    buf[CAP - 1] = '\0';                        /* 255 characters: fine if valid */
    memset(buf, ' ', CAP - 1);
    memcpy(buf, "tests=cpuid", 11);
    assert_int_equal(cmdline_parse(buf, CAP, &opts, &err), 0);
    assert_int_equal(opts.tests, TEST_BIT(T_MODES) | TEST_BIT(T_CPUID));
    free(buf);
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_outcome(int rc, size_t cap)
{
    assert_true(rc == 0 || rc == -1);
    if (rc) {
        assert_non_null(err.msg);
        assert_true(err.offset <= cap);
        assert_defaults(&opts);
    } else {
        assert_true(opts.tests & TEST_BIT(T_MODES));
        assert_true(opts.tests < (1u << T_COUNT));
    }
}

/* Every prefix of a long valid string, cut with and without its NUL. */
static void test_truncated(void **state)
{
    static const char good[] = "tests=default,hostile,bench,triple hostile=0x5eed,1000 "
                               "mmio=0xfed00000 window=0x1000000-0x2000000 ports=0x1000-0x2000 "
                               "bench=11,0x10 expect-hv=abc";
    (void)state;
    assert_int_equal(parse(good), 0);
    for (size_t n = 1; n <= sizeof(good); n++) {
        char *buf = malloc(n);
        assert_non_null(buf);
        memcpy(buf, good, n);
        check_outcome(cmdline_parse(buf, n, &opts, &err), n);
        buf[n - 1] = '\0';
        check_outcome(cmdline_parse(buf, n, &opts, &err), n);
        free(buf);
    }
}

/* Random bytes, and random words from the grammar's alphabet. */
static void test_random(void **state)
{
    static const char alphabet[] = "tests=,defaultbasicmodescpuidmsrpioexchltmmiohostiletriple"
                                   " mmio=0x123456789abcdefABCDEF-window=ports=expect-hv=\tbench=";
    (void)state;
    for (unsigned i = 0; i < 200000; i++) {
        size_t n = 1 + next() % CAP;
        char *buf = malloc(n);
        assert_non_null(buf);
        bool words = i & 1;
        for (size_t k = 0; k < n; k++) {
            uint64_t r = next();
            buf[k] = words ? alphabet[r % (sizeof(alphabet) - 1)] : (char)r;
        }
        if (next() & 1)
            buf[next() % n] = '\0';
        check_outcome(cmdline_parse(buf, n, &opts, &err), n);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_tests),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_no_nul),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
