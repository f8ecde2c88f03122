/* I/O APIC (82093AA data sheet; Intel SDM Vol. 3A, 10.11 for the message
   format): legacy and PCI INTx lines, routed to a vector on one CPU. */
#ifndef HV_X86_IOAPIC_H
#define HV_X86_IOAPIC_H
#include <stdint.h>
#include <stdbool.h>

#define VEC_IRQ_BASE 0x30     /* GSI n arrives at vector 0x30 + n */
#define IRQ_MAX_GSI 96u

struct acpi_info;
/* Maps every IOAPIC of the MADT and masks all lines. Returns the number
   of GSIs that can be routed (0 without an IOAPIC). */
unsigned ioapic_init(const struct acpi_info *ai);
/* Routes gsi to vector VEC_IRQ_BASE + gsi on the CPU with apic_id, with
   the polarity and trigger mode from the MADT's overrides; stays masked.
   Where a VT-d unit remaps the I/O APIC's interrupts, the line gets an
   IRTE and a remappable-format entry (compatibility-format interrupts
   may be blocked there). False if the line or the destination cannot be
   routed. */
bool ioapic_route(unsigned gsi, uint32_t apic_id);
/* True if gsi's entry is in remappable format; *irte gets its IRTE. */
bool ioapic_remapped(unsigned gsi, unsigned *irte);
void ioapic_mask(unsigned gsi, bool masked);
unsigned ioapic_gsis(void);
#endif
