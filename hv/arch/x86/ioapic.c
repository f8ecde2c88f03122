/* I/O APIC driver: indirect register window IOREGSEL (0x00) / IOWIN
   (0x10); register 1 = version (max redirection entry in bits 16-23);
   redirection entries at 0x10 + 2n (low) and 0x11 + 2n (high). */
#include "ioapic.h"
#include "acpi.h"
#include "paging.h"
#include "console.h"
#include "spinlock.h"
#include "vtd.h"

/* iommu: the remapping unit whose DMAR device scope names this I/O APIC
   (-1: none), and its source id there. */
struct unit { volatile uint32_t *mmio; uint32_t gsi_base, count; int iommu; uint16_t sid; };
static struct unit units[4];
static unsigned nunits, ngsi;
static uint32_t flags_of[IRQ_MAX_GSI];    /* MPS INTI flags per GSI */
static bool level_of[IRQ_MAX_GSI], low_of[IRQ_MAX_GSI];
static uint16_t irte_of[IRQ_MAX_GSI];     /* + 1; 0: the line has no IRTE */

/* The select/data pair is shared state: interrupt context (irq_fire, no
   kernel lock) and system calls on other CPUs both use it. */
static struct spinlock lock = SPINLOCK_INIT;

static uint32_t rd(struct unit *u, uint32_t reg) { u->mmio[0] = reg; return u->mmio[4]; }
static void wr(struct unit *u, uint32_t reg, uint32_t v) { u->mmio[0] = reg; u->mmio[4] = v; }

static struct unit *unit_of(unsigned gsi, unsigned *pin)
{
    for (unsigned i = 0; i < nunits; i++)
        if (gsi >= units[i].gsi_base && gsi < units[i].gsi_base + units[i].count) {
            *pin = gsi - units[i].gsi_base;
            return &units[i];
        }
    return 0;
}

/* ISA IRQs are edge/active-high unless an override says otherwise; other
   GSIs (PCI) are level/active-low (ACPI 6.4, 5.2.12.5). */
static void polarity(const struct acpi_info *ai)
{
    for (unsigned g = 0; g < IRQ_MAX_GSI; g++)
        level_of[g] = low_of[g] = g >= 16;
    for (unsigned i = 0; i < ai->madt.nisos; i++) {
        const struct acpi_iso *o = &ai->madt.isos[i];
        if (o->gsi >= IRQ_MAX_GSI)
            continue;
        unsigned pol = o->flags & 3, trig = (o->flags >> 2) & 3;
        if (pol)
            low_of[o->gsi] = pol == 3;
        if (trig)
            level_of[o->gsi] = trig == 3;
        flags_of[o->gsi] = o->flags;
    }
}

/* VT-d 8.3.1: the DRHD whose device scope lists I/O APIC id (type 3,
   enumeration id), with a one-hop path; its source id is bus:dev.fn. */
static void find_scope(const struct acpi_info *ai, uint8_t id, struct unit *u)
{
    u->iommu = -1;
    for (unsigned i = 0; i < ai->dmar.ndrhd; i++)
        for (unsigned j = 0; j < ai->dmar.drhd[i].nscopes; j++) {
            const struct acpi_dmar_scope *sc = &ai->dmar.drhd[i].scopes[j];
            if (sc->type != ACPI_SCOPE_IOAPIC || sc->enum_id != id || sc->path_len != 1)
                continue;
            u->iommu = (int)i;
            u->sid = (uint16_t)(sc->start_bus << 8 | sc->path[0][0] << 3 | (sc->path[0][1] & 7));
            return;
        }
}

unsigned ioapic_init(const struct acpi_info *ai)
{
    for (unsigned i = 0; i < ai->madt.nioapics && nunits < 4; i++) {
        struct unit *u = &units[nunits];
        u->mmio = (volatile uint32_t *)mmio_map(ai->madt.ioapics[i].address, 0x20);
        if (!u->mmio)
            continue;
        u->gsi_base = ai->madt.ioapics[i].gsi_base;
        find_scope(ai, ai->madt.ioapics[i].id, u);
        u->count = ((rd(u, 1) >> 16) & 0xff) + 1;
        for (unsigned p = 0; p < u->count; p++)
            wr(u, 0x10 + 2 * p, 1u << 16);          /* masked */
        if (u->gsi_base + u->count > ngsi)
            ngsi = u->gsi_base + u->count;
        nunits++;
    }
    if (ngsi > IRQ_MAX_GSI)
        ngsi = IRQ_MAX_GSI;
    polarity(ai);
    return ngsi;
}

