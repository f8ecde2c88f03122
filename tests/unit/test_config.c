/* Host unit tests for root/config.c (boot configuration) and
   root/measure.c (measured start). Fixtures: tests/fixtures/config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libfdt.h>

#include "config.h"
#include "measure.h"

#define BLOB_MAX 65536

static uint64_t blob_store[BLOB_MAX / 8];   /* 8-byte aligned for libfdt */
static uint8_t *const blob = (uint8_t *)blob_store;
static struct bh_config cfg;
static struct config_diag diag;

/* Loads CONFIG_FIXTURE_DIR/name into blob; returns its size. */
static size_t load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CONFIG_FIXTURE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    size_t n = fread(blob, 1, BLOB_MAX, f);
    fclose(f);
    assert_true(n > 0 && n < BLOB_MAX);
    return n;
}

static enum bh_status parse_file(const char *name)
{
    size_t n = load(name);
    return config_parse(blob, n, &cfg, &diag);
}

static void dump_diag(void)
{
    for (uint32_t i = 0; i < diag.count; i++)
        print_message("# diag: %s\n", diag.msg[i]);
}

/* True if some diagnostic contains needle. */
static bool diag_has(const char *needle)
{
    for (uint32_t i = 0; i < diag.count; i++)
        if (strstr(diag.msg[i], needle))
            return true;
    return false;
}

static void expect_diag(const char *needle)
{
    if (!diag_has(needle)) {
        dump_diag();
        fail_msg("no diagnostic contains \"%s\"", needle);
    }
}

static const struct bh_server_cfg *find(const char *name)
{
    for (uint32_t i = 0; i < cfg.nservers; i++)
        if (!strcmp(cfg.servers[i].name, name))
            return &cfg.servers[i];
    return NULL;
}

/* boot/bulkhead.dts as committed: the template of the boot configuration
   (test servers, placeholder digests that root/mkconfig.sh fills in). */
static void test_default_config(void **state)
{
    (void)state;
    assert_int_equal(parse_file("bulkhead.dtb"), BH_OK);
    if (diag.count)
        dump_diag();
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg.version, 1);
    assert_int_equal(cfg.nservers, 10);
    assert_int_equal(cfg.nrejected, 0);
    const struct bh_server_cfg *e = find("echo"), *c = find("crasher"), *b = find("badhash"),
                               *q = find("quota"), *f = find("fuzz");
    assert_non_null(e);
    assert_non_null(c);
    assert_non_null(b);
    assert_non_null(q);
    assert_non_null(f);
    assert_string_equal(e->module, "echo.elf");
    assert_int_equal(e->ncaps, 1);
    assert_string_equal(e->caps[0].target, "test-sm");
    assert_int_equal(e->caps[0].sel, 20);
    assert_int_equal(e->caps[0].rights, BH_R_UP);
    assert_int_equal(c->restart, RESTART_ON_FAILURE);
    assert_int_equal(c->max_restarts, 2);
    assert_string_equal(b->module, "echo.elf");
    assert_int_equal(b->sha256[0], 0xde);
    assert_int_equal(q->caps[0].rights, BH_R_CTRL);
    assert_string_equal(q->caps[0].target, "self");
    assert_int_equal(f->cpu, 1);
    assert_string_equal(f->args, "count=1000000");
    const struct bh_server_cfg *io = find("io");
    assert_non_null(io);
    assert_int_equal(io->nioports, 1);
    assert_int_equal(io->ioports[0].base, 0x80);
    assert_int_equal(io->ioports[0].count, 1);
    assert_int_equal(io->nirqs, 1);
    assert_int_equal(io->irqs[0], 2);                /* the PIT's line */
    assert_int_equal(io->ncaps, 1);
    assert_string_equal(io->caps[0].target, "self");
    const struct bh_server_cfg *noirq = find("io-noirq"), *badirq = find("badirq");
    assert_non_null(noirq);
    assert_string_equal(noirq->module, "io.elf");
    assert_int_equal(noirq->nirqs, 0);
    assert_int_equal(noirq->nioports, 0);
    /* GSI 200 is within the schema; the root refuses it at start because
       it holds no such line (root/servers.c). */
    assert_non_null(badirq);
    assert_int_equal(badirq->nirqs, 1);
    assert_int_equal(badirq->irqs[0], 200);
}

