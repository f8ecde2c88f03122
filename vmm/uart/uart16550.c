/* The 16550A register model; see uart16550.h. */
#include "uart16550.h"
#include <string.h>

#define LCR_DLAB 0x80u
#define MCR_LOOP 0x10u
#define LSR_THRE 0x20u
#define LSR_TEMT 0x40u
#define IER_THRI 0x02u

void uart_reset(struct uart16550 *u)
{
    memset(u, 0, sizeof *u);
    u->dll = 12;                       /* 9600 baud, as after a BIOS */
}

uint8_t uart_read(struct uart16550 *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (reg & 7) {
    case 0: return dlab ? u->dll : 0;  /* no input */
    case 1: return dlab ? u->dlm : u->ier;
    case 2: {
        uint8_t fifo = (u->fcr & 1) ? 0xc0 : 0;
        if (u->thre_pending && (u->ier & IER_THRI)) {
            u->thre_pending = false;
            return fifo | 0x02;
        }
        return fifo | 0x01;            /* no interrupt pending */
    }
    case 3: return u->lcr;
    case 4: return u->mcr;
    case 5: return LSR_THRE | LSR_TEMT;
    case 6:
        if (u->mcr & MCR_LOOP)
            return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
                             ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
        return 0xb0;                   /* DCD, DSR, CTS */
    default: return u->scr;
    }
}

int uart_write(struct uart16550 *u, unsigned reg, uint8_t v)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (reg & 7) {
    case 0:
        if (dlab) {
            u->dll = v;
            return -1;
        }
        u->thre_pending = true;
        return (u->mcr & MCR_LOOP) ? -1 : v;
    case 1:
        if (dlab)
            u->dlm = v;
        else {
            if (!(u->ier & IER_THRI) && (v & IER_THRI))
                u->thre_pending = true;   /* enabling it with THR empty raises it */
            u->ier = v & 0x0f;
        }
        return -1;
    case 2: u->fcr = v & 0xc9; return -1;   /* the FIFO resets self-clear */
    case 3: u->lcr = v; return -1;
    case 4: u->mcr = v & 0x1f; return -1;
    case 7: u->scr = v; return -1;
    default: return -1;                /* LSR, MSR: read-only */
    }
}
