/*
 * The legacy 8259A pair (Intel 8259A data sheet; master at ports
 * 0x20-0x21, slave at 0xa0-0xa1 cascaded on the master's IRQ 2): the
 * initialisation sequence (ICW1-ICW4), the mask (OCW1), non-specific and
 * specific EOI (OCW2), IRR/ISR reads (OCW3), fixed priority, edge
 * triggering, auto-EOI. Not modelled: rotation, special mask, poll, level
 * mode, buffered mode. Pure; unit-tested (vmm/test/test_devices.c).
 */
#ifndef VMM_PIC_H
#define VMM_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct pic8259 {
    uint8_t irr, isr, imr, vbase;
    uint8_t init_step;       /* 0: ready; 2, 3, 4: expecting ICW2, ICW3, ICW4 */
    bool need_icw4, single, auto_eoi, read_isr;
};

struct pic {
    struct pic8259 chip[2];  /* master, slave */
};

/* The state after power-on: both masked, vectors 0x08 and 0x70. */
void pic_reset(struct pic *p);

/* A register access: chip 0 or 1, reg 0 (command) or 1 (data). */
uint8_t pic_read(struct pic *p, unsigned chip, unsigned reg);
void pic_write(struct pic *p, unsigned chip, unsigned reg, uint8_t v);

/* An edge on line irq (0..15). */
void pic_raise(struct pic *p, unsigned irq);

/* The vector the pair would deliver now (an unmasked request that no
   in-service line of equal or higher priority blocks), or -1. */
int pic_pending(const struct pic *p);

/* Delivers it: as pic_pending, and moves the request into service. */
int pic_ack(struct pic *p);

/* Whether line irq is unmasked all the way to the CPU. */
bool pic_unmasked(const struct pic *p, unsigned irq);

#endif
