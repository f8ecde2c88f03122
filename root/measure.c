/* Measured start; see measure.h. */
#include "measure.h"
#include "lib/fmt.h"
#include "lib/sha256.h"
#include <stdbool.h>
#include <stdint.h>

/* Constant-time comparison: a mismatch position must not leak timing. */
static bool digest_equal(const uint8_t a[32], const uint8_t b[32])
{
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

enum bh_status measure_check(const struct bh_server_cfg *s, const void *image, size_t len,
                             char why[static MEASURE_WHY_LEN])
{
    why[0] = '\0';
    if (!image && len) {
        snfmt(why, MEASURE_WHY_LEN, "module '%s': no image", s->module);
        return BH_EINVAL;
    }
    uint8_t got[32];
    sha256(image ? image : "", len, got);
    if (digest_equal(got, s->sha256))
        return BH_OK;
    char want_hex[65], got_hex[65];
    sha256_hex(s->sha256, want_hex);
    sha256_hex(got, got_hex);
    /* 96 bytes hold the text with 12 hex digits of each digest. */
    snfmt(why, MEASURE_WHY_LEN, "module '%.20s': sha256 mismatch: expected %.12s..., got %.12s...",
          s->module, want_hex, got_hex);
    return BH_ECHECKSUM;
}
