/*
 * Host unit tests for hv/elf.c. Images are built by hand from the
 * ELF-64 layout; every check is run on an exact-size heap copy so that
 * ASan catches any read past the end of the image.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "elf.h"

/* The file layout, written out again here from the ELF-64 spec. */
struct t_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct t_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct t_ehdr) == 64, "ehdr");
_Static_assert(sizeof(struct t_phdr) == 56, "phdr");

enum { T_PT_NULL = 0, T_PT_LOAD = 1, T_PT_DYNAMIC = 2, T_PT_INTERP = 3,
       T_PT_NOTE = 4, T_PT_PHDR = 6, T_PT_TLS = 7,
       T_PT_GNU_STACK = 0x6474e551, T_PT_GNU_RELRO = 0x6474e552 };

#define IMG_MAX 0x8000u

/* A working image: header, program headers, then file contents. */
struct timg {
    uint8_t buf[IMG_MAX];
    size_t len;
};

static struct t_ehdr *eh(struct timg *t)
{
    return (struct t_ehdr *)t->buf;
}

static struct t_phdr *ph(struct timg *t, unsigned i)
{
    return (struct t_phdr *)(t->buf + 64 + i * 56);
}

static void set_ph(struct timg *t, unsigned i, uint32_t type, uint32_t flags,
                   uint64_t off, uint64_t vaddr, uint64_t filesz,
                   uint64_t memsz, uint64_t align)
{
    *ph(t, i) = (struct t_phdr){ type, flags, off, vaddr, vaddr,
                                 filesz, memsz, align };
}

/*
 * Text (R X) at 0x401000, rodata (R) at 0x402000, data+bss (RW) at
 * 0x403000, plus a PT_GNU_STACK. 0x3010 bytes long.
 */
static void build_valid(struct timg *t)
{
    memset(t, 0, sizeof(*t));
    static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
    memcpy(eh(t)->ident, ident, 16);
    eh(t)->type = 2;
    eh(t)->machine = 62;
    eh(t)->version = 1;
    eh(t)->entry = 0x401010;
    eh(t)->phoff = 64;
    eh(t)->ehsize = 64;
    eh(t)->phentsize = 56;
    eh(t)->phnum = 4;
    set_ph(t, 0, T_PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100, 0x1000);
    set_ph(t, 1, T_PT_LOAD, PF_R, 0x2000, 0x402000, 0x80, 0x80, 0x1000);
    set_ph(t, 2, T_PT_LOAD, PF_R | PF_W, 0x3000, 0x403000, 0x10, 0x2000, 0x1000);
    set_ph(t, 3, T_PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
    for (size_t i = 0x1000; i < 0x3010; i++)
        t->buf[i] = (uint8_t)(i * 7);
    t->len = 0x3010;
}

/* Runs elf_check on an exact-size heap copy of the first len bytes. */
static enum bh_status check_len(const struct timg *t, size_t len,
                                struct elf_image *out, const char **why)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, t->buf, len);
    enum bh_status st = elf_check(copy, len, out, why);
    free(copy);
    return st;
}

/* Expects rejection with a reason that contains the substring want. */
static void expect_reject(const struct timg *t, const char *want)
{
    struct elf_image out;
    const char *why = NULL;
    memset(&out, 0xa5, sizeof(out));
    struct elf_image before = out;
    assert_int_equal(check_len(t, t->len, &out, &why), BH_EFORMAT);
    assert_non_null(why);
    if (strstr(why, want) == NULL)
        fail_msg("why = \"%s\", expected it to contain \"%s\"", why, want);
    assert_memory_equal(&out, &before, sizeof(out)); /* untouched */
}

static void expect_ok(const struct timg *t, struct elf_image *out)
{
    const char *why = NULL;
    enum bh_status st = check_len(t, t->len, out, &why);
    if (st != BH_OK)
        fail_msg("rejected: %s", why ? why : "(no reason)");
}

static struct timg T; /* large: keep off the stack */

static void test_valid_minimal(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    expect_ok(&T, &out);
    assert_int_equal(out.entry, 0x401010);
    assert_int_equal(out.nseg, 3);
    assert_int_equal(out.seg[0].vaddr, 0x401000);
    assert_int_equal(out.seg[0].flags, PF_R | PF_X);
    assert_int_equal(out.seg[2].offset, 0x3000);
    assert_int_equal(out.seg[2].filesz, 0x10);
    assert_int_equal(out.seg[2].memsz, 0x2000);
    assert_int_equal(out.seg[2].flags, PF_R | PF_W);
}

