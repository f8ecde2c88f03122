/* The root task's server manager; see servers.h. */
#include "servers.h"
#include "measure.h"
#include "rt.h"
#include "lib/fmt.h"
#include <bh/libc.h>
#include <bh/svc.h>
#include <bh/svcinfo.h>
#include <string.h>

#define SCRATCH_BASE 0x0000500000000000ull
#define SCRATCH_SIZE 0x0000000100000000ull  /* per server: image, then extra */
#define CHILD_SLOTS 256u
#define FAULT_BADGE (1ull << 32)
#define PT_BADGE 0xec00u
#define START_TIMEOUT_US 3000000u
#define MAX_CPUS 2u

/* A server's space: 3, 4, 5 as in bh/svc.h, its interrupt lines at 8..15,
   its configured capabilities from 16 on. */
_Static_assert(CONFIG_MAX_MODULES == SVC_MODULES_MAX && CONFIG_NAME_MAX == SVC_NAME_MAX,
               "the info page holds every configured module");
_Static_assert(BH_SEL_SRV_IRQ_BASE > SVC_SEL_PARK &&
                   BH_SEL_SRV_IRQ_BASE + CONFIG_MAX_IRQS <= BH_SEL_FIRST_FREE,
               "a server's IRQ selectors sit between the fixed ones and the configured ones");

static struct bh_config config;
static struct config_diag diag;
static struct server servers[CONFIG_MAX_SERVERS];
static unsigned nservers;
static uint64_t svc_ec[MAX_CPUS], park_sm, shared_sm, irq_sink_sm;

bool boot_module(const char *name, const void **img, size_t *len)
{
    const struct bh_bootinfo *bi = (const struct bh_bootinfo *)BH_ROOT_BOOTINFO;
    for (unsigned i = 0; i < bi->nmods && i < BH_BOOT_MODS_MAX; i++)
        if (!strncmp(bi->mods[i].name, name, sizeof bi->mods[i].name)) {
            *img = (const void *)bi->mods[i].va;
            *len = bi->mods[i].size;
            return true;
        }
    return false;
}

struct server *server_find(const char *name)
{
    for (unsigned i = 0; i < nservers; i++)
        if (!strcmp(servers[i].cfg->name, name))
            return &servers[i];
    return NULL;
}

uint64_t servers_test_sm(void) { return shared_sm; }

uint64_t servers_irq_sink(void) { return irq_sink_sm; }

/* Whether the root holds an IRQ capability for gsi that it may pass on. */
static bool root_holds_irq(uint32_t gsi)
{
    unsigned type = 0, rights = 0;
    return bh_lookup(BH_SEL_IRQ_BASE + gsi, &type, &rights) == BH_OK && type == BH_OBJ_IRQ &&
           (rights & (BH_R_CTRL | BH_R_DELEGATE)) == (BH_R_CTRL | BH_R_DELEGATE);
}

/* How many lines the root holds from GSI 0 up (the kernel gives it one
   per routable GSI of the I/O APICs), for messages. */
static uint32_t root_irq_count(void)
{
    uint32_t n = 0;
    while (n <= CONFIG_MAX_IRQ && root_holds_irq(n))
        n++;
    return n;
}

/* The kernel unbinds a dead server's lines (hv/irq.c, irq_release_pd);
   the root binds each to a semaphore of its own, masked, so that the
   line is in a known state until the restarted server binds it again. */
static void reclaim_irqs(const struct server *srv)
{
    for (unsigned i = 0; i < srv->cfg->nirqs; i++) {
        uint64_t irq = BH_SEL_IRQ_BASE + srv->cfg->irqs[i];
        enum bh_status s = (enum bh_status)bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_MASK, 0, 0, 0, 0);
        if (s == BH_OK)
            s = (enum bh_status)bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_BIND, irq_sink_sm, 0, 0, 0);
        if (s != BH_OK)
            bh_printf("# server %s: irq %u: the root could not take the line back (status %d)\n",
                      srv->cfg->name, srv->cfg->irqs[i], s);
    }
}

static const char *vector_name(uint64_t v)
{
    switch (v) {
    case 0: return "#DE";
    case 6: return "#UD";
    case 13: return "#GP";
    case 14: return "#PF";
    default: return "exception";
    }
}

