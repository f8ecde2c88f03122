/*
 * Command lines: loader identification, argument start, module strings
 * and the option parser. See cmdline.h for the contracts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmdline.h"

#define QUOTE_MAX 24u     /* characters of a value quoted in a message */
#define DEFAULT_PORT 0x3f8u
#define DEFAULT_BAUD 115200u
#define UART_CLOCK 115200u  /* 16550 divisor latch: baud = 115200 / div */
#define PORT_MAX 0xfff8u    /* a UART needs 8 consecutive ports */

/* ---- characters and tokens ------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *skip_blank(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

static size_t token_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0' && !is_blank(s[n]))
        n++;
    return n;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* True if s[0..n) equals the NUL-terminated word, ignoring case. */
static bool mem_ieq(const char *s, size_t n, const char *word)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (word[i] == '\0' || lower(s[i]) != lower(word[i]))
            return false;
    }
    return word[n] == '\0';
}

static bool mem_eq(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

static const char *mem_find(const char *s, size_t n, char c)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == c)
            return s + i;
    }
    return NULL;
}

/* Copies s[0..n) into dst[cap] with a NUL; returns true if it was cut. */
static bool copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
    bool cut = n >= cap;
    if (cut)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return cut;
}

/* ---- loaders, argument start, modules -------------------------------- */

enum boot_loader cmdline_loader(const char *loader_name)
{
    const char *s;
    size_t n;

    if (loader_name == NULL)
        return BOOT_LOADER_UNKNOWN;
    s = skip_blank(loader_name);
    n = token_len(s);
    if (mem_ieq(s, n, "qemu"))
        return BOOT_LOADER_QEMU;
    if (mem_ieq(s, n, "ipxe"))
        return BOOT_LOADER_IPXE;
    if (mem_ieq(s, n, "grub"))
        return BOOT_LOADER_GRUB;
    return BOOT_LOADER_UNKNOWN;
}

/* For an unknown loader: does the first token look like an image path? */
static bool looks_like_image(const char *tok, size_t n)
{
    return mem_find(tok, n, '=') == NULL && mem_find(tok, n, '/') != NULL;
}

const char *cmdline_args(const char *raw, enum boot_loader loader)
{
    const char *s;
    size_t n;
    bool drop;

    if (raw == NULL)
        return "";
    s = skip_blank(raw);
    n = token_len(s);
    switch (loader) {
    case BOOT_LOADER_QEMU:
    case BOOT_LOADER_IPXE:
        drop = true;
        break;
    case BOOT_LOADER_GRUB:
        drop = false;
        break;
    default:
        drop = looks_like_image(s, n);
        break;
    }
    return drop ? skip_blank(s + n) : s;
}

void cmdline_module(const char *raw, struct cmdline_module *out)
{
    const char *tok, *base, *rest;
    size_t n, i, rn;

    if (raw == NULL)
        raw = "";
    tok = skip_blank(raw);
    n = token_len(tok);
    base = tok;
    for (i = 0; i < n; i++) {
        if (tok[i] == '/')
            base = tok + i + 1;
    }
    out->name_truncated =
        copy_cut(out->name, sizeof(out->name), base, (size_t)(tok + n - base));
    rest = skip_blank(tok + n);
    rn = strlen(rest);
    while (rn > 0 && is_blank(rest[rn - 1]))
        rn--;
    out->args_truncated = copy_cut(out->args, sizeof(out->args), rest, rn);
}

/* ---- diagnostics ------------------------------------------------------ */

/* A bounded message being built; appends beyond cap are dropped. */
struct msg {
    char *buf;
    size_t cap;
    size_t len;
};

static void msg_putc(struct msg *m, char c)
{
    if (m->len + 1 < m->cap) {
        m->buf[m->len++] = c;
        m->buf[m->len] = '\0';
    }
}

static void msg_str(struct msg *m, const char *s)
{
    while (*s != '\0')
        msg_putc(m, *s++);
}