/* The shape GNU ld gives a static -no-pie binary with -z separate-code. */
static void test_valid_ld_like_layout(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    eh(&T)->phnum = 9;
    set_ph(&T, 0, T_PT_LOAD, PF_R, 0, 0x400000, 0x2a8, 0x2a8, 0x1000);
    set_ph(&T, 1, T_PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1800, 0x1800, 0x1000);
    set_ph(&T, 2, T_PT_LOAD, PF_R, 0x3000, 0x403000, 0x700, 0x700, 0x1000);
    set_ph(&T, 3, T_PT_LOAD, PF_R | PF_W, 0x37b0, 0x4047b0, 0x850, 0x1900, 0x1000);
    set_ph(&T, 4, T_PT_NOTE, PF_R, 0x270, 0x400270, 0x20, 0x20, 8);
    set_ph(&T, 5, T_PT_TLS, PF_R, 0x37b0, 0x4047b0, 0x10, 0x40, 8);
    set_ph(&T, 6, T_PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
    set_ph(&T, 7, T_PT_GNU_RELRO, PF_R, 0x37b0, 0x4047b0, 0x850, 0x850, 1);
    set_ph(&T, 8, T_PT_NULL, 0, 0, 0, 0, 0, 0);
    eh(&T)->entry = 0x401640;
    T.len = 0x4000;
    expect_ok(&T, &out);
    assert_int_equal(out.nseg, 4);
    assert_int_equal(out.seg[3].vaddr, 0x4047b0);
}

static void test_null_args(void **state)
{
    (void)state;
    struct elf_image out;
    const char *why = NULL;
    build_valid(&T);
    assert_int_equal(elf_check(NULL, T.len, &out, &why), BH_EINVAL);
    assert_non_null(why);
    assert_int_equal(elf_check(T.buf, T.len, NULL, &why), BH_EINVAL);
    assert_int_equal(elf_check(T.buf, T.len, &out, NULL), BH_OK); /* why optional */
    T.buf[0] = 0;
    assert_int_equal(elf_check(T.buf, T.len, &out, NULL), BH_EFORMAT);
}

static void test_too_short(void **state)
{
    (void)state;
    build_valid(&T);
    T.len = 63;
    expect_reject(&T, "shorter than");
    T.len = 0;
    expect_reject(&T, "shorter than");
}

static void test_bad_magic(void **state)
{
    (void)state;
    build_valid(&T);
    T.buf[1] = 'e';
    expect_reject(&T, "magic");
}

static void test_class32(void **state)
{
    (void)state;
    build_valid(&T);
    T.buf[4] = 1;
    expect_reject(&T, "64-bit");
}

static void test_big_endian(void **state)
{
    (void)state;
    build_valid(&T);
    T.buf[5] = 2;
    expect_reject(&T, "little-endian");
}

static void test_bad_version(void **state)
{
    (void)state;
    build_valid(&T);
    T.buf[6] = 0;
    expect_reject(&T, "version");
    build_valid(&T);
    eh(&T)->version = 2;
    expect_reject(&T, "version");
}

static void test_bad_machine(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->machine = 3; /* EM_386 */
    expect_reject(&T, "x86-64");
}

static void test_not_exec(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->type = 3; /* ET_DYN (PIE) */
    expect_reject(&T, "ET_EXEC");
    eh(&T)->type = 1; /* ET_REL */
    expect_reject(&T, "ET_EXEC");
}

static void test_bad_ehsize(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->ehsize = 52;
    expect_reject(&T, "e_ehsize");
}

static void test_bad_phentsize(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->phentsize = 32;
    expect_reject(&T, "e_phentsize");
    eh(&T)->phentsize = 64;
    expect_reject(&T, "e_phentsize");
}

static void test_phnum_zero(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->phnum = 0;
    expect_reject(&T, "no program headers");
}

static void test_phnum_too_many(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->phnum = ELF_MAX_SEGS + 1;
    expect_reject(&T, "more than");
    eh(&T)->phnum = 0xffff; /* PN_XNUM */
    expect_reject(&T, "more than");
}

static void test_phnum_max_ok(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    eh(&T)->phnum = ELF_MAX_SEGS;
    for (unsigned i = 4; i < ELF_MAX_SEGS; i++)
        set_ph(&T, i, T_PT_NOTE, PF_R, 0, 0, 0, 0, 0);
    expect_ok(&T, &out);
    assert_int_equal(out.nseg, 3);
}

static void test_phdrs_past_end(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->phoff = T.len - 3 * 56; /* 4 headers, room for 3 */
    expect_reject(&T, "program header table runs past end");
    eh(&T)->phoff = T.len + 1;
    expect_reject(&T, "program header table runs past end");
    eh(&T)->phoff = UINT64_MAX - 55; /* phoff + size wraps */
    expect_reject(&T, "program header table runs past end");
}

static void test_phdrs_at_exact_end_ok(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    memcpy(T.buf + T.len, ph(&T, 0), 4 * 56);
    eh(&T)->phoff = T.len;
    T.len += 4 * 56;
    expect_ok(&T, &out);
}

static void test_filesz_gt_memsz(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 2)->memsz = 0x8;
    expect_reject(&T, "p_filesz > p_memsz");
}