/* A page fresh in the root's extra window for srv; returns its address. */
static uint64_t extra_page(struct server *srv)
{
    uint64_t va = srv->extra;
    if (bh_map(SEL_PD, va, va, 1, BH_M_R | BH_M_W | BH_MAP_FRESH) != BH_OK)
        return 0;
    srv->extra += 0x1000;
    return va;
}

/* n fresh pages in a row in the root's extra window for srv; returns the
   first one's address, or 0. */
static uint64_t extra_pages(struct server *srv, uint64_t n)
{
    uint64_t va = srv->extra;
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < BH_MAP_MAX ? n - done : BH_MAP_MAX;
        if (bh_map(SEL_PD, va + done * 0x1000, va + done * 0x1000, k,
                   BH_M_R | BH_M_W | BH_MAP_FRESH) != BH_OK)
            return 0;
        done += k;
        srv->extra += k * 0x1000;      /* cleanup() unmaps up to here */
    }
    return va;
}

/* Data modules (`modules`): the info page and a copy of each module,
   shared read-only into the server (bh/svcinfo.h). The digests were
   checked before the start. */
static enum bh_status map_modules(struct server *srv, const char **why)
{
    const struct bh_server_cfg *c = srv->cfg;
    if (!c->nmodules)
        return BH_OK;
    *why = "map its data modules";
    uint64_t info_va = extra_pages(srv, 1);
    if (!info_va)
        return BH_ENOMEM;
    struct svc_info *info = (struct svc_info *)info_va;
    info->magic = SVC_INFO_MAGIC;
    memcpy(info->name, c->name, sizeof info->name);
    info->cpu = srv->cpu;
    info->priority = c->priority;
    uint64_t dst = SVC_INFO_VA + 0x1000;
    for (unsigned i = 0; i < c->nmodules; i++) {
        uint64_t pages = (srv->mod_len[i] + 0xfff) / 0x1000;
        uint64_t own = pages ? extra_pages(srv, pages) : 0;
        if (pages && !own)
            return BH_ENOMEM;
        memcpy((void *)own, srv->mod_img[i], srv->mod_len[i]);
        for (uint64_t done = 0; done < pages;) {
            uint64_t k = pages - done < BH_MAP_MAX ? pages - done : BH_MAP_MAX;
            enum bh_status s = bh_map(srv->pd, own + done * 0x1000, dst + done * 0x1000, k, BH_M_R);
            if (s != BH_OK)
                return s;
            done += k;
        }
        memcpy(info->mod[i].name, c->modules[i].name, sizeof info->mod[i].name);
        info->mod[i].va = dst;
        info->mod[i].size = srv->mod_len[i];
        dst += (pages + 1) * 0x1000;   /* a guard page after each */
    }
    info->nmodules = c->nmodules;
    return bh_map(srv->pd, info_va, SVC_INFO_VA, 1, BH_M_R);
}

uint64_t server_share_page(struct server *srv, uint64_t va, unsigned rights, uint64_t value)
{
    uint64_t own = extra_page(srv);
    if (!own)
        return 0;
    *(volatile uint64_t *)own = value;
    return bh_map(srv->pd, own, va, 1, rights) == BH_OK ? own : 0;
}

/* The fault portal: a test server that asked for it gets a page mapped
   at the fault address and resumes; any other fault ends the server. */
static void on_fault(struct server *srv, struct bh_msg *m)
{
    uint64_t vec = m->w[0], addr = m->w[2];
    srv->fault_vec = vec, srv->fault_addr = addr, srv->fault_rip = m->w[3];
    srv->faults++;
    m->w[0] = BH_FAULT_KILL;
    if (vec == 14 && srv->map_on_fault && addr == MEM_FAULT_VA) {
        srv->fault_value = 0xfa017000ull + srv->idx;
        if (server_share_page(srv, addr & ~0xfffull, BH_M_R, srv->fault_value))
            m->w[0] = BH_FAULT_RESUME;
    }
    if (m->w[0] == BH_FAULT_KILL) {
        srv->failed = true;
        if (srv->faults <= 3)
            bh_printf("# server %s: %s (error %lx) at %lx, rip %lx: ending it\n", srv->cfg->name,
                      vector_name(vec), m->w[1], addr, m->w[3]);
    }
    bh_sm_up(srv->fault_sm);
}

