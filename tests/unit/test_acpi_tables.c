/*
 * Host unit tests for the ACPI parser's table walkers (MADT, DMAR, MCFG,
 * FADT, _S5_ AML) on hostile mutations of real dumps, plus a
 * deterministic fuzz loop under ASan/UBSan. Run from the repository root.
 */
#include "acpi_fixture.h"

/* ---- hostile MADT -------------------------------------------------------- */

static void test_madt_entry_length_zero(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "APIC");
    r->data[44 + 1] = 0;
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "MADT: entry at offset 0x2c has length 0");
    assert_true(f->info.madt.present && f->info.madt.malformed);
    assert_int_equal(f->info.madt.ncpus, 0);
    assert_true(f->info.dmar.present); /* later tables still parsed */
    fx_free(f);
}

static void test_madt_entry_past_end(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "APIC");
    r->data[r->len - 6 + 1] = 20; /* the last entry, a 6-byte NMI */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "MADT: entry at offset 0x7a runs past the table end");
    assert_true(f->info.madt.malformed);
    assert_int_equal(f->info.madt.ncpus, 2);
    assert_int_equal(f->info.madt.nisos, 5);
    assert_int_equal(f->info.madt.nnmis, 0);
    /* One stray byte after the last entry. */
    r->data[r->len - 6 + 1] = 6;
    fx_resize(r, r->len + 1);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "MADT: truncated entry header at offset 0x80");
    assert_int_equal(f->info.madt.nnmis, 1);
    fx_free(f);
}

static void test_madt_entry_short_for_type(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "APIC");
    uint8_t e[4] = {9, 4, 0, 0}; /* x2APIC entry of 4 bytes, needs 16 */
    fx_resize(r, r->len + 4);
    memcpy(r->data + r->len - 4, e, 4);
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "MADT: entry too short for its type at offset 0x80");
    assert_int_equal(f->info.madt.ncpus, 2);
    fx_free(f);
}

/* Replaces the MADT with ncpu local APIC entries plus x2APIC/override ones. */
static void test_madt_many_cpus_and_x2apic(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "APIC");
    uint32_t ncpu = ACPI_MAX_CPUS + 6, len = 44 + 12 + 16 + 12 + 8 * ncpu;
    fx_resize(r, len);
    uint8_t *p = r->data + 44;
    static const uint8_t ovr[12] = {5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 1, 0, 0, 0};
    memcpy(p, ovr, 12);
    p += 12;
    static const uint8_t x2[16] = {9, 16, 0, 0, 0x00, 0x01, 0, 0, 2, 0, 0, 0, 0x34, 0x12, 0, 0};
    memcpy(p, x2, 16); /* x2APIC id 0x100, online-capable, uid 0x1234 */
    p += 16;
    static const uint8_t x2nmi[12] = {0xa, 12, 5, 0, 0x34, 0x12, 0, 0, 1, 0, 0, 0};
    memcpy(p, x2nmi, 12);
    p += 12;
    for (uint32_t i = 0; i < ncpu; i++, p += 8) {
        uint8_t e[8] = {0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0};
        memcpy(p, e, 8);
    }
    fix_sum(r->data, len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    const struct acpi_madt_info *m = &f->info.madt;
    assert_int_equal(m->lapic_addr, 0x1fee00000ull); /* type 5 override */
    assert_int_equal(m->ncpus, ACPI_MAX_CPUS);
    assert_true(m->cpus_truncated);
    assert_int_equal(m->cpus[0].apic_id, 0x100);
    assert_int_equal(m->cpus[0].uid, 0x1234);
    assert_true(m->cpus[0].x2apic && m->cpus[0].online_capable && !m->cpus[0].enabled);
    assert_int_equal(m->cpus[1].apic_id, 0);
    assert_int_equal(m->nnmis, 1);
    assert_int_equal(m->nmis[0].uid, 0x1234);
    assert_int_equal(m->nmis[0].flags, 5);
    assert_false(m->malformed);
    fx_free(f);
}

