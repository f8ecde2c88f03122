/*
 * MADT (signature "APIC"), ACPI 6.5 section 5.2.12: processors, IOAPICs,
 * interrupt source overrides and local APIC NMI routing.
 */
#include <string.h>

#include "acpi_priv.h"

#define MADT_ENTRIES_OFF 44u /* header + local APIC address + flags */
#define MADT_PCAT_COMPAT (1u << 0)
#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* 5.2.12.2 Processor Local APIC (type 0). */
struct madt_lapic {
    uint8_t type, length;
    uint8_t uid;
    uint8_t apic_id;
    uint32_t flags;
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT type 0 is 8 bytes");

/* 5.2.12.3 I/O APIC (type 1). */
struct madt_ioapic {
    uint8_t type, length;
    uint8_t id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT type 1 is 12 bytes");

/* 5.2.12.5 Interrupt Source Override (type 2). */
struct madt_iso {
    uint8_t type, length;
    uint8_t bus;
    uint8_t source;
    uint32_t gsi;
    uint16_t flags;
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_iso) == 10, "MADT type 2 is 10 bytes");

/* 5.2.12.7 Local APIC NMI (type 4). */
struct madt_nmi {
    uint8_t type, length;
    uint8_t uid; /* 0xff = all processors */
    uint16_t flags;
    uint8_t lint;
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_nmi) == 6, "MADT type 4 is 6 bytes");

/* 5.2.12.8 Local APIC Address Override (type 5). */
struct madt_lapic_override {
    uint8_t type, length;
    uint16_t reserved;
    uint64_t address;
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_lapic_override) == 12, "MADT type 5 is 12 bytes");

/* 5.2.12.12 Processor Local x2APIC (type 9). */
struct madt_x2apic {
    uint8_t type, length;
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t uid;
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_x2apic) == 16, "MADT type 9 is 16 bytes");

/* 5.2.12.13 Local x2APIC NMI (type 0xA). */
struct madt_x2apic_nmi {
    uint8_t type, length;
    uint16_t flags;
    uint32_t uid; /* 0xffffffff = all processors */
    uint8_t lint;
    uint8_t reserved[3];
} ACPI_PACKED;
_Static_assert(sizeof(struct madt_x2apic_nmi) == 12, "MADT type 0xA is 12 bytes");

static const uint8_t madt_min_len[] = {
    [0] = sizeof(struct madt_lapic),  [1] = sizeof(struct madt_ioapic),
    [2] = sizeof(struct madt_iso),    [4] = sizeof(struct madt_nmi),
    [5] = sizeof(struct madt_lapic_override),
    [9] = sizeof(struct madt_x2apic), [0xa] = sizeof(struct madt_x2apic_nmi),
};

static void add_cpu(struct acpi_madt_info *mi, uint32_t apic_id, uint32_t uid,
                    uint32_t flags, bool x2apic)
{
    for (uint32_t i = 0; i < mi->ncpus; i++)
        if (mi->cpus[i].apic_id == apic_id)
            return; /* listed twice (e.g. types 0 and 9): first wins */
    if (mi->ncpus == ACPI_MAX_CPUS) {
        mi->cpus_truncated = true;
        return;
    }
    struct acpi_cpu *c = &mi->cpus[mi->ncpus++];
    c->apic_id = apic_id;
    c->uid = uid;
    c->enabled = flags & MADT_CPU_ENABLED;
    c->online_capable = flags & MADT_CPU_ONLINE_CAPABLE;
    c->x2apic = x2apic;
}

static void add_nmi(struct acpi_madt_info *mi, uint32_t uid, uint16_t flags,
                    uint8_t lint)
{
    if (mi->nnmis == ACPI_MAX_NMIS) {
        mi->nmis_truncated = true;
        return;
    }
    struct acpi_lapic_nmi *n = &mi->nmis[mi->nnmis++];
    n->uid = uid;
    n->flags = flags;
    n->lint = lint;
}

