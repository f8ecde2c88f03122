/* VT-d remapping units: setup, context entries, invalidation and fault
   reporting; see vtd.h. Every unit is indexed like its DRHD in the ACPI
   DMAR. All of this runs under the kernel lock, except vtd_init (boot). */
#include "vtd.h"
#include "vtd_hw.h"
#include "acpi.h"
#include "bkl.h"
#include "cmdline.h"
#include "console.h"
#include "cpu.h"
#include "dev.h"
#include "kmem.h"
#include "lapic.h"
#include "paging.h"
#include "percpu.h"
#include "smp.h"
#include "timer.h"
#include "trap.h"
#include <string.h>

#define IQ_ENTRIES 256u              /* one 4 KiB page of 128-bit descriptors */
#define LOG_FAULTS 8u                /* faults logged per device; the rest are counted */

struct unit {
    volatile uint8_t *r;             /* its registers */
    uint64_t base;
    uint16_t seg;
    struct vtd_caps c;
    bool on;                         /* translating */
    bool qi;                         /* invalidation through the queue */
    struct vtd_entry *root;          /* the root table: one entry per bus */
    uint16_t ctx_used[VTD_ENTRIES];  /* present context entries per bus */
    struct vtd_entry *iq;            /* the invalidation queue */
    struct vtd_entry *irt;           /* the interrupt-remapping table, or NULL */
    bool ir, eime;                   /* remapping interrupts; x2APIC-format ids */
    uint64_t irt_used[VTD_IRTES / 64];
    unsigned iq_tail;
    uint32_t wait_seq;
};

static struct unit units[ACPI_MAX_DRHD];
static unsigned nunits, levels, clflush_size = 64;
static uint64_t limit;
static bool need_flush;              /* some unit does not snoop its table walks */
static bool no_qi;                   /* test=vtd-regs: register-based invalidation only */
/* Invalidation-wait status words, one per unit, written by the units. */
static volatile uint32_t wait_status[ACPI_MAX_DRHD] __attribute__((aligned(64)));

static uint32_t rd32(struct unit *u, uint32_t off) { return *(volatile uint32_t *)(u->r + off); }
static uint64_t rd64(struct unit *u, uint32_t off) { return *(volatile uint64_t *)(u->r + off); }
static void wr32(struct unit *u, uint32_t off, uint32_t v) { *(volatile uint32_t *)(u->r + off) = v; }
static void wr64(struct unit *u, uint32_t off, uint64_t v) { *(volatile uint64_t *)(u->r + off) = v; }

static uint64_t deadline(void)
{
    uint64_t hz = timer_tsc_hz() ? timer_tsc_hz() : 1000000000ull;
    return rdtsc() + hz / 10;        /* 100 ms: units answer in microseconds */
}

/* Spins until (reg & mask) == want; false after 100 ms. */
static bool wait32(struct unit *u, uint32_t off, uint32_t mask, uint32_t want)
{
    for (uint64_t end = deadline(); (rd32(u, off) & mask) != want; cpu_relax())
        if (rdtsc() > end)
            return false;
    return true;
}

static bool wait64_clear(struct unit *u, uint32_t off, uint64_t bit)
{
    for (uint64_t end = deadline(); rd64(u, off) & bit; cpu_relax())
        if (rdtsc() > end)
            return false;
    return true;
}

static void complain(struct unit *u, const char *what)
{
    kprintf("hv: vtd: unit %u: %s (fsts %x)\n", (unsigned)(u - units), what, rd32(u, VTD_FSTS));
}

/* Turns a persistent GCMD bit on or off and waits for GSTS to follow. */
static bool gcmd(struct unit *u, uint32_t bit, bool on)
{
    wr32(u, VTD_GCMD, vtd_gcmd(rd32(u, VTD_GSTS), bit, on));
    return wait32(u, VTD_GSTS, bit, on ? bit : 0);
}

void vtd_flush(const void *p, size_t len)
{
    if (!need_flush || !len)
        return;
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)(clflush_size - 1), end = (uintptr_t)p + len;
    for (; a < end; a += clflush_size)
        __asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
    __asm__ volatile("mfence" ::: "memory");
}

/* Write-buffer flush (11.4.4, WBF) on units that need it (CAP.RWBF). */
static void wbflush(struct unit *u)
{
    if (!u->c.rwbf)
        return;
    wr32(u, VTD_GCMD, vtd_gcmd(rd32(u, VTD_GSTS), VTD_GCMD_WBF, true));
    if (!wait32(u, VTD_GSTS, VTD_GCMD_WBF, 0))
        complain(u, "write-buffer flush timed out");
}

