/*
 * fuzz: an unprivileged PD with a small quota and a few harmless
 * capabilities (its own PD with CTRL only, the root's service and fault
 * portals, the DOWN-only park semaphore) that makes count=N random system calls: random numbers
 * (including out-of-range ones), random selectors, kernel, unmapped,
 * non-canonical and wrapping pointers, random flags and sizes. Then it
 * reports how many calls it made and how many succeeded.
 *
 * It steers clear of what would only stop the test, not the kernel:
 * ending itself (EXIT, KILL_PD on its own PD, SELF-revoking its service
 * portal, unmapping its own image or stack), waiting without a timeout
 * or for long, threads that start inside its own image (they would run
 * its code with random registers: a second fuzzer, printing garbage),
 * printing its own image or stack (the console is slow),
 * and SCs above its own priority (the ABI has no priority ceiling).
 */
#include <bh/srv.h>
#include <bh/sys.h>
#include <bh/io.h>

int main(const char *args, unsigned long arg2);

#define FUZZ_PRIO 10u

static uint64_t rng;
static uint8_t buf[8192] __attribute__((aligned(4096)));

static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t pointer(void)
{
    static const uint64_t bad[] = {
        0, 0x10, 0x1000, 0x3ff000, 0xffffffff80200000ull, 0xffff800000000000ull,
        0x0000800000000000ull, 0x00007ffffffff000ull, 0x00007ffffffffff8ull,
        0xfffffffffffffff0ull, 0x0000600000000000ull, 0x00006fff00000000ull,
    };
    switch (rnd() % 4) {
    case 0: return bad[rnd() % (sizeof bad / sizeof bad[0])];
    case 1: return (uint64_t)buf + (rnd() % sizeof buf);
    case 2: return rnd() & 0x00007ffffffff000ull;
    default: return rnd();
    }
}

static uint64_t word(void)
{
    switch (rnd() % 8) {
    case 0: return rnd() % 8;                       /* small numbers, flags */
    case 1: return rnd() % 64;                      /* low selectors */
    case 2: return rnd() % 5000;                    /* selectors, some out of range */
    case 3: return 1ull << (rnd() % 64);            /* single flag bits */
    case 4: return pointer();
    case 5: return rnd() % 1024;                    /* sizes, page counts */
    case 6: return ~0ull - rnd() % 4;               /* near the top */
    default: return rnd();
    }
}

/* Inside the image, the stack or the UTCB: unmapping those ends the fuzzer. */
static bool own_memory(uint64_t va, uint64_t pages)
{
    uint64_t end = va + pages * 4096;
    if (end < va)
        return true;
    return (va < 0x1000000 && end > 0x400000) ||
           (end > BH_ROOT_UTCB && va < BH_USER_STACK_TOP);
}

static void steer(uint64_t *nr, uint64_t a[6])
{
    switch (*nr) {
    case BH_SYS_EXIT: *nr = BH_SYS_LOOKUP; break;
    case BH_SYS_KILL_PD:
        if (a[0] == SRV_SELF_PD_SEL)
            a[0] = SVC_SEL_PARK;
        break;
    case BH_SYS_REVOKE:
        if (a[0] == SVC_SEL_ROOT || a[0] == SRV_SELF_PD_SEL)
            a[1] &= ~(uint64_t)BH_REVOKE_SELF;      /* keeps what it ends itself with */
        break;
    case BH_SYS_SM_CTRL:
        a[2] = 1 + a[2] % 50;                       /* downs wait at most 50 us */
        break;
    case BH_SYS_CREATE_SC:
        if (a[3] <= BH_PRIO_MAX)
            a[3] %= FUZZ_PRIO;
        a[4] %= 1000;                               /* budgets stay small */
        break;
    case BH_SYS_PRINT:
        if (own_memory(a[0], 2))
            a[1] = 0;                               /* no floods of its own code */
        break;
    case BH_SYS_CREATE_EC:
        if (own_memory(a[4], 1))
            a[4] = 0x10;                            /* no thread runs its own code */
        break;
    case BH_SYS_UNMAP:
        if (own_memory(a[1], a[3] > BH_MAP_MAX ? BH_MAP_MAX : a[3]))
            a[4] &= ~(uint64_t)BH_REVOKE_SELF;
        break;
    case BH_SYS_CALL:
        if (a[0] == SVC_SEL_ROOT && a[1] == SVC_REPORT)
            a[1] = 0;
        break;
    default: break;
    }
}

int main(const char *args, unsigned long arg2)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    rng = ((uint64_t)hi << 32 | lo) ^ arg2 ^ 0x9e3779b97f4a7c15ull;
    if (!rng)
        rng = 1;
    if (svc_serve(NULL) != BH_OK)
        return 1;
    rng = srv_arg(args, "seed", rng);          /* seed=N replays a run */
    uint64_t count = srv_arg(args, "count", 1000000), ok = 0;
    bh_printf("# fuzz: %lu random system calls, seed %lx\n", count, rng);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t nr = rnd() % 8 ? rnd() % (BH_SYS_COUNT + 2) : rnd();
        uint64_t a[6];
        for (int k = 0; k < 6; k++)
            a[k] = word();
        steer(&nr, a);
        if (bh_syscall6_any(nr, a[0], a[1], a[2], a[3], a[4], a[5]) == BH_OK)
            ok++;
    }
    svc_report(count, ok);
    /* ECs it made itself may live on (one without an SC never runs, so it
       never ends, and a PD dies with its last EC): end the whole PD. */
    bh_kill_pd(SRV_SELF_PD_SEL);
    return 0;
}
