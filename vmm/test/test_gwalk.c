/* Host unit tests for vmm/gwalk.c: each paging mode on hand-built tables
   in a fake guest memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "gwalk.h"

#define MEM (64 * 4096)
static uint8_t mem[MEM] __attribute__((aligned(8)));

static bool rd(void *ctx, uint64_t gpa, uint64_t *v)
{
    (void)ctx;
    if (gpa >= MEM || MEM - gpa < 8)
        return false;
    memcpy(v, mem + gpa, 8);
    return true;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }

static uint64_t tr(struct gwalk *w, uint64_t la, enum bh_status want)
{
    uint64_t gpa = 0xdead;
    assert_int_equal(gwalk_translate(w, la, &gpa), want);
    return gpa;
}

static void test_no_paging(void **state)
{
    (void)state;
    struct gwalk w = { .cr0 = 0x11, .read64 = rd };
    assert_int_equal(tr(&w, 0x1234567890ull, BH_OK), 0x34567890u);
    w.efer = 1u << 10;
    assert_int_equal(tr(&w, 0x1234567890ull, BH_OK), 0x1234567890ull);
}

static void test_four_level(void **state)
{
    (void)state;
    memset(mem, 0, sizeof mem);
    struct gwalk w = { .cr0 = 0x80000011, .cr3 = 0x1000, .cr4 = 0x20, .efer = 0x500, .read64 = rd };
    put64(0x1000, 0x2000 | 3);                  /* PML4[0] -> PDPT */
    put64(0x2000, 0x3000 | 3);                  /* PDPT[0] -> PD */
    put64(0x3000 + 8, 0x200000 | 0x83);          /* PD[1]: 2 MiB page at 2 MiB */
    put64(0x3000, 0x4000 | 3);                  /* PD[0] -> PT */
    put64(0x4000 + 7 * 8, 0x9000 | 3);           /* PT[7]: 0x7000 -> 0x9000 */
    put64(0x2000 + 3 * 8, 0xc0000000ull | 0x83); /* PDPT[3]: 1 GiB page */
    assert_int_equal(tr(&w, 0x7abc, BH_OK), 0x9abc);
    assert_int_equal(tr(&w, 0x212345, BH_OK), 0x212345);
    assert_int_equal(tr(&w, 0xfee00030ull, BH_OK), 0xfee00030ull);
    tr(&w, 0x8000, BH_ENOENT);                  /* PT[8] not present */
    tr(&w, 0x8000000000ull, BH_ENOENT);         /* PML4[1] */
    put64(0x1000 + 8, 0x7fff000ull | 3);        /* a table outside guest memory */
    tr(&w, 0x8000000000ull, BH_EFAULT);
    w.cr4 |= 1u << 12;
    tr(&w, 0x7abc, BH_ENOTSUP);                 /* 5-level */
}

static void test_pae_and_32bit(void **state)
{
    (void)state;
    memset(mem, 0, sizeof mem);
    struct gwalk w = { .cr0 = 0x80000011, .cr3 = 0x1020, .cr4 = 0x20, .read64 = rd };
    put64(0x1020 + 3 * 8, 0x5000 | 1);           /* PDPTE[3] -> PD */
    put64(0x5000 + 511 * 8, 0x6000 | 3);         /* PD[511] -> PT */
    put64(0x6000 + 0x1ff * 8, 0x7000 | 3);
    put64(0x5000 + 510 * 8, 0x400000 | 0x83);     /* 2 MiB page */
    assert_int_equal(tr(&w, 0xfffff123u, BH_OK), 0x7123);
    assert_int_equal(tr(&w, 0xffc01234u, BH_OK), 0x401234);
    tr(&w, 0x0, BH_ENOENT);

    memset(mem, 0, sizeof mem);
    struct gwalk v = { .cr0 = 0x80000011, .cr3 = 0x2000, .cr4 = 0x10, .read64 = rd };
    put32(0x2000 + 0x3fb * 4, 0xfec00000u | 0x83); /* PDE: 4 MiB page (PSE) */
    put32(0x2000 + 1 * 4, 0x3000 | 3);          /* PDE[1] -> PT */
    put32(0x3000 + 2 * 4, 0x8000 | 3);          /* PTE[2] */
    assert_int_equal(tr(&v, 0xfee00010u, BH_OK), 0xfee00010u);
    assert_int_equal(tr(&v, 0x402345, BH_OK), 0x8345);
    tr(&v, 0x403000, BH_ENOENT);
    v.cr4 = 0;                                  /* without PSE the PS bit means nothing */
    put32(0x2000 + 0x3fb * 4, 0x3000 | 0x83);
    assert_int_equal(tr(&v, 0xfec02010u, BH_OK), 0x8010);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_paging),
        cmocka_unit_test(test_four_level),
        cmocka_unit_test(test_pae_and_32bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
