/*
 * ACPI parser core: RSDP, RSDT/XSDT walk, table validation, FADT, FACS,
 * DSDT and MCFG. MADT, DMAR and AML live in acpi_madt.c, acpi_dmar.c and
 * acpi_aml.c. All input is untrusted (see acpi.h).
 */
#include <string.h>

#include "acpi_priv.h"

/* ---- problem notes ------------------------------------------------------ */

struct sbuf {
    char *buf;
    size_t n, cap; /* cap includes the NUL */
};

static void sb_putc(struct sbuf *s, char c)
{
    if (s->n + 1 < s->cap) {
        s->buf[s->n++] = c;
        s->buf[s->n] = '\0';
    }
}

static void sb_puts(struct sbuf *s, const char *str)
{
    while (*str)
        sb_putc(s, *str++);
}

static void sb_hex(struct sbuf *s, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    int shift = 60;
    sb_puts(s, "0x");
    while (shift > 0 && !(v >> shift))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        sb_putc(s, hx[(v >> shift) & 0xf]);
}

void acpi_note(struct acpi_info *o, const char *what, const char *text,
               uint64_t value, const char *tail)
{
    o->problems++;
    if (o->why[0])
        return;
    struct sbuf s = {o->why, 0, sizeof o->why};
    sb_puts(&s, what);
    sb_puts(&s, ": ");
    sb_puts(&s, text);
    if (tail) {
        sb_hex(&s, value);
        sb_puts(&s, tail);
    }
}

/* Notes a problem with the table at phys: "SIG at 0x...: text". */
static void note_table(struct acpi_info *o, const char sig[4], uint64_t phys,
                       const char *text)
{
    char what[32]; /* "SIG at 0x" + 16 digits */
    struct sbuf s = {what, 0, sizeof what};
    what[0] = '\0';
    for (int i = 0; i < 4; i++)
        sb_putc(&s, sig[i] >= ' ' && sig[i] <= '~' ? sig[i] : '?');
    sb_puts(&s, " at ");
    sb_hex(&s, phys);
    acpi_note(o, what, text, 0, NULL);
}

/* ---- memory access ------------------------------------------------------ */

