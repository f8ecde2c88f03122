/*
 * ACPI table parser: pure logic, no kernel dependencies.
 *
 * hv/ reads the firmware's ACPI tables once at boot to learn the CPUs,
 * IOAPICs, interrupt overrides, power-management ports, PCI ECAM windows
 * and VT-d remapping units. The tables are untrusted input: every length
 * is bounds-checked before it is read, every checksum is verified, every
 * count is capped, and a malformed table is skipped (with a reason) rather
 * than failing the whole parse.
 *
 * Physical memory is reached only through struct acpi_mem, so the same
 * code runs in the kernel (direct map) and in host unit tests (fixtures).
 *
 * Layout references are to the ACPI Specification 6.5 (sections 5.2.x)
 * and the Intel VT-d Specification rev 4.x (section 8) for the DMAR.
 */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bulkhead/abi.h>

/*
 * Physical-memory access supplied by the caller. map() returns a pointer
 * to len readable bytes at phys, or NULL if that range is not accessible.
 * Mappings must stay valid until acpi_parse() returns; the parser never
 * writes through them and never calls map() with a range that wraps.
 */
struct acpi_mem {
    void *ctx;
    const void *(*map)(void *ctx, uint64_t phys, uint64_t len);
};

/* Caps on everything the parser records. Overflow sets a flag, never fails. */
#define ACPI_MAX_TABLES 64        /* distinct valid tables (incl. DSDT/FACS) */
#define ACPI_MAX_ROOT_ENTRIES 256 /* RSDT/XSDT entries examined */
#define ACPI_MAX_TABLE_LEN (16u << 20)
#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_ISOS 24
#define ACPI_MAX_NMIS 16
#define ACPI_MAX_MCFG 8
#define ACPI_MAX_DRHD 8
#define ACPI_MAX_RMRR 8
#define ACPI_MAX_SCOPES 16    /* device scopes per DRHD or RMRR */
#define ACPI_MAX_PATH 8       /* (device, function) pairs per scope */
#define ACPI_WHY_LEN 96

/* ACPI 6.5 5.2.3.2 Generic Address Structure, unpacked. */
struct acpi_gas {
    uint8_t space;       /* 0 = system memory, 1 = system I/O, ... */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size; /* 0 undefined, 1 byte ... 4 qword */
    uint64_t address;    /* 0 = not present */
};
#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1

/* One valid table: for reserving its range and for lookups. */
struct acpi_table {
    char sig[4];
    uint64_t phys;
    uint32_t length;
};

/* Processor from a MADT Local APIC (type 0) or Local x2APIC (type 9) entry. */
struct acpi_cpu {
    uint32_t apic_id;
    uint32_t uid;
    bool enabled;        /* flags bit 0 */
    bool online_capable; /* flags bit 1: may be enabled later */
    bool x2apic;         /* came from a type 9 entry */
};

struct acpi_ioapic {
    uint8_t id;
    uint32_t address;
    uint32_t gsi_base;
};

/* Interrupt Source Override (MADT type 2). */
struct acpi_iso {
    uint8_t bus;    /* 0 = ISA */
    uint8_t source; /* bus-relative IRQ */
    uint32_t gsi;
    uint16_t flags; /* MPS INTI flags: polarity bits 1:0, trigger 3:2 */
};

#define ACPI_UID_ALL 0xffffffffu
/* Local APIC NMI (type 4, uid 0xff = all) or x2APIC NMI (type 0xA). */
struct acpi_lapic_nmi {
    uint32_t uid; /* ACPI_UID_ALL for every processor */
    uint16_t flags;
    uint8_t lint; /* LINT0 or LINT1 */
};

struct acpi_madt_info {
    bool present;
    bool malformed;     /* an entry was bad; the walk stopped or skipped it */
    bool pcat_compat;   /* flags bit 0: dual 8259s present */
    uint64_t lapic_addr; /* type 5 override applied */
    uint32_t ncpus, nioapics, nisos, nnmis;
    bool cpus_truncated, ioapics_truncated, isos_truncated, nmis_truncated;
    struct acpi_cpu cpus[ACPI_MAX_CPUS];
    struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
    struct acpi_iso isos[ACPI_MAX_ISOS];
    struct acpi_lapic_nmi nmis[ACPI_MAX_NMIS];
};

/* FADT flags (ACPI 6.5 5.2.9, Table 5.10). */
#define ACPI_FADT_TMR_VAL_EXT (1u << 8)
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)

struct acpi_fadt_info {
    bool present;
    uint8_t revision;
    uint32_t flags;
    bool hw_reduced;
    uint16_t sci_irq;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    /* X_ blocks when present and non-zero, else built from the 32-bit port. */
    struct acpi_gas pm1a_evt, pm1b_evt, pm1a_cnt, pm1b_cnt, pm_tmr;
    bool pm_tmr_32bit; /* TMR_VAL_EXT */
    bool reset_supported;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint64_t dsdt;
    uint64_t facs;
};

struct acpi_mcfg_seg {
    uint64_t base; /* ECAM base for bus 0 of the segment */
    uint16_t segment;
    uint8_t start_bus, end_bus;
};

