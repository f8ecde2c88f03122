/* Parser of the command string. Every problem is an error with an offset
 * and a reason, and an error means the defaults: the guest never runs a
 * half-understood request. */
#include "cmdline.h"

static const char *const test_names[T_COUNT] = {
    [T_MODES] = "modes", [T_CPUID] = "cpuid", [T_MSR] = "msr", [T_PIO] = "pio",
    [T_EXC] = "exc", [T_HLT] = "hlt", [T_MMIO] = "mmio", [T_HOSTILE] = "hostile",
    [T_BENCH] = "bench", [T_PASSTHROUGH] = "passthrough", [T_TRIPLE] = "triple",
};

/* Keys that take a value, and which bit of `seen` each one uses. */
enum key { K_TESTS, K_MMIO, K_HOSTILE, K_WINDOW, K_PORTS, K_EXPECT_HV, K_BENCH };

struct parser {
    const char *buf;
    struct guest_opts *o;
    struct cmdline_error *err;
    uint32_t seen;                      /* bit per enum key */
};

const char *cmdline_test_name(enum test_id t)
{
    return (unsigned)t < T_COUNT ? test_names[t] : "?";
}

void cmdline_defaults(struct guest_opts *opts)
{
    *opts = (struct guest_opts){ .tests = TESTS_DEFAULT, .bench_batches = BENCH_BATCHES_DEFAULT,
                                 .bench_ops = BENCH_OPS_DEFAULT };
}

