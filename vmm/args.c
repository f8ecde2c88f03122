/* The VMM's arguments; see args.h. */
#include "args.h"
#include "lib/fmt.h"
#include <string.h>

static bool number(const char *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    unsigned base = 10;
    if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        base = 16, p += 2, n -= 2;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned d;
        char c = p[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (x > (~0ull - d) / base)
            return false;
        x = x * base + d;
    }
    *v = x;
    return true;
}

static const struct {
    const char *key;
    uint64_t lo, hi;
} keys[] = {
    { "ram-mib", 2, 64 },
    { "vcpu-prio", 1, 255 },
    { "crash-after", 1, 1000000000 },
    { "hv-leaf", 0, 1 },
    { "passthrough", 0, 0 },          /* BB:DD.F, parsed by bdf() */
};
#define KEY_PASSTHROUGH 4u

static int hexdig(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "BB:DD.F" (hexadecimal, two digits each for bus and device, device
   below 0x20, function below 8) into bus << 8 | device << 3 | function. */
static bool bdf(const char *p, size_t n, uint32_t *out)
{
    if (n != 7 || p[2] != ':' || p[5] != '.')
        return false;
    int b1 = hexdig(p[0]), b0 = hexdig(p[1]), d1 = hexdig(p[3]), d0 = hexdig(p[4]);
    int f = hexdig(p[6]);
    if (b1 < 0 || b0 < 0 || d1 < 0 || d0 < 0 || f < 0 || f > 7 || d1 * 16 + d0 > 31)
        return false;
    *out = (uint32_t)((b1 * 16 + b0) << 8 | (d1 * 16 + d0) << 3 | f);
    return true;
}

enum bh_status vmm_args_parse(const char *s, struct vmm_args *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->ram_mib = 4;
    out->vcpu_prio = 10;
    bool seen[sizeof keys / sizeof keys[0]] = { false };
    size_t i = 0, len = strlen(s);
    while (i < len) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t n = 0;
        while (i + n < len && s[i + n] != ' ')
            n++;
        const char *w = s + i;
        if (n == 2 && w[0] == '-' && w[1] == '-') {
            const char *rest = i + 2 < len ? w + 3 : "";
            if (strlen(rest) >= VMM_CMDLINE_MAX) {
                snfmt(err, errlen, "the guest command string is longer than %u characters",
                      VMM_CMDLINE_MAX - 1);
                return BH_EINVAL;
            }
            memcpy(out->cmdline, rest, strlen(rest) + 1);
            out->has_cmdline = true;
            return BH_OK;
        }
        size_t klen = 0;
        while (klen < n && w[klen] != '=')
            klen++;
        const char *eq = klen < n ? w + klen : NULL;
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] &&
               (strlen(keys[k].key) != klen || strncmp(keys[k].key, w, klen)))
            k++;
        if (k == sizeof keys / sizeof keys[0] || !eq) {
            snfmt(err, errlen, "unknown word '%.*s' at offset %zu", (int)(n > 40 ? 40 : n), w, i);
            return BH_EINVAL;
        }
        if (seen[k]) {
            snfmt(err, errlen, "'%s' given twice", keys[k].key);
            return BH_EINVAL;
        }
        seen[k] = true;
        if (k == KEY_PASSTHROUGH) {
            if (!bdf(eq + 1, n - klen - 1, &out->pt_bdf)) {
                snfmt(err, errlen, "'passthrough' needs a PCI function as BB:DD.F (hexadecimal)");
                return BH_EINVAL;
            }
            out->passthrough = true;
            i += n;
            continue;
        }
        uint64_t v;
        if (!number(eq + 1, n - klen - 1, &v) || v < keys[k].lo || v > keys[k].hi) {
            snfmt(err, errlen, "'%s' needs a number in %lu..%lu", keys[k].key,
                  (unsigned long)keys[k].lo, (unsigned long)keys[k].hi);
            return BH_EINVAL;
        }
        if (k == 0)
            out->ram_mib = (uint32_t)v;
        else if (k == 1)
            out->vcpu_prio = (uint32_t)v;
        else if (k == 2)
            out->crash_after = v;
        else
            out->hv_leaf = v != 0;
        i += n;
    }
    return BH_OK;
}
