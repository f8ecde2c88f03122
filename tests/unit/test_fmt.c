/* Unit tests for the kernel's bounded formatter (hv/lib/fmt.c), checked
   against the host C library's snprintf for the shared subset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "lib/fmt.h"

#define SAME(...)                                                        \
    do {                                                                 \
        char a[128], b[128];                                             \
        int na = snfmt(a, sizeof a, __VA_ARGS__);                        \
        int nb = snprintf(b, sizeof b, __VA_ARGS__);                     \
        assert_string_equal(a, b);                                       \
        assert_int_equal(na, nb);                                        \
    } while (0)

static void test_matches_libc(void **state)
{
    (void)state;
    SAME("plain text");
    SAME("%d %i %u", -42, 7, 3000000000u);
    SAME("%ld %lu %lld", -1234567890123L, 18446744073709551615UL, (long long)INT64_MIN);
    SAME("%x %X %lx", 0xdeadbeefu, 0xabcu, 0xffffffffffffffffUL);
    SAME("[%5d] [%-5d] [%05d]", 42, 42, 42);
    SAME("[%5d] [%05d]", -42, -42);
    SAME("[%016lx] [%4x]", 0x1234UL, 0xabcdefu);
    SAME("%s|%10s|%-10s|", "abc", "right", "left");
    SAME("%.3s|%.*s|%.0s", "abcdef", 2, "xyz", "gone");
    SAME("%c%c%%", 'o', 'k');
    SAME("%zu", (size_t)123456);
    SAME("%#x %#lx", 0x1fu, 0xabcdUL);
    SAME("[%#010x]", 0xbeefu);
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    int n = snfmt(buf, sizeof buf, "hello, %s", "world");
    assert_int_equal(n, 12);                     /* full length reported */
    assert_string_equal(buf, "hello, ");         /* 7 chars + NUL */
    assert_int_equal(snfmt(buf, 1, "abc"), 3);
    assert_int_equal(buf[0], '\0');
    buf[0] = 'Q';
    assert_int_equal(snfmt(buf, 0, "abc"), 3);   /* size 0: nothing written */
    assert_int_equal(buf[0], 'Q');
}

static void test_hostile_formats(void **state)
{
    (void)state;
    char buf[64];
    /* Formats held in variables: the compiler would reject them as literals. */
    static const char *volatile unknown = "%q%", *volatile wide = "%99999999999999999999d",
                                *volatile prec = "%.99999999999s|", *volatile str = "%s";
    static const char *volatile null_str = NULL;
    /* Unknown conversions are printed literally; a trailing % is dropped. */
    snfmt(buf, sizeof buf, unknown);
    assert_string_equal(buf, "%q");
    assert_int_equal(snfmt(buf, sizeof buf, str, null_str), 6);
    assert_string_equal(buf, "(null)");
    /* Absurd widths are capped, not overflowed: output stays bounded. */
    int n = snfmt(buf, sizeof buf, wide, 1);
    assert_true(n > 0 && n <= 10000);          /* width stops growing at 4 digits */
    assert_int_equal(strlen(buf), sizeof buf - 1);
    snfmt(buf, sizeof buf, prec, "ab");
    assert_string_equal(buf, "ab|");
}

static void test_pointer(void **state)
{
    (void)state;
    char buf[64];
    snfmt(buf, sizeof buf, "%p", (void *)0x1234);
    assert_string_equal(buf, "0x0000000000001234");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_libc),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_hostile_formats),
        cmocka_unit_test(test_pointer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
