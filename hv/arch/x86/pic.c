/* 8259A initialisation sequence (ICW1-ICW4, Intel 8259A data sheet).
   Without it the BIOS mapping (IRQ0 -> vector 8) collides with #DF. */
#include "pic.h"
#include "cpu.h"

void pic_disable(void)
{
    outb(0x21, 0xff);                  /* mask everything first */
    outb(0xa1, 0xff);
    outb(0x20, 0x11);                  /* ICW1: edge, cascade, ICW4 */
    outb(0xa0, 0x11);
    outb(0x21, VEC_PIC_BASE);          /* ICW2: vector bases */
    outb(0xa1, VEC_PIC_BASE + 8);
    outb(0x21, 0x04);                  /* ICW3: slave on IRQ2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01);                  /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}
