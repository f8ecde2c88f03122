/*
 * Host unit tests for the ACPI parser (hv/acpi*.c): real table dumps
 * captured from QEMU and Bochs (tests/fixtures/acpi/, see its README),
 * and hostile RSDPs, root tables and table headers made from them.
 * MADT, DMAR, AML and fuzz tests are in test_acpi_tables.c.
 * Run from the repository root.
 */
#include "acpi_fixture.h"

/* ---- real fixtures ------------------------------------------------------- */

static void test_q35_iommu(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why = NULL;
    struct acpi_info *a = &f->info;
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "");
    assert_int_equal(a->problems, 0);
    assert_int_equal(a->rsdp_revision, 0);
    assert_string_equal(a->oem_id, "BOCHS ");
    assert_int_equal(a->rsdt, 0x7fe23b4);
    assert_false(a->using_xsdt);
    assert_int_equal(a->ntables, 9);
    static const char *sigs[] = {"RSDT", "FACP", "FACS", "DSDT", "APIC",
                                 "HPET", "MCFG", "DMAR", "WAET"};
    for (size_t i = 0; i < 9; i++)
        assert_true(has_table(a, sigs[i]));
    assert_int_equal(acpi_find_table(a, "DSDT")->phys, 0x7fe0040);
    assert_int_equal(acpi_find_table(a, "DSDT")->length, 0x20ec);

    const struct acpi_madt_info *m = &a->madt;
    assert_true(m->present && !m->malformed && m->pcat_compat);
    assert_int_equal(m->lapic_addr, 0xfee00000);
    assert_int_equal(m->ncpus, 2);
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(m->cpus[i].apic_id, i);
        assert_int_equal(m->cpus[i].uid, i);
        assert_true(m->cpus[i].enabled);
        assert_false(m->cpus[i].x2apic);
    }
    assert_int_equal(m->nioapics, 1);
    assert_int_equal(m->ioapics[0].id, 0);
    assert_int_equal(m->ioapics[0].address, 0xfec00000);
    assert_int_equal(m->ioapics[0].gsi_base, 0);
    assert_int_equal(m->nisos, 5);
    assert_int_equal(m->isos[0].bus, 0);
    assert_int_equal(m->isos[0].source, 0);
    assert_int_equal(m->isos[0].gsi, 2);
    assert_int_equal(m->isos[1].source, 5);
    assert_int_equal(m->isos[1].flags, 0xd); /* level, active high */
    assert_int_equal(m->nnmis, 1);
    assert_int_equal(m->nmis[0].uid, ACPI_UID_ALL);
    assert_int_equal(m->nmis[0].lint, 1);

    const struct acpi_fadt_info *fa = &a->fadt;
    assert_true(fa->present);
    assert_int_equal(fa->revision, 3);
    assert_int_equal(fa->flags, 0x84a5);
    assert_false(fa->hw_reduced);
    assert_int_equal(fa->sci_irq, 9);
    assert_int_equal(fa->smi_cmd, 0xb2);
    assert_int_equal(fa->acpi_enable, 2);
    assert_int_equal(fa->pm1a_evt.space, ACPI_GAS_IO);
    assert_int_equal(fa->pm1a_evt.address, 0x600);
    assert_int_equal(fa->pm1a_evt.bit_width, 32);
    assert_int_equal(fa->pm1b_evt.address, 0);
    assert_int_equal(fa->pm1a_cnt.address, 0x604);
    assert_int_equal(fa->pm1a_cnt.bit_width, 16);
    assert_int_equal(fa->pm1b_cnt.address, 0);
    assert_int_equal(fa->pm_tmr.space, ACPI_GAS_IO);
    assert_int_equal(fa->pm_tmr.address, 0x608);
    assert_false(fa->pm_tmr_32bit);
    assert_true(fa->reset_supported);
    assert_int_equal(fa->reset_reg.space, ACPI_GAS_IO);
    assert_int_equal(fa->reset_reg.address, 0xcf9);
    assert_int_equal(fa->reset_value, 0x0f);
    assert_int_equal(fa->dsdt, 0x7fe0040);
    assert_int_equal(fa->facs, 0x7fe0000);

    assert_int_equal(a->s5_status, BH_OK);
    assert_int_equal(a->slp_typa, 0);
    assert_int_equal(a->slp_typb, 0);

    assert_true(a->mcfg_present);
    assert_int_equal(a->nmcfg, 1);
    assert_int_equal(a->mcfg[0].base, 0xb0000000);
    assert_int_equal(a->mcfg[0].segment, 0);
    assert_int_equal(a->mcfg[0].start_bus, 0);
    assert_int_equal(a->mcfg[0].end_bus, 0xff);

    const struct acpi_dmar_info *d = &a->dmar;
    assert_true(d->present && !d->malformed);
    assert_int_equal(d->haw, 39);
    assert_true(d->intr_remap);
    assert_false(d->x2apic_opt_out);
    assert_int_equal(d->ndrhd, 1);
    assert_int_equal(d->nrmrr, 0);
    const struct acpi_drhd *u = &d->drhd[0];
    assert_int_equal(u->base, 0xfed90000);
    assert_int_equal(u->segment, 0);
    assert_false(u->include_pci_all);
    assert_int_equal(u->nscopes, 7);
    assert_int_equal(u->scopes[0].type, ACPI_SCOPE_IOAPIC);
    assert_int_equal(u->scopes[0].enum_id, 0);
    assert_int_equal(u->scopes[0].start_bus, 0xff);
    assert_int_equal(u->scopes[0].path_len, 1);
    assert_int_equal(u->scopes[0].path[0][0], 0);
    assert_int_equal(u->scopes[0].path[0][1], 0);
    static const uint8_t ep[6][2] = {{0, 0}, {1, 0}, {2, 0}, {0x1f, 0}, {0x1f, 2}, {0x1f, 3}};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(u->scopes[i + 1].type, ACPI_SCOPE_ENDPOINT);
        assert_int_equal(u->scopes[i + 1].start_bus, 0);
        assert_memory_equal(u->scopes[i + 1].path[0], ep[i], 2);
    }
    fx_free(f);
}

