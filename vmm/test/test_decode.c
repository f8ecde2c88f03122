/* Host unit tests for vmm/decode.c: the MOV forms, with the bytes GCC
   emits for the test guest's MMIO accessors among them, prefixes, REX,
   16- and 32-bit code, and every truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "decode.h"

static struct insn dec(const uint8_t *b, unsigned n, unsigned mode)
{
    struct insn in;
    memset(&in, 0xa5, sizeof in);
    assert_int_equal(decode_mov(b, n, mode, &in), BH_OK);
    return in;
}

#define B(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

static void test_guest_forms(void **state)
{
    (void)state;
    struct insn in = dec(B(0x48, 0x8b, 0x02), 64);           /* mov (%rdx),%rax */
    assert_int_equal(in.len, 3);
    assert_int_equal(in.kind, INSN_LOAD);
    assert_int_equal(in.width, 8);
    assert_int_equal(in.reg, 0);
    in = dec(B(0x0f, 0xb7, 0x02), 64);                       /* movzwl (%rdx),%eax */
    assert_int_equal(in.len, 3);
    assert_int_equal(in.width, 2);
    assert_int_equal(in.reg_width, 4);
    assert_false(in.sign);
    in = dec(B(0x0f, 0xb6, 0x02), 64);                       /* movzbl (%rdx),%eax */
    assert_int_equal(in.width, 1);
    assert_false(in.high8);
    in = dec(B(0x8b, 0x02), 64);                             /* mov (%rdx),%eax */
    assert_int_equal(in.len, 2);
    assert_int_equal(in.width, 4);
    in = dec(B(0x48, 0x89, 0x0a), 64);                       /* mov %rcx,(%rdx) */
    assert_int_equal(in.kind, INSN_STORE);
    assert_int_equal(in.width, 8);
    assert_int_equal(in.reg, 1);
    in = dec(B(0x66, 0x89, 0x0a), 64);                       /* mov %cx,(%rdx) */
    assert_int_equal(in.len, 3);
    assert_int_equal(in.width, 2);
    in = dec(B(0x88, 0x0a), 64);                             /* mov %cl,(%rdx) */
    assert_int_equal(in.width, 1);
    assert_int_equal(in.reg, 1);
    assert_false(in.high8);
    in = dec(B(0x89, 0x0a), 64);                             /* mov %ecx,(%rdx) */
    assert_int_equal(in.width, 4);
    in = dec(B(0x8b, 0x87, 0x30, 0x00, 0x00, 0x00), 64);     /* mov 0x30(%rdi),%eax */
    assert_int_equal(in.len, 6);
    in = dec(B(0x89, 0x97, 0x80, 0x03, 0x00, 0x00), 64);     /* mov %edx,0x380(%rdi) */
    assert_int_equal(in.len, 6);
    assert_int_equal(in.reg, 2);
    /* The bench test's MMIO paths (t_bench.c): movabs 0xfeb00000,%eax and
       movabs 0xfe000007,%al. */
    in = dec(B(0xa1, 0x00, 0x00, 0xb0, 0xfe, 0x00, 0x00, 0x00, 0x00), 64);
    assert_int_equal(in.len, 9);
    assert_int_equal(in.kind, INSN_LOAD);
    assert_int_equal(in.width, 4);
    assert_int_equal(in.reg, 0);
    in = dec(B(0xa0, 0x07, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00), 64);
    assert_int_equal(in.len, 9);
    assert_int_equal(in.kind, INSN_LOAD);
    assert_int_equal(in.width, 1);
    assert_int_equal(in.reg, 0);
    assert_false(in.high8);
}

static void test_registers_and_rex(void **state)
{
    (void)state;
    struct insn in = dec(B(0x44, 0x8b, 0x00), 64);           /* mov (%rax),%r8d */
    assert_int_equal(in.reg, 8);
    assert_int_equal(in.width, 4);
    in = dec(B(0x4c, 0x89, 0x38), 64);                       /* mov %r15,(%rax) */
    assert_int_equal(in.reg, 15);
    assert_int_equal(in.width, 8);
    in = dec(B(0x8a, 0x20), 64);                             /* mov (%rax),%ah */
    assert_true(in.high8);
    assert_int_equal(in.reg, 0);
    in = dec(B(0x88, 0x3b), 64);                             /* mov %bh,(%rbx) */
    assert_true(in.high8);
    assert_int_equal(in.reg, 3);
    in = dec(B(0x40, 0x88, 0x3b), 64);                       /* mov %dil,(%rbx) */
    assert_false(in.high8);
    assert_int_equal(in.reg, 7);
    in = dec(B(0x48, 0x0f, 0xbf, 0x08), 64);                 /* movswq (%rax),%rcx */
    assert_true(in.sign);
    assert_int_equal(in.reg_width, 8);
    assert_int_equal(in.width, 2);
    in = dec(B(0x0f, 0xbe, 0x30), 64);                       /* movsbl (%rax),%esi */
    assert_true(in.sign);
    assert_int_equal(in.reg, 6);
}

