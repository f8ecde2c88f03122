/* The CMOS RTC; see rtc.h. */
#include "rtc.h"
#include <stdbool.h>
#include <string.h>

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32
#define B_24H 0x02
#define B_BINARY 0x04

void rtc_reset(struct rtc *r, uint64_t tsc_hz)
{
    memset(r, 0, sizeof *r);
    r->tsc_hz = tsc_hz ? tsc_hz : 1;
    r->ram[REG_A] = 0x26;              /* 32.768 kHz time base, 1024 Hz rate */
    r->ram[REG_B] = B_24H;
    r->ram[REG_D] = 0x80;              /* valid RAM and time */
}

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

struct date { unsigned year, month, day, wday, hour, min, sec; };

/* 2024-01-01 00:00:00 plus s seconds (2024-01-01 was a Monday: wday 2). */
static struct date date_of(uint64_t s)
{
    static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    struct date d = { 2024, 1, 1, 0, 0, 0, 0 };
    uint64_t days = s / 86400;
    d.sec = (unsigned)(s % 60), d.min = (unsigned)(s / 60 % 60), d.hour = (unsigned)(s / 3600 % 24);
    d.wday = (unsigned)((days + 1) % 7) + 1;
    while (days >= (leap(d.year) ? 366u : 365u)) {
        days -= leap(d.year) ? 366u : 365u;
        d.year++;
    }
    for (unsigned m = 0; m < 12; m++) {
        unsigned n = mdays[m] + (m == 1 && leap(d.year));
        if (days < n) {
            d.month = m + 1;
            d.day = (unsigned)days + 1;
            break;
        }
        days -= n;
    }
    return d;
}

static uint8_t fmt(const struct rtc *r, unsigned v)
{
    return (r->ram[REG_B] & B_BINARY) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static uint8_t time_reg(const struct rtc *r, unsigned idx, uint64_t now)
{
    struct date d = date_of(now / r->tsc_hz);
    switch (idx) {
    case 0x00: return fmt(r, d.sec);
    case 0x02: return fmt(r, d.min);
    case 0x04:
        if (r->ram[REG_B] & B_24H)
            return fmt(r, d.hour);
        return (uint8_t)(fmt(r, d.hour % 12 ? d.hour % 12 : 12) | (d.hour >= 12 ? 0x80 : 0));
    case 0x06: return fmt(r, d.wday);
    case 0x07: return fmt(r, d.day);
    case 0x08: return fmt(r, d.month);
    case 0x09: return fmt(r, d.year % 100);
    case REG_CENTURY: return fmt(r, d.year / 100);
    default: return r->ram[idx];
    }
}

uint8_t rtc_read(struct rtc *r, unsigned reg, uint64_t now)
{
    if (!(reg & 1))
        return r->index;
    unsigned idx = r->index & 0x7f;
    if (idx == REG_C) {
        uint8_t v = r->ram[REG_C];
        r->ram[REG_C] = 0;             /* read to clear */
        return v;
    }
    return time_reg(r, idx, now);
}

void rtc_write(struct rtc *r, unsigned reg, uint8_t v, uint64_t now)
{
    (void)now;
    if (!(reg & 1)) {
        r->index = v;                  /* bit 7 masks NMIs on a PC: no effect here */
        return;
    }
    unsigned idx = r->index & 0x7f;
    if (idx == REG_A)
        r->ram[REG_A] = (uint8_t)((v & 0x7f));   /* UIP is read-only */
    else if (idx == REG_B)
        r->ram[REG_B] = (uint8_t)(v & ~0x08u);   /* no square wave */
    else if (idx == REG_C || idx == REG_D)
        return;                        /* read-only */
    else
        r->ram[idx] = v;               /* time registers: accepted, then ignored */
}
