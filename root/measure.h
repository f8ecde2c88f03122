/* Measured start: a server's boot module must hash to the SHA-256 digest
   its configuration entry names before the root task will start it. */
#ifndef ROOT_MEASURE_H
#define ROOT_MEASURE_H

#include <stddef.h>
#include <bulkhead/abi.h>
#include "config.h"

#define MEASURE_WHY_LEN 96u

/*
 * Hashes image[0..len) and compares it with s->sha256. Returns BH_OK if
 * they match; BH_ECHECKSUM if not, with why = "module 'x.elf': sha256
 * mismatch: expected ab12..., got cd34..." (digests shortened to fit);
 * BH_EINVAL for a NULL image with len > 0. why is always NUL-terminated.
 */
enum bh_status measure_check(const struct bh_server_cfg *s, const void *image, size_t len,
                             char why[static MEASURE_WHY_LEN]);

#endif