/* Tables cut right after their header, and odd small cases. */
static void test_short_tables(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    fx_resize(fx_get(f, "APIC"), 40);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "MADT: length 0x28 too short for the header");
    assert_true(f->info.madt.present && f->info.madt.malformed);
    fx_resize(fx_get(f, "APIC"), 44); /* no entries: fine */
    fx_resize(fx_get(f, "DMAR"), 47);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: length 0x2f too short for the header");
    assert_int_equal(f->info.madt.ncpus, 0);
    fx_resize(fx_get(f, "DMAR"), 48 + 3);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: truncated structure header at offset 0x30");
    fx_resize(fx_get(f, "FACP"), 40);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "FACP: too short for the DSDT field");
    assert_true(f->info.fadt.present);
    assert_false(has_table(&f->info, "DSDT"));
    struct region *m = fx_get(f, "MCFG");
    m->data[44 + 10] = 9; /* start bus 9 > end bus... */
    m->data[44 + 11] = 8;
    fx_resize(m, 60);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_true(f->info.mcfg_present);
    assert_int_equal(f->info.nmcfg, 0);
    fx_free(f);
    f = fx_load("qemu-q35-iommu");
    struct region *r = fx_get(f, "RSDT");
    put32(r->data + 36 + 4, 0); /* null entry */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "root: null entry at index 0x1");
    fx_free(f);
}

static void test_rsdp_without_root(void **state)
{
    (void)state;
    struct fx *f = fx_load("bochs-2cpu");
    const char *why;
    uint8_t rsdp[20];
    memcpy(rsdp, fx_get(f, "RSDP")->data, 20);
    put32(rsdp + 16, 0);
    rsdp[8] = 0;
    uint8_t s = 0;
    for (int i = 0; i < 20; i++)
        s = (uint8_t)(s + rsdp[i]);
    rsdp[8] = (uint8_t)-s;
    assert_int_equal(acpi_parse_rsdp_copy(&f->mem, rsdp, 20, &f->info, &why), BH_ENOENT);
    assert_string_equal(why, "RSDP: no RSDT or XSDT address");
    fx_free(f);
}

/* ---- hostile DMAR -------------------------------------------------------- */

static void test_dmar_truncated_scope(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "DMAR");
    r->data[48 + 2] = 72 - 2; /* DRHD now ends 6 bytes into its last scope */
    fx_resize(r, r->len - 2);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: device scope at offset 0x70 runs past its structure");
    assert_true(f->info.dmar.malformed);
    assert_int_equal(f->info.dmar.ndrhd, 1);
    assert_int_equal(f->info.dmar.drhd[0].nscopes, 6);
    /* Fewer bytes left than a scope header. */
    r->data[48 + 2] = 72 - 4;
    fx_resize(r, r->len - 2);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: truncated device scope at offset 0x70");
    fx_free(f);
}

static void test_dmar_scope_length_short(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "DMAR");
    r->data[64 + 1] = 2; /* the IOAPIC scope */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: device scope at offset 0x40 has length < 6");
    assert_true(f->info.dmar.malformed);
    assert_int_equal(f->info.dmar.drhd[0].nscopes, 0);
    r->data[64 + 1] = 0; /* zero: must not loop */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_true(f->info.dmar.malformed);
    r->data[64 + 1] = 7; /* odd path length */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: device scope at offset 0x40 has an odd path length");
    fx_free(f);
}

static void test_dmar_structure_framing(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "DMAR");
    r->data[48 + 2] = 0;
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: structure at offset 0x30 has length < 4");
    assert_int_equal(f->info.dmar.ndrhd, 0);
    r->data[48 + 2] = 200;
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: structure at offset 0x30 runs past the table end");
    fx_free(f);
}

static void test_dmar_rmrr_and_flags(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "DMAR");
    uint32_t old = r->len;
    fx_resize(r, old + 24 + 10);
    uint8_t *p = r->data + old;
    p[0] = 1;
    p[2] = 34;
    put64(p + 8, 0xe0000);
    put64(p + 16, 0xeffff);
    static const uint8_t scope[10] = {2, 10, 0, 0, 0, 3, 0x1c, 0, 0, 0};
    memcpy(p + 24, scope, 10); /* bridge at 3:1c.0, then 00.0 below it */
    r->data[37] = 3;           /* INTR_REMAP | X2APIC_OPT_OUT */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "");
    const struct acpi_dmar_info *d = &f->info.dmar;
    assert_true(d->intr_remap && d->x2apic_opt_out);
    assert_int_equal(d->nrmrr, 1);
    assert_int_equal(d->rmrr[0].base, 0xe0000);
    assert_int_equal(d->rmrr[0].limit, 0xeffff);
    assert_int_equal(d->rmrr[0].nscopes, 1);
    assert_int_equal(d->rmrr[0].scopes[0].type, ACPI_SCOPE_BRIDGE);
    assert_int_equal(d->rmrr[0].scopes[0].start_bus, 3);
    assert_int_equal(d->rmrr[0].scopes[0].path_len, 2);
    assert_int_equal(d->rmrr[0].scopes[0].path[0][0], 0x1c);
    put64(p + 16, 0xdffff); /* limit below base */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "DMAR: RMRR limit below base at offset 0x78");
    assert_int_equal(f->info.dmar.nrmrr, 0);
    fx_free(f);
}

