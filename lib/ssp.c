/* Stack protector support: per-thread TLS with the canary at %fs:0x28
   and the failure handler. See bh/libc.h. */
#include <bh/libc.h>
#include <bh/sys.h>
#include <stdbool.h>

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* A canary from RDRAND when present (Intel SDM vol. 1, 7.3.17), else from
   the TSC and the block's address: weak, but not a constant. The low byte
   is zero so that a string overflow cannot reproduce it. */
static uint64_t make_canary(const void *block)
{
    uint32_t r[4];
    uint64_t v = 0;
    bool ok = false;
    cpuid(1, 0, r);
    if (r[2] & (1u << 30))
        for (int tries = 0; tries < 10 && !ok; tries++)
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok) :: "cc");
    if (!ok) {
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        v = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)block;
        v ^= v >> 29;
        v *= 0xbf58476d1ce4e5b9ull;
    }
    return v & ~0xffull;
}

enum bh_status bh_tls_init(void *block)
{
    if (!block || ((uintptr_t)block & 15))
        return BH_EINVAL;
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] < 7)
        return BH_ENOTSUP;
    cpuid(7, 0, r);
    if (!(r[1] & 1u))
        return BH_ENOTSUP;
    struct bh_tls *t = block;
    *t = (struct bh_tls){ .self = t, .stack_guard = make_canary(block) };
    __asm__ volatile("wrfsbase %0" ::"r"((uint64_t)(uintptr_t)t) : "memory");
    return BH_OK;
}

void __stack_chk_fail(void)
{
    static const char msg[] = "*** stack smashing detected: terminated\n";
    bh_print(msg, sizeof msg - 1);
    bh_exit(0xdead);
}
