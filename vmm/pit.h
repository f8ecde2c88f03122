/*
 * The 8254 programmable interval timer (ports 0x40-0x43; Intel 8254 data
 * sheet): three counters at 1.193182 MHz, the mode/command register with
 * lo, hi and lo/hi access, counter latch, and binary counting in modes 0
 * (interrupt on terminal count), 2 (rate generator) and 3 (square wave).
 * Counter 0 drives IRQ 0. Time is the host TSC, converted with tsc_hz.
 * Not modelled: gates (counter 2 and port 0x61), read-back, BCD
 * counting, modes 1, 4, 5 (counted as mode 0). Pure; unit-tested.
 */
#ifndef VMM_PIT_H
#define VMM_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

struct pit_counter {
    uint32_t reload;         /* 1..65536 once loaded */
    uint8_t mode, access;    /* access: 1 lo, 2 hi, 3 lo then hi */
    bool loaded, write_hi, read_hi, latched;
    uint8_t write_lo;
    uint16_t latch;
    uint64_t start;          /* TSC when counting began */
};

struct pit {
    uint64_t tsc_hz;
    struct pit_counter c[3];
    uint64_t next_edge;      /* TSC of counter 0's next IRQ 0 edge; 0: none */
};

void pit_reset(struct pit *p, uint64_t tsc_hz);

/* A register access at port 0x40 + reg (reg 0..3) at time now. */
uint8_t pit_read(struct pit *p, unsigned reg, uint64_t now);
void pit_write(struct pit *p, unsigned reg, uint8_t v, uint64_t now);

/* Whether counter 0 made an IRQ 0 edge up to now (edges since the last
   call count as one: the line is edge-triggered); moves next_edge on. */
bool pit_irq_due(struct pit *p, uint64_t now);

#endif