static void test_good_all_fields(void **state)
{
    (void)state;
    assert_int_equal(parse_file("good.dtb"), BH_OK);
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg.nservers, 3);
    assert_int_equal(cfg.nrejected, 0);

    const struct bh_server_cfg *u = &cfg.servers[0];
    static const uint8_t abc[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
    };
    assert_string_equal(u->name, "uart0");
    assert_string_equal(u->module, "uart.elf");
    assert_memory_equal(u->sha256, abc, 32);
    assert_int_equal(u->priority, 100);
    assert_int_equal(u->cpu, 1);
    assert_int_equal(u->budget_us, 1000);
    assert_int_equal(u->period_us, 10000);
    assert_int_equal(u->memory_kib, 256);
    assert_int_equal(u->restart, RESTART_ALWAYS);
    assert_int_equal(u->max_restarts, 7);
    assert_int_equal(u->nioports, 2);
    assert_int_equal(u->ioports[1].base, 0x2f8);
    assert_int_equal(u->ioports[1].count, 8);
    assert_int_equal(u->nirqs, 2);
    assert_int_equal(u->irqs[1], 3);
    assert_string_equal(u->args, "baud=115200 console");
    assert_int_equal(u->ncaps, 2);
    assert_string_equal(u->caps[0].name, "log");
    assert_string_equal(u->caps[0].target, "console");
    assert_int_equal(u->caps[0].sel, 20);
    assert_int_equal(u->caps[0].rights, BH_R_CALL);
    assert_int_equal(u->caps[0].badge, 7);
    assert_int_equal(u->caps[1].badge, 0);
    assert_int_equal(u->caps[1].rights, BH_R_UP | BH_R_DOWN);
    assert_int_equal(u->nmodules, 2);
    assert_string_equal(u->modules[0].name, "fw");
    assert_string_equal(u->modules[0].module, "uart-fw.bin");
    assert_int_equal(u->modules[0].sha256[0], 0xe3);
    assert_int_equal(u->modules[0].sha256[31], 0x55);
    assert_string_equal(u->modules[1].name, "table_2");
    assert_int_equal(cfg.supervise.timeout_ms, 0);   /* no /supervise: the test suite runs */

    const struct bh_server_cfg *m = &cfg.servers[1];
    assert_string_equal(m->name, "minimal");
    assert_int_equal(m->cpu, 0);
    assert_int_equal(m->restart, RESTART_NEVER);
    assert_int_equal(m->max_restarts, 3);
    assert_int_equal(m->nioports + m->nirqs + m->ncaps + m->nmodules, 0);
    assert_string_equal(m->args, "");

    const struct bh_server_cfg *p = &cfg.servers[2];
    assert_string_equal(p->name, "pci_srv-2");
    assert_int_equal(p->priority, 255);
    assert_int_equal(p->memory_kib, 4194304);
    assert_int_equal(p->ioports[1].base, 0xfff0);
    assert_int_equal(p->ioports[1].count, 16);
    assert_int_equal(p->caps[0].rights, BH_R_ALL);
    assert_int_equal(p->caps[0].sel, 4095);
    /* Both ends of 0..CONFIG_MAX_IRQ parse: the parser checks the schema
       only; whether the machine has the line is the root's check at start. */
    assert_int_equal(p->nirqs, 2);
    assert_int_equal(p->irqs[0], CONFIG_MAX_IRQ);
    assert_int_equal(p->irqs[1], 0);
    assert_int_equal(p->restart, RESTART_ON_FAILURE);
    assert_string_equal(config_restart_name(p->restart), "on-failure");
}

static void test_empty_servers(void **state)
{
    (void)state;
    assert_int_equal(parse_file("empty.dtb"), BH_OK);
    assert_int_equal(cfg.nservers, 0);
    assert_int_equal(diag.count, 0);
}

static void test_mixed_valid_and_invalid(void **state)
{
    (void)state;
    assert_int_equal(parse_file("mixed.dtb"), BH_OK);
    assert_int_equal(cfg.nservers, 2);
    assert_string_equal(cfg.servers[0].name, "good1");
    assert_string_equal(cfg.servers[1].name, "good2");
    assert_int_equal(cfg.nrejected, 7);
    assert_int_equal(diag.count, 7);
    expect_diag("server 'nomodule': missing 'module'");
    expect_diag("server 'shortdigest': sha256 must be 32 bytes, got 31");
    expect_diag("server 'badrestart': unknown restart policy 'sometimes'");
    expect_diag("server 'portthief': ioports <0x5e 4> already belong to server 'good1'");
    expect_diag("server 'irqthief': irq 1 already belongs to server 'good1'");
    expect_diag("server 'badcap': cap 'log': unknown right 'write'");
    expect_diag("server 'typo': unknown property 'irq'");
}

static void test_hostile_strings(void **state)
{
    (void)state;
    assert_int_equal(parse_file("hostile.dtb"), BH_OK);
    assert_int_equal(cfg.nservers, 1);
    assert_string_equal(cfg.servers[0].name, "ok");
    assert_int_equal(cfg.nrejected, 7);
    expect_diag("server 'nonul': 'module' is not a NUL-terminated string");
    expect_diag("server 'twostrings': 'module' must be a single string");
    expect_diag("server 'ctrlchar': 'args' has an unprintable character at 3");
    expect_diag("server 'emptymod': 'module' is empty");
    expect_diag("server 'rightsnonul': cap 'c': 'rights' is not a NUL-terminated string list");
    expect_diag("server 'serial@3f8': name must be 1..31 of [a-z0-9_-]");
    expect_diag("server 'longmodule': 'module' longer than 63 characters");
    for (uint32_t i = 0; i < diag.count; i++)
        for (const char *p = diag.msg[i]; *p; p++)
            assert_true(*p >= 0x20 && *p <= 0x7e);
}