/* ---- _S5_ AML ------------------------------------------------------------ */

static enum bh_status s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
    /* Copy to an exact-size heap buffer so ASan catches over-reads. */
    uint8_t *buf = malloc(len ? len : 1);
    if (len)
        memcpy(buf, aml, len);
    enum bh_status st = acpi_aml_find_s5(buf, len, a, b);
    free(buf);
    return st;
}

#define S5(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void test_s5_encodings(void **state)
{
    (void)state;
    uint8_t a = 9, b = 9;
    assert_int_equal(s5(S5(0x10, 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                           0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00), &a, &b), BH_OK);
    assert_true(a == 5 && b == 7);
    assert_int_equal(s5(S5(0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0a, 0x04,
                           0x0b, 0x06, 0x00, 0x0c, 0x01, 0, 0, 0), &a, &b), BH_OK);
    assert_true(a == 6 && b == 1);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02,
                           0x01, 0x00), &a, &b), BH_OK);
    assert_true(a == 1 && b == 0);
    /* Two-byte PkgLength: 0x40 | low nibble, then bits 11:4. */
    uint8_t big[80] = {0x08, '_', 'S', '5', '_', 0x12, 0x43, 0x04, 0x04, 0x0a, 3, 0x0a, 2};
    assert_int_equal(s5(big, sizeof big, &a, &b), BH_OK);
    assert_true(a == 3 && b == 2);
    /* Not a NameOp: a reference in code, no definition. */
    assert_int_equal(s5(S5(0x70, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0, 0), &a, &b), BH_ENOENT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '4', '_'), &a, &b), BH_ENOENT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5'), &a, &b), BH_ENOENT);
    assert_int_equal(s5(NULL, 0, &a, &b), BH_ENOENT);
}

static void test_s5_hostile(void **state)
{
    (void)state;
    uint8_t a, b;
    /* Name ends the buffer / no package. */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_'), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x0a, 0x05), &a, &b), BH_EFORMAT);
    /* PackageOp, then nothing. */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12), &a, &b), BH_EFORMAT);
    /* Garbage PkgLength: 4-byte form with reserved bits set, huge length. */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0xff, 0xff, 0xff, 0xff,
                           0x04, 0, 0), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0xcf, 0xff, 0xff, 0xff,
                           0x04, 0, 0), &a, &b), BH_EFORMAT);
    /* PkgLength past the buffer, multi-byte length cut off. */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x04, 0, 0), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x81), &a, &b), BH_EFORMAT);
    /* PkgLength 0 and 1 (smaller than its own encoding + NumElements). */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x00, 0x02, 0, 0), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x02, 0, 0), &a, &b), BH_EFORMAT);
    /* One element, a constant cut off by the package end, a non-constant. */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x05), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05,
                           0x0a, 0x05), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0c, 1), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x70, 0), &a, &b), BH_EFORMAT);
    /* Values wider than SLP_TYP's 3 bits. */
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0xff, 0), &a, &b), BH_EFORMAT);
    assert_int_equal(s5(S5(0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 8, 0), &a, &b), BH_EFORMAT);
}

static void test_s5_garbage_in_dsdt(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "DSDT");
    uint8_t *s = NULL;
    for (uint32_t i = 0; !s && i + 4 <= r->len; i++)
        if (!memcmp(r->data + i, "_S5_", 4))
            s = r->data + i;
    assert_non_null(s);
    s[5] = 0xff; /* the PkgLength */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_int_equal(f->info.s5_status, BH_EFORMAT);
    assert_string_equal(why, "DSDT: _S5_ is not a valid package");
    assert_true(has_table(&f->info, "DSDT") && f->info.madt.present);
    /* _S5_ right at the end of the DSDT: the package is cut off. */
    uint32_t off = (uint32_t)(s - r->data);
    fx_resize(r, off + 6);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_int_equal(f->info.s5_status, BH_EFORMAT);
    /* No _S5_ at all. */
    r->data[off + 2] = '4';
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_int_equal(f->info.s5_status, BH_ENOENT);
    fx_free(f);
}