static void madt_ioapic(struct acpi_madt_info *mi, const uint8_t *e)
{
    struct madt_ioapic r;
    memcpy(&r, e, sizeof r);
    if (mi->nioapics == ACPI_MAX_IOAPICS) {
        mi->ioapics_truncated = true;
        return;
    }
    struct acpi_ioapic *io = &mi->ioapics[mi->nioapics++];
    io->id = r.id;
    io->address = r.address;
    io->gsi_base = r.gsi_base;
}

static void madt_iso(struct acpi_madt_info *mi, const uint8_t *e)
{
    struct madt_iso r;
    memcpy(&r, e, sizeof r);
    if (mi->nisos == ACPI_MAX_ISOS) {
        mi->isos_truncated = true;
        return;
    }
    struct acpi_iso *s = &mi->isos[mi->nisos++];
    s->bus = r.bus;
    s->source = r.source;
    s->gsi = r.gsi;
    s->flags = r.flags;
}

/* Records one entry whose length is at least madt_min_len[type]. */
static void madt_entry(struct acpi_madt_info *mi, const uint8_t *e)
{
    switch (e[0]) {
    case 0: {
        struct madt_lapic r;
        memcpy(&r, e, sizeof r);
        add_cpu(mi, r.apic_id, r.uid, r.flags, false);
        break;
    }
    case 1:
        madt_ioapic(mi, e);
        break;
    case 2:
        madt_iso(mi, e);
        break;
    case 4: {
        struct madt_nmi r;
        memcpy(&r, e, sizeof r);
        add_nmi(mi, r.uid == 0xff ? ACPI_UID_ALL : r.uid, r.flags, r.lint);
        break;
    }
    case 5: {
        struct madt_lapic_override r;
        memcpy(&r, e, sizeof r);
        mi->lapic_addr = r.address;
        break;
    }
    case 9: {
        struct madt_x2apic r;
        memcpy(&r, e, sizeof r);
        add_cpu(mi, r.x2apic_id, r.uid, r.flags, true);
        break;
    }
    case 0xa: {
        struct madt_x2apic_nmi r;
        memcpy(&r, e, sizeof r);
        add_nmi(mi, r.uid, r.flags, r.lint);
        break;
    }
    default:
        break; /* other controllers are not ours to parse */
    }
}

void acpi_parse_madt(struct acpi_info *o, const uint8_t *p, uint32_t len)
{
    struct acpi_madt_info *mi = &o->madt;
    mi->present = true;
    if (len < MADT_ENTRIES_OFF) {
        mi->malformed = true;
        acpi_note(o, "MADT", "length ", len, " too short for the header");
        return;
    }
    mi->lapic_addr = acpi_rd32(p + 36);
    mi->pcat_compat = acpi_rd32(p + 40) & MADT_PCAT_COMPAT;
    uint32_t off = MADT_ENTRIES_OFF;
    while (off < len) {
        uint32_t elen = len - off >= 2 ? p[off + 1] : 0;
        if (len - off < 2) {
            acpi_note(o, "MADT", "truncated entry header at offset ", off, "");
        } else if (elen < 2) {
            acpi_note(o, "MADT", "entry at offset ", off,
                      elen ? " has length 1" : " has length 0");
        } else if (elen > len - off) {
            acpi_note(o, "MADT", "entry at offset ", off,
                      " runs past the table end");
        } else {
            uint8_t type = p[off];
            uint8_t need = type < sizeof madt_min_len ? madt_min_len[type] : 0;
            if (elen >= need)
                madt_entry(mi, p + off);
            else
                acpi_note(o, "MADT", "entry too short for its type at offset ",
                          off, "");
            mi->malformed |= elen < need;
            off += elen;
            continue;
        }
        mi->malformed = true;
        break; /* the entry framing is broken: stop the walk */
    }
}