static void test_qemu_pc_smp4(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-pc-smp4");
    const char *why;
    struct acpi_info *a = &f->info;
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "");
    assert_int_equal(a->madt.ncpus, 4);
    for (uint32_t i = 0; i < 4; i++)
        assert_true(a->madt.cpus[i].enabled && a->madt.cpus[i].apic_id == i);
    assert_int_equal(a->fadt.revision, 1);
    assert_int_equal(a->fadt.pm_tmr.address, 0x608);
    assert_int_equal(a->fadt.pm1a_cnt.address, 0x604);
    assert_false(a->fadt.reset_supported);
    assert_int_equal(a->s5_status, BH_OK);
    assert_false(a->mcfg_present);
    assert_false(a->dmar.present);
    assert_int_equal(a->ntables, 7);
    fx_free(f);
}

static void test_bochs_2cpu(void **state)
{
    (void)state;
    struct fx *f = fx_load("bochs-2cpu");
    const char *why;
    struct acpi_info *a = &f->info;
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "");
    assert_string_equal(a->oem_id, "BOCHS ");
    assert_int_equal(a->ntables, 7);
    assert_true(has_table(a, "SSDT") && has_table(a, "HPET"));
    assert_false(has_table(a, "WAET"));
    assert_int_equal(a->madt.ncpus, 2);
    assert_true(a->madt.cpus[0].enabled && a->madt.cpus[1].enabled);
    assert_int_equal(a->madt.cpus[1].apic_id, 1);
    assert_int_equal(a->madt.nioapics, 1);
    assert_int_equal(a->madt.ioapics[0].id, 2);
    assert_int_equal(a->madt.ioapics[0].address, 0xfec00000);
    assert_int_equal(a->madt.nisos, 1);
    assert_int_equal(a->madt.isos[0].gsi, 2);
    assert_int_equal(a->madt.nnmis, 0);
    assert_int_equal(a->fadt.sci_irq, 9);
    assert_int_equal(a->fadt.acpi_enable, 0xf1);
    assert_int_equal(a->fadt.pm1a_evt.address, 0xb000);
    assert_int_equal(a->fadt.pm1a_cnt.address, 0xb004);
    assert_int_equal(a->fadt.pm_tmr.address, 0xb008);
    assert_int_equal(a->fadt.flags, 0x75);
    assert_int_equal(a->s5_status, BH_OK);
    assert_int_equal(a->slp_typa, 0);
    assert_int_equal(a->slp_typb, 0);
    assert_false(a->mcfg_present || a->dmar.present);
    fx_free(f);
}

