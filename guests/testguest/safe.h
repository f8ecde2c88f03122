/* Instructions that may fault, run under catch_run(): each returns true
 * if it completed and false if it raised an exception (then *seen, when
 * not NULL, says which). */
#ifndef TESTGUEST_SAFE_H
#define TESTGUEST_SAFE_H

#include <stdbool.h>
#include <stdint.h>

#include "trap.h"

bool safe_rdmsr(uint32_t msr, uint64_t *val, struct caught *seen);
bool safe_wrmsr(uint32_t msr, uint64_t val, struct caught *seen);
/* A WIDTH-byte (1, 2, 4 or 8) load from or store to ADDR. */
bool safe_load(uint64_t addr, unsigned width, uint64_t *val, struct caught *seen);
bool safe_store(uint64_t addr, unsigned width, uint64_t val, struct caught *seen);
/* A WIDTH-byte (1, 2 or 4) IN or OUT. */
bool safe_in(uint16_t port, unsigned width, uint32_t *val, struct caught *seen);
bool safe_out(uint16_t port, unsigned width, uint32_t val, struct caught *seen);

#endif