static void test_whole_blob_errors(void **state)
{
    (void)state;
    assert_int_equal(parse_file("version2.dtb"), BH_ENOTSUP);
    expect_diag("bulkhead,config-version 2, this root task reads 1");
    assert_int_equal(cfg.nservers, 0);

    assert_int_equal(parse_file("noversion.dtb"), BH_ENOTSUP);
    expect_diag("missing or malformed bulkhead,config-version");

    assert_int_equal(parse_file("noservers.dtb"), BH_ENOENT);
    expect_diag("no /servers node");

    static const char text[] = "this is not a device tree blob, just some text......";
    assert_int_equal(config_parse(text, sizeof text, &cfg, &diag), BH_EFORMAT);
    expect_diag("not a device tree blob");
    assert_int_equal(config_parse(text, 3, &cfg, &diag), BH_EFORMAT);
    expect_diag("too short");
    assert_int_equal(config_parse(NULL, 100, &cfg, &diag), BH_EFORMAT);
    assert_int_equal(config_parse(blob, 0, &cfg, NULL), BH_EFORMAT);
    assert_int_equal(cfg.nservers, 0);
}

/* Every prefix of a good blob, in a buffer of exactly that size (so ASan
   sees any over-read): an error, never a crash. The same with the header's
   totalsize rewritten to claim the prefix is whole. */
static void test_truncated_prefixes(void **state)
{
    (void)state;
    size_t n = load("good.dtb");
    for (size_t len = 0; len <= n; len++) {
        uint8_t *p = malloc(len ? len : 1);
        memcpy(p, blob, len);
        enum bh_status st = config_parse(p, len, &cfg, &diag);
        if (len < n) {
            assert_int_equal(st, BH_EFORMAT);
            assert_int_equal(cfg.nservers, 0);
            assert_true(diag.count == 1);
        } else {
            assert_int_equal(st, BH_OK);
            assert_int_equal(cfg.nservers, 3);
        }
        if (len >= sizeof(struct fdt_header)) {
            fdt_set_totalsize(p, (uint32_t)len);
            st = config_parse(p, len, &cfg, &diag);
            assert_true(st == BH_OK || st == BH_EFORMAT || st == BH_ENOTSUP || st == BH_ENOENT);
            assert_true(len == n || st != BH_OK || cfg.nservers < 3);
        }
        free(p);
    }
}

/* One-field variants of good.dtb's uart0: each must reject uart0 with the
   given message while the other two servers still parse. */
struct variant {
    const char *path;     /* node to change */
    const char *prop;
    const char *val;      /* bytes; NULL deletes the property */
    int len;
    const char *msg;
};

#define CELL(x) (char)((x) >> 24), (char)((x) >> 16), (char)((x) >> 8), (char)(x)
#define U32(x) (const char[]){ CELL(x) }, 4
#define S(s) s, (int)sizeof(s)

static const char zeros[300];
static const char many_ports[] = { CELL(0x100), CELL(1), CELL(0x102), CELL(1), CELL(0x104), CELL(1),
                                   CELL(0x106), CELL(1), CELL(0x108), CELL(1), CELL(0x10a), CELL(1),
                                   CELL(0x10c), CELL(1), CELL(0x10e), CELL(1), CELL(0x110), CELL(1) };
static const char many_irqs[] = { CELL(1), CELL(2), CELL(3), CELL(4), CELL(5),
                                  CELL(6), CELL(7), CELL(8), CELL(9) };
static char long_args[257];

