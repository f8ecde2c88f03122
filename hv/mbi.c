/*
 * Multiboot v1 and v2 information parsing. See mbi.h for the contract.
 *
 * Every read of loader memory goes through read_phys() or a mapping of the
 * bounded v2 structure, and every loop is bounded by a count cap or by a
 * strictly increasing offset inside a bounded length.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbi.h"

#define STR_CHUNK 64u   /* strings are read in aligned windows of this size */

/* ---- Multiboot 1 layouts (Multiboot 0.6.96 spec, 3.3) ----------------- */

enum mb1_flag {
    MB1_INFO_MEMORY = 1u << 0,
    MB1_INFO_CMDLINE = 1u << 2,
    MB1_INFO_MODS = 1u << 3,
    MB1_INFO_MMAP = 1u << 6,
    MB1_INFO_LOADER_NAME = 1u << 9,
};

/* 3.3 "Boot information format": the fixed part up to the VBE fields. */
struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower;           /* KiB, flag bit 0 */
    uint32_t mem_upper;
    uint32_t boot_device;         /* bit 1 */
    uint32_t cmdline;             /* bit 2 */
    uint32_t mods_count;          /* bit 3 */
    uint32_t mods_addr;
    uint32_t syms[4];             /* bits 4/5 */
    uint32_t mmap_length;         /* bit 6 */
    uint32_t mmap_addr;
    uint32_t drives_length;       /* bit 7 */
    uint32_t drives_addr;
    uint32_t config_table;        /* bit 8 */
    uint32_t boot_loader_name;    /* bit 9 */
    uint32_t apm_table;           /* bit 10 */
    uint32_t vbe_control_info;    /* bit 11 */
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
};
_Static_assert(sizeof(struct mb1_info) == 88, "mb1_info size");
_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "mb1 cmdline");
_Static_assert(offsetof(struct mb1_info, mods_count) == 20, "mb1 mods");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1 mmap");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64,
               "mb1 loader name");
_Static_assert(offsetof(struct mb1_info, vbe_mode) == 80, "mb1 vbe");

/* 3.3 "Boot modules": one entry of the mods_addr array. */
struct mb1_module {
    uint32_t mod_start;
    uint32_t mod_end;             /* exclusive */
    uint32_t string;
    uint32_t reserved;
};
_Static_assert(sizeof(struct mb1_module) == 16, "mb1_module size");

/* 3.3 memory map entry; size (at offset -4 in the spec) excludes itself. */
struct __attribute__((packed)) mb1_mmap_entry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
};
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1 mmap entry size");
_Static_assert(offsetof(struct mb1_mmap_entry, base_addr) == 4, "mb1 base");
_Static_assert(offsetof(struct mb1_mmap_entry, length) == 12, "mb1 length");
_Static_assert(offsetof(struct mb1_mmap_entry, type) == 20, "mb1 type");

#define MB1_MMAP_MIN_SIZE 20u     /* base_addr + length + type */

/* ---- Multiboot 2 layouts (Multiboot2 1.6 spec, 3.6) ------------------- */

enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_LOADER_NAME = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_BASIC_MEMINFO = 4,
    MB2_TAG_MMAP = 6,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
};

/* 3.6 "Boot information format": fixed part. */
struct mb2_header {
    uint32_t total_size;
    uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_header) == 8, "mb2_header size");

/* 3.6.1 "Basic tags structure": every tag starts so, padded to 8. */
struct mb2_tag {
    uint32_t type;
    uint32_t size;                /* header + payload, without padding */
};
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2_tag size");

/* "Modules" (type 3): header, then the NUL-terminated string. */
struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start;
    uint32_t mod_end;             /* exclusive */
};
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module size");

/* "Basic memory information" (type 4). */
struct mb2_tag_meminfo {
    struct mb2_tag tag;
    uint32_t mem_lower;
    uint32_t mem_upper;
};
_Static_assert(sizeof(struct mb2_tag_meminfo) == 16, "mb2 meminfo size");

/* "Memory map" (type 6): header, then entries of entry_size bytes. */
struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size;
    uint32_t entry_version;
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag size");

