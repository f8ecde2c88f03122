/* Legacy 8259A PICs: remapped away from the exception vectors and masked,
   since hv uses the local APIC (and, later, the IOAPIC) only. */
#ifndef HV_X86_PIC_H
#define HV_X86_PIC_H
#define VEC_PIC_BASE 0xe0   /* 0xe0..0xef; only spurious IRQ 7/15 can arrive */
/* Remaps both PICs to VEC_PIC_BASE and masks every line. */
void pic_disable(void);
#endif