/* Queues n descriptors and an invalidation wait, and spins until the
   unit has written the wait's status (6.5.2.8). */
static void qi_run(struct unit *u, const struct vtd_entry *d, unsigned n)
{
    unsigned i = (unsigned)(u - units);
    uint32_t seq = ++u->wait_seq;
    for (unsigned k = 0; k <= n; k++) {
        u->iq[u->iq_tail] = k < n ? d[k] : vtd_qi_wait(virt_to_phys((const void *)&wait_status[i]), seq);
        vtd_flush(&u->iq[u->iq_tail], sizeof u->iq[0]);
        u->iq_tail = (u->iq_tail + 1) % IQ_ENTRIES;
    }
    wr64(u, VTD_IQT, (uint64_t)u->iq_tail << 4);
    for (uint64_t end = deadline(); __atomic_load_n(&wait_status[i], __ATOMIC_ACQUIRE) != seq; cpu_relax()) {
        uint32_t st = rd32(u, VTD_FSTS);
        if (st & (VTD_FSTS_IQE | VTD_FSTS_ITE | VTD_FSTS_ICE)) {
            complain(u, "invalidation queue error");
            wr32(u, VTD_FSTS, st & (VTD_FSTS_IQE | VTD_FSTS_ITE | VTD_FSTS_ICE));
            return;
        }
        if (rdtsc() > end) {
            complain(u, "invalidation wait timed out");
            return;
        }
    }
}

/* Context-cache invalidation of granularity g (VTD_QI_G_*). */
static void inv_context(struct unit *u, unsigned g, uint16_t did, uint16_t sid)
{
    if (u->qi) {
        struct vtd_entry d = vtd_qi_context(g, did, sid);
        qi_run(u, &d, 1);
    } else {
        wr64(u, VTD_CCMD, vtd_ccmd(g, did, sid));
        if (!wait64_clear(u, VTD_CCMD, VTD_CCMD_ICC))
            complain(u, "context-cache invalidation timed out");
    }
}

/* IOTLB invalidation: global, domain, or one page (VTD_QI_G_DEVICE),
   which becomes the whole domain on units without CAP.PSI. */
static void inv_iotlb(struct unit *u, unsigned g, uint16_t did, uint64_t iova)
{
    if (g == VTD_QI_G_DEVICE && !u->c.psi)
        g = VTD_QI_G_DOMAIN;
    if (u->qi) {
        struct vtd_entry d = vtd_qi_iotlb(g, did, iova, 0, u->c.drd, u->c.dwd);
        qi_run(u, &d, 1);
        return;
    }
    if (g == VTD_QI_G_DEVICE)
        wr64(u, u->c.iro, vtd_iva(iova, 0));
    wr64(u, u->c.iro + 8, vtd_iotlb_cmd(g, did, u->c.drd, u->c.dwd));
    if (!wait64_clear(u, u->c.iro + 8, VTD_IOTLB_IVT))
        complain(u, "IOTLB invalidation timed out");
}

static bool live(unsigned ui) { return ui < nunits && units[ui].on; }

/* Interrupt entry cache invalidation (queued only: 6.5.2.7). */
static void inv_iec(struct unit *u, bool global, uint16_t index)
{
    struct vtd_entry d = vtd_qi_iec(global, index);
    qi_run(u, &d, 1);
}

bool vtd_ir_active(unsigned ui) { return live(ui) && units[ui].ir; }

enum bh_status vtd_ir_alloc(unsigned ui, uint16_t sid, uint32_t apic_id, uint8_t vector, uint16_t *index)
{
    return vtd_ir_alloc_line(ui, sid, apic_id, vector, false, index);
}

enum bh_status vtd_ir_alloc_line(unsigned ui, uint16_t sid, uint32_t apic_id, uint8_t vector,
                                 bool level, uint16_t *index)
{
    if (!vtd_ir_active(ui))
        return BH_ENOTSUP;
    struct unit *u = &units[ui];
    if (!u->eime && apic_id > 0xff)
        return BH_ERANGE;
    for (unsigned i = 0; i < VTD_IRTES; i++) {
        if (u->irt_used[i / 64] & (1ull << (i % 64)))
            continue;
        struct vtd_entry e = vtd_irte(apic_id, u->eime, vector, sid);
        if (level)
            e.lo |= VTD_IRTE_TM;     /* the I/O APIC's remote IRR waits for the EOI */
        struct vtd_entry *t = &u->irt[i];
        t->hi = e.hi;                /* present (lo) last */
        __atomic_store_n(&t->lo, e.lo, __ATOMIC_RELEASE);
        vtd_flush(t, sizeof *t);
        inv_iec(u, false, (uint16_t)i);
        u->irt_used[i / 64] |= 1ull << (i % 64);
        *index = (uint16_t)i;
        return BH_OK;
    }
    return BH_ENOMEM;
}