struct mb2_mmap_entry {
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry size");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "mb2 type");

/* "ACPI old RSDP" (14) holds 20 bytes, "ACPI new RSDP" (15) 36 or more. */
#define MB2_RSDP_V1_LEN 20u

/* ---- common helpers --------------------------------------------------- */

static void note(struct boot_info *out, const char *text)
{
    if (out->note_count < BOOT_NOTES_MAX)
        out->notes[out->note_count++] = text;
    else
        out->notes_dropped++;
}

/* Copies len bytes at phys into dst; false if any is unreadable. */
static bool read_phys(const struct mbi_mem *m, uint64_t phys, void *dst,
                      uint64_t len)
{
    const void *p;

    if (phys == 0 || phys > UINT64_MAX - len)
        return false;
    p = m->map(m->ctx, phys, len);
    if (p == NULL)
        return false;
    memcpy(dst, p, (size_t)len);
    return true;
}

enum str_res { STR_OK, STR_TRUNC, STR_FAULT };

/*
 * Copies the NUL-terminated string at phys into dst[cap], reading aligned
 * windows of STR_CHUNK bytes so it never maps past the page the string
 * ends in. STR_TRUNC: no NUL in the first cap - 1 bytes (dst cut there).
 * STR_FAULT: unreadable before the end (dst holds what was read).
 */
static enum str_res read_phys_str(const struct mbi_mem *m, uint64_t phys,
                                  char *dst, size_t cap)
{
    size_t got = 0;

    for (;;) {
        uint64_t at = phys + got;
        uint64_t win = STR_CHUNK - (at % STR_CHUNK);
        char buf[STR_CHUNK];
        size_t i;

        dst[got] = '\0';
        if (!read_phys(m, at, buf, win))
            return got == cap - 1 ? STR_TRUNC : STR_FAULT;
        for (i = 0; i < win; i++, got++) {
            if (buf[i] == '\0')
                return STR_OK;
            if (got == cap - 1)
                return STR_TRUNC;
            dst[got] = buf[i];
            dst[got + 1] = '\0';
        }
    }
}

/*
 * Copies a string that must end inside src[0..avail) into dst[cap].
 * Returns false if no NUL was found (the text up to avail is still kept);
 * *cut is set when it did not fit in dst.
 */
static bool copy_bounded_str(const char *src, size_t avail, char *dst,
                             size_t cap, bool *cut)
{
    size_t n = strnlen(src, avail);
    bool terminated = n < avail;

    *cut = n >= cap;
    if (*cut)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return terminated;
}

static void add_mmap(struct boot_info *out, uint64_t base, uint64_t len,
                     uint32_t type)
{
    struct boot_mmap_entry *e = &out->mmap[out->mmap_count++];
    e->base = base;
    e->length = len;
    e->type = type;
}

/* Adds a module unless its range is inverted; string is cut to fit. */
static bool add_module(struct boot_info *out, uint64_t start, uint64_t end,
                       const char *str, size_t avail, const char *bad_range)
{
    struct boot_module *mod;

    if (end < start) {
        note(out, bad_range);
        return false;
    }
    mod = &out->modules[out->module_count++];
    mod->start = start;
    mod->end = end;
    copy_bounded_str(str, avail, mod->string, sizeof(mod->string),
                     &mod->string_truncated);
    cmdline_module(mod->string, &mod->cmd);
    return true;
}

/* Without a memory map, describe the two classic ranges as available. */
static void mmap_from_basic(struct boot_info *out)
{
    if (out->mmap_count != 0 || !(out->has & BOOT_HAS_MEM_BASIC))
        return;
    add_mmap(out, 0, (uint64_t)out->mem_lower_kib * 1024, BOOT_MEM_AVAILABLE);
    add_mmap(out, 0x100000, (uint64_t)out->mem_upper_kib * 1024,
             BOOT_MEM_AVAILABLE);
}

/* ---- Multiboot 1 ------------------------------------------------------ */

/* Reads a v1 string field; sets has/truncated bits or notes a fault. */
static void mb1_string(const struct mbi_mem *m, struct boot_info *out,
                       uint32_t phys, char *dst, size_t cap,
                       uint32_t has_bit, uint32_t trunc_bit,
                       const char *fault_note)
{
    switch (read_phys_str(m, phys, dst, cap)) {
    case STR_OK:
        out->has |= has_bit;
        break;
    case STR_TRUNC:
        out->has |= has_bit;
        out->truncated |= trunc_bit;
        break;
    default:
        dst[0] = '\0';
        note(out, fault_note);
        break;
    }
}

/* 3.3 "Boot modules": mods_count entries of struct mb1_module. */
static void mb1_modules(const struct mbi_mem *m, const struct mb1_info *mi,
                        struct boot_info *out)
{
    uint32_t count = mi->mods_count, i;

