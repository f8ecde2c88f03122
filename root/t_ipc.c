/* Portal IPC: register and UTCB messages, badges, rights, queued callers,
   a handler that dies, and a stress run checking every reply. */
#include "rt.h"

enum { OP_ADD = 1, OP_SUM_UTCB = 2, OP_BLOCK = 3, OP_DIE = 4, OP_SEQ = 5, OP_ITEMS = 6 };

static uint64_t server_utcb, gate_sm;

static void serve(struct bh_msg *m, uint64_t badge)
{
    struct bh_utcb *u = (struct bh_utcb *)server_utcb;
    uint64_t op = m->w[0], sum = 0;
    switch (op) {
    case OP_ADD: m->w[1] = m->w[1] + m->w[2]; break;
    case OP_SUM_UTCB:
        for (unsigned i = BH_MSG_REG_WORDS; i < BH_MSG_WORDS(m->mi); i++)
            sum += u->mr[i];
        m->w[1] = sum;
        break;
    case OP_BLOCK: m->w[1] = bh_sm_down(gate_sm, 0); break;
    case OP_DIE: bh_exit(7);
    case OP_SEQ: m->w[1] = m->w[1] + 1; break;
    case OP_ITEMS:                       /* what arrived with the message */
        m->w[1] = BH_MSG_ITEMS(m->mi);
        m->w[2] = u->item[1].result;
        break;
    default: m->w[1] = ~0ull;
    }
    m->w[3] = badge;
    m->mi = 4;
}

/* Local EC entry: the first call arrives in registers (SysV argument
   order: rdi = badge, rsi = w0, rdx = w1, rcx unused, r8 = w2, r9 = w3). */
static void server(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t unused, uint64_t w2, uint64_t w3)
{
    (void)unused;
    struct bh_msg m = { 4, { w0, w1, w2, w3 } };
    for (;;) {
        serve(&m, badge);
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(99);
    }
}

static uint64_t start_server(unsigned cpu, uint64_t badge, uint64_t *ec_out)
{
    uint64_t ec = rt_sel(), pt = rt_sel();
    server_utcb = rt_utcb();
    enum bh_status s = bh_create_ec(ec, SEL_PD, cpu, BH_EC_LOCAL, server_utcb, (uint64_t)server,
                                    rt_stack() - 8);
    if (s == BH_OK)
        s = bh_create_pt(pt, SEL_PD, ec, badge);
    if (ec_out)
        *ec_out = ec;
    return s == BH_OK ? pt : 0;
}

static void test_basic(uint64_t pt)
{
    struct bh_msg m = { 4, { OP_ADD, 40, 2, 0 } };
    bh_tap(bh_call(pt, &m) == BH_OK && m.w[1] == 42 && m.w[3] == 0xb0b,
           "ipc: register call and reply (40+2=42, badge 0xb0b)");
    struct bh_utcb *u = (struct bh_utcb *)BH_ROOT_UTCB;
    uint64_t want = 0;
    for (unsigned i = BH_MSG_REG_WORDS; i < 100; i++)
        want += (u->mr[i] = i * 3);
    m = (struct bh_msg){ 100, { OP_SUM_UTCB, 0, 0, 0 } };
    bh_tap(bh_call(pt, &m) == BH_OK && m.w[1] == want, "ipc: 100-word message through the UTCBs");
    m = (struct bh_msg){ BH_UTCB_WORDS + 1, { OP_ADD } };
    bh_tap(bh_call(pt, &m) == BH_ERANGE, "ipc: more words than a UTCB holds: ERANGE");
    m = (struct bh_msg){ 1ull << 40, { OP_ADD } };
    bh_tap(bh_call(pt, &m) == BH_EINVAL, "ipc: unknown msginfo bits: EINVAL");
    uint64_t nocall = rt_sel();
    bh_delegate(SEL_PD, pt, nocall, BH_R_DELEGATE);
    m = (struct bh_msg){ 4, { OP_ADD, 1, 1 } };
    bh_tap(bh_call(nocall, &m) == BH_ERIGHTS, "ipc: a portal copy without CALL: ERIGHTS");
    bh_tap(bh_call(BH_SEL_SELF_EC, &m) == BH_ECAP, "ipc: calling an EC selector: ECAP");
    bh_tap(bh_reply_wait(&m, &(uint64_t){ 0 }) == BH_EINVAL,
           "ipc: reply_wait outside a call (global EC): EINVAL");
}

static volatile uint64_t queued_result;
static uint64_t queued_pt;