void vtd_ir_free(unsigned ui, uint16_t index)
{
    if (!vtd_ir_active(ui) || index >= VTD_IRTES)
        return;
    struct unit *u = &units[ui];
    struct vtd_entry *t = &u->irt[index];
    __atomic_store_n(&t->lo, 0, __ATOMIC_RELEASE);   /* not present first */
    t->hi = 0;
    vtd_flush(t, sizeof *t);
    inv_iec(u, false, index);
    u->irt_used[index / 64] &= ~(1ull << (index % 64));
}

enum bh_status vtd_context_set(unsigned ui, uint8_t bus, uint8_t devfn, uint64_t slpt, uint16_t did)
{
    if (!live(ui))
        return BH_ENOTSUP;
    struct unit *u = &units[ui];
    struct vtd_entry *re = &u->root[bus];
    bool new_table = !(re->lo & VTD_P);
    if (new_table) {
        uint64_t pa;
        if (kmem_alloc_pages(1, &pa) != BH_OK)
            return BH_ENOMEM;
        memset(phys_to_virt(pa), 0, PAGE_SIZE);
        vtd_flush(phys_to_virt(pa), PAGE_SIZE);
        struct vtd_entry v = vtd_root_entry(pa);
        re->hi = v.hi;
        __atomic_store_n(&re->lo, v.lo, __ATOMIC_RELEASE);
        vtd_flush(re, sizeof *re);
    }
    struct vtd_entry *ce = (struct vtd_entry *)phys_to_virt(re->lo & VTD_ADDR) + devfn;
    if (ce->lo & VTD_P)
        return BH_EBUSY;
    struct vtd_entry v = vtd_context_entry(slpt, levels, did);
    ce->hi = v.hi;                   /* present (lo) last */
    __atomic_store_n(&ce->lo, v.lo, __ATOMIC_RELEASE);
    vtd_flush(ce, sizeof *ce);
    u->ctx_used[bus]++;
    if (u->c.cm) {
        /* 6.1: a unit in caching mode may hold the not-present entries,
           tagged with domain 0; drop them, and anything for did. */
        inv_context(u, new_table ? VTD_QI_G_GLOBAL : VTD_QI_G_DEVICE, 0, (uint16_t)(bus << 8 | devfn));
        inv_iotlb(u, VTD_QI_G_DOMAIN, did, 0);
    } else {
        wbflush(u);
    }
    return BH_OK;
}

void vtd_context_clear(unsigned ui, uint8_t bus, uint8_t devfn, uint16_t did)
{
    if (!live(ui))
        return;
    struct unit *u = &units[ui];
    struct vtd_entry *re = &u->root[bus];
    if (!(re->lo & VTD_P))
        return;
    struct vtd_entry *ce = (struct vtd_entry *)phys_to_virt(re->lo & VTD_ADDR) + devfn;
    if (!(ce->lo & VTD_P))
        return;
    __atomic_store_n(&ce->lo, 0, __ATOMIC_RELEASE);   /* not present first */
    ce->hi = 0;
    vtd_flush(ce, sizeof *ce);
    /* 6.5.3.3: the context entry, then what the IOTLB holds for did. */
    inv_context(u, VTD_QI_G_DEVICE, did, (uint16_t)(bus << 8 | devfn));
    inv_iotlb(u, VTD_QI_G_DOMAIN, did, 0);
    if (--u->ctx_used[bus])
        return;
    uint64_t table = re->lo & VTD_ADDR;  /* the bus's last device: the table goes */
    __atomic_store_n(&re->lo, 0, __ATOMIC_RELEASE);
    re->hi = 0;
    vtd_flush(re, sizeof *re);
    inv_context(u, VTD_QI_G_GLOBAL, 0, 0);
    kmem_free_pages(table, 1);
}

void vtd_iotlb_page(unsigned ui, uint16_t did, uint64_t iova)
{
    if (live(ui))
        inv_iotlb(&units[ui], VTD_QI_G_DEVICE, did, iova);
}