    out->has |= BOOT_HAS_MODULES;
    if (count > BOOT_MODS_MAX) {
        out->truncated |= BOOT_TRUNC_MODULES;
        note(out, "mbi1: more than 32 modules (rest ignored)");
        count = BOOT_MODS_MAX;
    }
    for (i = 0; i < count; i++) {
        struct mb1_module mod;
        char str[BOOT_MOD_STRING_MAX];
        enum str_res r;

        if (!read_phys(m, (uint64_t)mi->mods_addr + i * sizeof(mod), &mod,
                       sizeof(mod))) {
            note(out, "mbi1: module list unreadable (rest skipped)");
            return;
        }
        r = read_phys_str(m, mod.string, str, sizeof(str));
        if (r == STR_FAULT) {
            note(out, "mbi1: module string unreadable (name left empty)");
            str[0] = '\0';
        }
        if (add_module(out, mod.mod_start, mod.mod_end, str, sizeof(str),
                       "mbi1: module end before start (skipped)") &&
            r == STR_TRUNC)
            out->modules[out->module_count - 1].string_truncated = true;
    }
}

/* 3.3 memory map: entries of (size + 4) bytes, size >= 20. */
static void mb1_mmap(const struct mbi_mem *m, const struct mb1_info *mi,
                     struct boot_info *out)
{
    uint64_t off = 0, len = mi->mmap_length;

    while (off < len) {
        struct mb1_mmap_entry e;

        if (out->mmap_count == BOOT_MMAP_MAX) {
            out->truncated |= BOOT_TRUNC_MMAP;
            note(out, "mbi1: more than 128 memory map entries (rest ignored)");
            break;
        }
        if (len - off < sizeof(e)) {
            note(out, "mbi1: memory map ends in a partial entry");
            break;
        }
        if (!read_phys(m, mi->mmap_addr + off, &e, sizeof(e))) {
            note(out, "mbi1: memory map unreadable (rest skipped)");
            break;
        }
        if (e.size < MB1_MMAP_MIN_SIZE || e.size > len - off - 4) {
            note(out, "mbi1: bad memory map entry size (rest skipped)");
            break;
        }
        add_mmap(out, e.base_addr, e.length, e.type);
        off += 4 + (uint64_t)e.size;
    }
    if (out->mmap_count != 0)
        out->has |= BOOT_HAS_MMAP;
}

static enum bh_status parse_v1(const struct mbi_mem *m, uint64_t phys,
                               struct boot_info *out, const char **fatal)
{
    struct mb1_info mi;

