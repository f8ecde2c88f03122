/*
 * Host unit tests for hv/mbi.c. Multiboot structures are built in a fake
 * physical memory window whose map() callback bounds-checks every access,
 * shaped like what QEMU -kernel, iPXE (v1) and GRUB 2.06 (v2) produce,
 * then broken in every way the parser must survive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mbi.h"

/* ---- fake physical memory --------------------------------------------- */

#define MEM_BASE 0x100000u
#define MEM_SIZE 0x40000u

static uint8_t mem[MEM_SIZE] __attribute__((aligned(64)));
static uint64_t next_free;
static uint64_t map_calls;
static struct boot_info bi;
static const char *why;

static const void *fake_map(void *ctx, uint64_t phys, uint64_t len)
{
    (void)ctx;
    map_calls++;
    if (phys < MEM_BASE || len > MEM_SIZE || phys - MEM_BASE > MEM_SIZE - len)
        return NULL;
    return mem + (phys - MEM_BASE);
}

static const struct mbi_mem fake = { NULL, fake_map };

static void reset(void)
{
    memset(mem, 0, sizeof(mem));
    next_free = MEM_BASE + 0x100;
    map_calls = 0;
}

static uint8_t *at(uint64_t phys)
{
    assert_true(phys >= MEM_BASE && phys < MEM_BASE + MEM_SIZE);
    return mem + (phys - MEM_BASE);
}

/* Bump allocator, 8-aligned (also pads v2 tags). */
static uint32_t alloc(size_t len)
{
    uint64_t p = (next_free + 7) & ~7ull;
    next_free = p + len;
    assert_true(next_free <= MEM_BASE + MEM_SIZE);
    return (uint32_t)p;
}

static void w32(uint64_t phys, uint32_t v) { memcpy(at(phys), &v, 4); }
static void w64(uint64_t phys, uint64_t v) { memcpy(at(phys), &v, 8); }

static uint32_t put_str(const char *s)
{
    uint32_t p = alloc(strlen(s) + 1);
    memcpy(at(p), s, strlen(s) + 1);
    return p;
}

static enum bh_status parse(uint32_t magic, uint64_t phys)
{
    memset(&bi, 0xa5, sizeof(bi));
    why = "unset";
    return mbi_parse(magic, phys, &fake, &bi, &why);
}

static int has_note(const char *prefix)
{
    uint32_t i;
    for (i = 0; i < bi.note_count; i++) {
        if (strncmp(bi.notes[i], prefix, strlen(prefix)) == 0)
            return 1;
    }
    return 0;
}

static void expect_note(const char *prefix)
{
    uint32_t i;
    if (has_note(prefix))
        return;
    for (i = 0; i < bi.note_count; i++)
        print_message("note[%u]: %s\n", i, bi.notes[i]);
    fail_msg("missing note: %s", prefix);
}

struct ent {
    uint64_t base, len;
    uint32_t type;
};