static void test_addressing(void **state)
{
    (void)state;
    assert_int_equal(dec(B(0x8b, 0x04, 0x24), 64).len, 3);                     /* (%rsp): SIB */
    assert_int_equal(dec(B(0x8b, 0x44, 0x24, 0x08), 64).len, 4);               /* 8(%rsp) */
    assert_int_equal(dec(B(0x8b, 0x04, 0x25, 0, 0, 0xe0, 0xfe), 64).len, 7);  /* abs via SIB, disp32 */
    assert_int_equal(dec(B(0x8b, 0x05, 1, 2, 3, 4), 64).len, 6);              /* RIP-relative */
    assert_int_equal(dec(B(0x8b, 0x84, 0x88, 1, 2, 3, 4), 64).len, 7);        /* disp32(%rax,%rcx,4) */
    assert_int_equal(dec(B(0x67, 0x8b, 0x00), 64).len, 3);                     /* (%eax) */
    assert_int_equal(dec(B(0x3e, 0x8b, 0x00), 64).len, 3);                     /* ds: */
    assert_int_equal(dec(B(0xa1, 1, 2, 3, 4, 5, 6, 7, 8), 64).len, 9);        /* moffs64 */
    assert_int_equal(dec(B(0x67, 0xa1, 1, 2, 3, 4), 64).len, 6);              /* moffs32 */
    /* 16-bit code: 16-bit addressing and operands. */
    struct insn in = dec(B(0x8b, 0x07), 16);                                    /* mov (bx),ax */
    assert_int_equal(in.width, 2);
    assert_int_equal(in.len, 2);
    assert_int_equal(dec(B(0x8b, 0x06, 0x00, 0x10), 16).len, 4);              /* mov [0x1000],ax */
    assert_int_equal(dec(B(0x8b, 0x47, 0x10), 16).len, 3);                    /* disp8 */
    assert_int_equal(dec(B(0x66, 0x8b, 0x87, 0x00, 0x10), 16).width, 4);      /* 66: 32-bit */
    assert_int_equal(dec(B(0x67, 0x8b, 0x05, 1, 2, 3, 4), 16).len, 7);        /* 67: 32-bit addr */
    assert_int_equal(dec(B(0xa0, 0x00, 0x10), 16).len, 3);                    /* moffs16 */
    /* 32-bit code: no REX (0x48 is dec eax: not a MOV). */
    assert_int_equal(dec(B(0x8b, 0x00), 32).width, 4);
    assert_int_equal(dec(B(0x66, 0x8b, 0x00), 32).width, 2);
    struct insn bad;
    assert_int_equal(decode_mov(B(0x48, 0x8b, 0x00), 32, &bad), BH_ENOTSUP);
}

static void test_immediates(void **state)
{
    (void)state;
    struct insn in = dec(B(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), 64);          /* movl $0x12345678,(%rax) */
    assert_true(in.imm_src);
    assert_int_equal(in.imm, 0x12345678);
    assert_int_equal(in.len, 6);
    assert_int_equal(insn_store_value(&in, 0xdead), 0x12345678);
    in = dec(B(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), 64);                 /* movq $-1,(%rax) */
    assert_int_equal(in.width, 8);
    assert_int_equal(in.imm, ~0ull);
    in = dec(B(0x66, 0xc7, 0x00, 0x34, 0x12), 64);                             /* movw $0x1234,(%rax) */
    assert_int_equal(in.len, 5);
    assert_int_equal(in.imm, 0x1234);
    in = dec(B(0xc6, 0x40, 0x10, 0x80), 64);                                   /* movb $0x80,0x10(%rax) */
    assert_int_equal(in.len, 4);
    assert_int_equal(in.imm, 0x80);
    struct insn bad;
    assert_int_equal(decode_mov(B(0xc7, 0x08, 1, 2, 3, 4), 64, &bad), BH_EFORMAT);   /* /1 */
}