    if (!read_phys(m, phys, &mi, sizeof(mi))) {
        *fatal = "mbi1: info structure not readable";
        return BH_EFAULT;
    }
    out->info_start = phys;
    out->info_end = phys + sizeof(mi);
    if (mi.flags & MB1_INFO_MEMORY) {
        out->has |= BOOT_HAS_MEM_BASIC;
        out->mem_lower_kib = mi.mem_lower;
        out->mem_upper_kib = mi.mem_upper;
    }
    if (mi.flags & MB1_INFO_LOADER_NAME)
        mb1_string(m, out, mi.boot_loader_name, out->loader_name,
                   sizeof(out->loader_name), BOOT_HAS_LOADER_NAME,
                   BOOT_TRUNC_LOADER_NAME,
                   "mbi1: boot loader name unreadable (skipped)");
    if (mi.flags & MB1_INFO_CMDLINE)
        mb1_string(m, out, mi.cmdline, out->cmdline, sizeof(out->cmdline),
                   BOOT_HAS_CMDLINE, BOOT_TRUNC_CMDLINE,
                   "mbi1: command line unreadable (skipped)");
    if (mi.flags & MB1_INFO_MODS)
        mb1_modules(m, &mi, out);
    if (mi.flags & MB1_INFO_MMAP)
        mb1_mmap(m, &mi, out);
    return BH_OK;
}

/* ---- Multiboot 2 ------------------------------------------------------ */

/* Tags 1 and 2: a string that must end inside the tag. */
static void mb2_string(struct boot_info *out, const uint8_t *tag, size_t size,
                       char *dst, size_t cap, uint32_t has_bit,
                       uint32_t trunc_bit, const char *unterminated)
{
    bool cut;

    if (!copy_bounded_str((const char *)tag + sizeof(struct mb2_tag),
                          size - sizeof(struct mb2_tag), dst, cap, &cut))
        note(out, unterminated);
    out->has |= has_bit;
    if (cut)
        out->truncated |= trunc_bit;
}

/* Tag 3: one module. */
static void mb2_module(struct boot_info *out, const uint8_t *tag, size_t size)
{
    struct mb2_tag_module t;

    out->has |= BOOT_HAS_MODULES;
    if (size < sizeof(t)) {
        note(out, "mbi2: module tag too short (skipped)");
        return;
    }
    if (out->module_count == BOOT_MODS_MAX) {
        if (!(out->truncated & BOOT_TRUNC_MODULES))
            note(out, "mbi2: more than 32 modules (rest ignored)");
        out->truncated |= BOOT_TRUNC_MODULES;
        return;
    }
    memcpy(&t, tag, sizeof(t));
    if (strnlen((const char *)tag + sizeof(t), size - sizeof(t)) ==
        size - sizeof(t))
        note(out, "mbi2: module string not NUL-terminated");
    add_module(out, t.mod_start, t.mod_end, (const char *)tag + sizeof(t),
               size - sizeof(t), "mbi2: module end before start (skipped)");
}

/* Tag 4: mem_lower / mem_upper in KiB. */
static void mb2_meminfo(struct boot_info *out, const uint8_t *tag, size_t size)
{
    struct mb2_tag_meminfo t;

    if (size < sizeof(t)) {
        note(out, "mbi2: basic memory tag too short (skipped)");
        return;
    }
    memcpy(&t, tag, sizeof(t));
    out->has |= BOOT_HAS_MEM_BASIC;
    out->mem_lower_kib = t.mem_lower;
    out->mem_upper_kib = t.mem_upper;
}

/* Tag 6: entries of entry_size (>= 24) bytes after a 16-byte header. */
static void mb2_mmap(struct boot_info *out, const uint8_t *tag, size_t size)
{
    struct mb2_tag_mmap t;
    size_t off;

    if (out->has & BOOT_HAS_MMAP) {
        note(out, "mbi2: second memory map tag (ignored)");
        return;
    }
    if (size < sizeof(t)) {
        note(out, "mbi2: memory map tag too short (skipped)");
        return;
    }
    memcpy(&t, tag, sizeof(t));
    if (t.entry_size < sizeof(struct mb2_mmap_entry)) {
        note(out, "mbi2: memory map entry_size below 24 (skipped)");
        return;
    }
    if ((size - sizeof(t)) % t.entry_size != 0)
        note(out, "mbi2: memory map ends in a partial entry");
    out->has |= BOOT_HAS_MMAP;
    out->mmap_entry_version = t.entry_version;
    for (off = sizeof(t); size - off >= t.entry_size; off += t.entry_size) {
        struct mb2_mmap_entry e;

        if (out->mmap_count == BOOT_MMAP_MAX) {
            out->truncated |= BOOT_TRUNC_MMAP;
            note(out, "mbi2: more than 128 memory map entries (rest ignored)");
            return;
        }
        memcpy(&e, tag + off, sizeof(e));
        add_mmap(out, e.base_addr, e.length, e.type);
    }
}

/* Tags 14/15: a copy of the RSDP; the new one (15) wins over the old. */
static void mb2_rsdp(struct boot_info *out, const uint8_t *tag, size_t size,
                     uint32_t type)
{
    size_t len = size - sizeof(struct mb2_tag);

    if (len < MB2_RSDP_V1_LEN) {
        note(out, "mbi2: ACPI RSDP tag too short (skipped)");
        return;
    }
    if (out->rsdp_tag == MB2_TAG_ACPI_NEW && type == MB2_TAG_ACPI_OLD)
        return;
    if (len > BOOT_RSDP_MAX) {
        out->truncated |= BOOT_TRUNC_RSDP;
        len = BOOT_RSDP_MAX;
    }
    memcpy(out->rsdp, tag + sizeof(struct mb2_tag), len);
    memset(out->rsdp + len, 0, BOOT_RSDP_MAX - len);
    out->rsdp_len = (uint32_t)len;
    out->rsdp_tag = type;
    out->has |= BOOT_HAS_RSDP;
}

static void mb2_tag(struct boot_info *out, const uint8_t *tag, size_t size,
                    uint32_t type)
{
    switch (type) {
    case MB2_TAG_CMDLINE:
        mb2_string(out, tag, size, out->cmdline, sizeof(out->cmdline),
                   BOOT_HAS_CMDLINE, BOOT_TRUNC_CMDLINE,
                   "mbi2: command line not NUL-terminated");
        break;
    case MB2_TAG_LOADER_NAME:
        mb2_string(out, tag, size, out->loader_name, sizeof(out->loader_name),
                   BOOT_HAS_LOADER_NAME, BOOT_TRUNC_LOADER_NAME,
                   "mbi2: boot loader name not NUL-terminated");
        break;
    case MB2_TAG_MODULE:
        mb2_module(out, tag, size);
        break;
    case MB2_TAG_BASIC_MEMINFO:
        mb2_meminfo(out, tag, size);
        break;
    case MB2_TAG_MMAP:
        mb2_mmap(out, tag, size);
        break;
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        mb2_rsdp(out, tag, size, type);
        break;
    default:
        break;  /* not needed by the kernel */
    }
}

/* 3.6.1: walks tags at 8-aligned offsets until the end tag (type 0). */
static void mb2_walk(const uint8_t *base, uint32_t total, struct boot_info *out)
{
    uint32_t off = sizeof(struct mb2_header);

    while (total - off >= sizeof(struct mb2_tag)) {
        struct mb2_tag t;

        memcpy(&t, base + off, sizeof(t));
        if (t.size < sizeof(t)) {
            note(out, "mbi2: tag size below 8 (rest skipped)");
            return;
        }
        if (t.size > total - off) {
            note(out, "mbi2: tag runs past total_size (rest skipped)");
            return;
        }
        if (t.type == MB2_TAG_END)
            return;
        mb2_tag(out, base + off, t.size, t.type);
        off += (t.size + 7u) & ~7u;
        if (off > total)
            break;
    }
    note(out, "mbi2: no end tag");
}

static enum bh_status parse_v2(const struct mbi_mem *m, uint64_t phys,
                               struct boot_info *out, const char **fatal)
{
    struct mb2_header h;
    const uint8_t *base;

