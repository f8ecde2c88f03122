/*
 * The PCI configuration space a VMM presents for a passed-through device
 * (vmm/README.md, "Passthrough"): configuration mechanism #1 (ports
 * 0xcf8-0xcff; PCI Local Bus 3.0, 3.2.2.3.2) on bus 0, a host bridge at
 * 00:00.0 and the device at 00:01.0 with its own IDs and class, its
 * memory BARs (sizing, addresses the guest chooses, memory decoding by
 * the command register) and an MSI-X capability (PCI 3.0, 6.8.2) whose
 * table the VMM emulates: the guest's message address and data never
 * reach the device; each host message is injected as the vector the
 * guest programmed. Everything else reads as zero and ignores writes;
 * other functions read as all ones.
 *
 * Pure: no system calls; the VMM applies what changes (passthru.c).
 * Unit-tested on the host (vmm/test/test_vpci.c).
 */
#ifndef VMM_VPCI_H
#define VMM_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#define VPCI_DEVFN_HB 0u              /* 00:00.0: the host bridge */
#define VPCI_DEVFN_DEV (1u << 3)      /* 00:01.0: the device */
#define VPCI_CAP_MSIX 0x40u           /* where the MSI-X capability sits */
#define VPCI_MSIX_MAX 8u              /* entries presented: hv binds at most 8 per device */
#define VPCI_BARS 6u
#define VPCI_CMD_MEM (1u << 1)
#define VPCI_CMD_MASTER (1u << 2)
#define VPCI_MSIX_ENABLE (1u << 15)
#define VPCI_MSIX_FMASK (1u << 14)
#define VPCI_MSIX_ENT 16u             /* bytes per table entry */
#define VPCI_ENT_MASKED 1u            /* vector control bit 0 */

/* A memory BAR as the guest sees it. size 0: none (absent, an I/O BAR,
   or the upper half of a 64-bit one: then upper is set). */
struct vpci_bar {
    uint64_t size;                    /* a power of two, at least 4 KiB */
    uint64_t gpa;                     /* its address: what the guest wrote, masked */
    bool is64, pref, upper;
};

struct vpci_msix_ent {
    uint32_t addr_lo, addr_hi, data, ctrl;
};

struct vpci {
    /* The device, as the VMM read it from the real function. */
    uint32_t id;                      /* vendor | device << 16 */
    uint32_t class_rev;               /* class << 8 | revision */
    uint32_t subsys;                  /* subsystem vendor | subsystem << 16 */
    struct vpci_bar bar[VPCI_BARS];
    bool has_msix;
    uint16_t msix_n;                  /* entries presented (1..VPCI_MSIX_MAX) */
    uint32_t msix_table, msix_pba;    /* BIR in bits 2:0, offset above */
    /* What the guest set. */
    uint32_t cf8;
    uint16_t command;
    uint16_t msix_ctl;                /* enable and function mask only */
    struct vpci_msix_ent ent[VPCI_MSIX_MAX];
    uint32_t pending;                 /* PBA: a message came while masked */
};

/* Guest-visible state to its reset values: decoding off, MSI-X off, every
   entry masked, nothing pending; BAR addresses are kept. */
void vpci_reset(struct vpci *v);

/* Gives every BAR a naturally aligned address from base upwards (in BAR
   order) and returns the first address after them, or 0 if they do not
   fit below limit. */
uint64_t vpci_place_bars(struct vpci *v, uint64_t base, uint64_t limit);

/* Port access at 0xcf8 + off (off 0..7; width 1, 2 or 4, within the
   port range). Reads return the value in the low width bytes; a write
   returns true when a BAR's decoded address or the memory decoding
   changed, so the VMM must move the device's memory in the guest. */
uint32_t vpci_port_read(struct vpci *v, unsigned off, unsigned width);
bool vpci_port_write(struct vpci *v, unsigned off, unsigned width, uint32_t val);

/* Configuration register access (bus 0 only; reg 0..255, width-aligned). */
uint32_t vpci_cfg_read(const struct vpci *v, unsigned bus, unsigned devfn, unsigned reg,
                       unsigned width);
bool vpci_cfg_write(struct vpci *v, unsigned bus, unsigned devfn, unsigned reg, unsigned width,
                    uint32_t val);

/* Whether BAR i is decoded now (memory decoding on, a BAR there); its
   guest-physical address and size if so. */
bool vpci_bar_live(const struct vpci *v, unsigned i, uint64_t *gpa, uint64_t *size);

/* The MSI-X table and PBA, at offsets in the table (or PBA) region;
   width 4 or 8, aligned. A table write returns the entries whose
   deliverable state may have changed (bit i for entry i). */
uint64_t vpci_msix_read(const struct vpci *v, uint64_t off, unsigned width);
uint32_t vpci_msix_write(struct vpci *v, uint64_t off, unsigned width, uint64_t val);
uint64_t vpci_pba_read(const struct vpci *v, uint64_t off, unsigned width);

/* The vector entry i delivers now, or -1: MSI-X enabled, function and
   entry unmasked, an address in the local APIC's range (0xfeexxxxx,
   upper half 0), fixed or lowest-priority delivery, vector 16..255. */
int vpci_msix_vector(const struct vpci *v, unsigned i);

/* A host message for entry i arrived: the vector to inject, or -1 (then
   it is pending in the PBA if the entry exists, as a masked entry's
   message would be on the device, PCI 6.8.2.9). */
int vpci_msix_fire(struct vpci *v, unsigned i);

/* Entries pending that can deliver now (after an unmask or an enable):
   their pending bits are cleared and their mask returned; the caller
   injects vpci_msix_vector() of each. */
uint32_t vpci_msix_unpend(struct vpci *v);

#endif
