/*
 * A 16550A register model (National Semiconductor PC16550D data sheet):
 * RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR and the divisor latch
 * (DLAB). Transmission is immediate: THR and the shift register are
 * always empty (LSR THRE and TEMT set), so a polling guest never waits.
 * There is no input (LSR DR clear, RBR reads 0) and no interrupt line:
 * IIR reports a THR-empty interrupt while IER asks for one, until IIR is
 * read or THR written, but nothing is raised. In loopback mode (MCR bit
 * 4) MSR reflects MCR and nothing is transmitted. Pure; unit-tested
 * (vmm/test/test_uart.c).
 */
#ifndef VMM_UART16550_H
#define VMM_UART16550_H

#include <stdbool.h>
#include <stdint.h>

struct uart16550 {
    uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
    bool thre_pending;           /* IIR's THR-empty source */
};

void uart_reset(struct uart16550 *u);

/* Reads register reg (0..7). */
uint8_t uart_read(struct uart16550 *u, unsigned reg);

/* Writes register reg (0..7); returns the byte transmitted (0..255), or
   -1 if the write sends nothing. */
int uart_write(struct uart16550 *u, unsigned reg, uint8_t v);

#endif