void vtd_after_map(unsigned ui, uint16_t did, uint64_t iova)
{
    if (!live(ui))
        return;
    if (units[ui].c.cm)
        inv_iotlb(&units[ui], VTD_QI_G_DEVICE, did, iova);
    else
        wbflush(&units[ui]);
}

/* Drains one unit's fault records (7.1.3): each record is decoded,
   reported, cleared (F is write-1-to-clear) and delivered. */
static void drain(struct unit *u)
{
    uint32_t st = rd32(u, VTD_FSTS);
    if (!(st & (VTD_FSTS_PPF | VTD_FSTS_ERRORS)))
        return;
    for (uint32_t i = 0; i < u->c.nfr; i++) {
        uint32_t off = u->c.fro + i * 16;
        uint64_t hi = rd64(u, off + 8);
        if (!(hi & VTD_FRCD_F))
            continue;
        struct vtd_fault f;
        vtd_fault_decode(rd64(u, off), hi, &f);
        wr32(u, off + 12, 1u << 31);
        uint64_t n = dev_fault(u->seg, f.sid, f.ir ? f.index : f.addr, f.reason, !f.ir && f.write);
        if (n <= LOG_FAULTS && f.ir)
            kprintf("# vtd: fault: dev %02x:%02x.%x interrupt index %u reason %x (%s)%s\n", f.sid >> 8,
                    (f.sid >> 3) & 31, f.sid & 7, f.index, f.reason, vtd_fault_reason(f.reason),
                    n == LOG_FAULTS ? "; further faults of this device are counted, not logged" : "");
        else if (n <= LOG_FAULTS)
            kprintf("# vtd: fault: dev %02x:%02x.%x addr %lx reason %u (%s), %s%s\n", f.sid >> 8,
                    (f.sid >> 3) & 31, f.sid & 7, f.addr, f.reason, vtd_fault_reason(f.reason),
                    f.write ? "write" : "read",
                    n == LOG_FAULTS ? "; further faults of this device are counted, not logged" : "");
    }
    if (st & VTD_FSTS_PFO)
        kprintf("hv: vtd: unit %u: fault records overflowed; faults were lost\n", (unsigned)(u - units));
    if (st & VTD_FSTS_ERRORS)
        wr32(u, VTD_FSTS, st & VTD_FSTS_ERRORS);
}

void vtd_fault_poll(void)
{
    for (unsigned i = 0; i < nunits; i++)
        if (units[i].on)
            drain(&units[i]);
}

/* The fault event (an MSI to the boot CPU). Interrupts reach the kernel
   only from user mode or a guest, with the lock held, and in the idle
   loop (or during boot), where the CPU has no current EC and does not
   hold the lock: there it takes the lock for the drain. */
static void fault_irq(struct trapframe *tf)
{
    (void)tf;
    bool take = !this_cpu()->current;
    if (take)
        bkl_lock();
    vtd_fault_poll();
    if (take)
        bkl_unlock();
}

/* Maps a unit's registers and reads its capabilities. */
static bool probe(struct unit *u, const struct acpi_drhd *h)
{
    u->base = h->base;
    u->seg = h->segment;
    u->r = mmio_map(h->base, PAGE_SIZE);
    if (!u->r)
        return false;
    vtd_decode(rd32(u, VTD_VER), rd64(u, VTD_CAP), rd64(u, VTD_ECAP), &u->c);
    uint64_t need = u->c.fro + (uint64_t)u->c.nfr * 16;
    if (u->c.iro + 16u > need)
        need = u->c.iro + 16u;
    if (need > PAGE_SIZE)
        u->r = mmio_map(h->base, need);
    return u->r != NULL;
}

static void report(unsigned i, struct unit *u)
{
    const struct vtd_caps *c = &u->c;
    kprintf("# vtd: unit %u at %lx: ver %u.%u, sagaw %x, mgaw %u, nd %u (%u domains), caching mode %s, "
            "coherent %s, qi %s, ir %s, eim %s, psi %s, nfr %u\n",
            i, u->base, c->ver_major, c->ver_minor, c->sagaw, c->mgaw, c->nd, c->ndoms,
            c->cm ? "yes" : "no", c->coherent ? "yes" : "no (flushing)", c->qi ? "yes" : "no",
            c->ir ? "yes" : "no", c->eim ? "yes" : "no", c->psi ? "yes" : "no", c->nfr);
}

/* Brings one unit from whatever firmware left to translating with an
   empty root table; *why names the step that failed. */
