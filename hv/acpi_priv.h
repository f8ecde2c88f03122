/*
 * Private to the ACPI parser (acpi.c, acpi_madt.c, acpi_dmar.c,
 * acpi_aml.c): on-memory layouts and shared helpers.
 *
 * Raw tables are never accessed through these structs in place: a
 * bounds-checked memcpy into a local copy comes first, so alignment and
 * aliasing do not matter.
 */
#ifndef HV_ACPI_PRIV_H
#define HV_ACPI_PRIV_H

#include "acpi.h"

#define ACPI_PACKED __attribute__((packed))

/* ACPI 6.5 5.2.5.3 Root System Description Pointer. */
struct acpi_rsdp_raw {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision;  /* 0 = ACPI 1.0 (20 bytes), 2 = ACPI 2.0+ */
    uint32_t rsdt;
    uint32_t length;   /* revision >= 2 from here on */
    uint64_t xsdt;
    uint8_t ext_checksum; /* over length bytes */
    uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_rsdp_raw) == 36, "RSDP is 36 bytes");
#define ACPI_RSDP_V1_LEN 20u

/* ACPI 6.5 5.2.6 System Description Table Header. */
struct acpi_sdt_header {
    char signature[4];
    uint32_t length; /* whole table, header included */
    uint8_t revision;
    uint8_t checksum; /* all length bytes sum to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");
#define ACPI_HDR_LEN 36u

/* ACPI 6.5 5.2.3.2 Generic Address Structure. */
struct acpi_gas_raw {
    uint8_t space;
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_gas_raw) == 12, "GAS is 12 bytes");

/* ACPI 6.5 5.2.9 Fixed ACPI Description Table (Table 5.9). */
struct acpi_fadt_raw {
    struct acpi_sdt_header hdr;
    uint32_t firmware_ctrl; /* 36 */
    uint32_t dsdt;          /* 40 */
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;       /* 46 */
    uint32_t smi_cmd;       /* 48 */
    uint8_t acpi_enable;    /* 52 */
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;  /* 56 */
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;  /* 64 */
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;    /* 76 */
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;    /* 88 */
    uint8_t pm1_cnt_len;
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;    /* 96 */
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;    /* 104 */
    uint8_t duty_width;
    uint8_t day_alrm;
    uint8_t mon_alrm;
    uint8_t century;
    uint16_t iapc_boot_arch; /* 109 */
    uint8_t reserved1;
    uint32_t flags;         /* 112 */
    struct acpi_gas_raw reset_reg; /* 116 */
    uint8_t reset_value;    /* 128 */
    uint16_t arm_boot_arch;
    uint8_t minor_version;
    uint64_t x_firmware_ctrl; /* 132 */
    uint64_t x_dsdt;        /* 140 */
    struct acpi_gas_raw x_pm1a_evt_blk; /* 148 */
    struct acpi_gas_raw x_pm1b_evt_blk;
    struct acpi_gas_raw x_pm1a_cnt_blk;
    struct acpi_gas_raw x_pm1b_cnt_blk;
    struct acpi_gas_raw x_pm2_cnt_blk;
    struct acpi_gas_raw x_pm_tmr_blk;   /* 208 */
    struct acpi_gas_raw x_gpe0_blk;
    struct acpi_gas_raw x_gpe1_blk;
    struct acpi_gas_raw sleep_control_reg; /* 244 */
    struct acpi_gas_raw sleep_status_reg;
    uint64_t hypervisor_vendor_id; /* 268 */
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_fadt_raw) == 276, "FADT (6.5) is 276 bytes");

/* ACPI 6.5 5.2.10 Firmware ACPI Control Structure (no checksum). */
#define ACPI_FACS_MIN_LEN 64u

/* Helpers shared by the parser files (acpi.c). */

/* Maps [phys, phys+len); NULL with *st set if it wraps or is unmapped. */
const uint8_t *acpi_map(const struct acpi_mem *m, uint64_t phys, uint64_t len,
                        enum bh_status *st);

/* Records a problem: counts it, and keeps the first one's text in o->why
   as "<what>: <text><value in hex><tail>" (value omitted if tail is NULL). */
void acpi_note(struct acpi_info *o, const char *what, const char *text,
               uint64_t value, const char *tail);

/* Table parsers: p points at len >= 36 checksummed bytes. */
void acpi_parse_madt(struct acpi_info *o, const uint8_t *p, uint32_t len);
void acpi_parse_dmar(struct acpi_info *o, const uint8_t *p, uint32_t len);
void acpi_parse_mcfg(struct acpi_info *o, const uint8_t *p, uint32_t len);

static inline uint16_t acpi_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t acpi_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t acpi_rd64(const uint8_t *p)
{
    return (uint64_t)acpi_rd32(p) | (uint64_t)acpi_rd32(p + 4) << 32;
}

#endif