#define U "/servers/uart0"
#define LOG U "/caps/log"
#define FW U "/modules/fw"
static const struct variant variants[] = {
    { U, "module", NULL, 0, "missing 'module'" },
    { U, "sha256", zeros, 31, "sha256 must be 32 bytes, got 31" },
    { U, "sha256", zeros, 33, "sha256 must be 32 bytes, got 33" },
    { U, "sha256", zeros, 0, "sha256 must be 32 bytes, got 0" },
    { U, "sha256", NULL, 0, "missing 'sha256'" },
    { U, "priority", U32(256), "'priority' = 256 out of range 0..255" },
    { U, "priority", zeros, 8, "'priority' must be one 32-bit cell, got 8 bytes" },
    { U, "priority", zeros, 0, "'priority' must be one 32-bit cell, got 0 bytes" },
    { U, "priority", NULL, 0, "missing 'priority'" },
    { U, "cpu", U32(256), "'cpu' = 256 out of range 0..255" },
    { U, "budget-us", U32(20000), "budget-us 20000 exceeds period-us 10000" },
    { U, "budget-us", U32(0), "'budget-us' = 0 out of range" },
    { U, "budget-us", NULL, 0, "missing 'budget-us'" },
    { U, "period-us", U32(0), "'period-us' = 0 out of range 1..10000000" },
    { U, "period-us", U32(10000001), "'period-us' = 10000001 out of range" },
    { U, "memory-kib", U32(6), "memory-kib 6 is not a multiple of 4" },
    { U, "memory-kib", U32(0), "'memory-kib' = 0 out of range" },
    { U, "memory-kib", U32(0xffffffff), "'memory-kib' = 4294967295 out of range" },
    { U, "memory-kib", NULL, 0, "missing 'memory-kib'" },
    { U, "restart", S("sometimes"), "unknown restart policy 'sometimes'" },
    { U, "restart", S("Always"), "unknown restart policy 'Always'" },
    { U, "restart", zeros, 4, "'restart' must be a single string" },
    { U, "max-restarts", U32(256), "'max-restarts' = 256 out of range 0..255" },
    { U, "ioports", (const char[]){ CELL(0x3f8), CELL(8), CELL(0x2f8) }, 12,
      "'ioports' must be <base count> pairs, got 3 cells" },
    { U, "ioports", zeros, 5, "'ioports' must be 32-bit cells, got 5 bytes" },
    { U, "ioports", zeros, 0, "pairs, got 0 cells" },
    { U, "ioports", (const char[]){ CELL(0xfffc), CELL(8) }, 8, "<0xfffc 8> is empty or runs past port 0xffff" },
    { U, "ioports", (const char[]){ CELL(0x10000), CELL(1) }, 8, "<0x10000 1> is empty or runs past" },
    { U, "ioports", (const char[]){ CELL(0xffffffff), CELL(2) }, 8, "runs past port 0xffff" },
    { U, "ioports", (const char[]){ CELL(0x1), CELL(0xffffffff) }, 8, "runs past port 0xffff" },
    { U, "ioports", (const char[]){ CELL(0x3f8), CELL(0) }, 8, "<0x3f8 0> is empty" },
    { U, "ioports", (const char[]){ CELL(0x3f8), CELL(8), CELL(0x3fc), CELL(2) }, 16,
      "<0x3fc 2> overlaps <0x3f8 8>" },
    { U, "ioports", many_ports, sizeof many_ports, "'ioports' has 9 ranges, limit 8" },
    { U, "irqs", U32(256), "irq 256 out of range 0..255" },
    { U, "irqs", (const char[]){ CELL(4), CELL(4) }, 8, "irq 4 listed twice" },
    { U, "irqs", many_irqs, sizeof many_irqs, "'irqs' has 9 entries, limit 8" },
    { U, "irqs", zeros, 3, "'irqs' must be 32-bit cells, got 3 bytes" },
    { U, "args", long_args, sizeof long_args, "'args' longer than 255 characters" },
    { U, "args", S("tab\there"), "'args' has an unprintable character at 3" },
    { U, "args", S("caf\xc3\xa9"), "'args' has an unprintable character at 3" },
    { U, "prioirty", U32(1), "unknown property 'prioirty'" },
    { U, "caps", U32(1), "unknown property 'caps'" },
    { U "/caps", "log", U32(1), "caps: unexpected property" },
    { LOG, "rights", S("read"), "cap 'log': unknown right 'read'" },
    { LOG, "rights", "call\0\0", 6, "cap 'log': unknown right ''" },
    { LOG, "rights", zeros, 0, "cap 'log': 'rights' is not a NUL-terminated string list" },
    { LOG, "rights", NULL, 0, "cap 'log': missing 'rights'" },
    { LOG, "sel", U32(15), "cap 'log': 'sel' = 15 out of range 16..4095" },
    { LOG, "sel", U32(4096), "cap 'log': 'sel' = 4096 out of range" },
    { LOG, "sel", U32(21), "caps 'log' and 'irq' both use sel 21" },
    { LOG, "sel", NULL, 0, "cap 'log': missing 'sel'" },
    { LOG, "target", NULL, 0, "cap 'log': missing 'target'" },
    { LOG, "target", S(""), "cap 'log': 'target' is empty" },
    { LOG, "target", S("Con sole"), "cap 'log': target must be 1..31 of [a-z0-9_-]" },
    { LOG, "target", S("0123456789012345678901234567890123"), "cap 'log': 'target' longer than 31" },
    { LOG, "badge", U32(0), "cap 'log': 'badge' = 0 out of range 1..255" },
    { LOG, "badge", U32(256), "cap 'log': 'badge' = 256 out of range" },
    { LOG, "badge", zeros, 8, "cap 'log': 'badge' must be one 32-bit cell, got 8 bytes" },
    { LOG, "bagde", U32(1), "unknown property 'bagde'" },
    { FW, "module", NULL, 0, "module 'fw': missing 'module'" },
    { FW, "module", S(""), "module 'fw': 'module' is empty" },
    { FW, "module", S("a\tb"), "module 'fw': 'module' has an unprintable character at 1" },
    { FW, "module", "a\0b", 4, "module 'fw': 'module' must be a single string" },
    { FW, "sha256", NULL, 0, "module 'fw': missing 'sha256'" },
    { FW, "sha256", zeros, 31, "module 'fw': sha256 must be 32 bytes, got 31" },
    { FW, "sha256", zeros, 64, "module 'fw': sha256 must be 32 bytes, got 64" },
    { FW, "size", U32(1), "unknown property 'size'" },
    { U "/modules", "fw", U32(1), "modules: unexpected property" },
    { U, "modules", S("fw"), "unknown property 'modules'" },
};

static uint8_t work_store[BLOB_MAX] __attribute__((aligned(8)));

static void test_one_field_variants(void **state)
{
    (void)state;
    memset(long_args, 'a', sizeof long_args - 1);
    size_t n = load("good.dtb");
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const struct variant *v = &variants[i];
        assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
        int node = fdt_path_offset(work_store, v->path);
        assert_true(node >= 0);
        int e = v->val ? fdt_setprop(work_store, node, v->prop, v->val, v->len)
                       : fdt_delprop(work_store, node, v->prop);
        assert_int_equal(e, 0);
        assert_int_equal(fdt_pack(work_store), 0);
        enum bh_status st = config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag);
        if (st != BH_OK || cfg.nservers != 2 || find("uart0") || cfg.nrejected != 1 ||
            diag.count != 1) {
            dump_diag();
            fail_msg("variant %zu (%s %s): status %d, %u servers", i, v->path, v->prop, st, cfg.nservers);
        }
        char want[CONFIG_DIAG_LEN + 32];
        snprintf(want, sizeof want, "server 'uart0': ");
        if (strncmp(diag.msg[0], want, strlen(want)) || !strstr(diag.msg[0], v->msg))
            fail_msg("variant %zu: got \"%s\", want \"%s\"", i, diag.msg[0], v->msg);
    }
    (void)n;
}