/* Appends untrusted text: unprintable bytes become '?', long text "...". */
static void msg_safe(struct msg *m, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n && i < QUOTE_MAX; i++)
        msg_putc(m, (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?');
    if (n > QUOTE_MAX)
        msg_str(m, "...");
}

/* Formats v in base 10 or 16 (with 0x) into buf[24]; returns buf. */
static const char *fmt_num(char buf[24], uint64_t v, unsigned base)
{
    char tmp[20];
    size_t n = 0, i = 0;

    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v != 0);
    if (base == 16) {
        buf[i++] = '0';
        buf[i++] = 'x';
    }
    while (n > 0)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
    return buf;
}

/* What went wrong with one option; NULL fields are left out. */
struct report {
    const char *what;    /* "bad baud" */
    const char *val;     /* offending value, quoted */
    size_t vlen;
    const char *detail;  /* ", need ..." style hint */
    const char *using;   /* value kept; NULL gives "(ignored)" */
    const char *text;    /* replaces the whole "(...)" tail if set */
};

struct pctx {
    struct hv_opts *o;
    struct cmdline_diag *d;
    uint32_t problems;
    uint32_t seen;       /* bit per option slot */
};

/* Records "key: what 'val', detail (ignored, using X)" in the diag. */
static void problem(struct pctx *pc, const char *key, size_t klen,
                    const struct report *r)
{
    struct msg m;

    pc->problems++;
    if (pc->d == NULL)
        return;
    if (pc->d->count >= CMDLINE_DIAG_MAX) {
        pc->d->dropped++;
        return;
    }
    m = (struct msg){ pc->d->msg[pc->d->count++], CMDLINE_DIAG_LEN, 0 };
    m.buf[0] = '\0';
    msg_safe(&m, key, klen);
    msg_str(&m, ": ");
    msg_str(&m, r->what);
    if (r->val != NULL) {
        msg_str(&m, " '");
        msg_safe(&m, r->val, r->vlen);
        msg_putc(&m, '\'');
    }
    if (r->detail != NULL) {
        msg_str(&m, ", ");
        msg_str(&m, r->detail);
    }
    if (r->text != NULL) {
        msg_str(&m, r->text);
        return;
    }
    msg_str(&m, r->using != NULL ? " (ignored, using " : " (ignored");
    msg_str(&m, r->using != NULL ? r->using : "");
    msg_putc(&m, ')');
}

/* ---- values ----------------------------------------------------------- */

enum num_res { NUM_OK, NUM_BAD, NUM_OVERFLOW };

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return 99;
}

