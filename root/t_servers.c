/* Multi-PD tests on the servers the boot configuration starts
   (root/servers.c, servers/): cross-PD IPC, reduced rights, shared and
   revoked memory, page faults, I/O ports and interrupt lines, restarts,
   measured start, the fuzzer and quotas. */
#include "rt.h"
#include "servers.h"
#include "../servers/io/io.h"
#include <bh/srv.h>
#include <string.h>

#define REPORT_TIMEOUT_US 20000000u   /* generous: CI machines run QEMU slowly */

static struct server *need(const char *name)
{
    struct server *s = server_find(name);
    if (!s || !s->running)
        bh_tap(false, "servers: %s is running (configured in bulkhead.dtb)", name);
    return s && s->running ? s : NULL;
}

static bool ping(struct server *srv, uint64_t x)
{
    struct bh_msg m = { 4, { SRV_PING, x, 0, 0 } };
    return server_call(srv, &m) == BH_OK && m.w[0] == BH_OK && m.w[1] == x + 1;
}

static void t_echo(void)
{
    struct server *echo = need("echo");
    if (!echo)
        return;
    struct bh_msg m = { 4, { SRV_PING, 41, 0, 0 } };
    enum bh_status s = server_call(echo, &m);
    bh_tap(s == BH_OK && m.w[1] == 42, "servers: cross-PD call to echo and its reply (41+1=%lu, status %d)",
           m.w[1], s);
    m = (struct bh_msg){ 4, { SRV_SM_TEST, 0, 0, 0 } };
    s = server_call(echo, &m);
    bh_tap(s == BH_OK && m.w[1] == BH_ERIGHTS,
           "servers: echo's UP-only semaphore copy refuses DOWN (ERIGHTS, got %lu)", m.w[1]);
    bh_tap(s == BH_OK && m.w[2] == BH_OK && bh_sm_down(servers_test_sm(), 100000) == BH_OK,
           "servers: echo's UP through the delegated copy reaches the root's semaphore");
}

static struct server *crash_target;
static uint64_t crash_done;
static volatile enum bh_status crash_status = BH_ETIMEOUT;

static void crash_caller(void)
{
    struct bh_msg m = { 4, { SRV_CRASH, 0, 0, 0 } };
    crash_status = server_call(crash_target, &m);
    bh_sm_up(crash_done);
    bh_exit(0);
}

/* The badged portal the root made for client's cap naming target, or 0. */
static uint64_t client_portal(const char *client, const char *target)
{
    struct server *s = server_find(client);
    for (unsigned k = 0; s && k < s->cfg->ncaps; k++)
        if (!strcmp(s->cfg->caps[k].target, target))
            return s->client_pt[k];
    return 0;
}

/* The client number crasher sees through portal pt (its PING reply
   carries the badge), or ~0u if the call fails. */
static unsigned ping_client(uint64_t pt)
{
    struct bh_msg m = { 4, { SRV_PING, 41, 0, 0 } };
    bool ok = bh_call(pt, &m) == BH_OK && m.w[0] == BH_OK && m.w[1] == 42;
    return ok ? SVC_CLIENT(m.w[2]) : ~0u;
}

/* io-noirq's configuration names crasher (badge 7): when crasher
   restarted, the root made a new badged portal to the new instance
   (and delegated it again: servers.t checks the log), and the old one
   went with the dead instance. */
static void t_regrant(uint64_t old, unsigned old_client, uint64_t now)
{
    unsigned type = 0, rights = 0, client = now ? ping_client(now) : ~0u;
    bh_tap(old && old_client == 7 && now && now != old && client == 7 &&
               bh_lookup(old, &type, &rights) == BH_ECAP,
           "servers: io-noirq's badged portal to crasher (client %u) was made again for the restarted "
           "crasher (client %u through it), the old one is gone", old_client, client);
}