static void on_serve(struct server *srv, struct bh_msg *m, uint64_t badge)
{
    enum bh_status s = BH_EEXIST;
    if (!srv->served && m->w[1]) {
        uint64_t ec = rt_sel(), pt = rt_sel();
        s = bh_create_ec(ec, srv->pd, srv->cpu, BH_EC_LOCAL, m->w[3], m->w[1], m->w[2]);
        if (s == BH_OK)
            s = bh_create_pt(pt, SEL_PD, ec, PT_BADGE | (badge & 0xff));
        if (s == BH_OK)
            srv->local_ec = ec, srv->pt = pt;
    } else if (!srv->served) {
        s = BH_OK;
    }
    if (s == BH_OK && !srv->served) {
        srv->served = true;
        bh_sm_up(srv->ready_sm);
    }
    m->w[0] = s;
}

static void on_service(struct server *srv, struct bh_msg *m, uint64_t badge)
{
    switch (m->w[0]) {
    case SVC_SERVE: on_serve(srv, m, badge); break;
    case SVC_REPORT:
        if (m->w[3] != SVC_REPORT_MAGIC) {
            m->w[0] = BH_EINVAL;
            break;
        }
        srv->report[0] = m->w[1], srv->report[1] = m->w[2];
        bh_sm_up(srv->report_sm);
        m->w[0] = BH_OK;
        break;
    default: m->w[0] = BH_EINVAL;
    }
}

/* The local EC behind every server's service and fault portal (one per
   CPU); the badge names the server. */
void svc_entry(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t mi, uint64_t w2, uint64_t w3);

/* The first call reaches a local EC with the msginfo in r10, which no C
   argument covers: this stub hands it over as the fourth argument. */
__asm__(".text\n.globl svc_entry_asm\nsvc_entry_asm:\n\tmov %r10, %rcx\n\tjmp svc_entry\n");
void svc_entry_asm(void);

void svc_entry(uint64_t badge, uint64_t w0, uint64_t w1, uint64_t mi, uint64_t w2, uint64_t w3)
{
    struct bh_msg m = { mi, { w0, w1, w2, w3 } };
    for (;;) {
        unsigned i = (unsigned)(badge & 0xff) - 1;
        if (i < nservers && (badge & FAULT_BADGE) && !(m.mi & BH_MSG_FAULT))
            m.w[0] = BH_FAULT_RESUME;  /* a call, not an exception: ignore it */
        else if (i < nservers && (badge & FAULT_BADGE))
            on_fault(&servers[i], &m);
        else if (i < nservers)
            on_service(&servers[i], &m, badge);
        else
            m.w[0] = BH_EINVAL;
        m.mi = 4;
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(99);
    }
}

static enum bh_status grant(struct server *srv, const struct config_cap *c)
{
    uint64_t src;
    if (!strcmp(c->target, "self")) {
        src = srv->pd;
    } else if (!strcmp(c->target, "test-sm")) {
        src = shared_sm;
    } else {
        struct server *t = server_find(c->target);
        if (!t || !t->running || !t->pt) {
            bh_printf("# server %s: capability '%s': target '%s' is not serving\n", srv->cfg->name,
                      c->name, c->target);
            return BH_ENOENT;
        }
        src = t->pt;
        if (c->badge) {              /* a portal of its own: the server sees who calls */
            uint64_t pt = rt_sel();
            enum bh_status s = bh_create_pt(pt, SEL_PD, t->local_ec,
                                            PT_BADGE | (t->idx + 1) | (uint64_t)c->badge << 16);
            if (s != BH_OK)
                return s;
            srv->client_pt[c - srv->cfg->caps] = src = pt;
        }
    }
    if (c->badge && src != srv->client_pt[c - srv->cfg->caps]) {
        bh_printf("# server %s: capability '%s': a badge needs a server target\n", srv->cfg->name,
                  c->name);
        return BH_EINVAL;
    }
    return bh_delegate(srv->pd, src, c->sel, c->rights);
}

static bool names(const struct config_cap *c, const struct server *t)
{
    return !strcmp(c->target, t->cfg->name);
}

/* t died: the badged portals the root made for t's clients lead to its
   dead EC (BH_EABORT) and keep its PD object alive. They go now, with
   every copy, so each such client finds its selector empty (BH_ECAP)
   until t is back; the unbadged ones went with t->pt in cleanup(). */
