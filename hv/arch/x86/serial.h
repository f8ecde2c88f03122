/* 16550 UART console (COM1 by default). */
#ifndef HV_X86_SERIAL_H
#define HV_X86_SERIAL_H
#include <stdint.h>
#include <stdbool.h>
/* Programs the UART at port for baud, 8N1, FIFOs on. baud must divide 115200. */
void serial_init(uint16_t port, uint32_t baud);
/* Writes one byte, waiting for the transmit holding register. */
void serial_putc(char c);
/* Waits until the transmitter is empty, so nothing is lost at power-off. */
void serial_drain(void);
/* Disables output (serial=off). */
void serial_disable(void);
#endif
