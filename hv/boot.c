/* Boot glue; see boot.h. */
#include "boot.h"
#include "paging.h"
#include "console.h"
#include "lib/sha256.h"
#include <string.h>

extern char __image_start[], __image_end_phys[];

const void *boot_phys_map(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    uint64_t limit = 4ull << 30;       /* the physmap always covers 4 GiB */
    if (phys >= limit || len > limit - phys)
        return NULL;
    return phys_to_virt(phys);
}

static void remove_outward(struct memmap *m, uint64_t base, uint64_t end)
{
    uint64_t b = base & ~(PAGE_SIZE - 1);
    uint64_t e = end > UINT64_MAX - (PAGE_SIZE - 1) ? UINT64_MAX : (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (e > b)
        memmap_remove(m, b, e - b);
}

void boot_build_memmap(const struct boot_info *bi, const struct acpi_info *ai, struct memmap *m)
{
    memmap_init(m);
    for (unsigned i = 0; i < bi->mmap_count; i++)
        if (bi->mmap[i].type == BOOT_MEM_AVAILABLE)
            memmap_add(m, bi->mmap[i].base, bi->mmap[i].length);
    if (!(bi->has & BOOT_HAS_MMAP) && (bi->has & BOOT_HAS_MEM_BASIC))
        memmap_add(m, 1ull << 20, (uint64_t)bi->mem_upper_kib << 10);
    for (unsigned i = 0; i < bi->mmap_count; i++)
        if (bi->mmap[i].type != BOOT_MEM_AVAILABLE)
            memmap_remove(m, bi->mmap[i].base, bi->mmap[i].length);
    memmap_page_align(m);
    remove_outward(m, 0, 1ull << 20);    /* BIOS data, EBDA, trampoline */
    remove_outward(m, (uint64_t)__image_start, (uint64_t)__image_end_phys);
    for (unsigned i = 0; i < bi->module_count; i++)
        remove_outward(m, bi->modules[i].start, bi->modules[i].end);
    for (unsigned i = 0; ai && i < ai->ntables; i++)
        remove_outward(m, ai->tables[i].phys, ai->tables[i].phys + ai->tables[i].length);
}

enum bh_status boot_acpi(const struct boot_info *bi, struct acpi_info *ai, const char **why)
{
    struct acpi_mem mem = { NULL, boot_phys_map };
    if (bi->rsdp_tag && bi->rsdp_len)
        return acpi_parse_rsdp_copy(&mem, bi->rsdp, bi->rsdp_len, ai, why);
    uint64_t rsdp;
    const uint16_t *ebda_seg = phys_to_virt(0x40e);
    uint64_t ebda = (uint64_t)*ebda_seg << 4;
    if (ebda >= 0x80000 && ebda < 0xa0000 &&
        acpi_find_rsdp(phys_to_virt(ebda), 1024, ebda, &rsdp) == BH_OK)
        return acpi_parse(&mem, rsdp, ai, why);
    if (acpi_find_rsdp(phys_to_virt(0xe0000), 0x20000, 0xe0000, &rsdp) == BH_OK)
        return acpi_parse(&mem, rsdp, ai, why);
    *why = "no RSDP in the EBDA or the BIOS area, and none from the loader";
    return BH_ENOENT;
}

void boot_report_modules(const struct boot_info *bi)
{
    for (unsigned i = 0; i < bi->module_count; i++) {
        const struct boot_module *mod = &bi->modules[i];
        uint8_t d[32];
        char hex[65];
        uint64_t len = mod->end - mod->start;
        const void *p = boot_phys_map(NULL, mod->start, len);
        if (p) {
            sha256(p, len, d);
            sha256_hex(d, hex);
        } else {
            memcpy(hex, "unreadable", 11);
        }
        kprintf("# module %u: name=%s size=%lu sha256=%s args=%s\n", i,
                mod->cmd.name, len, hex, mod->cmd.args);
    }
}
