/* Boot configuration parser; the schema is in config.h. Pure: libfdt,
   string functions and the bounded formatter, no system calls. */
#include "config.h"
#include "lib/fmt.h"
#include <libfdt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* Per-server state: the first error message wins. */
struct srv {
    const void *fdt;
    int node;
    char err[CONFIG_DIAG_LEN];
};

static void __attribute__((format(printf, 2, 3)))
diag_add(struct config_diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->count >= CONFIG_DIAG_MAX) {
        d->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnfmt(d->msg[d->count++], CONFIG_DIAG_LEN, fmt, ap);
    va_end(ap);
}

static bool __attribute__((format(printf, 2, 3))) fail(struct srv *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnfmt(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    return false;
}

/* Copies at most len bytes of untrusted text for a message, '?' for
   anything unprintable. */
static void sanitize(char *dst, size_t cap, const char *src, size_t len)
{
    size_t i = 0;
    for (; i + 1 < cap && i < len && src[i]; i++)
        dst[i] = (src[i] >= 0x20 && src[i] <= 0x7e && src[i] != '\'') ? src[i] : '?';
    dst[i] = '\0';
}

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* True if name[0..len) is 1..CONFIG_NAME_MAX-1 characters of [a-z0-9_-]. */
static bool valid_name(const char *name, size_t len)
{
    if (len == 0 || len >= CONFIG_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_name_char(name[i]))
            return false;
    return true;
}

/* The node's name (bounded by the blob) into dst, or false. */
static bool node_name(const void *fdt, int node, char dst[CONFIG_NAME_MAX], char *shown, size_t shown_cap)
{
    int len = 0;
    const char *n = fdt_get_name(fdt, node, &len);
    if (!n || len < 0) {
        sanitize(shown, shown_cap, "?", 1);
        return false;
    }
    sanitize(shown, shown_cap, n, (size_t)len);
    if (!valid_name(n, (size_t)len))
        return false;
    memcpy(dst, n, (size_t)len);
    dst[len] = '\0';
    return true;
}

/*
 * Reads string property name of node into dst[cap]. A missing optional
 * property yields def. The value must be exactly one NUL-terminated string
 * of printable characters that fits.
 */
static bool get_string(struct srv *s, int node, const char *name, char *dst, size_t cap,
                       const char *def, bool allow_empty)
{
    int len = 0;
    const char *p = fdt_getprop(s->fdt, node, name, &len);
    if (!p) {
        if (len != -FDT_ERR_NOTFOUND)
            return fail(s, "'%s': %s", name, fdt_strerror(len));
        if (!def)
            return fail(s, "missing '%s'", name);
        p = def;
        len = (int)strlen(def) + 1;
    }
    if (len < 1 || p[len - 1] != '\0')
        return fail(s, "'%s' is not a NUL-terminated string", name);
    size_t n = strnlen(p, (size_t)len);
    if (n != (size_t)len - 1)
        return fail(s, "'%s' must be a single string", name);
    if (n == 0 && !allow_empty)
        return fail(s, "'%s' is empty", name);
    if (n >= cap)
        return fail(s, "'%s' longer than %zu characters", name, cap - 1);
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return fail(s, "'%s' has an unprintable character at %zu", name, i);
    memcpy(dst, p, n + 1);
    return true;
}

/* Reads a one-cell property into *v, checks lo <= *v <= hi. A missing
   property is an error when required, else *v = def. */
static bool get_u32(struct srv *s, int node, const char *name, uint32_t *v, bool required,
                    uint32_t def, uint32_t lo, uint32_t hi)
{
    int len = 0;
    const void *p = fdt_getprop(s->fdt, node, name, &len);
    if (!p) {
        if (len != -FDT_ERR_NOTFOUND)
            return fail(s, "'%s': %s", name, fdt_strerror(len));
        if (required)
            return fail(s, "missing '%s'", name);
        *v = def;
        return true;
    }
    if (len != 4)
        return fail(s, "'%s' must be one 32-bit cell, got %d bytes", name, len);
    *v = be32(p);
    if (*v < lo || *v > hi)
        return fail(s, "'%s' = %u out of range %u..%u", name, *v, lo, hi);
    return true;
}

/* Returns false (with the message) if node has a property not in allowed. */
static bool only_props(struct srv *s, int node, const char *const *allowed, size_t n)
{
    int off;
    fdt_for_each_property_offset(off, s->fdt, node) {
        const char *pname = NULL;
        int plen = 0;
        if (!fdt_getprop_by_offset(s->fdt, off, &pname, &plen) || !pname)
            return fail(s, "unreadable property: %s", fdt_strerror(plen));
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = !strcmp(pname, allowed[i]);
        if (!ok) {
            char shown[CONFIG_NAME_MAX];
            sanitize(shown, sizeof shown, pname, strlen(pname));
            return fail(s, "unknown property '%s'", shown);
        }
    }
    if (off != -FDT_ERR_NOTFOUND)
        return fail(s, "properties: %s", fdt_strerror(off));
    return true;
}

static const struct {
    const char *word;
    uint32_t bit;
} rights_words[] = {
    { "ctrl", BH_R_CTRL }, { "delegate", BH_R_DELEGATE }, { "call", BH_R_CALL },
    { "up", BH_R_UP },     { "down", BH_R_DOWN },
};

/* Parses a string list of rights words into BH_R_* bits. */
static bool get_rights(struct srv *s, int node, const char *cap, uint32_t *rights)
{
    int len = 0;
    const char *p = fdt_getprop(s->fdt, node, "rights", &len);
    if (!p)
        return fail(s, "cap '%s': missing 'rights'", cap);
    if (len < 1 || p[len - 1] != '\0')
        return fail(s, "cap '%s': 'rights' is not a NUL-terminated string list", cap);
    *rights = 0;
    for (int i = 0; i < len;) {
        size_t w = strlen(p + i);      /* bounded: p[len - 1] is NUL */
        bool known = false;
        for (size_t k = 0; k < sizeof rights_words / sizeof rights_words[0] && !known; k++)
            if (!strcmp(p + i, rights_words[k].word)) {
                *rights |= rights_words[k].bit;
                known = true;
            }
        if (!known) {
            char shown[16];
            sanitize(shown, sizeof shown, p + i, w);
            return fail(s, "cap '%s': unknown right '%s'", cap, shown);
        }
        i += (int)w + 1;
    }
    return true;
}

static bool parse_cap(struct srv *s, int node, struct config_cap *c)
{
    static const char *const props[] = { "target", "sel", "rights", "badge" };
    char shown[CONFIG_NAME_MAX];
    if (!node_name(s->fdt, node, c->name, shown, sizeof shown))
        return fail(s, "cap '%s': name must be 1..%u of [a-z0-9_-]", shown, CONFIG_NAME_MAX - 1);
    if (fdt_first_subnode(s->fdt, node) >= 0)
        return fail(s, "cap '%s': unexpected subnode", c->name);
    if (!only_props(s, node, props, 4))
        return false;
    struct srv sub = { .fdt = s->fdt, .node = node };
    if (!get_string(&sub, node, "target", c->target, sizeof c->target, NULL, false) ||
        !get_u32(&sub, node, "sel", &c->sel, true, 0, BH_SEL_FIRST_FREE, CONFIG_CAP_SEL_MAX) ||
        !get_u32(&sub, node, "badge", &c->badge, false, 0, 1, 255))
        return fail(s, "cap '%s': %s", c->name, sub.err);
    if (!valid_name(c->target, strlen(c->target)))
        return fail(s, "cap '%s': target must be 1..%u of [a-z0-9_-]", c->name, CONFIG_NAME_MAX - 1);
    return get_rights(s, node, c->name, &c->rights);
}

static bool parse_caps(struct srv *s, struct bh_server_cfg *cfg)
{
    int caps = fdt_subnode_offset(s->fdt, s->node, "caps");
    if (caps == -FDT_ERR_NOTFOUND)
        return true;
    if (caps < 0)
        return fail(s, "caps: %s", fdt_strerror(caps));
    if (fdt_first_property_offset(s->fdt, caps) >= 0)
        return fail(s, "caps: unexpected property");
    int node;
    fdt_for_each_subnode(node, s->fdt, caps) {
        if (cfg->ncaps == CONFIG_MAX_CAPS)
            return fail(s, "more than %u caps", CONFIG_MAX_CAPS);
        struct config_cap *c = &cfg->caps[cfg->ncaps];
        if (!parse_cap(s, node, c))
            return false;
        for (uint32_t i = 0; i < cfg->ncaps; i++) {
            if (cfg->caps[i].sel == c->sel)
                return fail(s, "caps '%s' and '%s' both use sel %u", cfg->caps[i].name, c->name, c->sel);
            if (!strcmp(cfg->caps[i].name, c->name))
                return fail(s, "cap '%s' given twice", c->name);
        }
        cfg->ncaps++;
    }
    if (node != -FDT_ERR_NOTFOUND)
        return fail(s, "caps: %s", fdt_strerror(node));
    return true;
}

static bool parse_module(struct srv *s, int node, struct config_module *m)
{
    static const char *const props[] = { "module", "sha256" };
    char shown[CONFIG_NAME_MAX];
    if (!node_name(s->fdt, node, m->name, shown, sizeof shown))
        return fail(s, "module '%s': name must be 1..%u of [a-z0-9_-]", shown, CONFIG_NAME_MAX - 1);
    if (fdt_first_subnode(s->fdt, node) >= 0)
        return fail(s, "module '%s': unexpected subnode", m->name);
    if (!only_props(s, node, props, 2))
        return false;
    struct srv sub = { .fdt = s->fdt, .node = node };
    if (!get_string(&sub, node, "module", m->module, sizeof m->module, NULL, false))
        return fail(s, "module '%s': %s", m->name, sub.err);
    int len = 0;
    const void *d = fdt_getprop(s->fdt, node, "sha256", &len);
    if (!d)
        return fail(s, "module '%s': missing 'sha256'", m->name);
    if (len != 32)
        return fail(s, "module '%s': sha256 must be 32 bytes, got %d", m->name, len);
    memcpy(m->sha256, d, 32);
    return true;
}

/* Data modules: each is copied into pages the server may read. */
static bool parse_modules(struct srv *s, struct bh_server_cfg *cfg)
{
    int mods = fdt_subnode_offset(s->fdt, s->node, "modules");
    if (mods == -FDT_ERR_NOTFOUND)
        return true;
    if (mods < 0)
        return fail(s, "modules: %s", fdt_strerror(mods));
    if (fdt_first_property_offset(s->fdt, mods) >= 0)
        return fail(s, "modules: unexpected property");
    int node;
    fdt_for_each_subnode(node, s->fdt, mods) {
        if (cfg->nmodules == CONFIG_MAX_MODULES)
            return fail(s, "more than %u modules", CONFIG_MAX_MODULES);
        struct config_module *m = &cfg->modules[cfg->nmodules];
        if (!parse_module(s, node, m))
            return false;
        for (uint32_t i = 0; i < cfg->nmodules; i++)
            if (!strcmp(cfg->modules[i].name, m->name))
                return fail(s, "module '%s' given twice", m->name);
        cfg->nmodules++;
    }
    if (node != -FDT_ERR_NOTFOUND)
        return fail(s, "modules: %s", fdt_strerror(node));
    if (cfg->nmodules == 0)
        return fail(s, "modules: empty");
    return true;
}

static bool parse_ioports(struct srv *s, struct bh_server_cfg *cfg)
{
    int len = 0;
    const uint8_t *p = fdt_getprop(s->fdt, s->node, "ioports", &len);
    if (!p)
        return len == -FDT_ERR_NOTFOUND || fail(s, "'ioports': %s", fdt_strerror(len));
    if (len % 4)
        return fail(s, "'ioports' must be 32-bit cells, got %d bytes", len);
    if (len % 8 || len == 0)
        return fail(s, "'ioports' must be <base count> pairs, got %d cells", len / 4);
    if ((size_t)len / 8 > CONFIG_MAX_IOPORTS)
        return fail(s, "'ioports' has %d ranges, limit %u", len / 8, CONFIG_MAX_IOPORTS);
    for (int i = 0; i < len; i += 8) {
        uint32_t base = be32(p + i), count = be32(p + i + 4);
        if (count == 0 || base > 0xffff || count > 0x10000 - base)
            return fail(s, "'ioports' <0x%x %u> is empty or runs past port 0xffff", base, count);
        for (uint32_t k = 0; k < cfg->nioports; k++) {
            const struct config_ioports *o = &cfg->ioports[k];
            if (base < o->base + o->count && o->base < base + count)
                return fail(s, "'ioports' <0x%x %u> overlaps <0x%x %u>", base, count, o->base, o->count);
        }
        cfg->ioports[cfg->nioports++] = (struct config_ioports){ base, count };
    }
    return true;
}

static bool parse_irqs(struct srv *s, struct bh_server_cfg *cfg)
{
    int len = 0;
    const uint8_t *p = fdt_getprop(s->fdt, s->node, "irqs", &len);
    if (!p)
        return len == -FDT_ERR_NOTFOUND || fail(s, "'irqs': %s", fdt_strerror(len));
    if (len % 4 || len == 0)
        return fail(s, "'irqs' must be 32-bit cells, got %d bytes", len);
    if ((size_t)len / 4 > CONFIG_MAX_IRQS)
        return fail(s, "'irqs' has %d entries, limit %u", len / 4, CONFIG_MAX_IRQS);
    for (int i = 0; i < len; i += 4) {
        uint32_t irq = be32(p + i);
        if (irq > CONFIG_MAX_IRQ)
            return fail(s, "irq %u out of range 0..%u", irq, CONFIG_MAX_IRQ);
        for (uint32_t k = 0; k < cfg->nirqs; k++)
            if (cfg->irqs[k] == irq)
                return fail(s, "irq %u listed twice", irq);
        cfg->irqs[cfg->nirqs++] = irq;
    }
    return true;
}

static bool parse_restart(struct srv *s, struct bh_server_cfg *cfg)
{
    char word[16];
    if (!get_string(s, s->node, "restart", word, sizeof word, "never", false))
        return false;
    for (int r = RESTART_NEVER; r <= RESTART_ALWAYS; r++)
        if (!strcmp(word, config_restart_name((enum config_restart)r))) {
            cfg->restart = (enum config_restart)r;
            return true;
        }
    return fail(s, "unknown restart policy '%s' (never, on-failure, always)", word);
}

/* Fills cfg from the server node s->node; false with s->err if invalid. */
static bool parse_server(struct srv *s, struct bh_server_cfg *cfg)
{
    static const char *const props[] = {
        "module", "sha256", "priority", "cpu", "budget-us", "period-us", "memory-kib",
        "restart", "max-restarts", "ioports", "irqs", "args",
    };
    if (!only_props(s, s->node, props, sizeof props / sizeof props[0]))
        return false;
    int sub;
    fdt_for_each_subnode(sub, s->fdt, s->node) {
        int nlen = 0;
        const char *n = fdt_get_name(s->fdt, sub, &nlen);
        if (!n || !((nlen == 4 && !memcmp(n, "caps", 4)) || (nlen == 7 && !memcmp(n, "modules", 7)))) {
            char shown[CONFIG_NAME_MAX];
            sanitize(shown, sizeof shown, n ? n : "?", n && nlen > 0 ? (size_t)nlen : 1);
            return fail(s, "unknown subnode '%s'", shown);
        }
    }
    if (!get_string(s, s->node, "module", cfg->module, sizeof cfg->module, NULL, false))
        return false;
    int len = 0;
    const void *d = fdt_getprop(s->fdt, s->node, "sha256", &len);
    if (!d)
        return fail(s, "missing 'sha256'");
    if (len != 32)
        return fail(s, "sha256 must be 32 bytes, got %d", len);
    memcpy(cfg->sha256, d, 32);
    if (!get_u32(s, s->node, "priority", &cfg->priority, true, 0, 0, BH_PRIO_MAX) ||
        !get_u32(s, s->node, "cpu", &cfg->cpu, false, 0, 0, CONFIG_MAX_CPU) ||
        !get_u32(s, s->node, "period-us", &cfg->period_us, true, 0, 1, CONFIG_MAX_PERIOD_US) ||
        !get_u32(s, s->node, "budget-us", &cfg->budget_us, true, 0, 1, CONFIG_MAX_PERIOD_US) ||
        !get_u32(s, s->node, "memory-kib", &cfg->memory_kib, true, 0, 4, CONFIG_MAX_MEMORY_KIB) ||
        !get_u32(s, s->node, "max-restarts", &cfg->max_restarts, false, 3, 0, CONFIG_MAX_RESTARTS))
        return false;
    if (cfg->budget_us > cfg->period_us)
        return fail(s, "budget-us %u exceeds period-us %u", cfg->budget_us, cfg->period_us);
    if (cfg->memory_kib % 4)
        return fail(s, "memory-kib %u is not a multiple of 4 (pages)", cfg->memory_kib);
    return parse_restart(s, cfg) && parse_ioports(s, cfg) && parse_irqs(s, cfg) &&
           get_string(s, s->node, "args", cfg->args, sizeof cfg->args, "", true) &&
           parse_caps(s, cfg) && parse_modules(s, cfg);
}

/* A device owned by an accepted server may not be given to another. */
static bool check_conflicts(struct srv *s, const struct bh_config *out, const struct bh_server_cfg *cfg)
{
    for (uint32_t i = 0; i < out->nservers; i++) {
        const struct bh_server_cfg *o = &out->servers[i];
        for (uint32_t a = 0; a < cfg->nioports; a++)
            for (uint32_t b = 0; b < o->nioports; b++) {
                const struct config_ioports *x = &cfg->ioports[a], *y = &o->ioports[b];
                if (x->base < y->base + y->count && y->base < x->base + x->count)
                    return fail(s, "ioports <0x%x %u> already belong to server '%s'", x->base,
                                x->count, o->name);
            }
        for (uint32_t a = 0; a < cfg->nirqs; a++)
            for (uint32_t b = 0; b < o->nirqs; b++)
                if (cfg->irqs[a] == o->irqs[b])
                    return fail(s, "irq %u already belongs to server '%s'", cfg->irqs[a], o->name);
    }
    return true;
}

/* Checks the blob as a whole; BH_OK or an error with a message. */
static enum bh_status check_blob(const void *dtb, size_t len, struct config_diag *diag)
{
    if (!dtb || len < sizeof(struct fdt_header)) {
        diag_add(diag, "config: %zu bytes is too short for a device tree", dtb ? len : 0);
        return BH_EFORMAT;
    }
    int e = fdt_check_header(dtb);
    if (e) {
        diag_add(diag, "config: not a device tree blob (%s)", fdt_strerror(e));
        return BH_EFORMAT;
    }
    if (fdt_totalsize(dtb) > len) {
        diag_add(diag, "config: truncated, header says %u bytes, have %zu", fdt_totalsize(dtb), len);
        return BH_EFORMAT;
    }
    if (fdt_version(dtb) < 17) {
        diag_add(diag, "config: device tree format version %u, need 17", fdt_version(dtb));
        return BH_EFORMAT;
    }
    e = fdt_check_full(dtb, len);
    if (e) {
        diag_add(diag, "config: corrupt device tree (%s)", fdt_strerror(e));
        return BH_EFORMAT;
    }
    int vlen = 0;
    const void *v = fdt_getprop(dtb, 0, "bulkhead,config-version", &vlen);
    if (!v || vlen != 4) {
        diag_add(diag, "config: missing or malformed bulkhead,config-version");
        return BH_ENOTSUP;
    }
    if (be32(v) != CONFIG_VERSION) {
        diag_add(diag, "config: bulkhead,config-version %u, this root task reads %u", be32(v), CONFIG_VERSION);
        return BH_ENOTSUP;
    }
    return BH_OK;
}

/* True if name is one of the n node names. */
static bool defined(const char names[][CONFIG_NAME_MAX], const bool *named, uint32_t n, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (named[i] && !strcmp(names[i], name))
            return true;
    return false;
}

/* The optional /supervise node (see config.h); BH_OK or BH_EINVAL with a
   message. Awaited names must be server nodes of this configuration. */
static enum bh_status parse_supervise(const void *dtb, struct config_supervise *sv,
                                      const char names[][CONFIG_NAME_MAX], const bool *named,
                                      uint32_t n, struct config_diag *diag)
{
    int node = fdt_subnode_offset(dtb, 0, "supervise");
    if (node == -FDT_ERR_NOTFOUND)
        return BH_OK;
    static const char *const props[] = { "await", "timeout-ms" };
    struct srv s = { .fdt = dtb, .node = node };
    bool ok = node >= 0 || fail(&s, "%s", fdt_strerror(node));
    if (ok && fdt_first_subnode(dtb, node) >= 0)
        ok = fail(&s, "unexpected subnode");
    ok = ok && only_props(&s, node, props, 2) &&
         get_u32(&s, node, "timeout-ms", &sv->timeout_ms, true, 0, 1, CONFIG_MAX_SUPERVISE_MS);
    int len = 0;
    const char *p = ok ? fdt_getprop(dtb, node, "await", &len) : NULL;
    if (ok && !p)
        ok = fail(&s, "missing 'await'");
    if (ok && (len < 2 || p[len - 1] != '\0'))
        ok = fail(&s, "'await' is not a NUL-terminated string list");
    for (int i = 0; ok && i < len;) {
        size_t w = strlen(p + i);      /* bounded: p[len - 1] is NUL */
        char shown[CONFIG_NAME_MAX];
        sanitize(shown, sizeof shown, p + i, w);
        if (!valid_name(p + i, w))
            ok = fail(&s, "'await': '%s' is no server name", shown);
        else if (!defined(names, named, n, p + i))
            ok = fail(&s, "'await': no server '%s' in /servers", shown);
        else if (sv->nawait == CONFIG_MAX_AWAIT)
            ok = fail(&s, "'await' names more than %u servers", CONFIG_MAX_AWAIT);
        for (uint32_t k = 0; ok && k < sv->nawait; k++)
            if (!strcmp(sv->await[k], p + i))
                ok = fail(&s, "'await': '%s' listed twice", shown);
        if (ok)
            memcpy(sv->await[sv->nawait++], p + i, w + 1);
        i += (int)w + 1;
    }
    if (ok)
        return BH_OK;
    memset(sv, 0, sizeof *sv);
    diag_add(diag, "config: /supervise: %s", s.err);
    return BH_EINVAL;
}

enum bh_status config_parse(const void *dtb, size_t len, struct bh_config *out, struct config_diag *diag)
{
    memset(out, 0, sizeof *out);
    if (diag)
        memset(diag, 0, sizeof *diag);
    enum bh_status st = check_blob(dtb, len, diag);
    if (st != BH_OK)
        return st;
    out->version = CONFIG_VERSION;
    int servers = fdt_subnode_offset(dtb, 0, "servers");
    if (servers < 0) {
        diag_add(diag, "config: no /servers node (%s)", fdt_strerror(servers));
        return BH_ENOENT;
    }

    /* Pass 1: names of the first CONFIG_MAX_SERVERS nodes, for duplicates. */
    int nodes[CONFIG_MAX_SERVERS];
    char names[CONFIG_MAX_SERVERS][CONFIG_NAME_MAX];
    char shown[CONFIG_MAX_SERVERS][CONFIG_NAME_MAX];
    bool named[CONFIG_MAX_SERVERS];
    uint32_t n = 0, extra = 0;
    char first_extra[CONFIG_NAME_MAX] = "";
    int node;
    fdt_for_each_subnode(node, dtb, servers) {
        if (n < CONFIG_MAX_SERVERS) {
            nodes[n] = node;
            named[n] = node_name(dtb, node, names[n], shown[n], sizeof shown[n]);
            n++;
        } else if (extra++ == 0) {
            char unused[CONFIG_NAME_MAX];
            node_name(dtb, node, unused, first_extra, sizeof first_extra);
        }
    }
    if (node != -FDT_ERR_NOTFOUND) {   /* fdt_check_full makes this unreachable */
        diag_add(diag, "config: /servers: %s", fdt_strerror(node));
        return BH_EFORMAT;
    }

    st = parse_supervise(dtb, &out->supervise, names, named, n, diag);
    if (st != BH_OK)
        return st;

    /* Pass 2: each server on its own. */
    for (uint32_t i = 0; i < n; i++) {
        struct srv s = { .fdt = dtb, .node = nodes[i] };
        struct bh_server_cfg *cfg = &out->servers[out->nservers];
        bool ok = named[i];
        if (!ok)
            fail(&s, "name must be 1..%u of [a-z0-9_-]", CONFIG_NAME_MAX - 1);
        for (uint32_t j = 0; ok && j < n; j++)
            if (j != i && named[j] && !strcmp(names[i], names[j]))
                ok = fail(&s, "defined more than once; no copy is started");
        if (ok) {
            memset(cfg, 0, sizeof *cfg);
            memcpy(cfg->name, names[i], sizeof cfg->name);
            ok = parse_server(&s, cfg) && check_conflicts(&s, out, cfg);
        }
        if (ok) {
            out->nservers++;
        } else {
            memset(cfg, 0, sizeof *cfg);
            out->nrejected++;
            diag_add(diag, "server '%s': %s", shown[i], s.err);
        }
    }
    if (extra) {
        out->nrejected += extra;
        diag_add(diag, "servers: limit is %u, ignored %u more starting at '%s'", CONFIG_MAX_SERVERS,
                 extra, first_extra);
    }
    return BH_OK;
}

const char *config_restart_name(enum config_restart r)
{
    switch (r) {
    case RESTART_NEVER: return "never";
    case RESTART_ON_FAILURE: return "on-failure";
    case RESTART_ALWAYS: return "always";
    }
    return "?";
}
