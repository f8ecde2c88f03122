/*
 * The UART protocol: how a VMM reaches the 16550 models of the UART
 * server (vmm/uart/) over IPC. The VMM holds a call capability to the
 * UART server's portal (a configured capability whose target names the
 * UART server). Every message is four register words; w0 is the
 * operation, and the reply's w0 a status (enum bh_status).
 *
 *   UART_OP_READ   w1 = register 0..7 (the offset from the UART's base
 *                  port), w3 = unit: reply w1 = its value (0..255). A read
 *                  has side effects as on the chip (none today: there is
 *                  no input).
 *   UART_OP_WRITE  w1 = register 0..7, w2 = value (0..255), w3 = unit.
 *   UART_OP_NAME   w1..w3 = the guest's name, up to 24 bytes, NUL-padded:
 *                  the prefix of the console lines from now on.
 *
 * Units: the server models UART_UNITS independent 16550s for its one
 * guest. Unit 0 is the guest's COM1 (ports 0x3f8-0x3ff); unit 1 is the
 * memory-mapped 16550 the VMM puts at guest-physical 0xfe000000
 * (register stride 1). Register numbers above 7, values above 255 and
 * units from UART_UNITS on are BH_EINVAL; an unknown operation is
 * BH_EINVAL. The UART server prints each unit's output a line at a time:
 * "NAME: text" for unit 0, "NAME/mmio: text" for unit 1 (the kernel adds
 * the UART server's own "[pd] " prefix).
 */
#ifndef VMM_UART_PROTO_H
#define VMM_UART_PROTO_H

enum uart_op {
    UART_OP_READ = 1,
    UART_OP_WRITE = 2,
    UART_OP_NAME = 3,
};

enum uart_unit {
    UART_UNIT_COM1 = 0,
    UART_UNIT_MMIO = 1,
    UART_UNITS
};

#define UART_REGS 8u
#define UART_NAME_MAX 24u

#endif
