/* The legacy 8259A pair. A BIOS leaves it mapped to vectors 0x08-0x0f,
 * which in protected mode are exceptions, with the timer unmasked; remap
 * it to 0x20-0x2f and mask every line before interrupts are ever on. */
#include "tests.h"
#include "x86.h"

#define PIC1_CMD    0x20u
#define PIC1_DATA   0x21u
#define PIC2_CMD    0xa0u
#define PIC2_DATA   0xa1u
#define PIC_EOI     0x20u

static uint8_t mask1 = 0xff, mask2 = 0xff;

void pic_init(void)
{
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
    outb(PIC1_CMD, 0x11);                       /* ICW1: edge, cascade, ICW4 */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, PIC_VECTOR_BASE);           /* ICW2: vector base */
    outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
    outb(PIC1_DATA, 0x04);                      /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);                      /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, mask1);
    outb(PIC2_DATA, mask2);
}

void pic_unmask(unsigned irq)
{
    if (irq < 8) {
        mask1 &= (uint8_t)~(1u << irq);
        outb(PIC1_DATA, mask1);
    } else {
        mask2 &= (uint8_t)~(1u << (irq - 8));
        mask1 &= (uint8_t)~(1u << 2);
        outb(PIC2_DATA, mask2);
        outb(PIC1_DATA, mask1);
    }
}

void pic_mask(unsigned irq)
{
    if (irq < 8) {
        mask1 |= (uint8_t)(1u << irq);
        outb(PIC1_DATA, mask1);
    } else {
        mask2 |= (uint8_t)(1u << (irq - 8));
        outb(PIC2_DATA, mask2);
    }
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}