/* Structural variants made with libfdt's read-write calls. */
static void test_subnode_variants(void **state)
{
    (void)state;
    load("good.dtb");
    static const struct {
        const char *parent, *child, *msg;
    } subs[] = {
        { U, "extra", "unknown subnode 'extra'" },
        { LOG, "deeper", "cap 'log': unexpected subnode" },
        { U "/caps", "BAD", "cap 'BAD': name must be 1..31" },
        { FW, "deeper", "module 'fw': unexpected subnode" },
        { U "/modules", "Bad", "module 'Bad': name must be 1..31" },
        { U "/modules", "fw@1", "module 'fw@1': name must be 1..31" },
    };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
        int parent = fdt_path_offset(work_store, subs[i].parent);
        assert_true(parent >= 0);
        assert_true(fdt_add_subnode(work_store, parent, subs[i].child) >= 0);
        assert_int_equal(config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag), BH_OK);
        assert_int_equal(cfg.nservers, 2);
        expect_diag(subs[i].msg);
    }

    /* Nine caps: one more than CONFIG_MAX_CAPS. */
    assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
    int caps = fdt_path_offset(work_store, U "/caps");
    for (int i = 0; i < 7; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        int c = fdt_add_subnode(work_store, caps, name);
        assert_true(c >= 0);
        assert_int_equal(fdt_setprop_string(work_store, c, "target", "x"), 0);
        assert_int_equal(fdt_setprop_u32(work_store, c, "sel", (uint32_t)(100 + i)), 0);
        assert_int_equal(fdt_setprop_string(work_store, c, "rights", "call"), 0);
    }
    assert_int_equal(config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag), BH_OK);
    assert_int_equal(cfg.nservers, 2);
    expect_diag("server 'uart0': more than 8 caps");

    /* Five modules: one more than CONFIG_MAX_MODULES; and none at all. */
    assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
    int mods = fdt_path_offset(work_store, U "/modules");
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        int m = fdt_add_subnode(work_store, mods, name);
        assert_true(m >= 0);
        assert_int_equal(fdt_setprop_string(work_store, m, "module", "x.bin"), 0);
        assert_int_equal(fdt_setprop(work_store, m, "sha256", zeros, 32), 0);
    }
    assert_int_equal(config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag), BH_OK);
    assert_int_equal(cfg.nservers, 2);
    expect_diag("server 'uart0': more than 4 modules");
    assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
    mods = fdt_path_offset(work_store, U "/modules");
    assert_int_equal(fdt_del_node(work_store, fdt_path_offset(work_store, FW)), 0);
    assert_int_equal(fdt_del_node(work_store, fdt_path_offset(work_store, U "/modules/table_2")), 0);
    assert_int_equal(config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag), BH_OK);
    expect_diag("server 'uart0': modules: empty");
    /* The same name twice cannot be built with libfdt: names are unique
       per node. A second node of the same name is a DTB dtc refuses too. */
}

/* The drivers configuration (boot/drivers.dts) as committed: the PCI
   server with the configuration ports, the driver and the client each
   reaching it through a badged portal of their own (1 and 2). */
static void test_drivers_config(void **state)
{
    (void)state;
    assert_int_equal(parse_file("drivers.dtb"), BH_OK);
    if (diag.count)
        dump_diag();
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg.nservers, 5);
    assert_int_equal(cfg.supervise.nawait, 2);
    assert_string_equal(cfg.supervise.await[0], "blkclient");
    assert_string_equal(cfg.supervise.await[1], "netclient");
    const struct bh_server_cfg *nic = find("e1000e");
    assert_non_null(nic);
    assert_string_equal(nic->caps[1].target, "pci");
    assert_int_equal(nic->caps[1].badge, 3);
    const struct bh_server_cfg *pci = find("pci"), *nvme = find("nvme"), *blk = find("blkclient");
    assert_non_null(pci), assert_non_null(nvme), assert_non_null(blk);
    assert_int_equal(pci->nioports, 1);
    assert_int_equal(pci->ioports[0].base, 0xcf8);
    assert_int_equal(pci->ioports[0].count, 8);
    assert_non_null(strstr(pci->args, "client1=00:04.0"));
    assert_non_null(strstr(pci->args, "client3=00:03.0"));
    assert_int_equal(nvme->ncaps, 2);
    assert_string_equal(nvme->caps[1].target, "pci");
    assert_int_equal(nvme->caps[1].badge, 1);
    assert_int_equal(nvme->caps[0].badge, 0);
    assert_int_equal(nvme->restart, RESTART_ON_FAILURE);   /* the restart test */
    assert_int_equal(nvme->max_restarts, 1);
    assert_int_equal(blk->ncaps, 3);
    assert_string_equal(blk->caps[1].target, "nvme");
    assert_int_equal(blk->caps[1].badge, 0);
    assert_string_equal(blk->caps[2].target, "pci");
    assert_int_equal(blk->caps[2].badge, 2);
}