static void test_file_data_past_end(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 2)->filesz = 0x11;
    ph(&T, 2)->memsz = 0x2000;
    expect_reject(&T, "file data runs past end");
    build_valid(&T);
    ph(&T, 1)->offset = T.len + 0x1000;
    ph(&T, 1)->vaddr = 0x402000 + 0x1000 + (T.len & 0xfff);
    expect_reject(&T, "file data runs past end");
    build_valid(&T);
    ph(&T, 1)->offset = UINT64_MAX - 0x40 + 1; /* offset + filesz wraps */
    ph(&T, 1)->align = 0;
    expect_reject(&T, "file data runs past end");
}

static void test_vaddr_below_user_base(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->vaddr = BH_USER_BASE - 0x1000;
    expect_reject(&T, "outside user space");
    build_valid(&T);
    ph(&T, 1)->vaddr = 0;
    expect_reject(&T, "outside user space");
}

static void test_segment_past_user_top(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->vaddr = BH_USER_TOP - 0x1000; /* memsz ends one byte past */
    ph(&T, 1)->memsz = 0x1001;
    ph(&T, 1)->filesz = 0x80;
    expect_reject(&T, "outside user space");
    build_valid(&T);
    ph(&T, 1)->vaddr = BH_USER_TOP;
    expect_reject(&T, "outside user space");
    build_valid(&T);
    ph(&T, 1)->vaddr = 0xffffffff80002000ull; /* kernel half */
    expect_reject(&T, "outside user space");
}

static void test_segment_ends_at_user_top_ok(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    ph(&T, 1)->vaddr = BH_USER_TOP - 0x1000;
    ph(&T, 1)->memsz = 0x1000;
    expect_ok(&T, &out);
}

static void test_vaddr_memsz_wraps(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->memsz = UINT64_MAX - 0x402000 + 0x1001; /* vaddr+memsz wraps */
    expect_reject(&T, "outside user space");
}

static void test_memsz_zero(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->filesz = 0;
    ph(&T, 1)->memsz = 0;
    expect_reject(&T, "p_memsz 0");
}

static void test_overlap_exact(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->vaddr = 0x401000;
    ph(&T, 1)->offset = 0x1000;
    expect_reject(&T, "overlap");
}

static void test_overlap_shared_page(void **state)
{
    (void)state;
    build_valid(&T);
    /* rodata starts in the page where text ends: same 4 KiB page. */
    ph(&T, 1)->vaddr = 0x401800;
    ph(&T, 1)->offset = 0x2800;
    ph(&T, 1)->align = 0x1000;
    T.len = 0x3010;
    expect_reject(&T, "overlap");
}

static void test_overlap_containing(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 2)->vaddr = 0x400000; /* RW 0x400000..0x402000 contains text */
    ph(&T, 2)->offset = 0x3000;
    ph(&T, 2)->align = 0; /* skip congruence */
    expect_reject(&T, "overlap");
}

static void test_adjacent_pages_ok(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    ph(&T, 0)->memsz = 0x1000; /* text fills 0x401000..0x402000 exactly */
    expect_ok(&T, &out);
}

static void test_write_and_exec(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 0)->flags = PF_R | PF_W | PF_X;
    expect_reject(&T, "W^X");
    build_valid(&T);
    ph(&T, 2)->flags = PF_W | PF_X;
    expect_reject(&T, "W^X");
}

static void test_unknown_flags(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->flags = PF_R | 0x00100000u; /* PF_MASKOS bit */
    expect_reject(&T, "unknown p_flags");
}

static void test_no_load(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 0)->type = T_PT_NOTE;
    ph(&T, 1)->type = T_PT_NULL;
    ph(&T, 2)->type = T_PT_PHDR;
    expect_reject(&T, "no PT_LOAD");
}