/* QEMU 7.2 pc, 128 MiB: the e820 map SeaBIOS reports. */
static const struct ent qemu_e820[] = {
    { 0x0, 0x9fc00, 1 },           { 0x9fc00, 0x400, 2 },
    { 0xf0000, 0x10000, 2 },       { 0x100000, 0x7ee0000, 1 },
    { 0x7fe0000, 0x20000, 2 },     { 0xfffc0000, 0x40000, 2 },
};
/* iPXE lists usable RAM only. */
static const struct ent ipxe_map[] = {
    { 0x0, 0x9fc00, 1 },
    { 0x100000, 0x7ee0000, 1 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Multiboot 1 builders (Multiboot 0.6.96, 3.3) ------------------------ */

enum {
    F_MEM = 1u << 0, F_BOOTDEV = 1u << 1, F_CMDLINE = 1u << 2,
    F_MODS = 1u << 3, F_MMAP = 1u << 6, F_LOADER = 1u << 9,
};
enum {
    O_FLAGS = 0, O_MEM_LOWER = 4, O_MEM_UPPER = 8, O_BOOTDEV = 12,
    O_CMDLINE = 16, O_MODS_COUNT = 20, O_MODS_ADDR = 24, O_MMAP_LENGTH = 44,
    O_MMAP_ADDR = 48, O_LOADER = 64, MB1_SIZE = 88,
};

/* Writes n entries with the given size field (stride size + 4). */
static uint32_t v1_mmap(uint32_t info, const struct ent *e, size_t n,
                        uint32_t size)
{
    uint32_t p = alloc(n * (size + 4)), q = p;
    size_t i;
    for (i = 0; i < n; i++, q += size + 4) {
        w32(q, size);
        w64(q + 4, e[i].base);
        w64(q + 12, e[i].len);
        w32(q + 20, e[i].type);
    }
    w32(info + O_MMAP_ADDR, p);
    w32(info + O_MMAP_LENGTH, (uint32_t)(n * (size + 4)));
    return p;
}

static uint32_t v1_mods(uint32_t info, const char *const *strs, size_t n)
{
    uint32_t p = alloc(n * 16);
    size_t i;
    for (i = 0; i < n; i++) {
        uint32_t start = 0x400000 + (uint32_t)i * 0x10000;
        w32(p + i * 16, start);
        w32(p + i * 16 + 4, start + 0x1234);
        w32(p + i * 16 + 8, put_str(strs[i]));
    }
    w32(info + O_MODS_COUNT, (uint32_t)n);
    w32(info + O_MODS_ADDR, p);
    return p;
}

static uint32_t v1_base(uint32_t flags, const char *loader, const char *cmd)
{
    uint32_t info = alloc(MB1_SIZE);
    w32(info + O_FLAGS, flags);
    w32(info + O_MEM_LOWER, 639);
    w32(info + O_MEM_UPPER, 130048);
    w32(info + O_BOOTDEV, 0x8000ffff);
    w32(info + O_LOADER, put_str(loader));
    w32(info + O_CMDLINE, put_str(cmd));
    return info;
}

/* QEMU 7.2 -kernel with one -initrd module. */
static uint32_t qemu_v1(void)
{
    static const char *const mods[] = { "build/root.elf a=b" };
    uint32_t info = v1_base(F_MEM | F_BOOTDEV | F_CMDLINE | F_MODS | F_MMAP |
                                F_LOADER,
                            "qemu", "build/hv.bin serial=com1 smp=2");
    v1_mmap(info, qemu_e820, N(qemu_e820), 20);
    v1_mods(info, mods, N(mods));
    return info;
}

/* iPXE 1.0.0+ with kernel + two modules from TFTP. */
static uint32_t ipxe_v1(void)
{
    static const char *const mods[] = { "tftp://10.0.2.2/root.elf a=b",
                                        "tftp://10.0.2.2/guest.bin" };
    uint32_t info = v1_base(F_MEM | F_CMDLINE | F_MODS | F_MMAP | F_LOADER,
                            "iPXE 1.0.0+ (g1234abc)",
                            "tftp://10.0.2.2/hv.bin serial=0x3f8,115200");
    v1_mmap(info, ipxe_map, N(ipxe_map), 20);
    v1_mods(info, mods, N(mods));
    return info;
}

static void assert_entry(uint32_t i, const struct ent *e)
{
    assert_int_equal(bi.mmap[i].base, e->base);
    assert_int_equal(bi.mmap[i].length, e->len);
    assert_int_equal(bi.mmap[i].type, e->type);
}

/* ---- Multiboot 1: shapes from real loaders ---------------------------- */

static void test_v1_qemu(void **state)
{
    uint32_t info, i;
    (void)state;
    reset();
    info = qemu_v1();
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_null(why);
    assert_int_equal(bi.note_count, 0);
    assert_int_equal(bi.protocol, 1);
    assert_int_equal(bi.loader, BOOT_LOADER_QEMU);
    assert_string_equal(bi.loader_name, "qemu");
    assert_string_equal(bi.cmdline, "build/hv.bin serial=com1 smp=2");
    assert_string_equal(cmdline_args(bi.cmdline, bi.loader),
                        "serial=com1 smp=2");
    assert_int_equal(bi.mem_lower_kib, 639);
    assert_int_equal(bi.mem_upper_kib, 130048);
    assert_int_equal(bi.mmap_count, N(qemu_e820));
    for (i = 0; i < N(qemu_e820); i++)
        assert_entry(i, &qemu_e820[i]);
    assert_int_equal(bi.module_count, 1);
    assert_int_equal(bi.modules[0].start, 0x400000);
    assert_int_equal(bi.modules[0].end, 0x401234);
    assert_string_equal(bi.modules[0].string, "build/root.elf a=b");
    assert_string_equal(bi.modules[0].cmd.name, "root.elf");
    assert_string_equal(bi.modules[0].cmd.args, "a=b");
    assert_int_equal(bi.has, BOOT_HAS_LOADER_NAME | BOOT_HAS_CMDLINE |
                                 BOOT_HAS_MEM_BASIC | BOOT_HAS_MMAP |
                                 BOOT_HAS_MODULES);
    assert_int_equal(bi.truncated, 0);
    assert_int_equal(bi.info_start, info);
    assert_int_equal(bi.info_end, info + MB1_SIZE);
    assert_int_equal(bi.rsdp_tag, 0);
}

static void test_v1_ipxe(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = ipxe_v1();
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_null(why);
    assert_int_equal(bi.loader, BOOT_LOADER_IPXE);
    assert_string_equal(cmdline_args(bi.cmdline, bi.loader),
                        "serial=0x3f8,115200");
    assert_int_equal(bi.mmap_count, 2);
    assert_entry(0, &ipxe_map[0]);
    assert_entry(1, &ipxe_map[1]);
    assert_int_equal(bi.module_count, 2);
    assert_string_equal(bi.modules[0].cmd.name, "root.elf");
    assert_string_equal(bi.modules[0].cmd.args, "a=b");
    assert_string_equal(bi.modules[1].cmd.name, "guest.bin");
    assert_string_equal(bi.modules[1].cmd.args, "");
}

static void test_v1_grub(void **state)
{
    static const char *const mods[] = { "root.elf a=b" };
    uint32_t info;
    (void)state;
    reset();
    info = v1_base(F_MEM | F_BOOTDEV | F_CMDLINE | F_MODS | F_MMAP | F_LOADER,
                   "GRUB 2.06-13+deb12u1", "serial=com2");
    v1_mmap(info, qemu_e820, N(qemu_e820), 20);
    v1_mods(info, mods, 1);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.loader, BOOT_LOADER_GRUB);
    assert_string_equal(cmdline_args(bi.cmdline, bi.loader), "serial=com2");
    assert_string_equal(bi.modules[0].cmd.name, "root.elf");
}

static void test_v1_no_flags(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_FLAGS, 0);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.has, 0);
    assert_int_equal(bi.mmap_count, 0);
    assert_int_equal(bi.module_count, 0);
    assert_string_equal(bi.cmdline, "");
    assert_string_equal(bi.loader_name, "");
    assert_int_equal(bi.loader, BOOT_LOADER_UNKNOWN);
}