static void test_find_rsdp_in_area(void **state)
{
    (void)state;
    static const struct { const char *fx; uint64_t rsdp; } cases[] = {
        {"qemu-q35-iommu", 0xf59e0}, {"qemu-pc-smp4", 0xf59d0},
        {"bochs-2cpu", 0xf9fe0}};
    for (size_t i = 0; i < 3; i++) {
        struct fx *f = fx_load(cases[i].fx);
        struct region *r = fx_get(f, "AREA");
        uint64_t phys = 0;
        assert_int_equal(acpi_find_rsdp(r->data, r->len, r->phys, &phys), BH_OK);
        assert_int_equal(phys, cases[i].rsdp);
        /* Misaligned start: still scans 16-byte physical boundaries. */
        assert_int_equal(acpi_find_rsdp(r->data + 3, r->len - 3, r->phys + 3, &phys), BH_OK);
        assert_int_equal(phys, cases[i].rsdp);
        /* Cut the RSDP in half: not found, no over-read. */
        uint32_t cut = (uint32_t)(cases[i].rsdp - r->phys) + 10;
        assert_int_equal(acpi_find_rsdp(r->data, cut, r->phys, &phys), BH_ENOENT);
        fx_free(f);
    }
}

static void test_parse_rsdp_copy(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    struct region *r = fx_get(f, "RSDP");
    const char *why;
    assert_int_equal(acpi_parse_rsdp_copy(&f->mem, r->data, r->len, &f->info, &why), BH_OK);
    assert_int_equal(f->info.madt.ncpus, 2);
    assert_int_equal(acpi_parse_rsdp_copy(&f->mem, r->data, 19, &f->info, &why), BH_EFORMAT);
    assert_why(why, "RSDP");
    fx_free(f);
}

/* ---- hostile RSDP and root tables ---------------------------------------- */

static void test_bad_rsdp_checksum(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    fx_get(f, "RSDP")->data[8] ^= 1;
    assert_int_equal(fx_parse(f, &why), BH_ECHECKSUM);
    assert_string_equal(why, "RSDP: bad checksum");
    fx_get(f, "RSDP")->data[0] = 'X';
    assert_int_equal(fx_parse(f, &why), BH_EFORMAT);
    fx_free(f);
}

/* Turns the fixture's RSDP into revision 2 with an XSDT at xsdt. */
static uint8_t *make_rsdp2(struct fx *f, uint64_t xsdt)
{
    struct region *r = fx_get(f, "RSDP");
    r->data = realloc(r->data, 36);
    r->len = 36;
    memset(r->data + 20, 0, 16);
    r->data[15] = 2;
    put32(r->data + 20, 36);
    put64(r->data + 24, xsdt);
    r->data[8] = 0;
    uint8_t s = 0;
    for (int i = 0; i < 20; i++)
        s = (uint8_t)(s + r->data[i]);
    r->data[8] = (uint8_t)-s;
    s = 0;
    for (int i = 0; i < 36; i++)
        s = (uint8_t)(s + r->data[i]);
    r->data[32] = (uint8_t)-s;
    return r->data;
}

/* Adds an XSDT at 0x100000 with the RSDT's entries widened to 8 bytes. */
static void add_xsdt(struct fx *f)
{
    struct region *rsdt = fx_get(f, "RSDT");
    uint32_t n = (rsdt->len - 36) / 4, len = 36 + 8 * n;
    struct region *x = fx_add(f, "XSDT", 0x100000, NULL, len);
    memcpy(x->data, rsdt->data, 36);
    memcpy(x->data, "XSDT", 4);
    for (uint32_t i = 0; i < n; i++)
        put64(x->data + 36 + 8 * i, rsdt->data[36 + 4 * i] |
                                    (uint32_t)rsdt->data[37 + 4 * i] << 8 |
                                    (uint32_t)rsdt->data[38 + 4 * i] << 16 |
                                    (uint32_t)rsdt->data[39 + 4 * i] << 24);
    fx_resize(x, len);
    make_rsdp2(f, 0x100000);
}