/* The passthrough configuration (boot/passthrough.dts) as committed: the
   PCI server gives 00:04.0 to client 1, the VMM's badged portal at 18,
   and the VMM names that function in its arguments. */
static void test_passthrough_config(void **state)
{
    (void)state;
    assert_int_equal(parse_file("passthrough.dtb"), BH_OK);
    if (diag.count)
        dump_diag();
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg.nservers, 3);
    assert_int_equal(cfg.supervise.nawait, 1);
    const struct bh_server_cfg *pci = find("pci"), *v = find("vm"), *u = find("vm-uart");
    assert_non_null(pci);
    assert_non_null(v);
    assert_non_null(u);
    assert_non_null(strstr(pci->args, "client1=00:04.0"));
    assert_string_equal(v->module, "vmm.elf");
    assert_int_equal(v->cpu, u->cpu);
    assert_int_equal(v->ncaps, 3);
    assert_string_equal(v->caps[2].target, "pci");
    assert_int_equal(v->caps[2].sel, 18);
    assert_int_equal(v->caps[2].rights, BH_R_CALL);
    assert_int_equal(v->caps[2].badge, 1);
    assert_non_null(strstr(v->args, "passthrough=00:04.0 "));
    assert_non_null(strstr(v->args, "tests=default,passthrough"));
    assert_true(v->memory_kib >= 4096 + 1536);
}

/* The VM configurations (boot/vms.dts, boot/vms-faults.dts) as committed:
   VMMs with their own PD, their UART's portal and the guest image as a
   data module; UART servers on the VMM's CPU; a /supervise node. */
static void test_vm_configs(void **state)
{
    (void)state;
    assert_int_equal(parse_file("vms.dtb"), BH_OK);
    if (diag.count)
        dump_diag();
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg.nservers, 4);
    assert_int_equal(cfg.supervise.nawait, 2);
    assert_string_equal(cfg.supervise.await[0], "vm1");
    assert_string_equal(cfg.supervise.await[1], "vm2");
    assert_true(cfg.supervise.timeout_ms >= 60000);
    static const char *const vmms[] = { "vm1", "vm2" };
    for (unsigned i = 0; i < 2; i++) {
        const struct bh_server_cfg *v = find(vmms[i]);
        char uart[CONFIG_NAME_MAX];
        snprintf(uart, sizeof uart, "%s-uart", vmms[i]);
        const struct bh_server_cfg *u = find(uart);
        assert_non_null(v);
        assert_non_null(u);
        assert_string_equal(v->module, "vmm.elf");
        assert_string_equal(u->module, "uart.elf");
        assert_int_equal(v->cpu, u->cpu);
        assert_int_equal(v->cpu, i);
        assert_int_equal(v->nmodules, 1);
        assert_string_equal(v->modules[0].name, "guest");
        assert_string_equal(v->modules[0].module, "testguest.img");
        assert_int_equal(v->ncaps, 2);
        assert_string_equal(v->caps[0].target, "self");
        assert_int_equal(v->caps[0].sel, 16);
        assert_int_equal(v->caps[0].rights, BH_R_CTRL);
        assert_string_equal(v->caps[1].target, uart);
        assert_int_equal(v->caps[1].sel, 17);
        assert_int_equal(v->caps[1].rights, BH_R_CALL);
        assert_true(v->memory_kib >= 4096 + 1536);
        assert_non_null(strstr(v->args, " -- "));
    }
    assert_int_equal(parse_file("vms-faults.dtb"), BH_OK);
    assert_int_equal(diag.count, 0);
    assert_int_equal(cfg.nservers, 10);
    assert_int_equal(cfg.supervise.nawait, 4);
    assert_non_null(find("endless"));                 /* running, not awaited: the root kills it */
    assert_non_null(strstr(find("vmmcrash")->args, "crash-after="));
    assert_non_null(strstr(find("uartcrash-uart")->args, "crash-after="));
    assert_non_null(strstr(find("triple")->args, "tests=triple"));
}

/* A bad /supervise node fails the whole configuration: the root would
   otherwise run the test suite against servers that are not there. */
