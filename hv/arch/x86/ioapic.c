/* I/O APIC driver: indirect register window IOREGSEL (0x00) / IOWIN
   (0x10); register 1 = version (max redirection entry in bits 16-23);
   redirection entries at 0x10 + 2n (low) and 0x11 + 2n (high). */
#include "ioapic.h"
#include "acpi.h"
#include "paging.h"
#include "console.h"
#include "spinlock.h"

struct unit { volatile uint32_t *mmio; uint32_t gsi_base, count; };
static struct unit units[4];
static unsigned nunits, ngsi;
static uint32_t flags_of[IRQ_MAX_GSI];    /* MPS INTI flags per GSI */
static bool level_of[IRQ_MAX_GSI], low_of[IRQ_MAX_GSI];

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

unsigned ioapic_init(const struct acpi_info *ai)
{
    for (unsigned i = 0; i < ai->madt.nioapics && nunits < 4; i++) {
        struct unit *u = &units[nunits];
        u->mmio = (volatile uint32_t *)mmio_map(ai->madt.ioapics[i].address, 0x20);
        if (!u->mmio)
            continue;
        u->gsi_base = ai->madt.ioapics[i].gsi_base;
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

bool ioapic_route(unsigned gsi, uint32_t apic_id)
{
    unsigned pin;
    struct unit *u = gsi < ngsi ? unit_of(gsi, &pin) : 0;
    if (!u || apic_id > 0xff)
        return false;                   /* xAPIC-format destinations only */
    uint32_t lo = (VEC_IRQ_BASE + gsi) | (1u << 16) |
                  (low_of[gsi] ? 1u << 13 : 0) | (level_of[gsi] ? 1u << 15 : 0);
    spin_lock(&lock);
    wr(u, 0x11 + 2 * pin, apic_id << 24);
    wr(u, 0x10 + 2 * pin, lo);
    spin_unlock(&lock);
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