static void drop_client_portals(const struct server *t)
{
    for (unsigned i = 0; i < nservers; i++)
        for (unsigned k = 0; k < servers[i].cfg->ncaps; k++)
            if (servers[i].client_pt[k] && names(&servers[i].cfg->caps[k], t))
                bh_revoke(servers[i].client_pt[k], BH_REVOKE_SELF), servers[i].client_pt[k] = 0;
}

/* t restarted: every running server whose configuration has a cap
   naming t gets exactly that entry again (same selector, rights and
   badge), now to t's new portal. Nothing else: a client only ever holds
   what its entry lists. */
static void regrant_clients(struct server *t)
{
    for (unsigned i = 0; i < nservers; i++) {
        struct server *s = &servers[i];
        for (unsigned k = 0; s != t && s->running && k < s->cfg->ncaps; k++) {
            const struct config_cap *c = &s->cfg->caps[k];
            if (!names(c, t))
                continue;
            enum bh_status st = grant(s, c);
            bh_printf("# server %s: capability '%s' (sel %u) delegated again, to the restarted %s "
                      "(status %d)\n", s->cfg->name, c->name, c->sel, t->cfg->name, st);
        }
    }
}

/* Test hooks the test servers' arguments ask for (servers/mem). */
static enum bh_status prepare(struct server *srv)
{
    srv->map_on_fault = strstr(srv->cfg->args, "mode=fault") != NULL;
    if (strstr(srv->cfg->args, "mode=revoke") &&
        !server_share_page(srv, MEM_SHARE_VA, BH_M_R, 0x5a5e0000ull + srv->idx))
        return BH_ENOMEM;
    return BH_OK;
}

static void cleanup(struct server *srv)
{
    if (srv->pd)                       /* the PD is dead but not yet released */
        reclaim_irqs(srv);
    uint64_t sels[] = { srv->pt, srv->local_ec, srv->sc, srv->ec, srv->svc_pt, srv->fault_pt, srv->pd };
    for (unsigned i = 0; i < sizeof sels / sizeof sels[0]; i++)
        if (sels[i])
            bh_revoke(sels[i], BH_REVOKE_SELF);
    for (unsigned i = 0; i < CONFIG_MAX_CAPS; i++)
        if (srv->client_pt[i])
            bh_revoke(srv->client_pt[i], BH_REVOKE_SELF), srv->client_pt[i] = 0;
    drop_client_portals(srv);
    bh_elf_unload(&srv->ld);
    uint64_t base = srv->ld.scratch + SCRATCH_SIZE / 2;
    for (uint64_t va = base; va < srv->extra; va += 0x1000)
        bh_unmap(va, 1, BH_REVOKE_SELF);
    srv->pt = srv->local_ec = srv->sc = srv->ec = srv->svc_pt = srv->fault_pt = srv->pd = 0;
    srv->running = false;
}

/* One start: PD, image, capabilities, EC and SC; then waits for the
   server's first service call. */