static void test_dynamic_rejected(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 3)->type = T_PT_INTERP;
    expect_reject(&T, "dynamically linked");
    build_valid(&T);
    ph(&T, 3)->type = T_PT_DYNAMIC;
    expect_reject(&T, "dynamically linked");
}

static void test_entry_outside(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->entry = 0;
    expect_reject(&T, "entry point");
    eh(&T)->entry = 0x401100; /* one past the end of text */
    expect_reject(&T, "entry point");
    eh(&T)->entry = 0x4010ff; /* last byte of text: fine */
    struct elf_image out;
    expect_ok(&T, &out);
}

static void test_entry_in_data(void **state)
{
    (void)state;
    build_valid(&T);
    eh(&T)->entry = 0x402000; /* rodata, not executable */
    expect_reject(&T, "entry point");
    eh(&T)->entry = 0x403008; /* data */
    expect_reject(&T, "entry point");
}

static void test_bad_align(void **state)
{
    (void)state;
    build_valid(&T);
    ph(&T, 1)->align = 0x3000;
    expect_reject(&T, "p_align");
    ph(&T, 1)->align = 3;
    expect_reject(&T, "p_align");
}

static void test_align_congruence(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    ph(&T, 1)->offset = 0x2040; /* vaddr 0x402000: differs mod 4096 */
    ph(&T, 1)->filesz = 0x40;
    expect_reject(&T, "modulo the page size");
    ph(&T, 1)->align = 0x200000; /* still checked mod 4096 */
    expect_reject(&T, "modulo the page size");
    ph(&T, 1)->align = 16; /* small alignment: loader copies, no congruence */
    expect_ok(&T, &out);
    ph(&T, 1)->align = 0;
    expect_ok(&T, &out);
    ph(&T, 1)->align = 1;
    expect_ok(&T, &out);
}