static void t_crasher(void)
{
    struct server *c = need("crasher");
    if (!c)
        return;
    bh_tap(ping(c, 1), "servers: crasher answers before the crash");
    uint64_t old = client_portal("io-noirq", "crasher");
    unsigned old_client = old ? ping_client(old) : ~0u;
    /* From a helper thread, so that a call that never returns is a
       failure here rather than a hang. */
    crash_target = c;
    crash_done = rt_sel();
    bh_create_sm(crash_done, SEL_PD, 0);
    rt_thread(CPU0, 100, crash_caller);
    enum bh_status w = bh_sm_down(crash_done, 20000000);
    bh_tap(w == BH_OK && crash_status == BH_EABORT,
           "servers: the call that crashes crasher returns EABORT (wait %d, call %d)", w, crash_status);
    if (w != BH_OK)
        return;
    bh_tap(c->faults == 1 && c->fault_vec == 14 && c->fault_addr == 0,
           "servers: the fault portal saw crasher's #PF at 0 (faults %lu, vector %lu, address %lx)",
           c->faults, c->fault_vec, c->fault_addr);
    unsigned before = c->restarts;
    bool died = server_kill(c);
    bh_tap(died && c->restarts == before + 1 && c->running,
           "servers: crasher's death seen and crasher restarted (%u/%u)", c->restarts,
           c->cfg->max_restarts);
    bh_tap(ping(c, 7), "servers: the restarted crasher serves again");
    t_regrant(old, old_client, client_portal("io-noirq", "crasher"));
}

static struct server *io_target;
static volatile enum bh_status io_status = BH_ETIMEOUT;

static uint64_t io_port;

static void io_port_caller(void)
{
    struct bh_msg m = { 4, { SRV_IO_IN, io_port, 0, 0 } };
    io_status = server_call(io_target, &m);
    bh_sm_up(crash_done);
    bh_exit(0);
}

/* A server reaches exactly the ports its configuration grants: port 0x80
   works, port 0x61 raises #GP, and after the root revokes 0x80 so does
   0x80. The fault goes to the root's fault portal; the server is ended. */
static bool io_probe_fails(struct server *io, uint64_t port, uint64_t *vec)
{
    io_target = io;
    crash_done = rt_sel();
    bh_create_sm(crash_done, SEL_PD, 0);
    io_status = BH_ETIMEOUT;
    uint64_t faults = io->faults;
    io_port = port;
    rt_thread(CPU0, 100, io_port_caller);
    enum bh_status w = bh_sm_down(crash_done, 20000000);
    *vec = io->faults > faults ? io->fault_vec : 0;
    return w == BH_OK && io_status == BH_EABORT;
}

/* Asks srv (io.elf) to bind the line at its selector sel and take n
   interrupts; the reply is in *m (servers/io/io.h). */
static bool io_irq(struct server *srv, uint64_t sel, uint64_t n, struct bh_msg *m)
{
    *m = (struct bh_msg){ 4, { SRV_IO_IRQ, sel, n, 0 } };
    return server_call(srv, m) == BH_OK;
}

/* Interrupt lines granted by configuration. io has irqs = <2>: the root
   delegates GSI 2 to io's selector BH_SEL_SRV_IRQ_BASE, io binds it to a
   semaphore of its own (test_irq bound it to one of the root's before: a
   bind replaces the binding) and takes the PIT's interrupts while the
   root drives the PIT. io-noirq, the same program without irqs, cannot
   touch the line. io is then killed with the line bound to its
   semaphore: the line must not stay with the dead PD, and the restarted
   io gets it again. */