/* VT-d 8.3.1 Device Scope. */
#define ACPI_SCOPE_ENDPOINT 1
#define ACPI_SCOPE_BRIDGE 2
#define ACPI_SCOPE_IOAPIC 3
#define ACPI_SCOPE_HPET 4
#define ACPI_SCOPE_NAMESPACE 5
struct acpi_dmar_scope {
    uint8_t type;
    uint8_t enum_id;  /* IOAPIC / HPET id, or ACPI device number */
    uint8_t start_bus;
    uint8_t path_len; /* number of (device, function) pairs */
    uint8_t path[ACPI_MAX_PATH][2];
};

struct acpi_drhd {
    uint64_t base;
    uint16_t segment;
    bool include_pci_all;
    uint32_t nscopes;
    bool scopes_truncated;
    struct acpi_dmar_scope scopes[ACPI_MAX_SCOPES];
};

struct acpi_rmrr {
    uint64_t base, limit; /* limit is the last byte, inclusive */
    uint16_t segment;
    uint32_t nscopes;
    bool scopes_truncated;
    struct acpi_dmar_scope scopes[ACPI_MAX_SCOPES];
};

#define ACPI_DMAR_INTR_REMAP (1u << 0)
#define ACPI_DMAR_X2APIC_OPT_OUT (1u << 1)
struct acpi_dmar_info {
    bool present;
    bool malformed; /* a structure or scope was bad; see why */
    uint8_t haw;    /* host address width in bits (field + 1) */
    uint8_t flags;
    bool intr_remap, x2apic_opt_out;
    uint32_t ndrhd, nrmrr;
    bool drhd_truncated, rmrr_truncated;
    struct acpi_drhd drhd[ACPI_MAX_DRHD];
    struct acpi_rmrr rmrr[ACPI_MAX_RMRR];
};

struct acpi_info {
    uint8_t rsdp_revision;
    char oem_id[7]; /* NUL-terminated */
    uint64_t rsdt, xsdt; /* addresses from the RSDP (0 = absent) */
    bool using_xsdt;
    uint32_t ntables;
    bool tables_truncated;
    struct acpi_table tables[ACPI_MAX_TABLES];
    uint32_t problems; /* tables or entries skipped; the first is in why */

    struct acpi_fadt_info fadt;
    struct acpi_madt_info madt;
    /* S5: BH_OK, BH_ENOENT (no DSDT or no _S5_), BH_EFORMAT (bad AML). */
    enum bh_status s5_status;
    uint8_t slp_typa, slp_typb;
    bool mcfg_present, mcfg_truncated;
    uint32_t nmcfg;
    struct acpi_mcfg_seg mcfg[ACPI_MAX_MCFG];
    struct acpi_dmar_info dmar;

    char why[ACPI_WHY_LEN]; /* first problem, "" if none */
};

/*
 * Scans area (len bytes at physical address area_phys, e.g. the EBDA's
 * first KiB or 0xE0000-0xFFFFF) on 16-byte physical boundaries for an RSDP
 * with a valid checksum (and valid extended checksum for revision >= 2).
 * Returns BH_OK and sets *rsdp_phys, or BH_ENOENT if none is found.
 */
enum bh_status acpi_find_rsdp(const void *area, size_t len, uint64_t area_phys,
                              uint64_t *rsdp_phys);

/*
 * Parses the tables reached from the RSDP at rsdp_phys into *out
 * (overwritten entirely). *why (if why is non-NULL) points at out->why,
 * which names the first problem, fatal or not.
 * Returns BH_OK if a root table (XSDT preferred, else RSDT) was usable,
 * even if some tables were skipped (out->problems counts them);
 * BH_EFORMAT if the RSDP or root table is malformed, BH_ECHECKSUM if a
 * checksum of either is wrong, BH_ERANGE if either is not mapped,
 * BH_EOVERFLOW if its address range wraps, BH_ENOENT if the RSDP has no
 * root table address.
 */
enum bh_status acpi_parse(const struct acpi_mem *m, uint64_t rsdp_phys,
                          struct acpi_info *out, const char **why);

/*
 * As acpi_parse(), but from a copy of the RSDP of len bytes (Multiboot2
 * tags 14 and 15 carry one). Returns the same codes; BH_EFORMAT also if
 * len is too short for the RSDP's revision.
 */
enum bh_status acpi_parse_rsdp_copy(const struct acpi_mem *m, const void *rsdp,
                                    size_t len, struct acpi_info *out,
                                    const char **why);

/*
 * Finds Name(_S5_, Package(){SLP_TYPa, SLP_TYPb, ...}) in the AML of a
 * DSDT body (aml, len bytes, header excluded or not). Returns BH_OK and the
 * two values, BH_ENOENT if no _S5_ object exists, BH_EFORMAT if it is not
 * a package of at least two integer constants that fits in len bytes, or
 * a value exceeds the 3-bit SLP_TYP field.
 */
enum bh_status acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa,
                                uint8_t *slp_typb);

/*
 * Returns the first valid table with signature sig (4 characters) in
 * info's table list, or NULL.
 */
const struct acpi_table *acpi_find_table(const struct acpi_info *info,
                                         const char *sig);

#endif
