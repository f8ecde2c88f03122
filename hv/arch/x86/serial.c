/* 16550 UART driver used for the kernel console. Register offsets from
   the PC16550D data sheet: THR/DLL 0, IER/DLM 1, FCR 2, LCR 3, MCR 4, LSR 5. */
#include "serial.h"
#include "cpu.h"

static uint16_t com_port = 0x3f8;
static bool com_on = true;

void serial_init(uint16_t port, uint32_t baud)
{
    uint16_t div = (uint16_t)(115200u / (baud ? baud : 115200u));
    com_port = port;
    com_on = true;
    outb(port + 1, 0x00);                /* no interrupts */
    outb(port + 3, 0x80);                /* DLAB */
    outb(port + 0, (uint8_t)div);
    outb(port + 1, (uint8_t)(div >> 8));
    outb(port + 3, 0x03);                /* 8N1 */
    outb(port + 2, 0x07);                /* FIFO on, cleared */
    outb(port + 4, 0x03);                /* DTR, RTS */
}

void serial_putc(char c)
{
    if (!com_on)
        return;
    /* Bounded wait: a missing UART reads 0xff and must not hang us. */
    for (unsigned i = 0; i < 100000 && !(inb(com_port + 5) & 0x20); i++)
        cpu_relax();
    outb(com_port, (uint8_t)c);
}

void serial_drain(void)
{
    for (unsigned i = 0; com_on && i < 1000000 && !(inb(com_port + 5) & 0x40); i++)
        cpu_relax();
}

void serial_disable(void)
{
    com_on = false;
}