const uint8_t *acpi_map(const struct acpi_mem *m, uint64_t phys, uint64_t len,
                        enum bh_status *st)
{
    if (len == 0 || len - 1 > UINT64_MAX - phys) {
        *st = BH_EOVERFLOW;
        return NULL;
    }
    const uint8_t *p = m->map(m->ctx, phys, len);
    *st = p ? BH_OK : BH_ERANGE;
    return p;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/*
 * Maps and validates the SDT at phys (ACPI 6.5 5.2.6): header mapped,
 * 36 <= length <= ACPI_MAX_TABLE_LEN, whole table mapped, checksum 0.
 * Returns BH_OK with *pp and *plen set, or the reason (noted in o).
 */
static enum bh_status load_sdt(const struct acpi_mem *m, uint64_t phys,
                               struct acpi_info *o, const uint8_t **pp,
                               uint32_t *plen)
{
    static const char unknown[4] = {'?', '?', '?', '?'};
    enum bh_status st;
    const uint8_t *h = acpi_map(m, phys, ACPI_HDR_LEN, &st);
    if (!h) {
        note_table(o, unknown, phys, st == BH_EOVERFLOW
                                         ? "address range wraps"
                                         : "header not in mapped memory");
        return st;
    }
    const char *sig = (const char *)h;
    uint32_t len = acpi_rd32(h + 4);
    if (len < ACPI_HDR_LEN) {
        note_table(o, sig, phys, "length smaller than the 36-byte header");
        return BH_EFORMAT;
    }
    if (len > ACPI_MAX_TABLE_LEN) {
        note_table(o, sig, phys, "length too large");
        return BH_ERANGE;
    }
    const uint8_t *p = acpi_map(m, phys, len, &st);
    if (!p) {
        note_table(o, sig, phys, st == BH_EOVERFLOW
                                     ? "address range wraps"
                                     : "body not in mapped memory");
        return st;
    }
    if (sum8(p, len) != 0) {
        note_table(o, sig, phys, "bad checksum, table skipped");
        return BH_ECHECKSUM;
    }
    *pp = p;
    *plen = len;
    return BH_OK;
}

/* ---- table list --------------------------------------------------------- */

const struct acpi_table *acpi_find_table(const struct acpi_info *info,
                                         const char *sig)
{
    for (uint32_t i = 0; i < info->ntables && i < ACPI_MAX_TABLES; i++)
        if (!memcmp(info->tables[i].sig, sig, 4))
            return &info->tables[i];
    return NULL;
}

static bool listed(const struct acpi_info *o, uint64_t phys)
{
    for (uint32_t i = 0; i < o->ntables; i++)
        if (o->tables[i].phys == phys)
            return true;
    return false;
}

/* Appends a valid table; a second table at the same address is ignored. */
static void add_table(struct acpi_info *o, const uint8_t *sig, uint64_t phys,
                      uint32_t len)
{
    if (listed(o, phys))
        return;
    if (o->ntables == ACPI_MAX_TABLES) {
        if (!o->tables_truncated)
            acpi_note(o, "tables", "more than ACPI_MAX_TABLES, rest ignored",
                      0, NULL);
        o->tables_truncated = true;
        return;
    }
    struct acpi_table *t = &o->tables[o->ntables++];
    memcpy(t->sig, sig, 4);
    t->phys = phys;
    t->length = len;
}

/* ---- RSDP --------------------------------------------------------------- */

/*
 * Checks an RSDP image of avail bytes (ACPI 6.5 5.2.5.3): signature,
 * 20-byte checksum, and for revision >= 2 the length and extended
 * checksum. Returns BH_OK, BH_EFORMAT or BH_ECHECKSUM; *what explains.
 */
static enum bh_status check_rsdp(const uint8_t *p, size_t avail,
                                 const char **what)
{
    if (avail < ACPI_RSDP_V1_LEN || memcmp(p, "RSD PTR ", 8)) {
        *what = "bad signature or too short";
        return BH_EFORMAT;
    }
    if (sum8(p, ACPI_RSDP_V1_LEN)) {
        *what = "bad checksum";
        return BH_ECHECKSUM;
    }
    if (p[15] < 2)
        return BH_OK;
    uint32_t len = avail >= 24 ? acpi_rd32(p + 20) : 0;
    if (len < sizeof(struct acpi_rsdp_raw) || len > avail) {
        *what = "revision 2 length field invalid or past the copy";
        return BH_EFORMAT;
    }
    if (sum8(p, len)) {
        *what = "bad extended checksum";
        return BH_ECHECKSUM;
    }
    return BH_OK;
}

enum bh_status acpi_find_rsdp(const void *area, size_t len, uint64_t area_phys,
                              uint64_t *rsdp_phys)
{
    const uint8_t *a = area;
    size_t off = (size_t)((16 - (area_phys & 15)) & 15);
    for (; off < len && len - off >= ACPI_RSDP_V1_LEN; off += 16) {
        const char *what;
        if (check_rsdp(a + off, len - off, &what) == BH_OK) {
            *rsdp_phys = area_phys + off;
            return BH_OK;
        }
    }
    return BH_ENOENT;
}

/* ---- FADT, FACS, DSDT --------------------------------------------------- */

/* Builds a GAS for a legacy 32-bit I/O port block of len bytes. */
static struct acpi_gas io_gas(uint32_t port, uint8_t len)
{
    struct acpi_gas g = {ACPI_GAS_IO, (uint8_t)(len * 8u), 0, 0, port};
    return g;
}

/* The X_ block if the FADT covers it and its address is non-zero. */
static struct acpi_gas pick_gas(const struct acpi_gas_raw *x, size_t x_off,
                                uint32_t fadt_len, uint32_t port, uint8_t len)
{
    if (x_off + sizeof *x <= fadt_len && x->address) {
        struct acpi_gas g = {x->space, x->bit_width, x->bit_offset,
                             x->access_size, x->address};
        return g;
    }
    return port ? io_gas(port, len) : (struct acpi_gas){0, 0, 0, 0, 0};
}

#define FADT_HAS(len, field) \
    (offsetof(struct acpi_fadt_raw, field) + \
     sizeof(((struct acpi_fadt_raw *)0)->field) <= (len))

static void fadt_blocks(struct acpi_fadt_info *f, const struct acpi_fadt_raw *r,
                        uint32_t len)
{
#define PICK(x, port, blen) \
    pick_gas(&r->x, offsetof(struct acpi_fadt_raw, x), len, r->port, r->blen)
    f->pm1a_evt = PICK(x_pm1a_evt_blk, pm1a_evt_blk, pm1_evt_len);
    f->pm1b_evt = PICK(x_pm1b_evt_blk, pm1b_evt_blk, pm1_evt_len);
    f->pm1a_cnt = PICK(x_pm1a_cnt_blk, pm1a_cnt_blk, pm1_cnt_len);
    f->pm1b_cnt = PICK(x_pm1b_cnt_blk, pm1b_cnt_blk, pm1_cnt_len);
    f->pm_tmr = PICK(x_pm_tmr_blk, pm_tmr_blk, pm_tmr_len);
#undef PICK
}

/* ACPI 6.5 5.2.9: fields past the table's length read as zero. */
static void parse_fadt(struct acpi_info *o, const uint8_t *p, uint32_t len)
{
    struct acpi_fadt_raw r;
    struct acpi_fadt_info *f = &o->fadt;
    memset(&r, 0, sizeof r);
    memcpy(&r, p, len < sizeof r ? len : sizeof r);
    if (!FADT_HAS(len, dsdt))
        acpi_note(o, "FACP", "too short for the DSDT field", 0, NULL);
    f->present = true;
    f->revision = r.hdr.revision;
    f->flags = r.flags;
    f->hw_reduced = r.flags & ACPI_FADT_HW_REDUCED;
    f->sci_irq = r.sci_int;
    f->smi_cmd = r.smi_cmd;
    f->acpi_enable = r.acpi_enable;
    fadt_blocks(f, &r, len);
    f->pm_tmr_32bit = r.flags & ACPI_FADT_TMR_VAL_EXT;
    f->reset_supported = (r.flags & ACPI_FADT_RESET_REG_SUP) &&
                         FADT_HAS(len, reset_value);
    if (f->reset_supported) {
        struct acpi_gas g = {r.reset_reg.space, r.reset_reg.bit_width,
                             r.reset_reg.bit_offset, r.reset_reg.access_size,
                             r.reset_reg.address};
        f->reset_reg = g;
        f->reset_value = r.reset_value;
    }
    f->dsdt = FADT_HAS(len, x_dsdt) && r.x_dsdt ? r.x_dsdt : r.dsdt;
    f->facs = FADT_HAS(len, x_firmware_ctrl) && r.x_firmware_ctrl
                  ? r.x_firmware_ctrl
                  : r.firmware_ctrl;
}

/* ACPI 6.5 5.2.10: FACS has no checksum; signature and length only. */
static void load_facs(const struct acpi_mem *m, struct acpi_info *o)
{
    enum bh_status st;
    uint64_t phys = o->fadt.facs;
    const uint8_t *h = acpi_map(m, phys, ACPI_FACS_MIN_LEN, &st);
    if (!h) {
        acpi_note(o, "FACS", "not in mapped memory at ", phys, "");
        return;
    }
    uint32_t len = acpi_rd32(h + 4);
    if (memcmp(h, "FACS", 4) || len < ACPI_FACS_MIN_LEN ||
        len > ACPI_MAX_TABLE_LEN || !acpi_map(m, phys, len, &st)) {
        acpi_note(o, "FACS", "bad signature or length at ", phys, "");
        return;
    }
    add_table(o, h, phys, len);
}

static void load_dsdt(const struct acpi_mem *m, struct acpi_info *o)
{
    const uint8_t *p;
    uint32_t len;
    o->s5_status = BH_ENOENT;
    if (load_sdt(m, o->fadt.dsdt, o, &p, &len) != BH_OK)
        return;
    if (memcmp(p, "DSDT", 4)) {
        acpi_note(o, "FACP", "DSDT pointer does not point at a DSDT: ",
                  o->fadt.dsdt, "");
        return;
    }
    add_table(o, p, o->fadt.dsdt, len);
    o->s5_status = acpi_aml_find_s5(p + ACPI_HDR_LEN, len - ACPI_HDR_LEN,
                                    &o->slp_typa, &o->slp_typb);
    if (o->s5_status == BH_EFORMAT)
        acpi_note(o, "DSDT", "_S5_ is not a valid package", 0, NULL);
}

/* ---- MCFG (PCI Firmware Spec 3.2, 4.1.2) --------------------------------- */

struct acpi_mcfg_alloc {
    uint64_t base;
    uint16_t segment;
    uint8_t start_bus;
    uint8_t end_bus;
    uint32_t reserved;
} ACPI_PACKED;
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG entry is 16 bytes");
#define MCFG_ENTRIES_OFF 44u /* header + 8 reserved bytes */

void acpi_parse_mcfg(struct acpi_info *o, const uint8_t *p, uint32_t len)
{
    o->mcfg_present = true;
    if (len < MCFG_ENTRIES_OFF || (len - MCFG_ENTRIES_OFF) % 16)
        acpi_note(o, "MCFG", "length ", len, " is not 44 + 16 * n");
    for (uint32_t off = MCFG_ENTRIES_OFF; len >= 16 && off <= len - 16;
         off += 16) {
        struct acpi_mcfg_alloc a;
        memcpy(&a, p + off, sizeof a);
        if (a.start_bus > a.end_bus) {
            acpi_note(o, "MCFG", "start bus > end bus in entry at offset ",
                      off, "");
            continue;
        }
        if (o->nmcfg == ACPI_MAX_MCFG) {
            o->mcfg_truncated = true;
            break;
        }
        struct acpi_mcfg_seg *s = &o->mcfg[o->nmcfg++];
        s->base = a.base;
        s->segment = a.segment;
        s->start_bus = a.start_bus;
        s->end_bus = a.end_bus;
    }
}

/* ---- root table walk ---------------------------------------------------- */

/* Notes every table after the first with signature sig. */
static void note_dups(struct acpi_info *o, const char *sig)
{
    const struct acpi_table *t = acpi_find_table(o, sig);
    if (!t)
        return;
    for (const struct acpi_table *d = t + 1; d < o->tables + o->ntables; d++)
        if (!memcmp(d->sig, sig, 4))
            note_table(o, d->sig, d->phys, "duplicate table, first one used");
}

/* Parses the first valid table with signature sig. */
static void parse_one(const struct acpi_mem *m, struct acpi_info *o,
                      const char *sig,
                      void (*fn)(struct acpi_info *, const uint8_t *, uint32_t))
{
    const struct acpi_table *t = acpi_find_table(o, sig);
    enum bh_status st;
    const uint8_t *p = t ? acpi_map(m, t->phys, t->length, &st) : NULL;
    note_dups(o, sig);
    if (p)
        fn(o, p, t->length);
}

/* The first FADT, with its FACS and DSDT (listed right away, so a full
   table list cannot crowd them out). */
static void parse_fadt_tree(const struct acpi_mem *m, struct acpi_info *o,
                            const uint8_t *p, uint32_t len)
{
    parse_fadt(o, p, len);
    if (o->fadt.facs)
        load_facs(m, o);
    if (o->fadt.dsdt)
        load_dsdt(m, o);
}

/* Walks the entries of a validated RSDT (esz 4) or XSDT (esz 8). */
static void walk_root(const struct acpi_mem *m, struct acpi_info *o,
                      const uint8_t *root, uint32_t len, uint32_t esz)
{
    uint32_t n = (len - ACPI_HDR_LEN) / esz;
    if ((len - ACPI_HDR_LEN) % esz)
        acpi_note(o, esz == 8 ? "XSDT" : "RSDT",
                  "length not a multiple of the entry size: ", len, "");
    if (n > ACPI_MAX_ROOT_ENTRIES) {
        acpi_note(o, "root", "too many entries, capped at ",
                  ACPI_MAX_ROOT_ENTRIES, "");
        o->tables_truncated = true;
        n = ACPI_MAX_ROOT_ENTRIES;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = root + ACPI_HDR_LEN + i * esz;
        uint64_t phys = esz == 8 ? acpi_rd64(e) : acpi_rd32(e);
        const uint8_t *p;
        uint32_t tlen;
        if (!phys) {
            acpi_note(o, "root", "null entry at index ", i, "");
            continue;
        }
        if (listed(o, phys) || load_sdt(m, phys, o, &p, &tlen) != BH_OK)
            continue;
        add_table(o, p, phys, tlen);
        if (!memcmp(p, "FACP", 4) && !o->fadt.present && listed(o, phys))
            parse_fadt_tree(m, o, p, tlen);
    }
}

/* Loads the root table at phys, checking its signature. */
static enum bh_status load_root(const struct acpi_mem *m, struct acpi_info *o,
                                uint64_t phys, const char *sig,
                                const uint8_t **pp, uint32_t *plen)
{
    enum bh_status st = load_sdt(m, phys, o, pp, plen);
    if (st == BH_OK && memcmp(*pp, sig, 4)) {
        note_table(o, (const char *)*pp, phys, "root table has wrong signature");
        st = BH_EFORMAT;
    }
    return st;
}

static enum bh_status parse_from(const struct acpi_mem *m, const uint8_t *rsdp,
                                 size_t avail, struct acpi_info *o)
{
    const char *what = "";
    enum bh_status st = check_rsdp(rsdp, avail, &what);
    if (st != BH_OK) {
        acpi_note(o, "RSDP", what, 0, NULL);
        return st;
    }
    o->rsdp_revision = rsdp[15];
    memcpy(o->oem_id, rsdp + 9, 6);
    o->rsdt = acpi_rd32(rsdp + 16);
    o->xsdt = rsdp[15] >= 2 ? acpi_rd64(rsdp + 24) : 0;

    const uint8_t *root = NULL;
    uint32_t len = 0;
    st = BH_ENOENT;
    if (o->xsdt)
        st = load_root(m, o, o->xsdt, "XSDT", &root, &len);
    o->using_xsdt = st == BH_OK;
    if (st != BH_OK && o->rsdt)
        st = load_root(m, o, o->rsdt, "RSDT", &root, &len);
    if (st == BH_ENOENT)
        acpi_note(o, "RSDP", "no RSDT or XSDT address", 0, NULL);
    if (st != BH_OK)
        return st;
    add_table(o, root, o->using_xsdt ? o->xsdt : o->rsdt, len);
    walk_root(m, o, root, len, o->using_xsdt ? 8 : 4);

    note_dups(o, "FACP");
    parse_one(m, o, "APIC", acpi_parse_madt);
    parse_one(m, o, "MCFG", acpi_parse_mcfg);
    parse_one(m, o, "DMAR", acpi_parse_dmar);
    return BH_OK;
}

static void reset_info(struct acpi_info *out, const char **why)
{
    memset(out, 0, sizeof *out);
    out->s5_status = BH_ENOENT;
    if (why)
        *why = out->why;
}

enum bh_status acpi_parse_rsdp_copy(const struct acpi_mem *m, const void *rsdp,
                                    size_t len, struct acpi_info *out,
                                    const char **why)
{
    reset_info(out, why);
    return parse_from(m, rsdp, len, out);
}

enum bh_status acpi_parse(const struct acpi_mem *m, uint64_t rsdp_phys,
                          struct acpi_info *out, const char **why)
{
    enum bh_status st;
    reset_info(out, why);
    const uint8_t *p = acpi_map(m, rsdp_phys, ACPI_RSDP_V1_LEN, &st);
    if (!p) {
        acpi_note(out, "RSDP", "not in mapped memory at ", rsdp_phys, "");
        return st;
    }
    size_t avail = ACPI_RSDP_V1_LEN;
    if (p[15] >= 2) {
        p = acpi_map(m, rsdp_phys, sizeof(struct acpi_rsdp_raw), &st);
        if (!p) {
            acpi_note(out, "RSDP", "revision 2 RSDP not in mapped memory at ",
                      rsdp_phys, "");
            return st;
        }
        avail = sizeof(struct acpi_rsdp_raw);
    }
    return parse_from(m, p, avail, out);
}