/* ---- fuzz ---------------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Mutates a few bytes of one random blob; table checksums are usually
   fixed up so the mutation reaches the table parsers. */
static void mutate(struct fx *f, uint64_t *rng)
{
    struct region *r = &f->r[rng_next(rng) % (uint64_t)f->n];
    int nflip = 1 + (int)(rng_next(rng) % 8);
    for (int i = 0; i < nflip; i++) {
        uint64_t x = rng_next(rng);
        uint32_t pos = (uint32_t)(x % r->len);
        if (x >> 60 < 4 && r->len > 48)
            pos = 36 + (uint32_t)((x >> 8) % 12); /* hit headers often */
        uint8_t v = (uint8_t)(x >> 32);
        r->data[pos] = (x >> 40) & 1 ? v : (uint8_t)(r->data[pos] ^ (1u << (v & 7)));
    }
    bool is_sdt = r->len >= 36 && strcmp(r->name, "AREA") && strcmp(r->name, "RSDP") &&
                  strcmp(r->name, "FACS");
    if (is_sdt && rng_next(rng) % 4 == 0) /* cut the table short */
        put32(r->data + 4, 36 + (uint32_t)(rng_next(rng) % (r->len - 35)));
    if (is_sdt && rng_next(rng) % 8 != 0) {
        uint32_t claimed = (uint32_t)r->data[4] | (uint32_t)r->data[5] << 8 |
                           (uint32_t)r->data[6] << 16 | (uint32_t)r->data[7] << 24;
        fix_sum(r->data, claimed >= 36 && claimed <= r->len ? claimed : r->len);
    }
}

static void fuzz_fixture(const char *name, uint64_t seed, int iters)
{
    struct fx *pristine = fx_load(name);
    uint64_t rng = seed;
    for (int it = 0; it < iters; it++) {
        struct fx *f = fx_clone(pristine);
        int rounds = 1 + (int)(rng_next(&rng) % 3);
        for (int k = 0; k < rounds; k++)
            mutate(f, &rng);
        const char *why = NULL;
        enum bh_status st = fx_parse(f, &why);
        assert_non_null(why);
        assert_true(strlen(why) < ACPI_WHY_LEN);
        if (st == BH_OK) {
            assert_true(f->info.ntables <= ACPI_MAX_TABLES);
            assert_true(f->info.madt.ncpus <= ACPI_MAX_CPUS);
            assert_true(f->info.dmar.ndrhd <= ACPI_MAX_DRHD);
        }
        struct region *d = fx_get(f, "DSDT");
        uint8_t a, b;
        size_t from = rng_next(&rng) % d->len;
        (void)s5(d->data + from, d->len - from, &a, &b);
        struct region *ar = fx_get(f, "AREA");
        uint64_t phys;
        (void)acpi_find_rsdp(ar->data, ar->len, ar->phys, &phys);
        fx_free(f);
    }
    fx_free(pristine);
}

static void test_fuzz_q35(void **state)
{
    (void)state;
    fuzz_fixture("qemu-q35-iommu", 0x9e3779b97f4a7c15ull, 3000);
}

static void test_fuzz_bochs(void **state)
{
    (void)state;
    fuzz_fixture("bochs-2cpu", 0x243f6a8885a308d3ull, 1500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_madt_entry_length_zero),
        cmocka_unit_test(test_madt_entry_past_end),
        cmocka_unit_test(test_madt_entry_short_for_type),
        cmocka_unit_test(test_madt_many_cpus_and_x2apic),
        cmocka_unit_test(test_short_tables),
        cmocka_unit_test(test_rsdp_without_root),
        cmocka_unit_test(test_dmar_truncated_scope),
        cmocka_unit_test(test_dmar_scope_length_short),
        cmocka_unit_test(test_dmar_structure_framing),
        cmocka_unit_test(test_dmar_rmrr_and_flags),
        cmocka_unit_test(test_s5_encodings),
        cmocka_unit_test(test_s5_hostile),
        cmocka_unit_test(test_s5_garbage_in_dsdt),
        cmocka_unit_test(test_fuzz_q35),
        cmocka_unit_test(test_fuzz_bochs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