static enum bh_status start(struct server *srv, const char **why)
{
    const struct bh_server_cfg *c = srv->cfg;
    uint64_t scratch = SCRATCH_BASE + srv->idx * SCRATCH_SIZE;
    enum bh_status s;
    srv->served = srv->failed = false;
    srv->faults = 0;
    srv->extra = scratch + SCRATCH_SIZE / 2;
    srv->ld = (struct bh_elf_loaded){ .scratch = scratch };
    srv->pd = rt_sel();
    *why = "create its PD";
    s = (enum bh_status)bh_syscall6(BH_SYS_CREATE_PD, srv->pd, SEL_PD,
                                    CHILD_SLOTS | BH_PD_CEILING(c->priority),   /* no SC above it */
                                    c->memory_kib / 4, srv->death_sm, (uint64_t)c->name);
    if (s != BH_OK) {
        srv->pd = 0;
        return s;
    }
    srv->running = true;
    s = bh_elf_load(srv->pd, srv->img, srv->len, c->args, srv->idx, scratch, SCRATCH_SIZE / 2,
                    &srv->ld, why);
    srv->svc_pt = rt_sel(), srv->fault_pt = rt_sel();
    if (s == BH_OK && (*why = "service portals",
                       (s = bh_create_pt(srv->svc_pt, SEL_PD, svc_ec[srv->cpu], srv->idx + 1)) == BH_OK &&
                       (s = bh_create_pt(srv->fault_pt, SEL_PD, svc_ec[srv->cpu],
                                         FAULT_BADGE | (srv->idx + 1))) == BH_OK &&
                       (s = bh_delegate(srv->pd, srv->svc_pt, SVC_SEL_ROOT, BH_R_CALL)) == BH_OK &&
                       (s = bh_delegate(srv->pd, srv->fault_pt, BH_SEL_FAULT_PT, BH_R_CALL)) == BH_OK))
        s = bh_delegate(srv->pd, park_sm, SVC_SEL_PARK, BH_R_DOWN);
    for (unsigned i = 0; s == BH_OK && i < c->ncaps; i++)
        if ((s = grant(srv, &c->caps[i])) != BH_OK)
            *why = "delegate a configured capability";
    for (unsigned i = 0; s == BH_OK && i < c->nioports; i++)   /* only its configured ports */
        if ((s = (enum bh_status)bh_syscall6(BH_SYS_IO_GRANT, srv->pd, c->ioports[i].base,
                                             c->ioports[i].count, 0, 0, 0)) != BH_OK)
            *why = "grant its I/O ports";
    for (unsigned i = 0; s == BH_OK && i < c->nirqs; i++)      /* and its configured lines */
        if ((s = bh_delegate(srv->pd, BH_SEL_IRQ_BASE + c->irqs[i], BH_SEL_SRV_IRQ_BASE + i,
                             BH_R_CTRL)) != BH_OK)
            *why = "grant its interrupt lines";
    if (s == BH_OK)
        s = map_modules(srv, why);
    if (s == BH_OK && (s = prepare(srv)) != BH_OK)
        *why = "test set-up";
    srv->ec = rt_sel(), srv->sc = rt_sel();
    if (s == BH_OK && (*why = "create its EC",
                       (s = bh_create_ec(srv->ec, srv->pd, srv->cpu, 0, srv->ld.utcb, srv->ld.entry,
                                         srv->ld.stack)) == BH_OK))
        s = bh_create_sc(srv->sc, srv->pd, srv->ec, c->priority, c->budget_us, c->period_us),
        *why = "create its SC";
    if (s == BH_OK && (s = bh_sm_down(srv->ready_sm, START_TIMEOUT_US)) != BH_OK)
        *why = "wait for its first service call";
    if (s != BH_OK) {
        bh_kill_pd(srv->pd);
        bh_sm_down(srv->death_sm, 100000);
        cleanup(srv);
    }
    return s;
}

static void started(struct server *srv)
{
    bh_printf("# server %s: started (pd sel %lu)\n", srv->cfg->name, srv->pd);
}

bool server_reap(struct server *srv, uint64_t timeout_us)
{
    if (!srv->running || bh_sm_down(srv->death_sm, timeout_us) != BH_OK)
        return false;
    bool failed = srv->failed;
    cleanup(srv);
    const struct bh_server_cfg *c = srv->cfg;
    bool again = c->restart == RESTART_ALWAYS || (c->restart == RESTART_ON_FAILURE && failed);
    if (!again)
        bh_printf("# server %s: %s\n", c->name, failed ? "failed" : "exited");
    if (!again || srv->restarts >= c->max_restarts) {
        if (again)
            bh_printf("# server %s: died, not restarting (%u restarts used)\n", c->name, srv->restarts);
        return true;
    }
    srv->restarts++;
    bh_printf("# server %s: died, restarting (%u/%u)\n", c->name, srv->restarts, c->max_restarts);
    const char *why = "";
    enum bh_status s = start(srv, &why);
    if (s == BH_OK)
        started(srv), regrant_clients(srv);
    else
        bh_printf("# server %s: restart failed: %s (status %d)\n", c->name, why, s);
    return true;
}

bool server_kill(struct server *srv)
{
    if (!srv->running)
        return false;
    srv->failed = true;
    bh_kill_pd(srv->pd);
    return server_reap(srv, 1000000);
}

void servers_stop_all(void)
{
    for (unsigned i = 0; i < nservers; i++) {
        struct server *srv = &servers[i];
        if (!srv->running)
            continue;
        bh_kill_pd(srv->pd);
        if (bh_sm_down(srv->death_sm, 1000000) != BH_OK)
            bh_printf("# server %s: no death signal after KILL_PD\n", srv->cfg->name);
        cleanup(srv);
    }
}

