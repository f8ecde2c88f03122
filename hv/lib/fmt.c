/* Bounded formatter; see fmt.h. */
#include "lib/fmt.h"
#include <stdint.h>
#include <stdbool.h>

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

struct numfmt { int width; bool zero, left, upper, alt; };

static void put_num(struct out *o, uint64_t v, unsigned base, bool neg, struct numfmt f)
{
    const char *digits = f.upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, width = f.width;
    bool zero = f.zero, left = f.left;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (f.alt && base == 16) {      /* "0x" prefix, counted in the width */
        tmp[n++] = f.upper ? 'X' : 'x';
        tmp[n++] = '0';
        if (zero) {                 /* zero padding goes after the prefix */
            n -= 2;
            put(o, '0'), put(o, f.upper ? 'X' : 'x');
            width -= 2;
        }
    }
    int len = n + (neg ? 1 : 0);
    if (neg && zero)
        put(o, '-');
    for (; !left && width > len; width--)
        put(o, zero ? '0' : ' ');
    if (neg && !zero)
        put(o, '-');
    while (n)
        put(o, tmp[--n]);
    for (; left && width > len; width--)
        put(o, ' ');
}

static void put_str(struct out *o, const char *s, int width, int prec, bool left)
{
    if (!s)
        s = "(null)";
    int len = 0;
    while ((prec < 0 || len < prec) && s[len])
        len++;
    for (; !left && width > len; width--)
        put(o, ' ');
    for (int i = 0; i < len; i++)
        put(o, s[i]);
    for (; left && width > len; width--)
        put(o, ' ');
}

static uint64_t arg_unsigned(va_list *ap, int lmod)
{
    if (lmod >= 2)
        return va_arg(*ap, unsigned long long);
    if (lmod == 1)
        return va_arg(*ap, unsigned long);
    return va_arg(*ap, unsigned int);
}

static int64_t arg_signed(va_list *ap, int lmod)
{
    if (lmod >= 2)
        return va_arg(*ap, long long);
    if (lmod == 1)
        return va_arg(*ap, long);
    return va_arg(*ap, int);
}

static const char *conv(struct out *o, const char *f, va_list *ap)
{
    struct numfmt nf = { 0, false, false, false, false };
    int lmod = 0, prec = -1;
    for (;; f++) {
        if (*f == '0')
            nf.zero = true;
        else if (*f == '-')
            nf.left = true;
        else if (*f == '#')
            nf.alt = true;
        else
            break;
    }
    while (*f >= '0' && *f <= '9' && nf.width < 1000)
        nf.width = nf.width * 10 + (*f++ - '0');
    while (*f >= '0' && *f <= '9')
        f++;
    if (nf.left)
        nf.zero = false;
    if (*f == '.') {
        prec = 0;
        if (*++f == '*') {
            prec = va_arg(*ap, int);
            f++;
        }
        while (*f >= '0' && *f <= '9') {
            if (prec < 100000)
                prec = prec * 10 + (*f - '0');
            f++;
        }
    }
    for (; *f == 'l' || *f == 'z'; f++)
        lmod += (*f == 'z') ? 2 : 1;
    switch (*f) {
    case 'c': put(o, (char)va_arg(*ap, int)); break;
    case 's': put_str(o, va_arg(*ap, const char *), nf.width, prec, nf.left); break;
    case 'd':
    case 'i': {
        int64_t v = arg_signed(ap, lmod);
        put_num(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, v < 0, nf);
        break;
    }
    case 'u': put_num(o, arg_unsigned(ap, lmod), 10, false, nf); break;
    case 'x': put_num(o, arg_unsigned(ap, lmod), 16, false, nf); break;
    case 'X':
        nf.upper = true;
        put_num(o, arg_unsigned(ap, lmod), 16, false, nf);
        break;
    case 'p':
        put(o, '0'), put(o, 'x');
        put_num(o, (uintptr_t)va_arg(*ap, void *), 16, false,
                (struct numfmt){ 16, true, false, false, false });
        break;
    case '%': put(o, '%'); break;
    case '\0': return f;
    default: put(o, '%'), put(o, *f); break;
    }
    return f + 1;
}

int vsnfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    va_list aq;
    va_copy(aq, ap);
    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt = conv(&o, fmt + 1, &aq);
    }
    va_end(aq);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snfmt(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnfmt(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