static void test_supervise_variants(void **state)
{
    (void)state;
    const struct {
        const char *prop, *val;
        int len;
        const char *msg;
    } v[] = {
        { "await", NULL, 0, "config: /supervise: missing 'await'" },
        { "await", "", 1, "'await' is not a NUL-terminated string list" },
        { "await", "vm1", 3, "'await' is not a NUL-terminated string list" },
        { "await", "vm3", 4, "'await': no server 'vm3' in /servers" },
        { "await", "vm1\0vm1", 8, "'await': 'vm1' listed twice" },
        { "await", "vm1\0\0", 5, "'await': '' is no server name" },
        { "await", "VM1", 4, "'await': 'VM1' is no server name" },
        { "timeout-ms", NULL, 0, "missing 'timeout-ms'" },
        { "timeout-ms", U32(0), "'timeout-ms' = 0 out of range 1..3600000" },
        { "timeout-ms", U32(3600001), "'timeout-ms' = 3600001 out of range" },
        { "timeout-ms", "ab", 2, "'timeout-ms' must be one 32-bit cell" },
        { "servers", U32(1), "unknown property 'servers'" },
    };
    load("vms.dtb");
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
        int node = fdt_path_offset(work_store, "/supervise");
        assert_true(node >= 0);
        int e = v[i].val ? fdt_setprop(work_store, node, v[i].prop, v[i].val, v[i].len)
                         : fdt_delprop(work_store, node, v[i].prop);
        assert_int_equal(e, 0);
        enum bh_status st = config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag);
        if (st != BH_EINVAL || cfg.nservers != 0 || cfg.supervise.timeout_ms != 0) {
            dump_diag();
            fail_msg("supervise variant %zu: status %d, %u servers", i, st, cfg.nservers);
        }
        expect_diag(v[i].msg);
    }
    assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
    assert_true(fdt_add_subnode(work_store, fdt_path_offset(work_store, "/supervise"), "x") >= 0);
    assert_int_equal(config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag), BH_EINVAL);
    expect_diag("config: /supervise: unexpected subnode");
    /* Seventeen awaited names: more than the servers there can be. */
    assert_int_equal(fdt_open_into(blob, work_store, sizeof work_store), 0);
    char list[17 * 4];
    for (int i = 0; i < 17; i++)
        memcpy(list + i * 4, i % 2 ? "vm2" : "vm1", 4);
    assert_int_equal(fdt_setprop(work_store, fdt_path_offset(work_store, "/supervise"), "await", list,
                                 sizeof list), 0);
    assert_int_equal(config_parse(work_store, fdt_totalsize(work_store), &cfg, &diag), BH_EINVAL);
    expect_diag("listed twice");
}

/* Builds a config with the sequential-write API: names[i] for each server. */
static size_t build(const char *const *names, int n)
{
    static const uint8_t digest[32];
    memset(work_store, 0, sizeof work_store);
    assert_int_equal(fdt_create(work_store, sizeof work_store), 0);
    assert_int_equal(fdt_finish_reservemap(work_store), 0);
    assert_int_equal(fdt_begin_node(work_store, ""), 0);
    assert_int_equal(fdt_property_u32(work_store, "bulkhead,config-version", 1), 0);
    assert_int_equal(fdt_begin_node(work_store, "servers"), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(fdt_begin_node(work_store, names[i]), 0);
        assert_int_equal(fdt_property_string(work_store, "module", "m.elf"), 0);
        assert_int_equal(fdt_property(work_store, "sha256", digest, 32), 0);
        assert_int_equal(fdt_property_u32(work_store, "priority", 1), 0);
        assert_int_equal(fdt_property_u32(work_store, "budget-us", 1), 0);
        assert_int_equal(fdt_property_u32(work_store, "period-us", 1), 0);
        assert_int_equal(fdt_property_u32(work_store, "memory-kib", 4), 0);
        assert_int_equal(fdt_end_node(work_store), 0);
    }
    assert_int_equal(fdt_end_node(work_store), 0);
    assert_int_equal(fdt_end_node(work_store), 0);
    assert_int_equal(fdt_finish(work_store), 0);
    return fdt_totalsize(work_store);
}

static void test_too_many_servers(void **state)
{
    (void)state;
    char buf[20][16];
    const char *names[20];
    for (int i = 0; i < 20; i++) {
        snprintf(buf[i], sizeof buf[i], "s%d", i);
        names[i] = buf[i];
    }
    size_t n = build(names, 16);
    assert_int_equal(config_parse(work_store, n, &cfg, &diag), BH_OK);
    assert_int_equal(cfg.nservers, 16);
    assert_int_equal(diag.count, 0);

    n = build(names, 20);
    assert_int_equal(config_parse(work_store, n, &cfg, &diag), BH_OK);
    assert_int_equal(cfg.nservers, 16);
    assert_int_equal(cfg.nrejected, 4);
    assert_string_equal(cfg.servers[15].name, "s15");
    expect_diag("servers: limit is 16, ignored 4 more starting at 's16'");
}

static void test_duplicate_names(void **state)
{
    (void)state;
    static const char *const names[] = { "dup", "other", "dup" };
    size_t n = build(names, 3);
    assert_int_equal(config_parse(work_store, n, &cfg, &diag), BH_OK);
    assert_int_equal(cfg.nservers, 1);
    assert_string_equal(cfg.servers[0].name, "other");
    assert_int_equal(cfg.nrejected, 2);
    assert_int_equal(diag.count, 2);
    expect_diag("server 'dup': defined more than once; no copy is started");
}