static void test_v1_zero_modules(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_MODS_COUNT, 0);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.module_count, 0);
    assert_true(bi.has & BOOT_HAS_MODULES);
    assert_null(why);
}

static void test_v1_mem_fallback(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_FLAGS, F_MEM);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.has, BOOT_HAS_MEM_BASIC);
    assert_int_equal(bi.mmap_count, 2);
    assert_int_equal(bi.mmap[0].base, 0);
    assert_int_equal(bi.mmap[0].length, 639 * 1024);
    assert_int_equal(bi.mmap[1].base, 0x100000);
    assert_int_equal(bi.mmap[1].length, 130048ull * 1024);
    assert_int_equal(bi.mmap[1].type, BOOT_MEM_AVAILABLE);
}

/* ---- Multiboot 1: hostile input --------------------------------------- */

static void test_v1_info_unmapped(void **state)
{
    (void)state;
    reset();
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, 0x1000), BH_EFAULT);
    assert_non_null(why);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, MEM_BASE + MEM_SIZE - 40),
                     BH_EFAULT);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, UINT64_MAX - 10), BH_EFAULT);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, 0), BH_EFAULT);
}

static void test_bad_magic(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    assert_int_equal(parse(0x1badb002, info), BH_EINVAL);
    assert_string_equal(why,
                        "mbi: unknown boot loader magic (not Multiboot 1 or 2)");
    assert_int_equal(parse(0, info), BH_EINVAL);
    assert_int_equal(mbi_parse(MB1_BOOTLOADER_MAGIC, info, NULL, &bi, &why),
                     BH_EINVAL);
    assert_int_equal(mbi_parse(MB1_BOOTLOADER_MAGIC, info, &fake, NULL, NULL),
                     BH_EINVAL);
    assert_int_equal(mbi_parse(MB1_BOOTLOADER_MAGIC, info, &fake, &bi, NULL),
                     BH_OK);
}

static void test_v1_cmdline_unmapped(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_CMDLINE, 0xdead0000);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: command line unreadable");
    assert_string_equal(why, "mbi1: command line unreadable (skipped)");
    assert_false(bi.has & BOOT_HAS_CMDLINE);
    assert_string_equal(bi.cmdline, "");
    assert_string_equal(bi.loader_name, "qemu");
    assert_int_equal(bi.mmap_count, N(qemu_e820));
    assert_int_equal(bi.module_count, 1);
}

static void test_v1_loader_unmapped(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_LOADER, 0);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: boot loader name unreadable");
    assert_int_equal(bi.loader, BOOT_LOADER_UNKNOWN);
    /* Unknown loader: a path-like first token is still dropped. */
    assert_string_equal(cmdline_args(bi.cmdline, bi.loader),
                        "serial=com1 smp=2");
}

static void test_v1_mods_unmapped(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_MODS_ADDR, 0xfffffff0);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: module list unreadable");
    assert_int_equal(bi.module_count, 0);
    assert_int_equal(bi.mmap_count, N(qemu_e820));
    assert_string_equal(bi.loader_name, "qemu");
}

static void test_v1_mmap_unmapped(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_MMAP_ADDR, 0x10);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: memory map unreadable");
    assert_false(bi.has & BOOT_HAS_MMAP);
    assert_int_equal(bi.mmap_count, 2); /* from mem_lower/mem_upper */
}

static void test_v1_mmap_partial(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    w32(info + O_MMAP_LENGTH, 3 * 24 + 10);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: memory map ends in a partial entry");
    assert_int_equal(bi.mmap_count, 3);
}

static void test_v1_mmap_size_zero(void **state)
{
    uint32_t info, mm;
    (void)state;
    reset();
    info = qemu_v1();
    mm = v1_mmap(info, qemu_e820, N(qemu_e820), 20);
    w32(mm + 2 * 24, 0);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: bad memory map entry size");
    assert_int_equal(bi.mmap_count, 2);
    assert_true(map_calls < 100);
}

static void test_v1_mmap_size_small_or_huge(void **state)
{
    uint32_t info, mm;
    (void)state;
    reset();
    info = qemu_v1();
    mm = v1_mmap(info, qemu_e820, N(qemu_e820), 20);
    w32(mm, 19);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: bad memory map entry size");
    assert_int_equal(bi.mmap_count, 2); /* fallback */
    w32(mm, 0xffffffff);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: bad memory map entry size");
    w32(mm, 20);
    w32(mm + 24, 0xfffffff0);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.mmap_count, 1);
    assert_true(bi.has & BOOT_HAS_MMAP);
}