enum bh_status server_call(struct server *srv, struct bh_msg *m)
{
    if (!srv || !srv->running || !srv->pt)
        return BH_ENOENT;
    m->mi = 4;
    return bh_call(srv->pt, m);
}

/* ---- configuration ---------------------------------------------------- */

static struct bh_tls cfg_tls __attribute__((aligned(16)));
static const void *cfg_blob;
static size_t cfg_len;
static volatile enum bh_status cfg_status = BH_ETIMEOUT;
static volatile enum bh_status tls_status = BH_ETIMEOUT;
static uint64_t cfg_done;

/* libfdt.a is built with the stack protector: it needs a TLS block with a
   canary at %fs:0x28, so the parse runs in its own EC with its own FS
   base. If the kernel has not enabled WRFSBASE (CR4.FSGSBASE), the EC
   dies of #UD and only it: the root then falls back to FS base 0 with a
   canary page mapped at address 0 for the length of the parse (see
   tls_fallback), and says so. */
static void cfg_thread(void)
{
    tls_status = bh_tls_init(&cfg_tls);
    if (tls_status == BH_OK)
        cfg_status = config_parse(cfg_blob, cfg_len, &config, &diag);
    bh_sm_up(cfg_done);
    bh_exit(0);
}

static volatile uintptr_t page_zero;

static void cfg_thread_fs0(void)
{
    cfg_status = config_parse(cfg_blob, cfg_len, &config, &diag);
    bh_sm_up(cfg_done);
    bh_exit(0);
}

/* WORKAROUND until the kernel sets CR4.FSGSBASE: an EC's FS base is 0,
   so %fs:0x28 is address 0x28. Map a page at 0 holding a canary, parse,
   and unmap it again so that null pointers fault as before. */