static void test_xsdt_preferred_and_fallback(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    add_xsdt(f);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "");
    assert_true(f->info.using_xsdt);
    assert_int_equal(f->info.rsdp_revision, 2);
    assert_int_equal(f->info.xsdt, 0x100000);
    assert_true(has_table(&f->info, "XSDT") && has_table(&f->info, "DMAR"));
    fx_get(f, "XSDT")->data[40] ^= 0x55; /* bad XSDT checksum: use RSDT */
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_false(f->info.using_xsdt);
    assert_why(why, "XSDT at 0x100000: bad checksum");
    assert_int_equal(f->info.madt.ncpus, 2);
    fx_free(f);
}

static void test_bad_extended_checksum(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    add_xsdt(f);
    fx_get(f, "RSDP")->data[33] ^= 1; /* reserved byte, in the extended sum */
    assert_int_equal(fx_parse(f, &why), BH_ECHECKSUM);
    assert_string_equal(why, "RSDP: bad extended checksum");
    uint8_t *copy = fx_get(f, "RSDP")->data;
    assert_int_equal(acpi_parse_rsdp_copy(&f->mem, copy, 36, &f->info, &why), BH_ECHECKSUM);
    copy[33] ^= 1;
    assert_int_equal(acpi_parse_rsdp_copy(&f->mem, copy, 30, &f->info, &why), BH_EFORMAT);
    fx_free(f);
}

static void test_rsdp_unmapped(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    assert_int_equal(acpi_parse(&f->mem, 0x12345670, &f->info, &why), BH_ERANGE);
    assert_why(why, "RSDP: not in mapped memory at 0x12345670");
    assert_int_equal(acpi_parse(&f->mem, UINT64_MAX - 7, &f->info, &why), BH_EOVERFLOW);
    /* RSDT address outside memory: fatal, nothing else to walk. */
    struct region *r = fx_get(f, "RSDP");
    put32(r->data + 16, 0x40000000);
    r->data[8] = 0;
    uint8_t s = 0;
    for (int i = 0; i < 20; i++)
        s = (uint8_t)(s + r->data[i]);
    r->data[8] = (uint8_t)-s;
    assert_int_equal(fx_parse(f, &why), BH_ERANGE);
    assert_why(why, "at 0x40000000: header not in mapped memory");
    fx_free(f);
}

static void test_rsdt_shorter_than_header(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "RSDT");
    put32(r->data + 4, 20);
    fix_sum(r->data, 20);
    assert_int_equal(fx_parse(f, &why), BH_EFORMAT);
    assert_string_equal(why, "RSDT at 0x7fe23b4: length smaller than the 36-byte header");
    fx_free(f);
}

static void test_rsdt_partial_entry(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    fx_resize(fx_get(f, "RSDT"), 60 + 3);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_why(why, "RSDT: length not a multiple of the entry size: 0x3f");
    assert_int_equal(f->info.ntables, 9);
    fx_free(f);
}

static void test_empty_rsdt(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    fx_resize(fx_get(f, "RSDT"), 36);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_int_equal(f->info.ntables, 1);
    assert_false(f->info.fadt.present || f->info.madt.present);
    assert_int_equal(f->info.s5_status, BH_ENOENT);
    fx_free(f);
}

static void test_entry_unmapped(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "RSDT");
    put32(r->data + 36, 0x50000000); /* was the FADT */
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "???? at 0x50000000: header not in mapped memory");
    assert_false(f->info.fadt.present);
    assert_false(has_table(&f->info, "DSDT"));
    assert_true(f->info.madt.present && f->info.dmar.present);
    fx_free(f);
}

