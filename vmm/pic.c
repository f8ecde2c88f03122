/* The 8259A pair; see pic.h. */
#include "pic.h"
#include <string.h>

void pic_reset(struct pic *p)
{
    memset(p, 0, sizeof *p);
    p->chip[0] = (struct pic8259){ .imr = 0xff, .vbase = 0x08 };
    p->chip[1] = (struct pic8259){ .imr = 0xff, .vbase = 0x70 };
}

uint8_t pic_read(struct pic *p, unsigned chip, unsigned reg)
{
    struct pic8259 *c = &p->chip[chip & 1];
    if (reg & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static void eoi(struct pic8259 *c, int line)
{
    if (line < 0) {                    /* non-specific: the highest priority in service */
        for (line = 0; line < 8 && !(c->isr & (1u << line)); line++)
            ;
        if (line == 8)
            return;
    }
    c->isr &= (uint8_t)~(1u << line);
}

void pic_write(struct pic *p, unsigned chip, unsigned reg, uint8_t v)
{
    struct pic8259 *c = &p->chip[chip & 1];
    if (!(reg & 1)) {
        if (v & 0x10) {                /* ICW1 */
            c->init_step = 2;
            c->need_icw4 = v & 1;
            c->single = v & 2;
            c->imr = 0, c->isr = 0, c->irr = 0;
            c->auto_eoi = false, c->read_isr = false;
        } else if (v & 0x08) {         /* OCW3 */
            if (v & 2)
                c->read_isr = v & 1;
        } else {                       /* OCW2 */
            unsigned cmd = v >> 5;
            if (cmd == 1)
                eoi(c, -1);
            else if (cmd == 3)
                eoi(c, v & 7);
        }
        return;
    }
    switch (c->init_step) {
    case 2:
        c->vbase = v & 0xf8;
        c->init_step = c->single ? (c->need_icw4 ? 4 : 0) : 3;
        break;
    case 3:
        c->init_step = c->need_icw4 ? 4 : 0;
        break;
    case 4:
        c->auto_eoi = v & 2;
        c->init_step = 0;
        break;
    default:
        c->imr = v;                    /* OCW1 */
    }
}

void pic_raise(struct pic *p, unsigned irq)
{
    p->chip[(irq >> 3) & 1].irr |= (uint8_t)(1u << (irq & 7));
}

/* The highest-priority line of c that may interrupt, or -1. extra adds a
   request (the slave's output on the master's line 2). */
static int best(const struct pic8259 *c, uint8_t extra)
{
    uint8_t req = (uint8_t)((c->irr | extra) & ~c->imr);
    for (int line = 0; line < 8; line++) {
        if (c->isr & (1u << line))
            return -1;                 /* in service at equal or higher priority */
        if (req & (1u << line))
            return line;
    }
    return -1;
}

static int pending(const struct pic *p, int *slave_line)
{
    const struct pic8259 *m = &p->chip[0], *s = &p->chip[1];
    if (m->init_step || s->init_step)
        return -1;
    *slave_line = best(s, 0);
    int line = best(m, *slave_line >= 0 ? 4 : 0);
    if (line < 0)
        return -1;
    if (line == 2 && *slave_line >= 0)
        return s->vbase + *slave_line;
    *slave_line = -1;
    return m->vbase + line;
}

int pic_pending(const struct pic *p)
{
    int sl;
    return pending(p, &sl);
}

int pic_ack(struct pic *p)
{
    int sl;
    int vec = pending(p, &sl);
    if (vec < 0)
        return -1;
    struct pic8259 *m = &p->chip[0], *s = &p->chip[1];
    unsigned line = sl >= 0 ? 2 : (unsigned)(vec - m->vbase);
    m->irr &= (uint8_t)~(1u << line);
    if (!m->auto_eoi)
        m->isr |= (uint8_t)(1u << line);
    if (sl >= 0) {
        s->irr &= (uint8_t)~(1u << sl);
        if (!s->auto_eoi)
            s->isr |= (uint8_t)(1u << sl);
    }
    return vec;
}

bool pic_unmasked(const struct pic *p, unsigned irq)
{
    if (irq >= 8)
        return !(p->chip[1].imr & (1u << (irq - 8))) && !(p->chip[0].imr & 4);
    return !(p->chip[0].imr & (1u << irq));
}
