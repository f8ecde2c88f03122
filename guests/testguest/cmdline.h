/* The test guest's command string (guests/README.md, "Command string").
 * Pure code: no hardware access, also built for the host unit test. */
#ifndef TESTGUEST_CMDLINE_H
#define TESTGUEST_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum test_id {
    T_MODES, T_CPUID, T_MSR, T_PIO, T_EXC, T_HLT, T_MMIO, T_HOSTILE, T_BENCH, T_PASSTHROUGH,
    T_TRIPLE,
    T_COUNT
};

#define TEST_BIT(t)         (1u << (t))
/* Safe on bare QEMU TCG; mmio reports a skip without mmio=. */
#define TESTS_DEFAULT       (TEST_BIT(T_MODES) | TEST_BIT(T_CPUID) | TEST_BIT(T_MSR) | \
                             TEST_BIT(T_PIO) | TEST_BIT(T_EXC) | TEST_BIT(T_HLT) | \
                             TEST_BIT(T_MMIO))
#define CMDLINE_ADDR_LIMIT  (512ull << 30)      /* what the guest can map */
#define CMDLINE_MAX_ROUNDS  100000000ull
#define HV_SIG_MAX          12u
/* bench=BATCHES,OPS: its limits, and what it runs without bench=. */
#define BENCH_BATCHES_MIN   2u                  /* the first one is dropped */
#define BENCH_BATCHES_MAX   1000u
#define BENCH_OPS_MAX       1000u
#define BENCH_BATCHES_DEFAULT 201u
#define BENCH_OPS_DEFAULT   16u

struct guest_opts {
    uint32_t tests;                     /* TEST_BIT()s; T_MODES always */
    bool mmio_given;
    uint64_t mmio_addr;
    bool hostile_given;
    uint64_t hostile_seed, hostile_rounds;
    bool window_given;
    uint64_t window_start, window_end;  /* [start, end) */
    bool ports_given;
    uint32_t port_start, port_end;      /* [start, end), end <= 0x10000 */
    bool expect_hv;
    char hv_sig[HV_SIG_MAX + 1];        /* "" = any signature will do */
    bool bench_given;
    uint32_t bench_batches, bench_ops;  /* batches per path, operations per batch */
};

struct cmdline_error {
    size_t offset;                      /* byte where the problem is */
    const char *msg;                    /* static text */
};

/* Sets *opts to what an empty command string means. */
void cmdline_defaults(struct guest_opts *opts);

/* Parses the command string in BUF, which must be NUL-terminated within
 * its first CAP bytes; nothing past BUF[CAP - 1] is read. Returns 0 with
 * *opts filled in, or -1 with *err saying where and why and *opts set to
 * the defaults: a command string is used whole or not at all. */
int cmdline_parse(const char *buf, size_t cap, struct guest_opts *opts,
                  struct cmdline_error *err);

/* The name of test T in the command string ("cpuid"). */
const char *cmdline_test_name(enum test_id t);

#endif