static enum bh_status tls_fallback(void)
{
    enum bh_status s = bh_map(SEL_PD, page_zero, page_zero, 1, BH_M_R | BH_M_W | BH_MAP_FRESH);
    bh_printf("# servers: no WRFSBASE (#UD): libfdt canary on a page at address 0 (map status %d)\n", s);
    if (s != BH_OK)
        return s;
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    ((volatile struct bh_tls *)page_zero)->stack_guard =
        (((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ull) & ~0xffull;
    rt_thread(CPU0, 50, cfg_thread_fs0);
    s = bh_sm_down(cfg_done, 2000000);
    bh_unmap(page_zero, 1, BH_REVOKE_SELF);
    return s;
}

/* WORKAROUND: rt_sel() (root/rt.c) counts up from BH_SEL_FIRST_FREE and
   does not skip the root's IRQ capabilities at BH_SEL_IRQ_BASE + GSI. Once
   the in-system suite before the servers has used about a thousand
   selectors (it does now), a create lands on one of them and fails with
   BH_EEXIST. The server manager moves the counter past that window once,
   before it takes any selector; the root has 2048 slots. */
static void skip_irq_selectors(void)
{
    static bool done;
    while (!done && rt_sel() <= BH_SEL_IRQ_BASE + CONFIG_MAX_IRQ)
        ;
    done = true;
}

/* The configuration module: `config=NAME` in the root task's own
   arguments (boot module 0), else bulkhead.dtb. */
static void config_name(char *name, size_t cap)
{
    const struct bh_bootinfo *bi = (const struct bh_bootinfo *)BH_ROOT_BOOTINFO;
    const char *a = bi->nmods ? bi->mods[0].args : "";
    size_t alen = strnlen(a, sizeof bi->mods[0].args);
    snfmt(name, cap, "bulkhead.dtb");
    for (size_t i = 0; i + 7 <= alen; i++)
        if ((i == 0 || a[i - 1] == ' ') && !strncmp(a + i, "config=", 7)) {
            size_t n = 0;
            while (i + 7 + n < alen && a[i + 7 + n] != ' ' && n + 1 < cap)
                n++;
            memcpy(name, a + i + 7, n);
            name[n] = '\0';
        }
}

static char cfg_module[CONFIG_MODULE_MAX];

static bool read_config(void)
{
    skip_irq_selectors();
    config_name(cfg_module, sizeof cfg_module);
    if (!boot_module(cfg_module, &cfg_blob, &cfg_len)) {
        bh_tap(false, "servers: boot module %s present", cfg_module);
        return false;
    }
    cfg_done = rt_sel();
    bh_create_sm(cfg_done, SEL_PD, 0);
    rt_thread(CPU0, 50, cfg_thread);
    enum bh_status w = bh_sm_down(cfg_done, 500000);
    if (w == BH_ETIMEOUT)
        w = tls_fallback();
    bh_tap(w == BH_OK, "servers: the configuration parser ran (wait %d, tls %d)", w, tls_status);
    bh_tap(cfg_status == BH_OK, "servers: %s parsed (%u servers, %u rejected, status %d)",
           cfg_module, config.nservers, config.nrejected, cfg_status);
    for (unsigned i = 0; i < diag.count; i++)
        bh_printf("# config: %s\n", diag.msg[i]);
    return cfg_status == BH_OK;
}

static bool make_infrastructure(unsigned ncpus)
{
    static bool made;
    if (made)
        return true;
    skip_irq_selectors();
    park_sm = rt_sel(), shared_sm = rt_sel(), irq_sink_sm = rt_sel();
    enum bh_status s = bh_create_sm(park_sm, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_sm(shared_sm, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_sm(irq_sink_sm, SEL_PD, 0);
    for (unsigned c = 0; s == BH_OK && c < ncpus && c < MAX_CPUS; c++) {
        svc_ec[c] = rt_sel();
        s = bh_create_ec(svc_ec[c], SEL_PD, c, BH_EC_LOCAL, rt_utcb(), (uint64_t)svc_entry_asm,
                         rt_stack() - 8);
        /* An SC of its own above every server: it then serves on it, so a
           low-priority server cannot hold it while others starve it. */
        if (s == BH_OK)
            s = bh_create_sc(rt_sel(), SEL_PD, svc_ec[c], 150, 10000, 10000);
    }
    bh_tap(s == BH_OK, "servers: service ECs and semaphores created (status %d)", s);
    made = s == BH_OK;
    return made;
}

/* Finds and measures each data module like the server's own module. */
static enum bh_status measure_modules(struct server *srv, char why[static MEASURE_WHY_LEN])
{
    static struct bh_server_cfg as_module;  /* measure_check's view of a data module */
    const struct bh_server_cfg *c = srv->cfg;
    for (unsigned i = 0; i < c->nmodules; i++) {
        const struct config_module *m = &c->modules[i];
        if (!boot_module(m->module, &srv->mod_img[i], &srv->mod_len[i])) {
            snfmt(why, MEASURE_WHY_LEN, "data module '%s': no boot module '%s'", m->name, m->module);
            return BH_ENOENT;
        }
        memcpy(as_module.module, m->module, sizeof as_module.module);
        memcpy(as_module.sha256, m->sha256, sizeof as_module.sha256);
        enum bh_status s = measure_check(&as_module, srv->mod_img[i], srv->mod_len[i], why);
        if (s != BH_OK)
            return s;
    }
    return BH_OK;
}

/* Measured start, then start. */
static void start_one(struct server *srv)
{
    const struct bh_server_cfg *c = srv->cfg;
    char why[MEASURE_WHY_LEN];
    if (!boot_module(c->module, &srv->img, &srv->len)) {
        srv->refused = true, srv->refuse_status = BH_ENOENT;
        bh_printf("# server %s: refused: no boot module '%s'\n", c->name, c->module);
        return;
    }
    enum bh_status s = measure_check(c, srv->img, srv->len, why);
    if (s != BH_OK) {
        srv->refused = true, srv->refuse_status = s;
        bh_printf("# server %s: refused: %s\n", c->name, why);
        return;
    }
    if ((s = measure_modules(srv, why)) != BH_OK) {
        srv->refused = true, srv->refuse_status = s;
        bh_printf("# server %s: refused: %s\n", c->name, why);
        return;
    }
    for (unsigned i = 0; i < c->nirqs; i++)
        if (!root_holds_irq(c->irqs[i])) {
            /* Fail closed, like a bad digest: a driver started without a
               line it was configured for would only fail later, and less
               clearly. */
            uint32_t n = root_irq_count();
            srv->refused = true, srv->refuse_status = BH_ENOENT;
            bh_printf("# server %s: refused: irq %u: the root task holds no interrupt line for GSI %u "
                      "(it holds %u: GSIs below %u)\n", c->name, c->irqs[i], c->irqs[i], n, n);
            return;
        }
    srv->death_sm = rt_sel(), srv->ready_sm = rt_sel(), srv->report_sm = rt_sel(),
    srv->fault_sm = rt_sel();
    s = bh_create_sm(srv->death_sm, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_sm(srv->ready_sm, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_sm(srv->report_sm, SEL_PD, 0);
    if (s == BH_OK)
        s = bh_create_sm(srv->fault_sm, SEL_PD, 0);
    const char *step = "semaphores";
    if (s == BH_OK)
        s = start(srv, &step);
    if (s == BH_OK)
        started(srv);
    else
        bh_printf("# server %s: start failed: %s (status %d)\n", c->name, step, s);
    bh_tap(s == BH_OK, "servers: %s started from %s in its own PD (status %d)", c->name, c->module, s);
}

static void slot_init(struct server *srv, const struct bh_server_cfg *cfg, unsigned idx)
{
    srv->cfg = cfg;
    srv->idx = idx;
    srv->cpu = cfg->cpu < rt_cpus() && cfg->cpu < MAX_CPUS ? cfg->cpu : 0;
}

/* Whether an awaited server has ended for good: it was never started
   (refused, or a bad entry), or it died and was not restarted. */
static bool ended(const char *name)
{
    struct server *srv = server_find(name);
    return !srv || !srv->running;
}

/* The /supervise mode (config.h): the servers run on their own while the
   root reaps and restarts them by policy, until every awaited server has
   ended or the timeout has passed; then the rest are stopped. A server
   whose EC faulted (the fault handler killed that EC) is ended as a
   whole, as failed. Time is counted in the semaphore timeouts the root
   waits out, so it runs a little long, never short. */
static void supervise(void)
{
    const struct config_supervise *sv = &config.supervise;
    uint64_t waited_us = 0, limit_us = (uint64_t)sv->timeout_ms * 1000;
    unsigned left = sv->nawait;
    bh_printf("# supervise: %u server(s) awaited, at most %u ms\n", sv->nawait, sv->timeout_ms);
    for (;;) {
        left = 0;
        for (unsigned i = 0; i < sv->nawait; i++)
            left += !ended(sv->await[i]);
        if (!left || waited_us >= limit_us)
            break;
        for (unsigned i = 0; i < nservers; i++) {
            struct server *srv = &servers[i];
            if (srv->running && srv->failed)
                server_kill(srv);      /* it faulted: end all of it, restart by policy */
            else if (srv->running && !server_reap(srv, 2000))
                waited_us += 2000;
        }
    }
    for (unsigned i = 0; i < sv->nawait; i++) {
        struct server *srv = server_find(sv->await[i]);
        bh_printf("# supervise: %s %s\n", sv->await[i],
                  !srv ? "was not started (a bad configuration entry)"
                  : srv->refused ? "was refused"
                  : srv->running ? "still running at the deadline: stopping it"
                  : srv->failed ? "ended: failed" : "ended: exited");
    }
    bh_tap(!left, "supervise: every awaited server ended within %u ms (%u of %u still running)",
           sv->timeout_ms, left, sv->nawait);
    for (unsigned i = 0; i < nservers; i++)
        if (servers[i].running)
            bh_printf("# supervise: stopping %s\n", servers[i].cfg->name);
    servers_stop_all();
}

bool servers_start_all(void)
{
    if (!read_config() || !make_infrastructure(rt_cpus()))
        return false;
    nservers = config.nservers;
    for (unsigned i = 0; i < nservers; i++) {
        slot_init(&servers[i], &config.servers[i], i);
        start_one(&servers[i]);
    }
    if (config.supervise.timeout_ms) {
        supervise();
        return false;                 /* no test servers to test */
    }
    return true;
}

struct server *server_start(const struct bh_server_cfg *cfg)
{
    if (nservers >= CONFIG_MAX_SERVERS || !make_infrastructure(rt_cpus()))
        return NULL;
    struct server *srv = &servers[nservers];
    slot_init(srv, cfg, nservers);
    nservers++;                       /* before the start: its service calls check it */
    start_one(srv);
    return srv->running ? srv : NULL;
}