/* Every proper prefix of the valid image must be rejected cleanly. */
static void test_truncation_loop(void **state)
{
    (void)state;
    struct elf_image out;
    build_valid(&T);
    for (size_t len = 0; len < T.len; len++) {
        const char *why = NULL;
        assert_int_equal(check_len(&T, len, &out, &why), BH_EFORMAT);
        assert_non_null(why);
    }
    assert_int_equal(check_len(&T, T.len, &out, NULL), BH_OK);
    /* Trailing bytes past the last segment are allowed. */
    assert_int_equal(check_len(&T, T.len + 100, &out, NULL), BH_OK);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Whatever elf_check accepts must satisfy every promise of elf.h. */
static void assert_image_sane(const struct elf_image *im, size_t len)
{
    int entry_found = 0;
    assert_true(im->nseg >= 1 && im->nseg <= ELF_MAX_SEGS);
    for (unsigned i = 0; i < im->nseg; i++) {
        const struct elf_seg *s = &im->seg[i];
        assert_true(s->filesz <= s->memsz && s->memsz > 0);
        assert_true(s->offset <= len && s->filesz <= len - s->offset);
        assert_true(s->vaddr >= BH_USER_BASE && s->vaddr < BH_USER_TOP);
        assert_true(s->memsz <= BH_USER_TOP - s->vaddr);
        assert_true((s->flags & ~(PF_R | PF_W | PF_X)) == 0);
        assert_false((s->flags & PF_W) && (s->flags & PF_X));
        if ((s->flags & PF_X) && im->entry >= s->vaddr &&
            im->entry < s->vaddr + s->memsz)
            entry_found = 1;
        for (unsigned j = 0; j < i; j++) {
            const struct elf_seg *o = &im->seg[j];
            uint64_t a0 = s->vaddr & ~0xfffull, a1 = (s->vaddr + s->memsz + 0xfff) & ~0xfffull;
            uint64_t b0 = o->vaddr & ~0xfffull, b1 = (o->vaddr + o->memsz + 0xfff) & ~0xfffull;
            assert_true(a1 <= b0 || b1 <= a0);
        }
    }
    assert_true(entry_found);
}

static const uint64_t interesting[] = {
    0, 1, 0x38, 0x40, 0xfff, 0x1000, 0x3010, BH_USER_BASE, BH_USER_TOP,
    BH_USER_TOP - 1, 0x7fffffff, 0xffffffff, 0x8000000000000000ull,
    UINT64_MAX - 0x1000, UINT64_MAX,
};

/* Deterministic fuzz: random byte flips in the headers and anywhere. */
static void test_fuzz_byte_flips(void **state)
{
    (void)state;
    static struct timg base;
    uint64_t seed = 0xdeadbeefcafef00dull;
    unsigned accepted = 0;
    build_valid(&base);
    for (int iter = 0; iter < 40000; iter++) {
        T = base;
        int flips = 1 + (int)(rng(&seed) % 4);
        for (int f = 0; f < flips; f++) {
            size_t at = rng(&seed) % 4 ? rng(&seed) % (64 + 4 * 56)
                                      : rng(&seed) % T.len;
            T.buf[at] ^= (uint8_t)(1u << (rng(&seed) % 8));
        }
        if (rng(&seed) % 8 == 0)
            T.len = rng(&seed) % (T.len + 1);
        struct elf_image out;
        const char *why = NULL;
        enum bh_status st = check_len(&T, T.len, &out, &why);
        if (st == BH_OK) {
            assert_image_sane(&out, T.len);
            accepted++;
        } else {
            assert_int_equal(st, BH_EFORMAT);
            assert_non_null(why);
        }
    }
    assert_true(accepted > 0); /* the fuzz also exercised the success path */
}

/* Structured fuzz: set whole header fields to boundary values. */
static void test_fuzz_fields(void **state)
{
    (void)state;
    static struct timg base;
    uint64_t seed = 42;
    const size_t nint = sizeof(interesting) / sizeof(interesting[0]);
    build_valid(&base);
    for (int iter = 0; iter < 40000; iter++) {
        T = base;
        for (int f = 0; f < 3; f++) {
            unsigned i = (unsigned)(rng(&seed) % 4);
            uint64_t v = interesting[rng(&seed) % nint];
            if (rng(&seed) % 2)
                v += rng(&seed) % 0x3000;
            switch (rng(&seed) % 8) {
            case 0: ph(&T, i)->offset = v; break;
            case 1: ph(&T, i)->vaddr = v; break;
            case 2: ph(&T, i)->filesz = v; break;
            case 3: ph(&T, i)->memsz = v; break;
            case 4: ph(&T, i)->align = v; break;
            case 5: eh(&T)->entry = v; break;
            case 6: eh(&T)->phoff = v; break;
            default: eh(&T)->phnum = (uint16_t)v; break;
            }
        }
        struct elf_image out;
        enum bh_status st = check_len(&T, T.len, &out, NULL);
        if (st == BH_OK)
            assert_image_sane(&out, T.len);
        else
            assert_int_equal(st, BH_EFORMAT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_minimal),
        cmocka_unit_test(test_valid_ld_like_layout),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_too_short),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_class32),
        cmocka_unit_test(test_big_endian),
        cmocka_unit_test(test_bad_version),
        cmocka_unit_test(test_bad_machine),
        cmocka_unit_test(test_not_exec),
        cmocka_unit_test(test_bad_ehsize),
        cmocka_unit_test(test_bad_phentsize),
        cmocka_unit_test(test_phnum_zero),
        cmocka_unit_test(test_phnum_too_many),
        cmocka_unit_test(test_phnum_max_ok),
        cmocka_unit_test(test_phdrs_past_end),
        cmocka_unit_test(test_phdrs_at_exact_end_ok),
        cmocka_unit_test(test_filesz_gt_memsz),
        cmocka_unit_test(test_file_data_past_end),
        cmocka_unit_test(test_vaddr_below_user_base),
        cmocka_unit_test(test_segment_past_user_top),
        cmocka_unit_test(test_segment_ends_at_user_top_ok),
        cmocka_unit_test(test_vaddr_memsz_wraps),
        cmocka_unit_test(test_memsz_zero),
        cmocka_unit_test(test_overlap_exact),
        cmocka_unit_test(test_overlap_shared_page),
        cmocka_unit_test(test_overlap_containing),
        cmocka_unit_test(test_adjacent_pages_ok),
        cmocka_unit_test(test_write_and_exec),
        cmocka_unit_test(test_unknown_flags),
        cmocka_unit_test(test_no_load),
        cmocka_unit_test(test_dynamic_rejected),
        cmocka_unit_test(test_entry_outside),
        cmocka_unit_test(test_entry_in_data),
        cmocka_unit_test(test_bad_align),
        cmocka_unit_test(test_align_congruence),
        cmocka_unit_test(test_truncation_loop),
        cmocka_unit_test(test_fuzz_byte_flips),
        cmocka_unit_test(test_fuzz_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