static void queued_caller(void)
{
    struct bh_msg m = { 4, { OP_ADD, 5, 6, 0 } };
    enum bh_status s = bh_call(queued_pt, &m);
    queued_result = s == BH_OK ? m.w[1] : 1000 + s;
    bh_exit(0);
}

/* The handler blocks inside a call; a second caller must queue. */
static void test_queue(uint64_t pt)
{
    queued_pt = pt;
    rt_thread(CPU0, 150, queued_caller);    /* higher priority: runs at once */
    bh_tap(queued_result == 11, "ipc: another thread's call gets its reply (11)");
}

static void blocker(void)
{
    struct bh_msg m = { 4, { OP_BLOCK } };
    bh_call(queued_pt, &m);
    bh_exit(0);
}

static void test_queue_busy(uint64_t pt)
{
    gate_sm = rt_sel();
    bh_create_sm(gate_sm, SEL_PD, 0);
    queued_pt = pt;
    queued_result = 0;
    rt_thread(CPU0, 150, blocker);          /* handler now blocked in its call */
    rt_thread(CPU0, 150, queued_caller);    /* handler busy: this one queues */
    bh_tap(queued_result == 0, "ipc: a caller queues while the handler is busy");
    struct bh_utcb *mu = (struct bh_utcb *)BH_ROOT_UTCB;
    struct bh_msg m = { 4, { OP_ADD, 1, 2, 0 } };
    mu->call_timeout_us = 5000;
    enum bh_status ts = bh_call(pt, &m);
    mu->call_timeout_us = 0;
    bh_tap(ts == BH_ETIMEOUT, "ipc: a call the busy handler does not take within 5 ms: ETIMEOUT (%d)", ts);
    bh_sm_up(gate_sm);                      /* let the handler finish */
    bh_tap(queued_result == 11, "ipc: the queued caller is served after the first (11)");
}

/* Typed items: a capability (rights reduced on the way) and a page go
   with one call into the handler's receive window; bad items are refused
   one by one while the message still arrives. */
static void test_items(uint64_t pt)
{
    struct bh_utcb *su = (struct bh_utcb *)server_utcb, *mu = (struct bh_utcb *)BH_ROOT_UTCB;
    uint64_t sm = rt_sel(), land = rt_sel(), spare = rt_sel(), nodel = rt_sel();
    uint64_t src = 0x30000000, dst = 0x30100000;
    unsigned type = 0, rights = 0;
    (void)spare;
    bh_create_sm(sm, SEL_PD, 0);
    bh_delegate(SEL_PD, sm, nodel, BH_R_UP);           /* a copy that may not be passed on */
    bh_map(SEL_PD, 0, src, 1, BH_M_R | BH_M_W | BH_MAP_FRESH);
    *(volatile uint64_t *)src = 0x1dea5;
    su->rcv_sel = land, su->rcv_sels = 2, su->rcv_va = dst, su->rcv_pages = 1, su->rcv_ports = 0;
    mu->item[0] = (struct bh_item){ BH_ITEM_DELEGATE | (BH_R_UP << 8), sm, 1, 0 };
    mu->item[1] = (struct bh_item){ BH_ITEM_MAP | (BH_M_R << 8), src, 1, 0 };
    struct bh_msg m = { 4 | BH_MSG_MKITEMS(2), { OP_ITEMS, 0, 0, 0 } };
    enum bh_status s = bh_call(pt, &m);
    bh_tap(s == BH_OK && m.w[1] == 2 && m.w[2] == dst,
           "items: a capability and a page arrive with one call (%lu accepted)", m.w[1]);
    bh_tap(bh_lookup(land, &type, &rights) == BH_OK && type == BH_OBJ_SM && rights == BH_R_UP,
           "items: the capability landed in the window with rights reduced to UP");
    bh_tap(*(volatile uint64_t *)dst == 0x1dea5, "items: the page is shared at the window address");
    mu->item[0] = (struct bh_item){ BH_ITEM_DELEGATE | (BH_R_ALL << 8), nodel, 1, 0 };
    mu->item[1] = (struct bh_item){ BH_ITEM_MAP | (BH_M_R << 8), 0x1000, 1, 0 };
    su->rcv_sel = spare, su->rcv_sels = 1, su->rcv_pages = 0;
    m = (struct bh_msg){ 4 | BH_MSG_MKITEMS(2), { OP_ITEMS, 0, 0, 0 } };
    s = bh_call(pt, &m);
    bh_tap(s == BH_OK && m.w[1] == 0 && m.w[2] == ~0ull,
           "items: a copy without DELEGATE and a page outside the window are refused, the message arrives");
    m = (struct bh_msg){ 4 | BH_MSG_MKITEMS(5), { OP_ITEMS, 0, 0, 0 } };
    bh_tap(bh_call(pt, &m) == BH_EINVAL, "items: more than BH_ITEMS_MAX items: EINVAL");
    bh_unmap(src, 1, 0);
    bh_tap(bh_revoke(sm, 0) == BH_OK && bh_lookup(land, &type, &rights) == BH_ECAP,
           "items: revoking the sender's capability removes the delivered copy");
}

