/* Boot-time glue: from the loader's information to the kernel's memory
   map, ACPI view and boot modules. */
#ifndef HV_BOOT_H
#define HV_BOOT_H
#include <stdint.h>
#include <stdbool.h>
#include "mbi.h"
#include "acpi.h"
#include "memmap.h"

/* Accessor for the parsers: physical memory through the physmap, only
   below the given limit. */
const void *boot_phys_map(void *ctx, uint64_t phys, uint64_t len);

/* Builds the usable-RAM map: available entries minus everything else the
   loader reported, the first MiB, the kernel image, the modules and the
   ACPI tables. */
void boot_build_memmap(const struct boot_info *bi, const struct acpi_info *ai,
                       struct memmap *m);

/* Finds and parses ACPI: the Multiboot2 RSDP copy first, then the EBDA
   and BIOS area scan. Returns BH_ENOENT when there is no RSDP. */
enum bh_status boot_acpi(const struct boot_info *bi, struct acpi_info *ai, const char **why);

/* Prints "# module i: ..." for every module, with its SHA-256. */
void boot_report_modules(const struct boot_info *bi);
#endif
