/* The register ABI of CALL and REPLY_WAIT, on the fast path (four words
   in registers) and the general path (a fifth word in the UTCB), with a
   caller and a handler in assembly (root/regs.asm): what a system call
   preserves comes back unchanged on both sides, the message arrives in
   its registers, and no register of one side ever shows a value of the
   other's that is not part of the message. */
#include "rt.h"

#define CALLER_MARK 0xca11e40000000000ull
#define SERVER_MARK 0x5e4e400000000000ull

enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15, R_N };
static const unsigned kept[6] = { R_BX, R_BP, R_12, R_13, R_14, R_15 };

void regs_call(uint64_t pt, uint64_t mi, uint64_t out[R_N]);
void regs_server(void);
extern uint64_t regs_seen_by_server[R_N + 1];

/* How many of r's registers hold one of the partner's marks (MARK + 1 to
   MARK + 9: its preserved registers, rcx, r11 and rdi as it entered). */
static unsigned leaks(const uint64_t r[R_N], uint64_t mark)
{
    unsigned n = 0;
    for (unsigned i = 0; i < R_N; i++)
        n += r[i] > mark && r[i] <= mark + 9;
    return n;
}

static bool kept_marks(const uint64_t r[R_N], uint64_t mark)
{
    for (unsigned i = 0; i < 6; i++)
        if (r[kept[i]] != mark + 1 + i)
            return false;
    return true;
}

static bool words_are(const uint64_t r[R_N], uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
    return r[R_SI] == w0 && r[R_DX] == w1 && r[R_8] == w2 && r[R_9] == w3;
}

static void one_path(uint64_t pt, uint64_t mi, const char *path)
{
    uint64_t c[R_N];
    const uint64_t *s = regs_seen_by_server;
    for (unsigned round = 0; round < 3; round++) {   /* the first reaches a fresh EC */
        regs_call(pt, mi, c);
        bool ok = c[R_AX] == BH_OK && c[R_DI] == pt && c[R_10] == 4 &&
                  words_are(c, 0xaaaaaaaaaaaaaaaaull, 0xbbbbbbbbbbbbbbbbull, 0xccccccccccccccccull,
                            0xddddddddddddddddull);
        if (round < 2)
            continue;
        bh_tap(ok && kept_marks(c, CALLER_MARK) && !leaks(c, SERVER_MARK),
               "regs, %s: the caller gets status, its rdi, msginfo and the reply words back, its "
               "own rbx rbp r12-r15, and none of the handler's registers (%u leaked)",
               path, leaks(c, SERVER_MARK));
        bh_tap(s[R_AX] == BH_OK && s[R_DI] == 0x7e6 && s[R_10] == mi &&
                   words_are(s, 0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
                             0x4444444444444444ull) &&
                   kept_marks(s, SERVER_MARK) && !leaks(s, CALLER_MARK),
               "regs, %s: the handler gets status, badge, msginfo and the words, its own rbx rbp "
               "r12-r15, and none of the caller's registers (%u leaked)",
               path, leaks(s, CALLER_MARK));
    }
}

void test_regs(void)
{
    uint64_t ec = rt_sel(), pt = rt_sel();
    if (bh_create_ec(ec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)regs_server,
                     rt_stack() - 8) != BH_OK ||
        bh_create_pt(pt, SEL_PD, ec, 0x7e6) != BH_OK) {
        bh_tap(false, "regs: create a local EC and its portal");
        return;
    }
    one_path(pt, 4, "fast path");
    one_path(pt, 5, "general path");
}
