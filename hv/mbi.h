/*
 * Multiboot information parsing (Multiboot 0.6.96 "v1" and Multiboot2 1.6
 * "v2"). The 32-bit entry stub hands over the loader's magic and the
 * physical address of its information structure; mbi_parse() copies what
 * the kernel needs into a fixed-size struct boot_info so the loader's
 * memory can be reused. All loader memory is read through a caller-supplied
 * accessor and treated as hostile: bad parts are skipped with a note.
 *
 * Pure logic: no allocation, no global state; builds freestanding in hv/
 * and hosted for tests/unit/test_mbi.c.
 */
#ifndef HV_MBI_H
#define HV_MBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bulkhead/abi.h>

#include "cmdline.h"

/* Value in EAX at kernel entry (v1 spec 3.2, v2 spec 3.3 "Machine state"). */
#define MB1_BOOTLOADER_MAGIC 0x2badb002u
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define BOOT_LOADER_NAME_MAX 64u   /* incl. NUL */
#define BOOT_CMDLINE_MAX 1024u     /* incl. NUL */
#define BOOT_MMAP_MAX 128u
#define BOOT_MODS_MAX 32u
#define BOOT_MOD_STRING_MAX 256u   /* incl. NUL */
#define BOOT_RSDP_MAX 36u          /* ACPI 2.0+ RSDP; ACPI 1.0 uses 20 */
#define BOOT_NOTES_MAX 16u
#define MB2_INFO_MAX 0x10000u      /* v2 total_size cap: 64 KiB */

/*
 * Read access to physical memory. map() returns a pointer through which
 * len bytes at phys can be read, or NULL if any of them is not accessible.
 * The parser copies out what it needs and keeps no pointer after return.
 */
struct mbi_mem {
    void *ctx;
    const void *(*map)(void *ctx, uint64_t phys, uint64_t len);
};

/* Memory map types shared by v1 and v2 (v1 spec 3.3, v2 "Memory map"). */
enum boot_mem_type {
    BOOT_MEM_AVAILABLE = 1,
    BOOT_MEM_RESERVED = 2,
    BOOT_MEM_ACPI_RECLAIMABLE = 3,
    BOOT_MEM_NVS = 4,
    BOOT_MEM_BAD = 5,
};

/* One memory range as the loader reported it (not sorted or merged). */
struct boot_mmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;      /* enum boot_mem_type, or the loader's raw value */
};

/* One boot module: [start, end) in physical memory plus its string. */
struct boot_module {
    uint64_t start;
    uint64_t end;                      /* exclusive; end >= start */
    char string[BOOT_MOD_STRING_MAX];  /* raw string as the loader gave it */
    bool string_truncated;
    struct cmdline_module cmd;         /* name and args from cmdline_module */
};

/* Bits of boot_info.has: what the loader supplied and we could read. */
enum boot_has {
    BOOT_HAS_LOADER_NAME = 1u << 0,
    BOOT_HAS_CMDLINE = 1u << 1,
    BOOT_HAS_MEM_BASIC = 1u << 2,  /* mem_lower/mem_upper valid */
    BOOT_HAS_MMAP = 1u << 3,       /* mmap[] came from a real memory map */
    BOOT_HAS_MODULES = 1u << 4,    /* loader reported a module list */
    BOOT_HAS_RSDP = 1u << 5,
};

/* Bits of boot_info.truncated: what did not fit and was cut. */
enum boot_trunc {
    BOOT_TRUNC_LOADER_NAME = 1u << 0,
    BOOT_TRUNC_CMDLINE = 1u << 1,
    BOOT_TRUNC_MMAP = 1u << 2,     /* more than BOOT_MMAP_MAX entries */
    BOOT_TRUNC_MODULES = 1u << 3,  /* more than BOOT_MODS_MAX modules */
    BOOT_TRUNC_INFO = 1u << 4,     /* v2 total_size above MB2_INFO_MAX */
    BOOT_TRUNC_RSDP = 1u << 5,     /* RSDP tag longer than BOOT_RSDP_MAX */
};

/* Everything the kernel keeps from the loader; fixed size, no pointers
 * into loader memory. */
struct boot_info {
    uint32_t protocol;                     /* 1 or 2 */
    uint32_t has;                          /* enum boot_has bits */
    uint32_t truncated;                    /* enum boot_trunc bits */
    enum boot_loader loader;               /* from loader_name */
    char loader_name[BOOT_LOADER_NAME_MAX];
    char cmdline[BOOT_CMDLINE_MAX];        /* raw; see cmdline_args() */
    uint32_t mem_lower_kib;                /* BOOT_HAS_MEM_BASIC */
    uint32_t mem_upper_kib;
    uint32_t mmap_count;
    uint32_t mmap_entry_version;           /* v2 tag 6; 0 for v1 */
    struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
    uint32_t module_count;
    struct boot_module modules[BOOT_MODS_MAX];
    uint32_t rsdp_tag;                     /* 0 none, 14 old, 15 new */
    uint32_t rsdp_len;                     /* bytes valid in rsdp[] */
    uint8_t rsdp[BOOT_RSDP_MAX];
    uint64_t info_start;                   /* [start, end) of the info */
    uint64_t info_end;                     /* structure itself */
    uint32_t note_count;                   /* skipped/suspicious parts */
    uint32_t notes_dropped;
    const char *notes[BOOT_NOTES_MAX];     /* static strings */
};

/*
 * Parses the Multiboot information at info_phys, read through m, into
 * *out (fully overwritten). magic selects the format.
 *
 * Returns BH_OK if the structure was parsed; parts that were unreadable,
 * malformed or too large are skipped or cut, listed in out->notes and the
 * has/truncated bits, and the rest is still used. Errors:
 *   BH_EINVAL  unknown magic, or m/m->map/out NULL;
 *   BH_EFAULT  the fixed part (v1) or the whole structure (v2) unreadable;
 *   BH_EFORMAT v2 total_size below 8.
 * *why (if why is not NULL) gets the reason for an error, else the first
 * note, else NULL. The memory map falls back to mem_lower/mem_upper when
 * the loader gave no usable map. Each module's cmd is filled by
 * cmdline_module(), and out->loader by cmdline_loader().
 */
enum bh_status mbi_parse(uint32_t magic, uint64_t info_phys,
                         const struct mbi_mem *m, struct boot_info *out,
                         const char **why);

#endif