static void test_table_length_huge_or_wrapping(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    put32(fx_get(f, "HPET")->data + 4, 0xffffffff);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "HPET at 0x7fe22a0: length too large");
    assert_false(has_table(&f->info, "HPET"));

    /* A table near the top of the address space whose range wraps. */
    uint64_t top = UINT64_MAX - 0xff;
    struct region *t = fx_add(f, "TOP", top, NULL, 0x100);
    memcpy(t->data, "SSDT", 4);
    put32(t->data + 4, 0x200);
    add_xsdt(f);
    struct region *x = fx_get(f, "XSDT");
    put64(x->data + 36, top);
    fix_sum(x->data, x->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_true(f->info.using_xsdt);
    assert_why(why, "at 0xffffffffffffff00: address range wraps");
    assert_false(f->info.fadt.present);
    /* Header itself wraps. */
    put64(x->data + 36, UINT64_MAX - 3);
    fix_sum(x->data, x->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_why(why, "address range wraps");
    fx_free(f);
}

static void test_bad_table_checksum_skips_only_it(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    fx_get(f, "APIC")->data[50] ^= 0x10;
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "APIC at 0x7fe2220: bad checksum, table skipped");
    assert_int_equal(f->info.problems, 1);
    assert_false(f->info.madt.present);
    assert_int_equal(f->info.ntables, 8);
    assert_true(f->info.fadt.present && f->info.dmar.present && f->info.mcfg_present);
    fx_free(f);
}

static void test_zero_length_table(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    put32(fx_get(f, "WAET")->data + 4, 0);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "WAET at 0x7fe238c: length smaller than the 36-byte header");
    assert_false(has_table(&f->info, "WAET"));
    assert_int_equal(f->info.ntables, 8);
    fx_free(f);
}

static void test_duplicates(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *apic = fx_get(f, "APIC");
    struct region *copy = fx_add(f, "APIC2", 0x200000, apic->data, apic->len);
    copy->data[44 + 3] = 7; /* first CPU's APIC id, in the second MADT */
    fix_sum(copy->data, copy->len);
    struct region *r = fx_get(f, "RSDT");
    uint32_t n = (r->len - 36) / 4;
    fx_resize(r, r->len + 8);
    memcpy(r->data + 36 + 4 * n, r->data + 36, 4); /* FADT again */
    put32(r->data + 40 + 4 * n, 0x200000);
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_string_equal(why, "APIC at 0x200000: duplicate table, first one used");
    assert_int_equal(f->info.ntables, 10);
    assert_int_equal(f->info.madt.cpus[0].apic_id, 0);
    fx_free(f);
}

static void test_too_many_tables(void **state)
{
    (void)state;
    struct fx *f = fx_load("qemu-q35-iommu");
    const char *why;
    struct region *r = fx_get(f, "RSDT");
    uint32_t n0 = (r->len - 36) / 4, extra = ACPI_MAX_TABLES;
    fx_resize(r, r->len + 4 * extra);
    for (uint32_t i = 0; i < extra; i++) {
        struct region *t = fx_add(f, "SSDT", 0x300000 + 0x100 * i, NULL, 36);
        memcpy(t->data, "SSDT", 4);
        fx_resize(t, 36);
        put32(r->data + 36 + 4 * (n0 + i), (uint32_t)t->phys);
    }
    fix_sum(r->data, r->len);
    assert_int_equal(fx_parse(f, &why), BH_OK);
    assert_true(f->info.tables_truncated);
    assert_int_equal(f->info.ntables, ACPI_MAX_TABLES);
    assert_why(why, "more than ACPI_MAX_TABLES");
    assert_int_equal(f->info.madt.ncpus, 2);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_q35_iommu),
        cmocka_unit_test(test_qemu_pc_smp4),
        cmocka_unit_test(test_bochs_2cpu),
        cmocka_unit_test(test_find_rsdp_in_area),
        cmocka_unit_test(test_parse_rsdp_copy),
        cmocka_unit_test(test_bad_rsdp_checksum),
        cmocka_unit_test(test_xsdt_preferred_and_fallback),
        cmocka_unit_test(test_bad_extended_checksum),
        cmocka_unit_test(test_rsdp_unmapped),
        cmocka_unit_test(test_rsdt_shorter_than_header),
        cmocka_unit_test(test_rsdt_partial_entry),
        cmocka_unit_test(test_empty_rsdt),
        cmocka_unit_test(test_entry_unmapped),
        cmocka_unit_test(test_table_length_huge_or_wrapping),
        cmocka_unit_test(test_bad_table_checksum_skips_only_it),
        cmocka_unit_test(test_zero_length_table),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_too_many_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