    if (!read_phys(m, phys, &h, sizeof(h))) {
        *fatal = "mbi2: info structure not readable";
        return BH_EFAULT;
    }
    if (h.total_size < sizeof(h)) {
        *fatal = "mbi2: total_size below 8";
        return BH_EFORMAT;
    }
    if (phys % 8 != 0)
        note(out, "mbi2: info structure not 8-byte aligned");
    if (h.total_size > MB2_INFO_MAX) {
        note(out, "mbi2: total_size above 64 KiB (cut)");
        out->truncated |= BOOT_TRUNC_INFO;
        h.total_size = MB2_INFO_MAX;
    }
    base = m->map(m->ctx, phys, h.total_size);
    if (base == NULL) {
        *fatal = "mbi2: info structure not readable to total_size";
        return BH_EFAULT;
    }
    out->info_start = phys;
    out->info_end = phys + h.total_size;
    mb2_walk(base, h.total_size, out);
    return BH_OK;
}

/* ---- entry point ------------------------------------------------------ */

enum bh_status mbi_parse(uint32_t magic, uint64_t info_phys,
                         const struct mbi_mem *m, struct boot_info *out,
                         const char **why)
{
    const char *fatal = NULL;
    enum bh_status st;

    if (why != NULL)
        *why = "mbi: missing accessor or output";
    if (m == NULL || m->map == NULL || out == NULL)
        return BH_EINVAL;
    memset(out, 0, sizeof(*out));
    if (magic == MB1_BOOTLOADER_MAGIC) {
        out->protocol = 1;
        st = parse_v1(m, info_phys, out, &fatal);
    } else if (magic == MB2_BOOTLOADER_MAGIC) {
        out->protocol = 2;
        st = parse_v2(m, info_phys, out, &fatal);
    } else {
        st = BH_EINVAL;
        fatal = "mbi: unknown boot loader magic (not Multiboot 1 or 2)";
    }
    if (st == BH_OK) {
        mmap_from_basic(out);
        out->loader = cmdline_loader(out->loader_name);
    }
    if (why != NULL)
        *why = fatal != NULL ? fatal : out->note_count ? out->notes[0] : NULL;
    return st;
}