static void t_io_irq(void)
{
    struct server *io = need("io"), *noirq = need("io-noirq");
    if (!io)
        return;
    unsigned idx = 0;
    while (idx < io->cfg->nirqs && io->cfg->irqs[idx] != PIT_GSI)
        idx++;
    if (idx == io->cfg->nirqs) {
        bh_tap(false, "servers: io is configured with GSI %u in its irqs", PIT_GSI);
        return;
    }
    uint64_t sel = BH_SEL_SRV_IRQ_BASE + idx, root_irq = BH_SEL_IRQ_BASE + PIT_GSI;
    struct bh_msg m;
    pit_start();
    bool ok = io_irq(io, sel, 5, &m);
    pit_stop();
    bh_tap(ok && m.w[0] == BH_OK && m.w[1] == BH_OK && (uint32_t)m.w[2] == 5,
           "servers: io binds GSI %u (granted at its selector %lu) to its own semaphore and takes "
           "5 PIT interrupts (semaphore %lu, bind %lu, got %u)", PIT_GSI, sel, m.w[0], m.w[1],
           (uint32_t)m.w[2]);
    bh_tap(ok && m.w[3] == BH_ETIMEOUT,
           "servers: io gets no further interrupt until it unmasks the line (status %lu, %lu in flight)",
           m.w[3], m.w[2] >> 32);
    if (noirq) {
        struct bh_msg own, roots;
        ok = io_irq(noirq, sel, 1, &own) && io_irq(noirq, root_irq, 1, &roots);
        bh_tap(ok && own.w[0] == BH_OK && own.w[1] == BH_ECAP && roots.w[1] == BH_ECAP &&
                   own.w[2] + roots.w[2] == 0,
               "servers: io-noirq, without irqs, has a semaphore (status %lu) but gets ECAP binding "
               "selector %lu (%lu) and the root's %lu (%lu)", own.w[0], sel, own.w[1], root_irq,
               roots.w[1]);
    }
    unsigned before = io->restarts;
    bool back = server_kill(io) && io->restarts == before + 1 && io->running;
    bh_tap(back, "servers: io killed with GSI %u bound to its semaphore, and restarted", PIT_GSI);
    /* The root took the line back before it released the dead PD: its
       own unmask now ups the root's semaphore. */
    pit_start();
    enum bh_status u = (enum bh_status)bh_syscall6(BH_SYS_IRQ_CTRL, root_irq, BH_IRQ_UNMASK, 0, 0, 0, 0);
    enum bh_status d = bh_sm_down(servers_irq_sink(), 200000);
    bh_syscall6(BH_SYS_IRQ_CTRL, root_irq, BH_IRQ_MASK, 0, 0, 0, 0);
    pit_stop();
    bh_tap(u == BH_OK && d == BH_OK,
           "servers: after io's death GSI %u interrupts the root's semaphore, not the dead PD's "
           "(unmask %d, down %d)", PIT_GSI, u, d);
    pit_start();
    ok = back && io_irq(io, sel, 5, &m);
    pit_stop();
    bh_tap(ok && m.w[1] == BH_OK && (uint32_t)m.w[2] == 5,
           "servers: the restarted io was granted GSI %u again and takes 5 interrupts (bind %lu, got %u)",
           PIT_GSI, m.w[1], (uint32_t)m.w[2]);
}

static void t_io(void)
{
    struct server *io = need("io");
    if (!io)
        return;
    struct bh_msg m = { 4, { SRV_IO_IN, 0x80, 0, 0 } };
    bh_tap(server_call(io, &m) == BH_OK && m.w[0] == BH_OK,
           "servers: io reads the port its configuration grants (0x80)");
    uint64_t vec = 0;
    bool gp = io_probe_fails(io, 0x61, &vec);
    bh_tap(gp && vec == 13, "servers: io cannot reach port 0x61, never granted (#GP to the fault portal, vector %lu)",
           vec);
    unsigned before = io->restarts;
    bool back = server_kill(io) && io->restarts == before + 1 && io->running;
    bh_tap(back, "servers: io restarted with its ports granted again");
    m = (struct bh_msg){ 4, { SRV_IO_IN, 0x80, 0, 0 } };
    bh_tap(back && server_call(io, &m) == BH_OK && m.w[0] == BH_OK, "servers: the restarted io reads 0x80 again");
    bh_tap(bh_syscall6(BH_SYS_IO_REVOKE, 0, 0x80, 1, 0, 0, 0) == BH_OK,
           "servers: the root revokes port 0x80 from every PD it granted it to");
    gp = back && io_probe_fails(io, 0x80, &vec);
    bh_tap(gp && vec == 13, "servers: after the revocation io's access to 0x80 faults (vector %lu)", vec);
}

static void t_refused(void)
{
    struct server *b = server_find("badhash");
    bh_tap(b && b->refused && b->refuse_status == BH_ECHECKSUM && !b->running,
           "servers: a module whose digest does not match is refused (ECHECKSUM)");
    b = server_find("badirq");
    bh_tap(b && b->refused && b->refuse_status == BH_ENOENT && !b->running && b->cfg->nirqs == 1,
           "servers: a server configured with a GSI the root task does not hold (%u) is refused (ENOENT)",
           b ? b->cfg->irqs[0] : 0);
}