unsigned ioapic_gsis(void) { return ngsi; }

/* Where the I/O APIC's unit remaps interrupts, a line goes through an
   IRTE of its own that accepts only the I/O APIC's source id, and its
   entry is in remappable format (VT-d 5.1.5.1: handle[14:0] in bits
   63:49, format bit 48, handle[15] in bit 11, and the IRTE's vector in
   bits 7:0 for the EOI). Otherwise (no remapping, or no scope for the
   I/O APIC) the compatibility format. Returns the entry's low half. */
static bool remap(struct unit *u, unsigned gsi, uint32_t apic_id, uint32_t *lo, uint32_t *hi)
{
    if (u->iommu < 0) {
        static bool warned;
        if (!warned && vtd_ir_active(0)) {
            warned = true;
            kprintf("hv: ioapic: no DMAR device scope names the I/O APIC of GSI %u: its lines stay "
                    "in compatibility format, which remapping hardware may block\n", gsi);
        }
        return false;
    }
    if (!vtd_ir_active((unsigned)u->iommu))
        return false;
    if (irte_of[gsi])
        vtd_ir_free((unsigned)u->iommu, (uint16_t)(irte_of[gsi] - 1));
    irte_of[gsi] = 0;
    uint16_t h;
    if (vtd_ir_alloc_line((unsigned)u->iommu, u->sid, apic_id, (uint8_t)(VEC_IRQ_BASE + gsi),
                          level_of[gsi], &h) != BH_OK)
        return false;
    irte_of[gsi] = (uint16_t)(h + 1);
    static bool told[IRQ_MAX_GSI];
    if (!told[gsi]) {
        told[gsi] = true;
        kprintf("# ioapic: GSI %u goes through IRTE %u of unit %d (remappable entry, source "
                "%02x:%02x.%x)\n", gsi, h, u->iommu, u->sid >> 8, (u->sid >> 3) & 31, u->sid & 7);
    }
    *hi = (uint32_t)(h & 0x7fff) << 17 | 1u << 16;
    *lo |= (uint32_t)(h >> 15) << 11;
    return true;
}

bool ioapic_route(unsigned gsi, uint32_t apic_id)
{
    unsigned pin;
    struct unit *u = gsi < ngsi ? unit_of(gsi, &pin) : 0;
    if (!u)
        return false;
    uint32_t lo = (VEC_IRQ_BASE + gsi) | (1u << 16) |
                  (low_of[gsi] ? 1u << 13 : 0) | (level_of[gsi] ? 1u << 15 : 0);
    uint32_t hi = apic_id << 24;
    if (!remap(u, gsi, apic_id, &lo, &hi) && apic_id > 0xff)
        return false;                   /* compatibility format: xAPIC ids only */
    spin_lock(&lock);
    wr(u, 0x10 + 2 * pin, lo);          /* masked while the halves change */
    wr(u, 0x11 + 2 * pin, hi);
    wr(u, 0x10 + 2 * pin, lo);
    spin_unlock(&lock);
    return true;
}

bool ioapic_remapped(unsigned gsi, unsigned *irte)
{
    if (gsi >= IRQ_MAX_GSI || !irte_of[gsi])
        return false;
    *irte = irte_of[gsi] - 1u;
    return true;
}

void ioapic_mask(unsigned gsi, bool masked)
{
    unsigned pin;
    struct unit *u = gsi < ngsi ? unit_of(gsi, &pin) : 0;
    if (!u)
        return;
    spin_lock(&lock);
    uint32_t lo = rd(u, 0x10 + 2 * pin);
    wr(u, 0x10 + 2 * pin, masked ? lo | (1u << 16) : lo & ~(1u << 16));
    spin_unlock(&lock);
}