static bool setup(struct unit *u, const char **why)
{
    uint64_t pa;
    *why = "a command timed out";
    if ((rd32(u, VTD_GSTS) & VTD_GCMD_TE) && !gcmd(u, VTD_GCMD_TE, false))
        return false;
    if ((rd32(u, VTD_GSTS) & VTD_GCMD_IRE) && !gcmd(u, VTD_GCMD_IRE, false))
        return false;
    if ((rd32(u, VTD_GSTS) & VTD_GCMD_QIE) && !gcmd(u, VTD_GCMD_QIE, false))
        return false;
    if ((u->c.plmr || u->c.phmr) && (rd32(u, VTD_PMEN) & VTD_PMEN_EPM)) {
        wr32(u, VTD_PMEN, 0);        /* protected memory regions off: the tables rule */
        if (!wait32(u, VTD_PMEN, VTD_PMEN_PRS, 0))
            return false;
    }
    *why = "out of memory";
    if (kmem_alloc_pages(1, &pa) != BH_OK)
        return false;
    u->root = phys_to_virt(pa);
    memset(u->root, 0, PAGE_SIZE);
    vtd_flush(u->root, PAGE_SIZE);
    /* Fault events: an MSI to the boot CPU, then any record left over. */
    uint32_t apic = lapic_id();
    wr32(u, VTD_FECTL, VTD_FECTL_IM);
    wr32(u, VTD_FEDATA, VEC_VTD_FAULT);
    wr32(u, VTD_FEADDR, vtd_msi_addr(apic));
    wr32(u, VTD_FEUADDR, lapic_is_x2apic() ? vtd_msi_uaddr(apic) : 0);
    if (u->c.qi && !no_qi) {
        uint64_t q;
        if (kmem_alloc_pages(1, &q) != BH_OK)
            return false;
        u->iq = phys_to_virt(q);
        memset(u->iq, 0, PAGE_SIZE);
        vtd_flush(u->iq, PAGE_SIZE);
        u->iq_tail = 0;
        wr64(u, VTD_IQT, 0);
        wr64(u, VTD_IQA, q);         /* 128-bit descriptors, one page (QS = 0) */
        *why = "queued invalidation did not start";
        if (!gcmd(u, VTD_GCMD_QIE, true))
            return false;
        u->qi = true;
    }
    *why = "the root table pointer was not taken";
    wr64(u, VTD_RTADDR, pa);         /* legacy mode (TTM = 0) */
    wr32(u, VTD_GCMD, vtd_gcmd(rd32(u, VTD_GSTS), VTD_GCMD_SRTP, true));
    if (!wait32(u, VTD_GSTS, VTD_GCMD_SRTP, VTD_GCMD_SRTP))
        return false;
    /* 6.5: after a new root table, nothing cached may survive. */
    inv_context(u, VTD_QI_G_GLOBAL, 0, 0);
    inv_iotlb(u, VTD_QI_G_GLOBAL, 0, 0);
    wbflush(u);
    *why = "translation did not start";
    if (!gcmd(u, VTD_GCMD_TE, true))
        return false;
    u->on = true;
    drain(u);
    wr32(u, VTD_FECTL, 0);           /* unmask: faults now raise VEC_VTD_FAULT */
    return true;
}

/* Interrupt remapping on a translating unit (VT-d 5.1, 10.4.29): an
   empty table (every remappable MSI is blocked and faults), its pointer
   set, the interrupt entry cache invalidated, IRE on, CFI left off so
   compatibility-format MSIs are blocked too. Returns NULL on success,
   else why interrupts stay unremapped on this unit. */
static const char *setup_ir(struct unit *u)
{
    uint64_t pa;
    if (!u->c.ir)
        return "the unit has no interrupt remapping (ECAP.IR = 0)";
    if (!u->qi)
        return "it needs queued invalidation (the interrupt entry cache has no register-based "
               "invalidation)";
    if (!u->c.eim && lapic_is_x2apic())
        for (unsigned c = 0; c < smp_online(); c++)
            if (cpus[c].apic_id > 0xff)
                return "x2APIC ids above 255 and no EIM";
    if (kmem_alloc_pages(1, &pa) != BH_OK)
        return "out of memory";
    u->irt = phys_to_virt(pa);
    memset(u->irt, 0, PAGE_SIZE);
    vtd_flush(u->irt, PAGE_SIZE);
    u->eime = u->c.eim && lapic_is_x2apic();
    wr64(u, VTD_IRTA, vtd_irta(pa, u->eime));
    wr32(u, VTD_GCMD, vtd_gcmd(rd32(u, VTD_GSTS), VTD_GCMD_SIRTP, true));
    if (!wait32(u, VTD_GSTS, VTD_GCMD_SIRTP, VTD_GCMD_SIRTP))
        return "the interrupt remapping table pointer was not taken";
    inv_iec(u, true, 0);
    if (!gcmd(u, VTD_GCMD_IRE, true))
        return "interrupt remapping did not start";
    if ((rd32(u, VTD_GSTS) & VTD_GCMD_CFI) && !gcmd(u, VTD_GCMD_CFI, false))
        return "compatibility-format interrupts could not be blocked";
    u->ir = true;
    return NULL;
}