static bool report(struct server *srv)
{
    return bh_sm_down(srv->report_sm, REPORT_TIMEOUT_US) == BH_OK;
}

static void t_pagefault(void)
{
    struct server *p = need("pager");
    if (!p)
        return;
    bool got = report(p);
    bh_tap(got && p->faults == 1 && p->fault_vec == 14 && p->fault_addr == MEM_FAULT_VA,
           "servers: pager's #PF at %lx reached the root's fault portal (faults %lu)",
           (uint64_t)MEM_FAULT_VA, p->faults);
    bh_tap(got && p->report[0] == p->fault_value && p->fault_value,
           "servers: the handler mapped a page and resumed: pager read %lx", p->report[0]);
    bh_tap(server_reap(p, 20000000) && !p->running, "servers: pager exited after its report");
}

static void t_revoke(void)
{
    struct server *p = need("sharer");
    if (!p)
        return;
    bool got = report(p);
    bh_tap(got && p->report[0] == 0x5a5e0000ull + p->idx,
           "servers: sharer reads the page the root shared (%lx)", p->report[0]);
    bh_sm_down(p->fault_sm, 20000);          /* let it read a while */
    uint64_t own = p->extra - 0x1000;         /* the shared page, last in the window */
    enum bh_status s = bh_unmap(own, 1, 0);
    bh_tap(s == BH_OK, "servers: the root unmaps the shared page while sharer reads it (%d)", s);
    bool faulted = bh_sm_down(p->fault_sm, 20000000) == BH_OK;
    bh_tap(faulted && p->fault_vec == 14 && p->fault_addr == MEM_SHARE_VA,
           "servers: sharer faults at the revoked page (vector %lu at %lx)", p->fault_vec, p->fault_addr);
    bh_tap(*(volatile uint64_t *)own == 0x5a5e0000ull + p->idx,
           "servers: the root's own copy of the page is untouched");
    bh_tap(server_reap(p, 20000000) && !p->running, "servers: sharer ended by the fault");
}

static void t_quota(void)
{
    struct server *q = need("quota");
    struct server *echo = server_find("echo");
    if (!q)
        return;
    bool got = report(q);
    bh_tap(got && q->report[1] == BH_ENOMEM && q->report[0] < q->cfg->memory_kib / 4,
           "servers: a %u KiB quota: ENOMEM after %lu semaphores (status %lu)", q->cfg->memory_kib,
           q->report[0], q->report[1]);
    server_reap(q, 20000000);
    uint64_t sm = rt_sel();
    bh_tap(bh_create_sm(sm, SEL_PD, 0) == BH_OK && echo && ping(echo, 99),
           "servers: after the child's ENOMEM the root still creates objects and echo answers");
    bh_revoke(sm, BH_REVOKE_SELF);
}

static void t_fuzz(void)
{
    struct server *f = need("fuzz");
    struct server *echo = server_find("echo");
    if (!f)
        return;
    unsigned calls = 0, bad = 0, waits = 0;
    bool got = false;
    while (!got && waits < 15000) {           /* 2 ms per wait: 30 s at most */
        for (int i = 0; i < 10; i++, calls++)
            if (!echo || !ping(echo, calls))
                bad++;
        got = bh_sm_down(f->report_sm, 2000) == BH_OK;
        waits++;
    }
    uint64_t want = srv_arg(f->cfg->args, "count", 1000000);
    bh_tap(got && f->report[0] == want, "servers: fuzz made %lu random system calls (%lu succeeded)",
           f->report[0], f->report[1]);
    bh_tap(got && calls && !bad, "servers: echo answered all %u calls made meanwhile (%u bad)", calls, bad);
    bh_tap(server_reap(f, 20000000) && !f->running, "servers: fuzz exited after its report");
}

void test_servers(void)
{
    if (!servers_start_all())
        return;
    t_refused();
    t_echo();
    t_crasher();
    t_io_irq();
    t_io();
    t_pagefault();
    t_revoke();
    t_quota();
    t_fuzz();
    servers_stop_all();
}
