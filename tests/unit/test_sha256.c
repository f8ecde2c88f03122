/* Host unit tests for hv/lib/sha256.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"

static void expect_hex(const uint8_t d[32], const char *want)
{
    char hex[65];
    sha256_hex(d, hex);
    assert_string_equal(hex, want);
}

static void expect_oneshot(const void *data, size_t n, const char *want)
{
    uint8_t d[32];
    sha256(data, n, d);
    expect_hex(d, want);
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf"). */
static void test_abc(void **state)
{
    (void)state;
    expect_oneshot("abc", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_two_block_448(void **state)
{
    (void)state;
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(strlen(m), 56);
    expect_oneshot(m, 56,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bit(void **state)
{
    (void)state;
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect_oneshot(m, strlen(m),
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
    (void)state;
    struct sha256 s;
    uint8_t chunk[1000], d[32];
    memset(chunk, 'a', sizeof(chunk));
    sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, chunk, sizeof(chunk));
    sha256_final(&s, d);
    expect_hex(d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_empty(void **state)
{
    (void)state;
    const char *empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    struct sha256 s;
    uint8_t d[32];
    expect_oneshot("", 0, empty);
    sha256_init(&s);
    sha256_update(&s, NULL, 0);
    sha256_final(&s, d);
    expect_hex(d, empty);
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(i * 0x11 + 0x0f);
    memset(hex, 'x', sizeof(hex));
    sha256_hex(d, hex);
    assert_int_equal(hex[64], '\0');
    assert_string_equal(hex,
        "0f2031425364758697a8b9cadbecfd0e1f30415263748596a7b8c9daebfc0d1e");
}

/* Byte i of a generated buffer. */
static uint8_t gen(size_t i)
{
    return (uint8_t)(i * 7 + 3);
}

/* Expected values computed beforehand with sha256sum(1). */
static const struct {
    size_t n;
    const char *hex;
} generated[] = {
    { 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { 1, "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5" },
    { 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b" },
    { 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27" },
    { 57, "35df609437dcfea3279283ab79fd554e2bf78f8f7ae2de532d8ee300b09e8f73" },
    { 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055" },
    { 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241" },
    { 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e" },
    { 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e" },
    { 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5" },
    { 127, "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07" },
    { 128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6" },
    { 1000, "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371" },
    { 4097, "225270fa091dc75bf959a0e3bbcb897fc3ae8e7fa128ae1394cf5614e15505f5" },
};

/* Exact-size heap buffer, so ASan sees any overread. */
static uint8_t *gen_buf(size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = gen(i);
    return b;
}

static void test_sha256sum_crosscheck(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(generated) / sizeof(generated[0]); k++) {
        uint8_t *b = gen_buf(generated[k].n);
        expect_oneshot(b, generated[k].n, generated[k].hex);
        free(b);
    }
}

/* Streaming in any chunk pattern must equal the one-shot digest. */
static void test_streaming_chunks(void **state)
{
    (void)state;
    static const size_t chunks[] = { 1, 2, 3, 7, 31, 55, 56, 63, 64, 65, 127, 200 };
    for (size_t k = 0; k < sizeof(generated) / sizeof(generated[0]); k++) {
        size_t n = generated[k].n;
        uint8_t *b = gen_buf(n), one[32];
        sha256(b, n, one);
        for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
            struct sha256 s;
            uint8_t d[32];
            sha256_init(&s);
            /* Chunk sizes rotate through the table, starting at entry c. */
            for (size_t off = 0, j = c; off < n; j++) {
                size_t step = chunks[j % (sizeof(chunks) / sizeof(chunks[0]))];
                size_t take = n - off < step ? n - off : step;
                sha256_update(&s, b + off, take);
                sha256_update(&s, b + off + take, 0); /* empty update is a no-op */
                off += take;
            }
            sha256_final(&s, d);
            assert_memory_equal(d, one, 32);
        }
        free(b);
    }
}

/* Reinitialising after final starts a fresh hash. */
static void test_reuse_after_final(void **state)
{
    (void)state;
    struct sha256 s;
    uint8_t d[32];
    sha256_init(&s);
    sha256_update(&s, "garbage", 7);
    sha256_final(&s, d);
    sha256_init(&s);
    sha256_update(&s, "abc", 3);
    sha256_final(&s, d);
    expect_hex(d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abc),
        cmocka_unit_test(test_two_block_448),
        cmocka_unit_test(test_896_bit),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_sha256sum_crosscheck),
        cmocka_unit_test(test_streaming_chunks),
        cmocka_unit_test(test_reuse_after_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
