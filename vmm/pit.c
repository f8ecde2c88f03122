/* The 8254 PIT; see pit.h. */
#include "pit.h"
#include <string.h>

void pit_reset(struct pit *p, uint64_t tsc_hz)
{
    memset(p, 0, sizeof *p);
    p->tsc_hz = tsc_hz ? tsc_hz : 1;
    for (unsigned i = 0; i < 3; i++)
        p->c[i] = (struct pit_counter){ .reload = 65536, .access = 3 };
}

/* PIT input ticks since c started, at time now. */
static uint64_t ticks(const struct pit *p, const struct pit_counter *c, uint64_t now)
{
    uint64_t d = now > c->start ? now - c->start : 0;
    /* d * PIT_HZ / tsc_hz without overflow for any realistic d. */
    return (d / p->tsc_hz) * PIT_HZ + (d % p->tsc_hz) * PIT_HZ / p->tsc_hz;
}

/* TSC ticks for n PIT ticks, at least 1. */
static uint64_t tsc_for(const struct pit *p, uint64_t n)
{
    uint64_t t = (n / PIT_HZ) * p->tsc_hz + (n % PIT_HZ) * p->tsc_hz / PIT_HZ;
    return t ? t : 1;
}

static bool periodic(const struct pit_counter *c)
{
    return (c->mode & 3) == 2 || (c->mode & 3) == 3;
}

static uint16_t count(const struct pit *p, const struct pit_counter *c, uint64_t now)
{
    if (!c->loaded)
        return 0;
    uint64_t t = ticks(p, c, now);
    if (periodic(c))
        return (uint16_t)(c->reload - t % c->reload);
    return (uint16_t)(t >= c->reload ? 0 : c->reload - t);   /* stops at 0 here */
}

static void load(struct pit *p, unsigned i, uint32_t v, uint64_t now)
{
    struct pit_counter *c = &p->c[i];
    c->reload = v ? v : 65536;
    c->loaded = true;
    c->start = now;
    if (i == 0)
        p->next_edge = now + tsc_for(p, c->reload);
}

uint8_t pit_read(struct pit *p, unsigned reg, uint64_t now)
{
    if (reg > 2)
        return 0xff;                   /* the mode register is write-only */
    struct pit_counter *c = &p->c[reg];
    uint16_t v = c->latched ? c->latch : count(p, c, now);
    uint8_t out;
    if (c->access == 1)
        out = (uint8_t)v;
    else if (c->access == 2)
        out = (uint8_t)(v >> 8);
    else {
        out = c->read_hi ? (uint8_t)(v >> 8) : (uint8_t)v;
        c->read_hi = !c->read_hi;
        if (c->read_hi)
            return out;                /* the latch holds until both bytes are read */
    }
    c->latched = false;
    return out;
}

void pit_write(struct pit *p, unsigned reg, uint8_t v, uint64_t now)
{
    if (reg == 3) {
        unsigned i = v >> 6;
        if (i == 3)
            return;                    /* read-back: not modelled */
        struct pit_counter *c = &p->c[i];
        unsigned access = (v >> 4) & 3;
        if (access == 0) {             /* counter latch */
            if (!c->latched) {
                c->latch = count(p, c, now);
                c->latched = true;
            }
            return;
        }
        c->access = (uint8_t)access;
        c->mode = (v >> 1) & 7;
        c->loaded = false, c->write_hi = false, c->read_hi = false, c->latched = false;
        if (i == 0)
            p->next_edge = 0;          /* stopped until a count is written */
        return;
    }
    if (reg > 2)
        return;
    struct pit_counter *c = &p->c[reg];
    if (c->access == 1)
        load(p, reg, v, now);
    else if (c->access == 2)
        load(p, reg, (uint32_t)v << 8, now);
    else if (!c->write_hi) {
        c->write_lo = v;
        c->write_hi = true;
    } else {
        c->write_hi = false;
        load(p, reg, (uint32_t)v << 8 | c->write_lo, now);
    }
}

bool pit_irq_due(struct pit *p, uint64_t now)
{
    const struct pit_counter *c = &p->c[0];
    if (!p->next_edge || now < p->next_edge)
        return false;
    if (periodic(c)) {
        uint64_t period = tsc_for(p, c->reload);
        p->next_edge += ((now - p->next_edge) / period + 1) * period;
    } else {
        p->next_edge = 0;              /* mode 0: once */
    }
    return true;
}