/* Parses all of s[0..n) as decimal or 0x-prefixed hex. */
static enum num_res parse_num(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    size_t i = 0;

    if (n > 2 && s[0] == '0' && lower(s[1]) == 'x') {
        base = 16;
        i = 2;
    }
    if (i >= n)
        return NUM_BAD;
    for (; i < n; i++) {
        int d = digit_value(s[i]);
        if (d >= (int)base)
            return NUM_BAD;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return NUM_OVERFLOW;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return NUM_OK;
}

/*
 * Parses a number in lo..hi. On failure records the problem (what = the
 * value's name, using = text of the kept value) and returns false.
 */
static bool num_in(struct pctx *pc, const char *key, const char *v, size_t n,
                   uint64_t lo, uint64_t hi, const char *range,
                   const char *using, uint64_t *out)
{
    uint64_t x = 0;
    enum num_res r = parse_num(v, n, &x);
    const char *what = r == NUM_BAD        ? "bad number"
                       : r == NUM_OVERFLOW ? "number too large"
                                           : "out of range";

    if (r == NUM_OK && x >= lo && x <= hi) {
        *out = x;
        return true;
    }
    problem(pc, key, strlen(key),
            &(struct report){ .what = what, .val = v, .vlen = n,
                              .detail = range, .using = using });
    return false;
}

/* Looks up v in names[count]; returns the index or -1. */
static int enum_index(const char *v, size_t n, const char *const *names,
                      int count)
{
    int i;
    for (i = 0; i < count; i++) {
        if (mem_eq(v, n, names[i]))
            return i;
    }
    return -1;
}

/* ---- options ---------------------------------------------------------- */

static const char *const exit_names[] = {
    [HV_EXIT_HALT] = "halt",
    [HV_EXIT_POWEROFF] = "poweroff",
    [HV_EXIT_REBOOT] = "reboot",
};
static const char *const apic_names[] = {
    [HV_APIC_AUTO] = "auto",
    [HV_APIC_XAPIC] = "xapic",
    [HV_APIC_X2APIC] = "x2apic",
};
static const char *const timer_names[] = {
    [HV_TIMER_AUTO] = "auto",
    [HV_TIMER_TSC_DEADLINE] = "tsc-deadline",
    [HV_TIMER_LAPIC] = "lapic",
};
static const uint16_t com_ports[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static const char *port_text(char buf[24], uint16_t port)
{
    return port == 0 ? "off" : fmt_num(buf, port, 16);
}

static void serial_port(struct pctx *pc, const char *v, size_t n)
{
    char cur[24];
    uint64_t x;

    if (n == 4 && mem_ieq(v, 3, "com") && v[3] >= '1' && v[3] <= '4') {
        pc->o->serial_port = com_ports[v[3] - '1'];
        return;
    }
    if (parse_num(v, n, &x) == NUM_OK && x >= 1 && x <= PORT_MAX) {
        pc->o->serial_port = (uint16_t)x;
        return;
    }
    problem(pc, "serial", 6,
            &(struct report){ .what = "bad port", .val = v, .vlen = n,
                              .detail = "need com1..com4 or 1..0xfff8",
                              .using = port_text(cur, pc->o->serial_port) });
}

/*
 * Any baud rate the 16550 can produce exactly is accepted: b divides
 * 115200 with a divisor in 1..65535 (b >= 2). This includes the usual
 * 115200, 57600, 38400, 19200, 9600, 4800, 2400, 1200 and 300.
 */
static void serial_baud(struct pctx *pc, const char *v, size_t n)
{
    char cur[24];
    uint64_t x;

    if (parse_num(v, n, &x) == NUM_OK && x >= 2 && x <= UART_CLOCK &&
        UART_CLOCK % x == 0) {
        pc->o->serial_baud = (uint32_t)x;
        return;
    }
    problem(pc, "serial", 6,
            &(struct report){ .what = "bad baud", .val = v, .vlen = n,
                              .using = fmt_num(cur, pc->o->serial_baud, 10) });
}

/* serial=off | serial=<port>[,<baud>]; each part is checked on its own. */
static void opt_serial(struct pctx *pc, const char *v, size_t n)
{
    const char *comma = mem_find(v, n, ',');

    if (mem_ieq(v, n, "off")) {
        pc->o->serial_port = 0;
        return;
    }
    if (comma == NULL) {
        serial_port(pc, v, n);
        return;
    }
    serial_port(pc, v, (size_t)(comma - v));
    serial_baud(pc, comma + 1, (size_t)(v + n - comma - 1));
}

/* exit=, apic=, timer=: one of a fixed list of names. */
static bool opt_enum(struct pctx *pc, const char *key, const char *v, size_t n,
                     const char *const *names, int count, int cur, int *out)
{
    int i = enum_index(v, n, names, count);

    if (i >= 0) {
        *out = i;
        return true;
    }
    problem(pc, key, strlen(key),
            &(struct report){ .what = "bad value", .val = v, .vlen = n,
                              .using = names[cur] });
    return false;
}

static void opt_exit(struct pctx *pc, const char *v, size_t n)
{
    int i;
    if (opt_enum(pc, "exit", v, n, exit_names, 3, (int)pc->o->exit_action, &i))
        pc->o->exit_action = (enum hv_exit_action)i;
}

static void opt_apic(struct pctx *pc, const char *v, size_t n)
{
    int i;
    if (opt_enum(pc, "apic", v, n, apic_names, 3, (int)pc->o->apic, &i))
        pc->o->apic = (enum hv_apic_mode)i;
}

static void opt_timer(struct pctx *pc, const char *v, size_t n)
{
    int i;
    if (opt_enum(pc, "timer", v, n, timer_names, 3, (int)pc->o->timer, &i))
        pc->o->timer = (enum hv_timer_mode)i;
}

static void opt_smp(struct pctx *pc, const char *v, size_t n)
{
    char cur[24];
    const char *using =
        pc->o->smp_max == 0 ? "all" : fmt_num(cur, pc->o->smp_max, 10);
    uint64_t x;

    if (num_in(pc, "smp", v, n, 1, HV_SMP_MAX, "need 1..256", using, &x))
        pc->o->smp_max = (uint32_t)x;
}

/* no1g: as if the CPU had no 1 GiB pages, in EPT or in page tables (tests
   the refusal and the fallback on CPUs that have them). */
static void opt_no1g(struct pctx *pc, const char *v, size_t n)
{
    (void)v;
    (void)n;
    pc->o->no_1g = true;
}

static void opt_nosmp(struct pctx *pc, const char *v, size_t n)
{
    (void)v;
    (void)n;
    pc->o->smp_max = 1;
}

static void opt_debugexit(struct pctx *pc, const char *v, size_t n)
{
    char cur[24];
    const char *using = pc->o->debugexit_port == 0
                            ? "none"
                            : fmt_num(cur, pc->o->debugexit_port, 16);
    uint64_t x;

    if (num_in(pc, "debugexit", v, n, 1, 0xffff, "need 1..0xffff", using, &x))
        pc->o->debugexit_port = (uint16_t)x;
}

static void opt_loglevel(struct pctx *pc, const char *v, size_t n)
{
    char cur[24];
    uint64_t x;

    if (num_in(pc, "loglevel", v, n, 0, 7, "need 0..7",
               fmt_num(cur, pc->o->loglevel, 10), &x))
        pc->o->loglevel = (uint8_t)x;
}

static void opt_root(struct pctx *pc, const char *v, size_t n)
{
    if (n < sizeof(pc->o->root)) {
        copy_cut(pc->o->root, sizeof(pc->o->root), v, n);
        return;
    }
    problem(pc, "root", 4,
            &(struct report){ .what = "name too long", .val = v, .vlen = n,
                              .detail = "max 63 characters",
                              .using = pc->o->root[0] ? pc->o->root
                                                      : "first module" });
}

/* id=<label>: an operator's boot label, echoed in the boot log. */
static void opt_id(struct pctx *pc, const char *v, size_t n)
{
    if (n < sizeof(pc->o->id)) {
        copy_cut(pc->o->id, sizeof(pc->o->id), v, n);
        return;
    }
    problem(pc, "id", 2,
            &(struct report){ .what = "label too long", .val = v, .vlen = n,
                              .detail = "max 63 characters", .using = "none" });
}

static bool test_name_ok(const char *s, size_t n)
{
    size_t i;
    if (n == 0 || n >= HV_OPTS_TEST_NAME)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

/* test=a,b,c replaces the list; bad or excess names are dropped. */
static void opt_test(struct pctx *pc, const char *v, size_t n)
{
    const char *end = v + n;
    struct hv_opts *o = pc->o;

    o->test_count = 0;
    while (v <= end) {
        const char *comma = mem_find(v, (size_t)(end - v), ',');
        size_t len = (size_t)((comma ? comma : end) - v);
        struct report r = { .what = "bad name", .val = v, .vlen = len,
                            .detail = "need 1..31 of [a-z0-9_-]" };

        if (o->test_count >= HV_OPTS_TESTS_MAX) {
            r = (struct report){ .what = "more than 16 names",
                                 .text = " (rest ignored)" };
            problem(pc, "test", 4, &r);
            return;
        }
        if (test_name_ok(v, len))
            copy_cut(o->test[o->test_count++], HV_OPTS_TEST_NAME, v, len);
        else
            problem(pc, "test", 4, &r);
        if (comma == NULL)
            break;
        v = comma + 1;
    }
}

enum opt_kind { OPT_VALUE, OPT_FLAG };

struct opt {
    const char *key;
    enum opt_kind kind;
    unsigned slot;       /* duplicate detection; smp and nosmp share one */
    void (*apply)(struct pctx *pc, const char *v, size_t n);
};

static const struct opt opts[] = {
    { "serial", OPT_VALUE, 0, opt_serial },
    { "exit", OPT_VALUE, 1, opt_exit },
    { "smp", OPT_VALUE, 2, opt_smp },
    { "nosmp", OPT_FLAG, 2, opt_nosmp },
    { "apic", OPT_VALUE, 3, opt_apic },
    { "timer", OPT_VALUE, 4, opt_timer },
    { "root", OPT_VALUE, 5, opt_root },
    { "test", OPT_VALUE, 6, opt_test },
    { "debugexit", OPT_VALUE, 7, opt_debugexit },
    { "loglevel", OPT_VALUE, 8, opt_loglevel },
    { "id", OPT_VALUE, 9, opt_id },
    { "no1g", OPT_FLAG, 10, opt_no1g },
};

static const struct opt *find_opt(const char *k, size_t n)
{
    size_t i;
    for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        if (mem_eq(k, n, opts[i].key))
            return &opts[i];
    }
    return NULL;
}

/* Checks the shape of key[=value] against the option, then applies it. */
static void one_token(struct pctx *pc, const char *tok, size_t n)
{
    const char *eq = mem_find(tok, n, '=');
    size_t klen = eq ? (size_t)(eq - tok) : n;
    const char *v = eq ? eq + 1 : NULL;
    size_t vlen = eq ? n - klen - 1 : 0;
    const struct opt *o = find_opt(tok, klen);
    struct report r = { 0 };

    if (o == NULL) {
        r.what = "unknown option";
        problem(pc, tok, klen, &r);
        return;
    }
    if (pc->seen & (1u << o->slot)) {
        const struct report dup = { .what = "given more than once",
                                    .text = " (last wins)" };
        problem(pc, tok, klen, &dup);
    }
    pc->seen |= 1u << o->slot;
    if (o->kind == OPT_FLAG && v != NULL)
        r = (struct report){ .what = "takes no value", .val = v, .vlen = vlen };
    else if (o->kind == OPT_VALUE && v == NULL)
        r.what = "needs a value";
    else if (o->kind == OPT_VALUE && vlen == 0)
        r.what = "empty value";
    if (r.what != NULL) {
        problem(pc, tok, klen, &r);
        return;
    }
    o->apply(pc, v, vlen);
}

void cmdline_defaults(struct hv_opts *out)
{
    memset(out, 0, sizeof(*out));
    out->serial_port = DEFAULT_PORT;
    out->serial_baud = DEFAULT_BAUD;
    out->exit_action = HV_EXIT_HALT;
    out->smp_max = 0;
    out->apic = HV_APIC_AUTO;
    out->timer = HV_TIMER_AUTO;
    out->debugexit_port = 0;
    out->loglevel = 6;
}

enum bh_status cmdline_parse(const char *args, struct hv_opts *out,
                             struct cmdline_diag *diag)
{
    struct pctx pc = { out, diag, 0, 0 };
    const char *s = args != NULL ? args : "";

    if (diag != NULL)
        memset(diag, 0, sizeof(*diag));
    if (out == NULL)
        return BH_EINVAL;
    cmdline_defaults(out);
    for (s = skip_blank(s); *s != '\0'; s = skip_blank(s)) {
        size_t n = token_len(s);
        one_token(&pc, s, n);
        s += n;
    }
    return pc.problems == 0 ? BH_OK : BH_EINVAL;
}