void vtd_init(const struct acpi_info *ai, const struct hv_opts *o)
{
    const struct acpi_dmar_info *d = &ai->dmar;
    for (unsigned i = 0; i < o->test_count; i++)
        no_qi |= !strcmp(o->test[i], "vtd-regs");
    if (!d->present || !d->ndrhd) {
        kprintf("hv: vtd: %s; DMA remapping off: devices are not confined\n",
                d->present ? "the DMAR lists no remapping unit" : "no DMAR table (no VT-d)");
        return;
    }
    if (d->drhd_truncated)
        kprintf("hv: vtd: the DMAR lists more than %u units; devices behind the others are not "
                "confined\n", ACPI_MAX_DRHD);
    uint32_t ebx = cpuid(1, 0).b;
    if ((ebx >> 8 & 0xff) * 8 >= 16)
        clflush_size = (ebx >> 8 & 0xff) * 8;
    uint8_t sagaw = 0x1f;
    unsigned mgaw = 64, doms = VTD_DOMS + 1;
    for (unsigned i = 0; i < d->ndrhd; i++) {
        struct unit *u = &units[i];
        if (!probe(u, &d->drhd[i])) {
            kprintf("hv: vtd: unit %u at %lx: registers not mappable; DMA remapping off\n", i,
                    d->drhd[i].base);
            return;
        }
        report(i, u);
        sagaw &= u->c.sagaw;
        mgaw = u->c.mgaw < mgaw ? u->c.mgaw : mgaw;
        doms = u->c.ndoms < doms ? u->c.ndoms : doms;
        need_flush |= !u->c.coherent;
    }
    levels = vtd_pick_levels(sagaw);
    if (!levels) {
        kprintf("hv: vtd: the units share no 3- or 4-level table width (sagaw %x); "
                "DMA remapping off: devices are not confined\n", sagaw);
        return;
    }
    limit = vtd_iova_limit(levels, mgaw);
    nunits = d->ndrhd;
    irq_set_handler(VEC_VTD_FAULT, fault_irq);
    for (unsigned i = 0; i < nunits; i++) {
        struct unit *u = &units[i];
        const char *why = "";
        bool ok = setup(u, &why);
        if (!ok)
            kprintf("hv: vtd: unit %u: %s; its devices are not confined\n", i, why);
        tap_result(ok, "vtd: unit %u at %lx translates DMA (GSTS %x: root table set, translation on), "
                   "%s invalidation", i, u->base, rd32(u, VTD_GSTS), u->qi ? "queued" : "register");
        if (!ok)
            continue;
        const char *no_ir = setup_ir(u);
        if (no_ir)
            kprintf("# vtd: unit %u: interrupt remapping off: %s\n", i, no_ir);
        else
            tap_result((rd32(u, VTD_GSTS) & (VTD_GCMD_IRE | VTD_GCMD_SIRTP | VTD_GCMD_CFI)) ==
                           (VTD_GCMD_IRE | VTD_GCMD_SIRTP),
                       "vtd: unit %u remaps interrupts (GSTS %x: table set, IRE on, CFI off), %u IRTEs, "
                       "%s destinations", i, rd32(u, VTD_GSTS), VTD_IRTES, u->eime ? "x2APIC" : "xAPIC");
    }
    kprintf("# vtd: DMA spaces: %u-level tables, IOVAs below %lx, %u domain ids\n", levels, limit,
            (doms - 1 < VTD_DOMS ? doms - 1 : VTD_DOMS));
    vtd_dom_limit(doms - 1 < VTD_DOMS ? doms - 1 : VTD_DOMS);
}

bool vtd_active(void)
{
    for (unsigned i = 0; i < nunits; i++)
        if (units[i].on)
            return true;
    return false;
}

bool vtd_unit_active(unsigned u) { return live(u); }
unsigned vtd_levels(void) { return levels; }
uint64_t vtd_limit(void) { return vtd_active() ? limit : 0; }