static void test_v1_mmap_big_stride(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    v1_mmap(info, qemu_e820, N(qemu_e820), 28);  /* ACPI 3.0 attrs + pad */
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_null(why);
    assert_int_equal(bi.mmap_count, N(qemu_e820));
    assert_entry(5, &qemu_e820[5]);
}

static void test_v1_mmap_too_many(void **state)
{
    struct ent many[200];
    uint32_t info, i;
    (void)state;
    reset();
    for (i = 0; i < 200; i++)
        many[i] = (struct ent){ i * 0x1000ull, 0x1000, 1 + i % 5 };
    info = qemu_v1();
    v1_mmap(info, many, 200, 20);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
    assert_true(bi.truncated & BOOT_TRUNC_MMAP);
    assert_entry(127, &many[127]);
    expect_note("mbi1: more than 128 memory map entries");
}

static void test_v1_mmap_length_huge(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    /* mmap at the very end of memory, length claims 4 GiB. */
    next_free = MEM_BASE + MEM_SIZE - 2 * 24;
    v1_mmap(info, qemu_e820, 2, 20);
    w32(info + O_MMAP_LENGTH, 0xffffffff);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.mmap_count, 2);
    expect_note("mbi1: memory map unreadable");
}

static void test_v1_mods_count_huge(void **state)
{
    static const char *const mods[] = { "a", "b", "c" };
    uint32_t info;
    (void)state;
    reset();
    info = qemu_v1();
    v1_mods(info, mods, 3);
    w32(info + O_MODS_COUNT, 0xffffffff);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_true(bi.truncated & BOOT_TRUNC_MODULES);
    expect_note("mbi1: more than 32 modules");
    /* Entries past the 3 real ones are zero: string pointer 0 is noted. */
    assert_true(bi.module_count >= 3 && bi.module_count <= BOOT_MODS_MAX);
    assert_string_equal(bi.modules[2].cmd.name, "c");
}

static void test_v1_mods_max(void **state)
{
    const char *mods[40];
    char names[40][8];
    uint32_t info, i;
    (void)state;
    reset();
    for (i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "m%u", i);
        mods[i] = names[i];
    }
    info = qemu_v1();
    v1_mods(info, mods, 32);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.module_count, 32);
    assert_int_equal(bi.truncated, 0);
    v1_mods(info, mods, 40);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.module_count, 32);
    assert_string_equal(bi.modules[31].cmd.name, "m31");
    assert_true(bi.truncated & BOOT_TRUNC_MODULES);
}

static void test_v1_module_range(void **state)
{
    static const char *const mods[] = { "a", "b", "c" };
    uint32_t info, list;
    (void)state;
    reset();
    info = qemu_v1();
    list = v1_mods(info, mods, 3);
    w32(list + 16 + 4, 0x400000);        /* b: end < start */
    w32(list + 32 + 0, 0xfffff000);      /* c: up to 4 GiB - 1 */
    w32(list + 32 + 4, 0xffffffff);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: module end before start");
    assert_int_equal(bi.module_count, 2);
    assert_string_equal(bi.modules[0].cmd.name, "a");
    assert_string_equal(bi.modules[1].cmd.name, "c");
    assert_int_equal(bi.modules[1].end, 0xffffffff);
    w32(list + 32 + 4, 0);               /* c: end wrapped past 4 GiB */
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.module_count, 1);
}

static void test_v1_module_string_unmapped(void **state)
{
    static const char *const mods[] = { "x/a q=1", "b" };
    uint32_t info, list;
    (void)state;
    reset();
    info = qemu_v1();
    list = v1_mods(info, mods, 2);
    w32(list + 8, 0xcafe0000);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: module string unreadable");
    assert_int_equal(bi.module_count, 2);
    assert_string_equal(bi.modules[0].cmd.name, "");
    assert_string_equal(bi.modules[1].cmd.name, "b");
}

static void test_v1_long_strings(void **state)
{
    static char big[5000];
    uint32_t info, p;
    (void)state;
    reset();
    info = qemu_v1();
    memset(big, 'a', sizeof(big) - 1);
    w32(info + O_CMDLINE, put_str(big));
    w32(info + O_LOADER, put_str("qemu-but-a-very-long-loader-name-that-goes-"
                                 "on-and-on-past-sixty-four-bytes"));
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    assert_true(bi.truncated & BOOT_TRUNC_CMDLINE);
    assert_true(bi.truncated & BOOT_TRUNC_LOADER_NAME);
    assert_int_equal(strlen(bi.loader_name), BOOT_LOADER_NAME_MAX - 1);

    /* Exactly 1023 characters fit. */
    big[1023] = '\0';
    w32(info + O_CMDLINE, put_str(big));
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(strlen(bi.cmdline), 1023);
    assert_false(bi.truncated & BOOT_TRUNC_CMDLINE);

    /* Module string of 300 chars is cut to 255. */
    memset(big, 'm', 300);
    big[300] = '\0';
    p = alloc(16);
    w32(p, 0x400000);
    w32(p + 4, 0x500000);
    w32(p + 8, put_str(big));
    w32(info + O_MODS_ADDR, p);
    w32(info + O_MODS_COUNT, 1);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_true(bi.modules[0].string_truncated);
    assert_int_equal(strlen(bi.modules[0].string), 255);
    assert_true(bi.modules[0].cmd.name_truncated);
}