static void test_values(void **state)
{
    (void)state;
    struct insn in = dec(B(0x8a, 0x20), 64);                                   /* to ah */
    assert_int_equal(insn_load_result(&in, 0x1111111111111111ull, 0xab), 0x111111111111ab11ull);
    in = dec(B(0x88, 0x3b), 64);                                               /* from bh */
    assert_int_equal(insn_store_value(&in, 0x1234), 0x12);
    in = dec(B(0x8b, 0x00), 64);                                               /* 32-bit: zero-extends */
    assert_int_equal(insn_load_result(&in, ~0ull, 0x80000000u), 0x80000000u);
    in = dec(B(0x66, 0x8b, 0x00), 64);                                         /* 16-bit: merges */
    assert_int_equal(insn_load_result(&in, 0xffffffffffff0000ull, 0xbeef), 0xffffffffffffbeefull);
    in = dec(B(0x48, 0x0f, 0xbe, 0x00), 64);                                   /* movsbq */
    assert_int_equal(insn_load_result(&in, 0, 0x80), 0xffffffffffffff80ull);
    in = dec(B(0x0f, 0xb6, 0x00), 64);                                         /* movzbl */
    assert_int_equal(insn_load_result(&in, ~0ull, 0xff), 0xff);
    in = dec(B(0x66, 0x0f, 0xbe, 0x00), 64);                                   /* movsbw */
    assert_int_equal(insn_load_result(&in, 0xaaaa0000ull, 0xfe), 0xaaaafffeull);
}

static void test_refusals(void **state)
{
    (void)state;
    struct insn in;
    assert_int_equal(decode_mov(B(0x8b, 0xc0), 64, &in), BH_EFORMAT);          /* register form */
    assert_int_equal(decode_mov(B(0x01, 0x00), 64, &in), BH_ENOTSUP);          /* add */
    assert_int_equal(decode_mov(B(0x0f, 0x01, 0xd9), 64, &in), BH_ENOTSUP);    /* vmmcall */
    assert_int_equal(decode_mov(B(0xa4), 64, &in), BH_ENOTSUP);                /* movsb */
    assert_int_equal(decode_mov(B(0x8b, 0x00), 48, &in), BH_EINVAL);
    uint8_t many[20];
    memset(many, 0x66, sizeof many);                                            /* prefixes past 15 */
    assert_int_equal(decode_mov(many, sizeof many, 64, &in), BH_EFORMAT);
    many[14] = 0x8b;
    many[15] = 0x00;
    assert_int_equal(decode_mov(many, sizeof many, 64, &in), BH_EFORMAT);
    many[13] = 0x8b;
    many[14] = 0x00;
    assert_int_equal(decode_mov(many, sizeof many, 64, &in), BH_OK);            /* exactly 15 */
    assert_int_equal(in.len, 15);
}

/* Every prefix of every valid form, in an exact-size heap copy: an
   error, never a read past the end. Random bytes: no crash, sane output. */
static void test_truncations_and_noise(void **state)
{
    (void)state;
    static const uint8_t forms[][10] = {
        { 0x48, 0x8b, 0x84, 0x88, 1, 2, 3, 4 }, { 0xc7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8 },
        { 0x66, 0x0f, 0xb7, 0x44, 0x24, 0x08 }, { 0xa3, 1, 2, 3, 4, 5, 6, 7, 8 },
    };
    static const unsigned lens[] = { 8, 10, 6, 9 };
    for (unsigned f = 0; f < 4; f++) {
        for (unsigned n = 0; n <= lens[f]; n++) {
            uint8_t *p = malloc(n ? n : 1);
            memcpy(p, forms[f], n);
            struct insn in;
            enum bh_status s = decode_mov(p, n, 64, &in);
            if (n < lens[f])
                assert_int_equal(s, BH_EFORMAT);
            else
                assert_true(s == BH_OK && in.len == n);
            free(p);
        }
    }
    uint64_t x = 0x243f6a8885a308d3ull;
    for (int i = 0; i < 200000; i++) {
        uint8_t b[15];
        for (unsigned k = 0; k < sizeof b; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            b[k] = (uint8_t)x;
        }
        unsigned n = 1 + (unsigned)(x % 15);
        uint8_t *p = malloc(n);
        memcpy(p, b, n);
        struct insn in;
        static const unsigned modes[] = { 16, 32, 64 };
        if (decode_mov(p, n, modes[x % 3], &in) == BH_OK) {
            assert_true(in.len >= 1 && in.len <= n && in.len <= INSN_MAX_LEN);
            assert_true(in.width == 1 || in.width == 2 || in.width == 4 || in.width == 8);
            assert_true(in.reg < 16 && in.reg_width >= in.width);
        }
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_forms),
        cmocka_unit_test(test_registers_and_rex),
        cmocka_unit_test(test_addressing),
        cmocka_unit_test(test_immediates),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_truncations_and_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