/* Every server the parser returns must satisfy the schema. */
static void check_invariants(void)
{
    assert_true(cfg.nservers <= CONFIG_MAX_SERVERS);
    assert_true(cfg.supervise.nawait <= CONFIG_MAX_AWAIT);
    assert_true((cfg.supervise.timeout_ms == 0) == (cfg.supervise.nawait == 0));
    assert_true(cfg.supervise.timeout_ms <= CONFIG_MAX_SUPERVISE_MS);
    assert_true(diag.count <= CONFIG_DIAG_MAX);
    for (uint32_t i = 0; i < diag.count; i++)
        assert_true(strnlen(diag.msg[i], CONFIG_DIAG_LEN) < CONFIG_DIAG_LEN);
    for (uint32_t i = 0; i < cfg.nservers; i++) {
        const struct bh_server_cfg *s = &cfg.servers[i];
        assert_true(strlen(s->name) > 0 && strlen(s->name) < CONFIG_NAME_MAX);
        assert_true(strlen(s->module) > 0 && strlen(s->module) < CONFIG_MODULE_MAX);
        assert_true(strlen(s->args) < CONFIG_ARGS_MAX);
        assert_true(s->priority <= BH_PRIO_MAX && s->cpu <= CONFIG_MAX_CPU);
        assert_true(s->budget_us >= 1 && s->budget_us <= s->period_us);
        assert_true(s->period_us <= CONFIG_MAX_PERIOD_US);
        assert_true(s->memory_kib >= 4 && s->memory_kib % 4 == 0);
        assert_true(s->restart <= RESTART_ALWAYS && s->max_restarts <= CONFIG_MAX_RESTARTS);
        assert_true(s->nioports <= CONFIG_MAX_IOPORTS && s->nirqs <= CONFIG_MAX_IRQS);
        assert_true(s->ncaps <= CONFIG_MAX_CAPS);
        assert_true(s->nmodules <= CONFIG_MAX_MODULES);
        for (uint32_t k = 0; k < s->nmodules; k++) {
            assert_true(strlen(s->modules[k].name) > 0 && strlen(s->modules[k].name) < CONFIG_NAME_MAX);
            assert_true(strlen(s->modules[k].module) > 0 &&
                        strlen(s->modules[k].module) < CONFIG_MODULE_MAX);
        }
        for (uint32_t k = 0; k < s->nioports; k++)
            assert_true(s->ioports[k].count >= 1 && s->ioports[k].base + s->ioports[k].count <= 0x10000);
        for (uint32_t k = 0; k < s->nirqs; k++)
            assert_true(s->irqs[k] <= CONFIG_MAX_IRQ);
        for (uint32_t k = 0; k < s->ncaps; k++) {
            assert_true(s->caps[k].sel >= BH_SEL_FIRST_FREE && s->caps[k].sel <= CONFIG_CAP_SEL_MAX);
            assert_true((s->caps[k].rights & ~BH_R_ALL) == 0);
        }
        for (uint32_t j = 0; j < i; j++)
            assert_true(strcmp(s->name, cfg.servers[j].name) != 0);
    }
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random byte flips in good.dtb and the default config, parsed from an
   exactly-sized heap copy: no crash, no over-read, only valid output. */
static void test_fuzz_byte_flips(void **state)
{
    (void)state;
    static const char *const files[] = { "good.dtb", "bulkhead.dtb", "mixed.dtb", "vms.dtb" };
    unsigned ok = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n = load(files[f]);
        uint8_t *p = malloc(n);
        for (int iter = 0; iter < 4000; iter++) {
            memcpy(p, blob, n);
            int flips = 1 + (int)(next() % 4);
            for (int k = 0; k < flips; k++)
                p[next() % n] ^= (uint8_t)(1 + next() % 255);
            enum bh_status st = config_parse(p, n, &cfg, &diag);
            assert_true(st == BH_OK || st == BH_EFORMAT || st == BH_ENOTSUP || st == BH_ENOENT ||
                        st == BH_EINVAL);
            if (st != BH_OK)
                assert_int_equal(cfg.nservers, 0);
            ok += st == BH_OK;
            check_invariants();
        }
        free(p);
    }
    print_message("# fuzz: %u of 16000 mutated blobs still parsed\n", ok);
}

static void test_measure(void **state)
{
    (void)state;
    assert_int_equal(parse_file("good.dtb"), BH_OK);
    const struct bh_server_cfg *u = find("uart0");   /* sha256 = SHA-256("abc") */
    char why[MEASURE_WHY_LEN];
    assert_int_equal(measure_check(u, "abc", 3, why), BH_OK);
    assert_string_equal(why, "");

    assert_int_equal(measure_check(u, "abd", 3, why), BH_ECHECKSUM);
    /* SHA-256("abd") = a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9 */
    assert_string_equal(why, "module 'uart.elf': sha256 mismatch: expected ba7816bf8f01..., "
                             "got a52d159f262b...");
    assert_int_equal(measure_check(u, "ab", 2, why), BH_ECHECKSUM);
    assert_int_equal(measure_check(u, "", 0, why), BH_ECHECKSUM);
    assert_int_equal(measure_check(u, NULL, 5, why), BH_EINVAL);

    struct bh_server_cfg big = *u;
    memset(big.module, 'm', sizeof big.module - 1);
    big.module[sizeof big.module - 1] = '\0';
    assert_int_equal(measure_check(&big, "x", 1, why), BH_ECHECKSUM);
    assert_true(strlen(why) < MEASURE_WHY_LEN);
    assert_non_null(strstr(why, "sha256 mismatch"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_config),
        cmocka_unit_test(test_good_all_fields),
        cmocka_unit_test(test_empty_servers),
        cmocka_unit_test(test_mixed_valid_and_invalid),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_whole_blob_errors),
        cmocka_unit_test(test_truncated_prefixes),
        cmocka_unit_test(test_one_field_variants),
        cmocka_unit_test(test_subnode_variants),
        cmocka_unit_test(test_too_many_servers),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_fuzz_byte_flips),
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_drivers_config),
        cmocka_unit_test(test_passthrough_config),
        cmocka_unit_test(test_vm_configs),
        cmocka_unit_test(test_supervise_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