static void test_v1_unterminated_at_end(void **state)
{
    uint32_t info, p;
    (void)state;
    reset();
    info = qemu_v1();
    /* No NUL before the end of memory: unreadable, not an overrun. */
    p = MEM_BASE + MEM_SIZE - 100;
    memset(at(p), 'z', 100);
    w32(info + O_CMDLINE, p);
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi1: command line unreadable");
    /* NUL as the very last byte of memory: fine. */
    at(MEM_BASE + MEM_SIZE - 1)[0] = '\0';
    assert_int_equal(parse(MB1_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(strlen(bi.cmdline), 99);
    assert_int_equal(bi.note_count, 0);
}

/* ---- Multiboot 2 builders (Multiboot2 1.6, 3.6) -------------------------- */

static uint32_t v2_start;

static void v2_begin(void)
{
    v2_start = alloc(8);
}

static uint32_t v2_tag(uint32_t type, const void *payload, size_t len)
{
    uint32_t p = alloc(8 + len);
    w32(p, type);
    w32(p + 4, (uint32_t)(8 + len));
    if (len != 0)
        memcpy(at(p + 8), payload, len);
    return p;
}

static void v2_str(uint32_t type, const char *s)
{
    v2_tag(type, s, strlen(s) + 1);
}

static void v2_module(uint32_t start, uint32_t end, const char *s)
{
    uint8_t buf[300];
    memcpy(buf, &start, 4);
    memcpy(buf + 4, &end, 4);
    memcpy(buf + 8, s, strlen(s) + 1);
    v2_tag(3, buf, 8 + strlen(s) + 1);
}

static uint32_t v2_mmap(const struct ent *e, size_t n, uint32_t esize)
{
    static uint8_t buf[8 + 200 * 32];
    uint32_t ver = 0;
    size_t i;
    memset(buf, 0, sizeof(buf));
    memcpy(buf, &esize, 4);
    memcpy(buf + 4, &ver, 4);
    for (i = 0; i < n; i++) {
        memcpy(buf + 8 + i * esize, &e[i].base, 8);
        memcpy(buf + 8 + i * esize + 8, &e[i].len, 8);
        memcpy(buf + 8 + i * esize + 16, &e[i].type, 4);
    }
    return v2_tag(6, buf, 8 + n * esize);
}

static uint32_t v2_end(void)
{
    v2_tag(0, NULL, 0);
    w32(v2_start, (uint32_t)(next_free - v2_start));
    return v2_start;
}

static const uint8_t rsdp_v1[20] = "RSD PTR \x01" "BOCHS \x00\x00\x0e\x7f\x00";
static const uint8_t rsdp_v2[36] = "RSD PTR \x02" "BOCHS \x02\x00\x00\x00\x00"
                                   "\x24\x00\x00\x00\x00\x10\x0e\x7f";

/* GRUB 2.06 (BIOS) multiboot2 with two module2 lines. */
static uint32_t grub_v2(void)
{
    uint32_t meminfo[2] = { 639, 130048 };
    uint32_t bootdev[3] = { 0xe0, 0xffffffff, 0xffffffff };
    uint32_t base_addr = 0x200000;
    v2_begin();
    v2_tag(21, &base_addr, 4);
    v2_str(1, "serial=com1 smp=2");
    v2_str(2, "GRUB 2.06-13+deb12u1");
    v2_module(0x400000, 0x412345, "root.elf a=b");
    v2_module(0x500000, 0x600000, "guest.bin");
    v2_tag(4, meminfo, 8);
    v2_tag(5, bootdev, 12);
    v2_mmap(qemu_e820, N(qemu_e820), 24);
    v2_tag(14, rsdp_v1, 20);
    v2_tag(15, rsdp_v2, 36);
    return v2_end();
}

/* Parses a v2 image made of one prefix of tags plus the end tag. */
static uint32_t v2_simple(const char *cmd)
{
    v2_begin();
    v2_str(1, cmd);
    v2_str(2, "GRUB 2.06");
    return v2_end();
}

/* ---- Multiboot 2: GRUB ------------------------------------------------ */

static void test_v2_grub(void **state)
{
    uint32_t info, i;
    (void)state;
    reset();
    info = grub_v2();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_null(why);
    assert_int_equal(bi.protocol, 2);
    assert_int_equal(bi.loader, BOOT_LOADER_GRUB);
    assert_string_equal(bi.loader_name, "GRUB 2.06-13+deb12u1");
    assert_string_equal(cmdline_args(bi.cmdline, bi.loader),
                        "serial=com1 smp=2");
    assert_int_equal(bi.module_count, 2);
    assert_int_equal(bi.modules[0].start, 0x400000);
    assert_int_equal(bi.modules[0].end, 0x412345);
    assert_string_equal(bi.modules[0].cmd.name, "root.elf");
    assert_string_equal(bi.modules[0].cmd.args, "a=b");
    assert_string_equal(bi.modules[1].cmd.name, "guest.bin");
    assert_int_equal(bi.mem_lower_kib, 639);
    assert_int_equal(bi.mmap_count, N(qemu_e820));
    for (i = 0; i < N(qemu_e820); i++)
        assert_entry(i, &qemu_e820[i]);
    assert_int_equal(bi.rsdp_tag, 15);
    assert_int_equal(bi.rsdp_len, 36);
    assert_memory_equal(bi.rsdp, rsdp_v2, 36);
    assert_int_equal(bi.has, BOOT_HAS_LOADER_NAME | BOOT_HAS_CMDLINE |
                                 BOOT_HAS_MEM_BASIC | BOOT_HAS_MMAP |
                                 BOOT_HAS_MODULES | BOOT_HAS_RSDP);
    assert_int_equal(bi.truncated, 0);
    assert_int_equal(bi.info_start, info);
    assert_int_equal(bi.info_end, next_free);
}

static void test_v2_rsdp_variants(void **state)
{
    uint32_t info;
    uint8_t big[40];
    (void)state;

    reset(); /* QEMU's ACPI: revision 0, only tag 14 */
    v2_begin();
    v2_tag(14, rsdp_v1, 20);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.rsdp_tag, 14);
    assert_int_equal(bi.rsdp_len, 20);
    assert_memory_equal(bi.rsdp, rsdp_v1, 20);

    reset(); /* new before old: new still wins */
    v2_begin();
    v2_tag(15, rsdp_v2, 36);
    v2_tag(14, rsdp_v1, 20);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.rsdp_tag, 15);
    assert_memory_equal(bi.rsdp, rsdp_v2, 36);

    reset(); /* too short, and too long */
    memset(big, 0x11, sizeof(big));
    v2_begin();
    v2_tag(14, rsdp_v1, 12);
    v2_tag(15, big, 40);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: ACPI RSDP tag too short");
    assert_int_equal(bi.rsdp_tag, 15);
    assert_int_equal(bi.rsdp_len, 36);
    assert_true(bi.truncated & BOOT_TRUNC_RSDP);
}

