/* VT-d DMA remapping (Intel VT-d Specification): the remapping units the
   ACPI DMAR lists, their root and context tables, invalidation, fault
   reporting; and per-PD DMA spaces (second-level page tables) that
   devices are attached to. Without a DMAR, or with units hv cannot use,
   everything here reports that DMA is not confined and refuses with
   BH_ENOTSUP. Interrupt remapping: each unit with ECAP.IR and queued
   invalidation gets an empty interrupt-remapping table, so every MSI a
   device behind it raises is blocked until hv gives it an IRTE. */
#ifndef HV_X86_VTD_H
#define HV_X86_VTD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

struct acpi_info;
struct hv_opts;
struct pd;

/* The fault-event interrupt of every unit (an MSI to the boot CPU). */
#define VEC_VTD_FAULT 0xd0
/* Host vectors for remapped MSIs (dev.c hands them out). */
#define VEC_MSI_BASE 0x90
#define VEC_MSI_COUNT 64u
/* Domain ids hv hands out: 1 .. VTD_DOMS (0 is reserved when CM = 1). */
#define VTD_DOMS 255u

/* Maps, reports and enables every DMAR unit: an empty root table (every
   device blocked), queued invalidation where the unit has it, fault
   events to the boot CPU, translation on. Boot CPU, once, after the
   local APIC and the timer are set up. With test=vtd-regs in o, units
   use register-based invalidation even where they could queue it. */
void vtd_init(const struct acpi_info *ai, const struct hv_opts *o);
/* True if at least one unit translates DMA. */
bool vtd_active(void);
/* True if unit u (a DRHD index of the DMAR) translates DMA. */
bool vtd_unit_active(unsigned u);
/* The paging levels of every DMA space (3 or 4), and the first IOVA past
   them (0 when VT-d is off). */
unsigned vtd_levels(void);
uint64_t vtd_limit(void);

/* Points (bus, devfn) of unit u at the second-level table slpt, tagged
   did, with the invalidations the unit's caching mode needs. BH_ENOMEM
   without a page for the bus's context table; BH_EBUSY if the entry is
   already present. */
enum bh_status vtd_context_set(unsigned u, uint8_t bus, uint8_t devfn, uint64_t slpt, uint16_t did);
/* Makes the entry not present again (the device is blocked) and
   invalidates the context cache and did's IOTLB entries. */
void vtd_context_clear(unsigned u, uint8_t bus, uint8_t devfn, uint16_t did);
/* IOTLB invalidation of one page of did on unit u, after its entry was
   cleared (always needed). */
void vtd_iotlb_page(unsigned u, uint16_t did, uint64_t iova);
/* After a not-present entry of did became present: an invalidation if
   the unit caches not-present entries (CM = 1), else a write-buffer
   flush where the unit needs one. */
void vtd_after_map(unsigned u, uint16_t did, uint64_t iova);
/* True if unit u remaps interrupts (IRE on). */
bool vtd_ir_active(unsigned u);
/* Takes a free IRTE of unit u and points it at vector on the CPU with
   apic_id, accepting only requester id sid; the interrupt entry cache
   entry is invalidated. *index gets its handle. BH_ENOTSUP if the unit
   does not remap interrupts; BH_ERANGE for an APIC id the unit cannot
   name (above 255 without EIM); BH_ENOMEM when the table is full. */
enum bh_status vtd_ir_alloc(unsigned u, uint16_t sid, uint32_t apic_id, uint8_t vector, uint16_t *index);
/* vtd_ir_alloc for an I/O APIC line: level marks the IRTE level-triggered
   (VT-d 9.10, TM) for a level-triggered line. */
enum bh_status vtd_ir_alloc_line(unsigned u, uint16_t sid, uint32_t apic_id, uint8_t vector,
                                 bool level, uint16_t *index);
/* Makes IRTE index of unit u not present and invalidates its interrupt
   entry cache entry: the device's messages through it are blocked and
   fault. */
void vtd_ir_free(unsigned u, uint16_t index);
/* Writes table memory back for units whose walks do not snoop caches. */
void vtd_flush(const void *p, size_t len);
/* Reads, reports and clears every pending fault record of every unit
   and hands each to the device's owner (dev_fault). Under the kernel
   lock; the fault-event interrupt calls it too. */
void vtd_fault_poll(void);

/* DMA spaces: a PD's second-level page table, made on demand and
   charged to it, with a domain id. */
/* Maps pa at iova in pd's DMA space with BH_M_R / BH_M_W. BH_ENOTSUP
   without VT-d; BH_ENOMEM when pd's quota or the domain ids run out;
   BH_EEXIST if iova is mapped. */
enum bh_status vtd_dom_map(struct pd *pd, uint64_t iova, uint64_t pa, unsigned rights);
/* Removes iova from pd's DMA space and invalidates the IOTLB of every
   unit a device of pd's space is attached through. */
void vtd_dom_unmap(struct pd *pd, uint64_t iova);
/* Attaches device (bus, devfn) behind unit u to pd's DMA space. */
enum bh_status vtd_dom_attach(struct pd *pd, unsigned u, uint8_t bus, uint8_t devfn);
/* Detaches it again: the device is blocked. */
void vtd_dom_detach(struct pd *pd, unsigned u, uint8_t bus, uint8_t devfn);
/* Sets how many domain ids the units can all take (vtd_init). */
void vtd_dom_limit(unsigned n);
/* Frees pd's DMA space (after its devices were detached and its
   mappings revoked) and its domain id, in bounded steps (one budget unit
   per table); true when it is gone. */
bool vtd_dom_destroy_step(struct pd *pd, unsigned *budget);
#endif
