/*
 * The UART server: the 16550s (uart16550.c) of one guest, reached by its
 * VMM over IPC (vmm/uart_proto.h): unit 0, the guest's COM1, and unit 1,
 * the memory-mapped 16550 at 0xfe000000. It prints what the guest
 * transmits to the console a line at a time, prefixed with the guest's
 * name (which the VMM sends with UART_OP_NAME; until then, the server's
 * `name=` argument or "guest"), and "/mmio" for unit 1. Unprivileged: no
 * I/O ports, no memory but its own, no capability but its portal
 * (root/servers.c makes it).
 *
 * Arguments: name=NAME (the prefix until the VMM names the guest),
 * crash-after=N (test hook: fault on purpose after N lines, to show that
 * its death costs only its guest's output).
 */
#include "uart16550.h"
#include "../uart_proto.h"
#include <bh/io.h>
#include <bh/srv.h>
#include <string.h>

int main(const char *args, unsigned long arg2);

#define LINE_MAX 200u                 /* the kernel splits longer lines anyway */

/* One 16550 and the line its guest is writing. */
struct unit {
    struct uart16550 uart;
    const char *suffix;               /* after the guest's name */
    char line[LINE_MAX + 1];
    unsigned len;
};

static struct unit units[UART_UNITS] = {
    [UART_UNIT_COM1] = { .suffix = "" },
    [UART_UNIT_MMIO] = { .suffix = "/mmio" },
};
static char prefix[UART_NAME_MAX + 1] = "guest";
static uint64_t lines, crash_after;
static volatile uintptr_t null_page;

/* One line, printed with a single system call so lines never mix. */
static void flush(struct unit *u)
{
    char out[UART_NAME_MAX + 8 + LINE_MAX];
    size_t p = strlen(prefix), k = strlen(u->suffix);
    memcpy(out, prefix, p);
    memcpy(out + p, u->suffix, k);
    p += k;
    out[p++] = ':';
    out[p++] = ' ';
    memcpy(out + p, u->line, u->len);
    p += u->len;
    out[p++] = '\n';
    bh_print(out, p);
    u->len = 0;
    if (crash_after && ++lines >= crash_after)
        *(volatile uint64_t *)null_page = 1;   /* the test hook: die here */
}

static void put(struct unit *u, uint8_t c)
{
    if (c == '\r')
        return;
    if (c == '\n') {
        flush(u);
        return;
    }
    u->line[u->len++] = (char)((c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?');
    if (u->len == LINE_MAX)
        flush(u);
}

static void serve(struct bh_msg *m, uint64_t badge)
{
    (void)badge;
    uint64_t op = m->w[0], reg = m->w[1], val = m->w[2], unit = m->w[3];
    m->w[0] = BH_OK;
    switch (op) {
    case UART_OP_READ:
        if (reg >= UART_REGS || unit >= UART_UNITS) {
            m->w[0] = BH_EINVAL;
            break;
        }
        m->w[1] = uart_read(&units[unit].uart, (unsigned)reg);
        break;
    case UART_OP_WRITE: {
        if (reg >= UART_REGS || val > 0xff || unit >= UART_UNITS) {
            m->w[0] = BH_EINVAL;
            break;
        }
        int c = uart_write(&units[unit].uart, (unsigned)reg, (uint8_t)val);
        if (c >= 0)
            put(&units[unit], (uint8_t)c);
        break;
    }
    case UART_OP_NAME: {
        char n[UART_NAME_MAX + 1] = { 0 };
        memcpy(n, &m->w[1], UART_NAME_MAX);
        size_t k = 0;
        while (k < UART_NAME_MAX && n[k] > 0x20 && n[k] < 0x7f)
            k++;
        if (k == 0 || (k < UART_NAME_MAX && n[k])) {
            m->w[0] = BH_EINVAL;
            break;
        }
        for (unsigned i = 0; i < UART_UNITS; i++)
            if (units[i].len)
                flush(&units[i]);
        memcpy(prefix, n, k);
        prefix[k] = '\0';
        break;
    }
    default:
        m->w[0] = BH_EINVAL;
    }
}

/* Value of word key=... in args (up to a space) into dst. */
static void arg_word(const char *args, const char *key, char *dst, size_t cap)
{
    size_t n = strlen(key);
    for (const char *p = args; p && *p; p++)
        if ((p == args || p[-1] == ' ') && !strncmp(p, key, n) && p[n] == '=') {
            size_t k = 0;
            for (p += n + 1; p[k] && p[k] != ' ' && k + 1 < cap; k++)
                dst[k] = p[k];
            dst[k] = '\0';
            return;
        }
}

int main(const char *args, unsigned long arg2)
{
    (void)arg2;
    for (unsigned i = 0; i < UART_UNITS; i++)
        uart_reset(&units[i].uart);
    arg_word(args, "name", prefix, sizeof prefix);
    crash_after = srv_arg(args, "crash-after", 0);
    if (svc_serve(serve) != BH_OK)
        return 1;
    svc_park();
}