/* ---- Multiboot 2: hostile input --------------------------------------- */

static void test_v2_total_small(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = v2_simple("x");
    w32(info, 7);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_EFORMAT);
    assert_string_equal(why, "mbi2: total_size below 8");
    w32(info, 0);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_EFORMAT);
    w32(info, 8); /* only the fixed part: no end tag */
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: no end tag");
}

static void test_v2_total_huge(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    info = v2_simple("smp=1");
    w32(info, 0x100000);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_true(bi.truncated & BOOT_TRUNC_INFO);
    expect_note("mbi2: total_size above 64 KiB");
    assert_string_equal(bi.cmdline, "smp=1");
    assert_int_equal(bi.info_end - bi.info_start, MB2_INFO_MAX);
    w32(info, 0xffffffff);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    /* Cut to 64 KiB, but that runs past memory: not readable. */
    next_free = MEM_BASE + MEM_SIZE - 0x8000;
    info = v2_simple("x");
    w32(info, 0x20000);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_EFAULT);
}

static void test_v2_unmapped(void **state)
{
    (void)state;
    reset();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, 0x8000), BH_EFAULT);
    assert_string_equal(why, "mbi2: info structure not readable");
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, MEM_BASE + MEM_SIZE - 4),
                     BH_EFAULT);
}

static void test_v2_misaligned(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    next_free = MEM_BASE + 0x1004;
    /* Build at an aligned address, then move it 4 bytes up. */
    info = v2_simple("smp=3");
    memmove(at(info + 4), at(info), next_free - info);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info + 4), BH_OK);
    expect_note("mbi2: info structure not 8-byte aligned");
    assert_string_equal(bi.cmdline, "smp=3");
}

static void test_v2_tag_size_small(void **state)
{
    uint32_t info, t;
    (void)state;
    reset();
    v2_begin();
    v2_str(1, "smp=1");
    t = v2_tag(2, "qemu", 5);
    v2_str(2, "GRUB");
    info = v2_end();
    w32(t + 4, 4);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: tag size below 8");
    assert_string_equal(bi.cmdline, "smp=1");
    assert_string_equal(bi.loader_name, "");
    w32(t + 4, 0);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: tag size below 8");
    assert_true(map_calls < 10);
}

static void test_v2_tag_past_total(void **state)
{
    uint32_t info, t;
    (void)state;
    reset();
    v2_begin();
    v2_str(1, "smp=1");
    t = v2_tag(2, "qemu", 5);
    info = v2_end();
    w32(t + 4, 0x1000);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: tag runs past total_size");
    assert_string_equal(bi.cmdline, "smp=1");
    w32(t + 4, 0xfffffff9);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: tag runs past total_size");
    /* A size whose 8-padding alone passes total_size ends the walk. */
    w32(t + 4, (uint32_t)(info + bi.info_end - bi.info_start - t) - 1);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: no end tag");
}

