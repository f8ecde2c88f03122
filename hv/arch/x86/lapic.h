/* Local APIC in x2APIC mode where present, xAPIC otherwise
   (Intel SDM Vol. 3A, chapters 10/11: APIC and x2APIC). */
#ifndef HV_X86_LAPIC_H
#define HV_X86_LAPIC_H
#include <stdint.h>
#include <stdbool.h>

#define LAPIC_ID 0x20
#define LAPIC_VER 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ESR 0x280
#define LAPIC_ICR 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

/* Chooses the mode once (boot CPU): x2APIC if the CPU has it and
   force_xapic is false. Maps the xAPIC page when needed. */
void lapic_setup(bool force_xapic, uint64_t madt_base);
/* Enables this CPU's APIC in the chosen mode (every CPU). Never clears
   the global enable bit (see platform.md: Bochs cannot re-enable it). */
void lapic_init_cpu(void);
bool lapic_is_x2apic(void);
uint32_t lapic_id(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
void lapic_eoi(void);
/* Sends an IPI; mode is the ICR delivery mode (0 fixed, 4 NMI, 5 INIT,
   6 SIPI) and shorthand 0 (dest), 2 (self), 3 (all but self). */
void lapic_ipi(uint32_t dest, uint32_t mode, uint32_t vector, uint32_t shorthand);
#endif
