/* SHA-256 (FIPS 180-4, section 6.2). Streaming and one-shot. */
#ifndef HV_SHA256_H
#define HV_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

struct sha256 {
    uint32_t h[8];     /* intermediate hash value H(i) */
    uint64_t len;      /* bytes hashed so far */
    uint8_t buf[64];   /* partial block */
    size_t fill;       /* bytes used in buf, always < 64 between calls */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[32]);
void sha256(const void *data, size_t n, uint8_t out[32]);
void sha256_hex(const uint8_t d[32], char out[65]);

#endif