static void test_stress(uint64_t pt)
{
    unsigned bad = 0;
    for (uint64_t i = 0; i < 20000; i++) {
        struct bh_msg m = { 4, { OP_SEQ, i, 0, 0 } };
        if (bh_call(pt, &m) != BH_OK || m.w[1] != i + 1)
            bad++;
    }
    bh_tap(bad == 0, "ipc: 20000 calls, every reply matches its request (%u bad)", bad);
}

static void test_death(uint64_t pt)
{
    struct bh_msg m = { 4, { OP_DIE } };
    bh_tap(bh_call(pt, &m) == BH_EABORT, "ipc: the handler dies during the call: EABORT");
    m = (struct bh_msg){ 4, { OP_ADD, 1, 1 } };
    bh_tap(bh_call(pt, &m) == BH_EABORT, "ipc: calling a dead handler's portal: EABORT");
}

/* Cross-CPU IPC: handlers with their own SC on one CPU, callers on the
   other, several threads at once, every reply checked. */
#define XROUNDS 400
#define XTHREADS 3
static uint64_t xpt[2];
static volatile unsigned xbad, xdone;

static void xcaller(void)
{
    static volatile unsigned next_id;
    unsigned id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
    uint64_t pt = xpt[id & 1];             /* alternate between the two servers */
    for (uint64_t i = 0; i < XROUNDS; i++) {
        uint64_t tag = ((uint64_t)id << 32) | i;
        struct bh_msg m = { 4, { OP_SEQ, tag, 0, 0 } };
        if (bh_call(pt, &m) != BH_OK || m.w[1] != tag + 1)
            __atomic_fetch_add(&xbad, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&xdone, 1, __ATOMIC_RELEASE);
    bh_exit(0);
}

static void test_cross_cpu(void)
{
    uint64_t ec[2];
    for (unsigned cpu = 0; cpu < 2; cpu++) {
        xpt[cpu] = start_server(cpu, 0x100 + cpu, &ec[cpu]);
        uint64_t sc = rt_sel();
        if (!xpt[cpu] || bh_create_sc(sc, SEL_PD, ec[cpu], 120, 10000, 10000) != BH_OK) {
            bh_tap(false, "ipc: a handler with its own SC on cpu %u", cpu);
            return;
        }
    }
    struct bh_msg m = { 4, { OP_ADD, 20, 22, 0 } };
    bh_tap(bh_call(xpt[1], &m) == BH_OK && m.w[1] == 42 && m.w[3] == 0x101,
           "ipc: call from cpu 0 to a handler on cpu 1 (its own SC, IPI wake-up)");
    for (unsigned t = 0; t < XTHREADS; t++)
        for (unsigned cpu = 0; cpu < 2; cpu++)
            rt_thread(cpu, 90, xcaller);
    uint64_t wait = rt_sel();
    bh_create_sm(wait, SEL_PD, 0);
    for (unsigned i = 0; i < 2000 && xdone < 2 * XTHREADS; i++)
        bh_sm_down(wait, 5000);            /* sleep 5 ms at a time */
    bh_tap(xdone == 2 * XTHREADS && xbad == 0,
           "ipc: %u threads on both CPUs, %u calls each across CPUs, every reply matches (%u bad)",
           2 * XTHREADS, XROUNDS, xbad);
}

void test_ipc(void)
{
    uint64_t pt = start_server(CPU0, 0xb0b, NULL);
    if (!pt) {
        bh_tap(false, "ipc: create a local EC and its portal");
        return;
    }
    test_basic(pt);
    test_items(pt);
    test_queue(pt);
    test_queue_busy(pt);
    test_stress(pt);
    test_death(pt);
    if (rt_cpus() > 1) {
        uint64_t remote = start_server(CPU1, 1, NULL);
        struct bh_msg m = { 4, { OP_ADD, 1, 1 } };
        bh_tap(remote && bh_call(remote, &m) == BH_EINVAL,
               "ipc: a remote handler without an SC of its own is refused (EINVAL)");
        test_cross_cpu();
    }
}