static void test_v2_no_end_tag(void **state)
{
    uint32_t info;
    (void)state;
    reset();
    v2_begin();
    v2_str(1, "smp=1");
    v2_str(2, "GRUB 2.06");
    info = v2_start;
    w32(info, (uint32_t)(next_free - info));
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: no end tag");
    assert_string_equal(bi.cmdline, "smp=1");
    assert_int_equal(bi.loader, BOOT_LOADER_GRUB);
    /* total_size not a multiple of 8, ends inside a tag header. */
    w32(info, (uint32_t)(next_free - info) + 5);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: no end tag");
}

static void test_v2_mmap_entry_small(void **state)
{
    uint32_t meminfo[2] = { 639, 2048 };
    uint32_t info, t;
    (void)state;
    reset();
    v2_begin();
    v2_tag(4, meminfo, 8);
    t = v2_mmap(qemu_e820, N(qemu_e820), 24);
    info = v2_end();
    w32(t + 8, 20);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: memory map entry_size below 24");
    assert_false(bi.has & BOOT_HAS_MMAP);
    assert_int_equal(bi.mmap_count, 2); /* from tag 4 */
    assert_int_equal(bi.mmap[1].length, 2048 * 1024);
    w32(t + 8, 0);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: memory map entry_size below 24");
    w32(t + 4, 12); /* tag too short for its header */
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: memory map tag too short");
}

static void test_v2_mmap_stride_and_partial(void **state)
{
    uint32_t info, t;
    (void)state;
    reset();
    v2_begin();
    t = v2_mmap(qemu_e820, N(qemu_e820), 32);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_null(why);
    assert_int_equal(bi.mmap_count, N(qemu_e820));
    assert_entry(5, &qemu_e820[5]);
    w32(t + 4, 16 + 5 * 32 + 20);
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: memory map ends in a partial entry");
    assert_int_equal(bi.mmap_count, 5);
}

static void test_v2_mmap_too_many(void **state)
{
    struct ent many[200];
    uint32_t info, i;
    (void)state;
    reset();
    for (i = 0; i < 200; i++)
        many[i] = (struct ent){ i * 0x1000ull, 0x1000, 1 };
    v2_begin();
    v2_mmap(many, 200, 24);
    v2_mmap(many, 2, 24);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.mmap_count, BOOT_MMAP_MAX);
    assert_true(bi.truncated & BOOT_TRUNC_MMAP);
    expect_note("mbi2: second memory map tag");
}

static void test_v2_strings_unterminated(void **state)
{
    static char big[3000];
    uint32_t info, t;
    (void)state;
    reset();
    memset(big, 'c', sizeof(big));
    v2_begin();
    t = v2_tag(1, "abc", 3); /* no NUL inside the tag */
    v2_tag(2, big, 100);
    v2_module(0x400000, 0x400000, "");
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: command line not NUL-terminated");
    expect_note("mbi2: boot loader name not NUL-terminated");
    assert_string_equal(bi.cmdline, "abc");
    assert_int_equal(strlen(bi.loader_name), 63);
    assert_true(bi.truncated & BOOT_TRUNC_LOADER_NAME);
    assert_int_equal(bi.module_count, 1);
    assert_string_equal(bi.modules[0].cmd.name, "");
    w32(t + 4, 8); /* empty payload */
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_string_equal(bi.cmdline, "");

    reset();
    big[2999] = '\0';
    v2_begin();
    v2_tag(1, big, 3000);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
    assert_true(bi.truncated & BOOT_TRUNC_CMDLINE);
    assert_int_equal(bi.note_count, 0);
}

static void test_v2_modules_bad(void **state)
{
    uint32_t info, t, i;
    uint8_t buf[8] = { 0 };
    (void)state;
    reset();
    v2_begin();
    v2_module(0x500000, 0x400000, "backwards");
    t = v2_tag(3, buf, 4);
    (void)t;
    for (i = 0; i < 40; i++)
        v2_module(0x400000 + i, 0x400001 + i, "/boot/m.elf k=v");
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    expect_note("mbi2: module end before start");
    expect_note("mbi2: module tag too short");
    expect_note("mbi2: more than 32 modules");
    assert_int_equal(bi.module_count, 32);
    assert_true(bi.truncated & BOOT_TRUNC_MODULES);
    assert_string_equal(bi.modules[31].cmd.name, "m.elf");
    assert_string_equal(bi.modules[31].cmd.args, "k=v");
    assert_int_equal(bi.modules[31].start, 0x400000 + 31);
}

static void test_v2_notes_overflow(void **state)
{
    uint32_t info, i;
    uint8_t buf[4] = { 0 };
    (void)state;
    reset();
    v2_begin();
    for (i = 0; i < 20; i++)
        v2_tag(3, buf, 4);
    info = v2_end();
    assert_int_equal(parse(MB2_BOOTLOADER_MAGIC, info), BH_OK);
    assert_int_equal(bi.note_count, BOOT_NOTES_MAX);
    assert_int_equal(bi.notes_dropped, 4);
}

/* ---- fuzz ------------------------------------------------------------- */

