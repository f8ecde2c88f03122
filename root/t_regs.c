/* The register ABI of CALL and REPLY_WAIT, on the fast path (four words
   in registers) and the general path (a fifth word in the UTCB), with a
   caller and a handler in assembly (root/regs.asm): the message arrives
   in its registers; rax, rcx, rdi, r11 and the word registers never show
   a value of the other side's that is not part of the message; and rbx,
   rbp and r12-r15, which IPC does not preserve, hold the other side's
   value, the EC's own, or 0, never anything else (a kernel value). Then
   the runtime's stubs (bh_call, bh_reply_wait), which must clear those
   six before they enter the kernel, against the same assembly partners. */
#include "rt.h"

#define CALLER_MARK 0xca11e40000000000ull
#define SERVER_MARK 0x5e4e400000000000ull
#define C_MARK 0xc0de400000000000ull

enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15, R_N };
static const unsigned scratch[6] = { R_BX, R_BP, R_12, R_13, R_14, R_15 };

void regs_call(uint64_t pt, uint64_t mi, uint64_t out[R_N]);
void regs_server(void);
extern uint64_t regs_seen_by_server[R_N + 1];

static bool is_scratch(unsigned r)
{
    for (unsigned i = 0; i < 6; i++)
        if (scratch[i] == r)
            return true;
    return false;
}

/* How many of r's registers other than the six hold one of the
   partner's marks (MARK + 1 to MARK + 9: its six, rcx, r11 and rdi as it
   entered). */
static unsigned leaks(const uint64_t r[R_N], uint64_t mark)
{
    unsigned n = 0;
    for (unsigned i = 0; i < R_N; i++)
        n += !is_scratch(i) && r[i] > mark && r[i] <= mark + 9;
    return n;
}

/* How many of the six hold neither 0, nor the value the EC itself put
   there (own + 1 + i), nor the partner's (other + 1 + i; other 0: none
   is allowed). */
static unsigned strays(const uint64_t r[R_N], uint64_t own, uint64_t other)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 6; i++) {
        uint64_t v = r[scratch[i]];
        n += v != 0 && v != own + 1 + i && (!other || v != other + 1 + i);
    }
    return n;
}

static bool words_are(const uint64_t r[R_N], uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
    return r[R_SI] == w0 && r[R_DX] == w1 && r[R_8] == w2 && r[R_9] == w3;
}

static bool reply_ok(const uint64_t c[R_N], uint64_t pt)
{
    return c[R_AX] == BH_OK && c[R_DI] == pt && c[R_10] == 4 &&
           words_are(c, 0xaaaaaaaaaaaaaaaaull, 0xbbbbbbbbbbbbbbbbull, 0xccccccccccccccccull,
                     0xddddddddddddddddull);
}

static void one_path(uint64_t pt, uint64_t mi, const char *path)
{
    uint64_t c[R_N];
    const uint64_t *s = regs_seen_by_server;
    for (unsigned round = 0; round < 3; round++) {   /* the first reaches a fresh EC */
        regs_call(pt, mi, c);
        if (round < 2)
            continue;
        bh_tap(reply_ok(c, pt) && !leaks(c, SERVER_MARK) && !strays(c, CALLER_MARK, SERVER_MARK),
               "regs, %s: the caller gets status, its rdi, msginfo and the reply words back, "
               "none of the handler's registers elsewhere (%u leaked), and in rbx rbp r12-r15 "
               "only its own, the handler's or 0 (%u others)",
               path, leaks(c, SERVER_MARK), strays(c, CALLER_MARK, SERVER_MARK));
        bh_tap(s[R_AX] == BH_OK && s[R_DI] == 0x7e6 && s[R_10] == mi &&
                   words_are(s, 0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
                             0x4444444444444444ull) &&
                   !leaks(s, CALLER_MARK) && !strays(s, SERVER_MARK, CALLER_MARK),
               "regs, %s: the handler gets status, badge, msginfo and the words, none of the "
               "caller's registers elsewhere (%u leaked), and in rbx rbp r12-r15 only its own, "
               "the caller's or 0 (%u others)",
               path, leaks(s, CALLER_MARK), strays(s, SERVER_MARK, CALLER_MARK));
    }
}

/* A handler in C: replies with the words regs_call expects. */
static void __attribute__((noreturn)) c_server(uint64_t badge)
{
    for (;;) {
        struct bh_msg m = { 4, { 0xaaaaaaaaaaaaaaaaull, 0xbbbbbbbbbbbbbbbbull, 0xccccccccccccccccull,
                                 0xddddddddddddddddull } };
        __asm__ volatile("mov %0, %%rbx\n\tmov %0, %%r12\n\tmov %0, %%r13\n\t"
                         "mov %0, %%r14\n\tmov %0, %%r15" ::"r"(C_MARK + 1)
                         : "rbx", "r12", "r13", "r14", "r15");
        bh_reply_wait(&m, &badge);
    }
}

/* bh_call and bh_reply_wait: the C side's rbx and r12-r15, set to
   C_MARK + 1 just before, must not reach the assembly partner. */
static void stubs(uint64_t asm_pt, uint64_t c_pt)
{
    const uint64_t *s = regs_seen_by_server;
    unsigned bad = 0;
    for (unsigned round = 0; round < 3; round++) {
        struct bh_msg m = { 4, { 0x1111111111111111ull, 0x2222222222222222ull, 0x3333333333333333ull,
                                 0x4444444444444444ull } };
        __asm__ volatile("mov %0, %%rbx\n\tmov %0, %%r12\n\tmov %0, %%r13\n\t"
                         "mov %0, %%r14\n\tmov %0, %%r15" ::"r"(C_MARK + 1)
                         : "rbx", "r12", "r13", "r14", "r15");
        enum bh_status st = bh_call(asm_pt, &m);
        bad += st != BH_OK || m.w[0] != 0xaaaaaaaaaaaaaaaaull || strays(s, SERVER_MARK, 0);
    }
    bh_tap(bad == 0, "regs: bh_call clears rbx rbp r12-r15 before it enters the kernel (%u bad of 3)",
           bad);
    uint64_t c[R_N];
    bad = 0;
    for (unsigned round = 0; round < 3; round++) {
        regs_call(c_pt, 4, c);
        bad += !reply_ok(c, c_pt) || strays(c, CALLER_MARK, 0);
    }
    bh_tap(bad == 0, "regs: bh_reply_wait clears rbx rbp r12-r15 before it enters the kernel "
                     "(%u bad of 3)", bad);
}

void test_regs(void)
{
    uint64_t ec = rt_sel(), pt = rt_sel(), cec = rt_sel(), cpt = rt_sel();
    if (bh_create_ec(ec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)regs_server,
                     rt_stack() - 8) != BH_OK ||
        bh_create_pt(pt, SEL_PD, ec, 0x7e6) != BH_OK ||
        bh_create_ec(cec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)c_server,
                     rt_stack() - 8) != BH_OK ||
        bh_create_pt(cpt, SEL_PD, cec, 0x7e7) != BH_OK) {
        bh_tap(false, "regs: create local ECs and their portals");
        return;
    }
    one_path(pt, 4, "fast path");
    one_path(pt, 5, "general path");
    stubs(pt, cpt);
}
