/* Host unit tests for vmm/bus.c: registration, overlap refusal, lookup,
   accesses that straddle a range's end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bus.h"

struct fake { uint64_t last_off, last_val; unsigned last_width, reads, writes; };

static uint64_t fread_(void *dev, uint64_t off, unsigned width)
{
    struct fake *f = dev;
    f->reads++, f->last_off = off, f->last_width = width;
    return 0x1122334455667788ull;
}

static void fwrite_(void *dev, uint64_t off, unsigned width, uint64_t v)
{
    struct fake *f = dev;
    f->writes++, f->last_off = off, f->last_width = width, f->last_val = v;
}

static const struct bus_ops ops = { fread_, fwrite_ };

static void test_add_and_find(void **state)
{
    (void)state;
    struct bus b = { .space = "port" };
    struct fake a = { 0 }, c = { 0 };
    assert_int_equal(bus_add(&b, 0x3f8, 8, "com1", &ops, &a, NULL), BH_OK);
    assert_int_equal(bus_add(&b, 0x20, 2, "pic", &ops, &c, NULL), BH_OK);
    assert_int_equal(bus_add(&b, 0x40, 4, "pit", &ops, &c, NULL), BH_OK);
    assert_int_equal(b.n, 3);
    assert_int_equal(b.r[0].base, 0x20);           /* sorted */
    assert_int_equal(b.r[1].base, 0x40);
    assert_int_equal(b.r[2].base, 0x3f8);
    assert_null(bus_find(&b, 0x1f, 1));
    assert_string_equal(bus_find(&b, 0x21, 1)->name, "pic");
    assert_null(bus_find(&b, 0x22, 1));
    assert_null(bus_find(&b, 0x21, 2));            /* straddles the end */
    assert_string_equal(bus_find(&b, 0x3fc, 4)->name, "com1");
    assert_null(bus_find(&b, 0x3fd, 4));
    assert_null(bus_find(&b, 0xffff, 1));

    uint64_t v;
    assert_true(bus_read(&b, 0x3fa, 2, &v));
    assert_int_equal(v, 0x7788);                   /* cut to the width */
    assert_int_equal(a.last_off, 2);               /* devices see offsets */
    assert_int_equal(a.last_width, 2);
    assert_false(bus_read(&b, 0x80, 4, &v));
    assert_int_equal(v, 0xffffffffu);
    assert_false(bus_read(&b, 0x80, 8, &v));
    assert_int_equal(v, ~0ull);
    assert_true(bus_write(&b, 0x43, 1, 0x1234));
    assert_int_equal(c.last_off, 3);
    assert_int_equal(c.last_val, 0x34);
    assert_false(bus_write(&b, 0x44, 1, 0));
}

static void test_overlaps_refused(void **state)
{
    (void)state;
    struct bus b = { .space = "mmio" };
    struct fake f = { 0 };
    const struct bus_range *clash = NULL;
    assert_int_equal(bus_add(&b, 0x1000, 0x1000, "a", &ops, &f, NULL), BH_OK);
    assert_int_equal(bus_add(&b, 0x3000, 0x1000, "b", &ops, &f, NULL), BH_OK);
    assert_int_equal(bus_add(&b, 0x1fff, 1, "x", &ops, &f, &clash), BH_EEXIST);
    assert_string_equal(clash->name, "a");
    assert_int_equal(bus_add(&b, 0x0, 0x1001, "x", &ops, &f, &clash), BH_EEXIST);
    assert_string_equal(clash->name, "a");
    assert_int_equal(bus_add(&b, 0x2000, 0x1001, "x", &ops, &f, &clash), BH_EEXIST);
    assert_string_equal(clash->name, "b");
    assert_int_equal(bus_add(&b, 0x0, 0x10000, "x", &ops, &f, &clash), BH_EEXIST);
    assert_int_equal(bus_add(&b, 0x2000, 0x1000, "c", &ops, &f, &clash), BH_OK);   /* exactly between */
    assert_null(clash);
    assert_int_equal(bus_add(&b, 0x1000, 0x1000, "a2", &ops, &f, &clash), BH_EEXIST);
    assert_int_equal(bus_add(&b, 5, 0, "empty", &ops, &f, NULL), BH_EINVAL);
    assert_int_equal(bus_add(&b, ~0ull - 1, 4, "wraps", &ops, &f, NULL), BH_EINVAL);
    static const struct bus_ops half = { fread_, NULL };
    assert_int_equal(bus_add(&b, 0x9000, 1, "noops", &half, &f, NULL), BH_EINVAL);
    assert_int_equal(b.n, 3);
    assert_true(bus_remove(&b, 0x2000));
    assert_false(bus_remove(&b, 0x2000));
    assert_int_equal(b.n, 2);
    assert_null(bus_find(&b, 0x2000, 1));
}

static void test_full(void **state)
{
    (void)state;
    struct bus b = { .space = "port" };
    struct fake f = { 0 };
    for (unsigned i = 0; i < BUS_MAX_RANGES; i++)
        assert_int_equal(bus_add(&b, 0x100 - i * 4, 2, "d", &ops, &f, NULL), BH_OK);
    assert_int_equal(bus_add(&b, 0x1000, 2, "one too many", &ops, &f, NULL), BH_ENOMEM);
    for (unsigned i = 1; i < b.n; i++)
        assert_true(b.r[i - 1].base + b.r[i - 1].len <= b.r[i].base);
    for (unsigned i = 0; i < BUS_MAX_RANGES; i++) {
        uint64_t base = 0x100 - i * 4;
        assert_non_null(bus_find(&b, base + 1, 1));
        assert_null(bus_find(&b, base + 2, 1));
    }
}

/* The hint (the last range hit) is only a guess: after ranges move
   around it, every access still reaches the right device or none. */
static void test_hint_follows_changes(void **state)
{
    (void)state;
    struct bus b = { .space = "port" };
    struct fake a = { 0 }, c = { 0 }, d = { 0 };
    uint64_t v;
    assert_int_equal(bus_add(&b, 0x3f8, 8, "com1", &ops, &a, NULL), BH_OK);
    assert_true(bus_read(&b, 0x3ff, 1, &v));
    assert_int_equal(a.reads, 1);
    assert_int_equal(bus_add(&b, 0x20, 2, "pic", &ops, &c, NULL), BH_OK);   /* com1 moves up */
    assert_true(bus_write(&b, 0x21, 1, 5));                                 /* not com1 */
    assert_int_equal(c.writes, 1);
    assert_int_equal(a.writes, 0);
    assert_false(bus_read(&b, 0x22, 1, &v));                                /* next to the hint */
    assert_true(bus_remove(&b, 0x20));                                      /* hint now past n */
    assert_false(bus_read(&b, 0x21, 1, &v));
    assert_int_equal(bus_add(&b, 0x40, 4, "pit", &ops, &d, NULL), BH_OK);
    assert_true(bus_read(&b, 0x3f8, 1, &v));
    assert_true(bus_read(&b, 0x43, 1, &v));
    assert_false(bus_read(&b, 0x43, 2, &v));                                /* straddles */
    assert_int_equal(a.reads, 2);
    assert_int_equal(d.reads, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_and_find),
        cmocka_unit_test(test_overlaps_refused),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_hint_follows_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