static uint32_t rng = 0x12345678;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void check_invariants(enum bh_status st)
{
    uint32_t i;
    if (st != BH_OK) {
        assert_non_null(why);
        return;
    }
    assert_true(bi.mmap_count <= BOOT_MMAP_MAX);
    assert_true(bi.module_count <= BOOT_MODS_MAX);
    assert_true(bi.note_count <= BOOT_NOTES_MAX);
    assert_true(bi.rsdp_len <= BOOT_RSDP_MAX);
    assert_non_null(memchr(bi.cmdline, 0, sizeof(bi.cmdline)));
    assert_non_null(memchr(bi.loader_name, 0, sizeof(bi.loader_name)));
    for (i = 0; i < bi.module_count; i++) {
        const struct boot_module *m = &bi.modules[i];
        assert_true(m->end >= m->start);
        assert_non_null(memchr(m->string, 0, sizeof(m->string)));
        assert_non_null(memchr(m->cmd.name, 0, sizeof(m->cmd.name)));
        assert_non_null(memchr(m->cmd.args, 0, sizeof(m->cmd.args)));
    }
    for (i = 0; i < bi.note_count; i++)
        assert_non_null(bi.notes[i]);
    assert_true(bi.info_end >= bi.info_start);
}

/* Mutates bytes in [lo, hi): random bytes, or small/edge 32-bit values. */
static void mutate(uint64_t lo, uint64_t hi)
{
    static const uint32_t edge[] = { 0, 1, 7, 8, 20, 24, 0xff, 0x7fffffff,
                                     0xffffffff, 0x80000000, MEM_BASE,
                                     MEM_BASE + MEM_SIZE - 1 };
    uint32_t k, n = 1 + rnd() % 6;
    for (k = 0; k < n; k++) {
        uint64_t p = lo + rnd() % (hi - lo - 4);
        if (rnd() % 2)
            at(p)[0] = (uint8_t)rnd();
        else
            w32(p, edge[rnd() % N(edge)]);
    }
}

static void test_fuzz_v1(void **state)
{
    static uint8_t image[MEM_SIZE];
    uint64_t end;
    uint32_t info;
    int iter;
    (void)state;
    reset();
    info = ipxe_v1();
    v1_mmap(info, qemu_e820, N(qemu_e820), 20);
    end = next_free;
    memcpy(image, mem, sizeof(image));
    for (iter = 0; iter < 4000; iter++) {
        memcpy(mem, image, (size_t)(end - MEM_BASE));
        mutate(info, end);
        check_invariants(parse(MB1_BOOTLOADER_MAGIC, info));
    }
}

static void test_fuzz_v2(void **state)
{
    static uint8_t image[MEM_SIZE];
    uint64_t end;
    uint32_t info;
    int iter;
    (void)state;
    reset();
    info = grub_v2();
    end = next_free;
    memcpy(image, mem, sizeof(image));
    for (iter = 0; iter < 4000; iter++) {
        memcpy(mem, image, (size_t)(end - MEM_BASE));
        mutate(info, end);
        check_invariants(parse(MB2_BOOTLOADER_MAGIC, info));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_qemu),
        cmocka_unit_test(test_v1_ipxe),
        cmocka_unit_test(test_v1_grub),
        cmocka_unit_test(test_v1_no_flags),
        cmocka_unit_test(test_v1_zero_modules),
        cmocka_unit_test(test_v1_mem_fallback),
        cmocka_unit_test(test_v1_info_unmapped),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_v1_cmdline_unmapped),
        cmocka_unit_test(test_v1_loader_unmapped),
        cmocka_unit_test(test_v1_mods_unmapped),
        cmocka_unit_test(test_v1_mmap_unmapped),
        cmocka_unit_test(test_v1_mmap_partial),
        cmocka_unit_test(test_v1_mmap_size_zero),
        cmocka_unit_test(test_v1_mmap_size_small_or_huge),
        cmocka_unit_test(test_v1_mmap_big_stride),
        cmocka_unit_test(test_v1_mmap_too_many),
        cmocka_unit_test(test_v1_mmap_length_huge),
        cmocka_unit_test(test_v1_mods_count_huge),
        cmocka_unit_test(test_v1_mods_max),
        cmocka_unit_test(test_v1_module_range),
        cmocka_unit_test(test_v1_module_string_unmapped),
        cmocka_unit_test(test_v1_long_strings),
        cmocka_unit_test(test_v1_unterminated_at_end),
        cmocka_unit_test(test_v2_grub),
        cmocka_unit_test(test_v2_rsdp_variants),
        cmocka_unit_test(test_v2_total_small),
        cmocka_unit_test(test_v2_total_huge),
        cmocka_unit_test(test_v2_unmapped),
        cmocka_unit_test(test_v2_misaligned),
        cmocka_unit_test(test_v2_tag_size_small),
        cmocka_unit_test(test_v2_tag_past_total),
        cmocka_unit_test(test_v2_no_end_tag),
        cmocka_unit_test(test_v2_mmap_entry_small),
        cmocka_unit_test(test_v2_mmap_stride_and_partial),
        cmocka_unit_test(test_v2_mmap_too_many),
        cmocka_unit_test(test_v2_strings_unterminated),
        cmocka_unit_test(test_v2_modules_bad),
        cmocka_unit_test(test_v2_notes_overflow),
        cmocka_unit_test(test_fuzz_v1),
        cmocka_unit_test(test_fuzz_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