static int fail(struct parser *p, const char *at, const char *msg)
{
    p->err->offset = (size_t)(at - p->buf);
    p->err->msg = msg;
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of the literal PREFIX if [s, end) starts with it, else 0. */
static size_t prefix(const char *s, const char *end, const char *lit)
{
    size_t n = 0;

    while (lit[n]) {
        if (s + n >= end || s[n] != lit[n])
            return 0;
        n++;
    }
    return n;
}

static int digit_value(char c, unsigned base)
{
    int v = -1;

    if (c >= '0' && c <= '9')
        v = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
        v = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
        v = c - 'A' + 10;
    return v >= 0 && (unsigned)v < base ? v : -1;
}

/* [s, end) is one number, decimal or 0x hexadecimal, that fits 64 bits. */
static int parse_num(struct parser *p, const char *s, const char *end, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;

    if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (s == end)
        return fail(p, s, "a number is missing");
    for (; s < end; s++) {
        int d = digit_value(*s, base);
        if (d < 0)
            return fail(p, s, base == 16 ? "not a hexadecimal digit" : "not a decimal digit");
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return fail(p, s, "number does not fit in 64 bits");
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return 0;
}

/* "A<sep>B" in [s, end): two numbers split at the first SEP. */
static int parse_pair(struct parser *p, const char *s, const char *end, char sep,
                      uint64_t *a, uint64_t *b)
{
    const char *mid = s;

    while (mid < end && *mid != sep)
        mid++;
    if (mid == end)
        return fail(p, end, sep == ',' ? "expected two numbers split by ','"
                                       : "expected a range START-END");
    if (parse_num(p, s, mid, a) || parse_num(p, mid + 1, end, b))
        return -1;
    return 0;
}

static int parse_tests(struct parser *p, const char *s, const char *end)
{
    if (s == end)
        return fail(p, s, "empty test list");
    while (s <= end) {
        const char *e = s;
        while (e < end && *e != ',')
            e++;
        if (e == s)
            return fail(p, s, "empty test name in the list");
        bool found = false;
        if (prefix(s, e, "default") == 7 && e - s == 7) {
            p->o->tests |= TESTS_DEFAULT;
            found = true;
        } else if (prefix(s, e, "basic") == 5 && e - s == 5) {
            found = true;                       /* alias of modes, always on */
        }
        for (unsigned t = 0; t < T_COUNT && !found; t++) {
            size_t n = prefix(s, e, test_names[t]);
            if (n && s + n == e) {
                p->o->tests |= TEST_BIT(t);
                found = true;
            }
        }
        if (!found)
            return fail(p, s, "unknown test name (modes basic cpuid msr pio exc hlt mmio "
                              "hostile bench triple default)");
        s = e + 1;
    }
    return 0;
}

static int parse_mmio(struct parser *p, const char *s, const char *end)
{
    uint64_t a;

    if (parse_num(p, s, end, &a))
        return -1;
    if (a & 3)
        return fail(p, s, "mmio address is not 4-byte aligned");
    if (a > CMDLINE_ADDR_LIMIT - 4)
        return fail(p, s, "mmio address is above 512 GiB");
    p->o->mmio_given = true;
    p->o->mmio_addr = a;
    p->o->tests |= TEST_BIT(T_MMIO);
    return 0;
}

static int parse_hostile(struct parser *p, const char *s, const char *end)
{
    uint64_t seed, rounds;

    if (parse_pair(p, s, end, ',', &seed, &rounds))
        return -1;
    if (rounds == 0 || rounds > CMDLINE_MAX_ROUNDS)
        return fail(p, s, "hostile rounds must be 1..100000000");
    p->o->hostile_given = true;
    p->o->hostile_seed = seed;
    p->o->hostile_rounds = rounds;
    p->o->tests |= TEST_BIT(T_HOSTILE);
    return 0;
}

static int parse_window(struct parser *p, const char *s, const char *end)
{
    uint64_t a, b;

    if (parse_pair(p, s, end, '-', &a, &b))
        return -1;
    if (a >= b)
        return fail(p, s, "window start must be below its end");
    if (b > CMDLINE_ADDR_LIMIT)
        return fail(p, s, "window ends above 512 GiB");
    p->o->window_given = true;
    p->o->window_start = a;
    p->o->window_end = b;
    return 0;
}

static int parse_ports(struct parser *p, const char *s, const char *end)
{
    uint64_t a, b;

    if (parse_pair(p, s, end, '-', &a, &b))
        return -1;
    if (a >= b || b > 0x10000)
        return fail(p, s, "ports must be START-END with START < END <= 0x10000");
    p->o->ports_given = true;
    p->o->port_start = (uint32_t)a;
    p->o->port_end = (uint32_t)b;
    return 0;
}

static int parse_bench(struct parser *p, const char *s, const char *end)
{
    uint64_t batches, ops;

    if (parse_pair(p, s, end, ',', &batches, &ops))
        return -1;
    if (batches < BENCH_BATCHES_MIN || batches > BENCH_BATCHES_MAX)
        return fail(p, s, "bench batches must be 2..1000");
    if (ops == 0 || ops > BENCH_OPS_MAX)
        return fail(p, s, "bench operations per batch must be 1..1000");
    p->o->bench_given = true;
    p->o->bench_batches = (uint32_t)batches;
    p->o->bench_ops = (uint32_t)ops;
    p->o->tests |= TEST_BIT(T_BENCH);
    return 0;
}

static int parse_sig(struct parser *p, const char *s, const char *end)
{
    size_t n = (size_t)(end - s);

    if (n == 0 || n > HV_SIG_MAX)
        return fail(p, s, "expect-hv= takes 1 to 12 characters");
    for (size_t i = 0; i < n; i++)
        p->o->hv_sig[i] = s[i];
    p->o->hv_sig[n] = '\0';
    return 0;
}

static int once(struct parser *p, const char *at, enum key k)
{
    if (p->seen & (1u << k))
        return fail(p, at, "the same key is given twice");
    p->seen |= 1u << k;
    return 0;
}

/* One whitespace-free word [s, end). */
static int parse_word(struct parser *p, const char *s, const char *end)
{
    static const struct {
        const char *key;
        enum key k;
        int (*fn)(struct parser *, const char *, const char *);
    } keys[] = {
        { "tests=", K_TESTS, parse_tests },     { "mmio=", K_MMIO, parse_mmio },
        { "hostile=", K_HOSTILE, parse_hostile }, { "window=", K_WINDOW, parse_window },
        { "ports=", K_PORTS, parse_ports },     { "expect-hv=", K_EXPECT_HV, parse_sig },
        { "bench=", K_BENCH, parse_bench },
    };

    if (prefix(s, end, "expect-hv") && end - s == 9) {
        p->o->expect_hv = true;
        return once(p, s, K_EXPECT_HV);
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n = prefix(s, end, keys[i].key);
        if (!n)
            continue;
        if (once(p, s, keys[i].k))
            return -1;
        if (keys[i].k == K_EXPECT_HV)
            p->o->expect_hv = true;
        return keys[i].fn(p, s + n, end);
    }
    return fail(p, s, "unknown word (tests= mmio= hostile= window= ports= bench= expect-hv)");
}

int cmdline_parse(const char *buf, size_t cap, struct guest_opts *opts,
                  struct cmdline_error *err)
{
    struct parser p = { buf, opts, err, 0 };
    size_t len = 0;
    int rc = 0;

    cmdline_defaults(opts);
    while (len < cap && buf[len] != '\0')
        len++;
    if (len == cap) {
        rc = fail(&p, buf + len, "no NUL terminator within the 256 bytes");
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 || c > 0x7e) && !is_space((char)c)) {
            rc = fail(&p, buf + i, "not printable ASCII");
            goto out;
        }
    }
    opts->tests = TEST_BIT(T_MODES);
    bool tests_given = false;
    const char *s = buf, *end = buf + len;
    while (s < end) {
        while (s < end && is_space(*s))
            s++;
        const char *w = s;
        while (s < end && !is_space(*s))
            s++;
        if (w == s)
            break;
        if (prefix(w, s, "tests="))
            tests_given = true;
        rc = parse_word(&p, w, s);
        if (rc)
            goto out;
    }
    if (!tests_given)
        opts->tests |= TESTS_DEFAULT;
out:
    if (rc)
        cmdline_defaults(opts);
    return rc;
}
