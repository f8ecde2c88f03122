/* Host unit tests for hv/arch/x86/vtd_hw.c and vtd_pt.c: capability
   decoding (QEMU's registers from platform.md), entry and descriptor
   encodings, fault records, and the second-level page tables. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vtd_hw.h"
#include "vtd_pt.h"

/* QEMU 7.2's intel-iommu, default (platform.md), and with aw-bits=48
   and caching-mode=on (SAGAW 39|48, MGAW 48, CM). */
#define QEMU_VER 0x10u
#define QEMU_CAP 0x00D2008C22260206ull
#define QEMU_ECAP 0xF00F4Aull
#define QEMU48_CAP ((QEMU_CAP & ~(0x1full << 8) & ~(0x3full << 16)) | 0x6ull << 8 | 47ull << 16 | 1ull << 7)

static void decode_qemu_default(void **state)
{
    (void)state;
    struct vtd_caps c;
    vtd_decode(QEMU_VER, QEMU_CAP, QEMU_ECAP, &c);
    assert_int_equal(c.ver_major, 1);
    assert_int_equal(c.ver_minor, 0);
    assert_int_equal(c.sagaw, 1u << 1);          /* 39-bit, 3-level only */
    assert_int_equal(c.mgaw, 39);
    assert_int_equal(c.nd, 6);
    assert_int_equal(c.ndoms, 65536);
    assert_int_equal(c.nfr, 1);
    assert_int_equal(c.fro, 0x220);
    assert_true(c.psi);
    assert_int_equal(c.sllps, 3);                /* 2M and 1G */
    assert_false(c.cm);
    assert_false(c.rwbf);
    assert_true(c.drd && c.dwd);
    assert_false(c.coherent);                    /* C = 0: flush table writes */
    assert_true(c.qi);
    assert_true(c.ir);
    assert_false(c.eim);
    assert_true(c.pt);
    assert_false(c.sc);
    assert_false(c.dt);
    assert_int_equal(c.iro, 0xf0);
    assert_int_equal(vtd_pick_levels(c.sagaw), 3);
    assert_int_equal(vtd_iova_limit(3, c.mgaw), 1ull << 39);
}

static void decode_qemu_48_cm(void **state)
{
    (void)state;
    struct vtd_caps c;
    vtd_decode(QEMU_VER, QEMU48_CAP, QEMU_ECAP | 1, &c);
    assert_int_equal(c.sagaw, 6);
    assert_int_equal(c.mgaw, 48);
    assert_true(c.cm);
    assert_true(c.coherent);
    assert_int_equal(vtd_pick_levels(c.sagaw), 4);
    assert_int_equal(vtd_iova_limit(4, c.mgaw), 1ull << 48);
    /* a 4-level walk on a unit with a narrower MGAW stops at the MGAW */
    assert_int_equal(vtd_iova_limit(4, 40), 1ull << 40);
    /* 3-level tables on a wide unit: the table's span */
    assert_int_equal(vtd_iova_limit(3, 48), 1ull << 39);
}

static void pick_levels(void **state)
{
    (void)state;
    assert_int_equal(vtd_pick_levels(0), 0);
    assert_int_equal(vtd_pick_levels(1), 0);     /* 30-bit 2-level: not used */
    assert_int_equal(vtd_pick_levels(8), 0);     /* 57-bit only: not used */
    assert_int_equal(vtd_pick_levels(2), 3);
    assert_int_equal(vtd_pick_levels(4), 4);
    assert_int_equal(vtd_pick_levels(0xe), 4);
    struct vtd_caps c;
    vtd_decode(0, 0x7, 0, &c);                   /* ND 7 is reserved: capped */
    assert_int_equal(c.ndoms, 65536);
    vtd_decode(0, 0, 0, &c);
    assert_int_equal(c.ndoms, 16);
    assert_int_equal(c.nfr, 1);
    assert_int_equal(c.mgaw, 1);
}

static void entries(void **state)
{
    (void)state;
    struct vtd_entry r = vtd_root_entry(0x12345000);
    assert_int_equal(r.lo, 0x12345001);
    assert_int_equal(r.hi, 0);
    struct vtd_entry c = vtd_context_entry(0xabcde000, 3, 0x1234);
    assert_int_equal(c.lo, 0xabcde001);          /* P, TT = 0 (untranslated only) */
    assert_int_equal(c.hi, 0x123401);            /* AW 1 (39-bit), DID at 87:72 */
    c = vtd_context_entry(0xabcde000, 4, 7);
    assert_int_equal(c.hi, 0x702);               /* AW 2 (48-bit) */
    /* low bits of an address never leak into the flags */
    assert_int_equal(vtd_root_entry(0x12345fff).lo, 0x12345001);
}

static void descriptors(void **state)
{
    (void)state;
    struct vtd_entry d = vtd_qi_context(VTD_QI_G_GLOBAL, 0, 0);
    assert_int_equal(d.lo, 0x11);
    d = vtd_qi_context(VTD_QI_G_DEVICE, 5, 0x0110);
    assert_int_equal(d.lo, 0x1 | 3 << 4 | 5ull << 16 | 0x0110ull << 32);
    assert_int_equal(d.hi, 0);
    d = vtd_qi_iotlb(VTD_QI_G_GLOBAL, 0, 0, 0, true, true);
    assert_int_equal(d.lo, 0x2 | 1 << 4 | 1 << 6 | 1 << 7);
    assert_int_equal(d.hi, 0);
    d = vtd_qi_iotlb(VTD_QI_G_DOMAIN, 9, 0x5000, 0, false, false);
    assert_int_equal(d.lo, 0x2 | 2 << 4 | 9ull << 16);
    assert_int_equal(d.hi, 0);                   /* no address for domain scope */
    d = vtd_qi_iotlb(VTD_QI_G_DEVICE, 9, 0x7000123, 2, false, true);
    assert_int_equal(d.lo, 0x2 | 3 << 4 | 1 << 6 | 9ull << 16);
    assert_int_equal(d.hi, 0x7000000 | 2);
    d = vtd_qi_wait(0x1234567, 0xcafe);
    assert_int_equal(d.lo, 0x5 | 1 << 5 | 1 << 6 | 0xcafeull << 32);
    assert_int_equal(d.hi, 0x1234564);
    assert_int_equal(vtd_ccmd(VTD_QI_G_GLOBAL, 0, 0), 1ull << 63 | 1ull << 61);
    assert_int_equal(vtd_ccmd(VTD_QI_G_DEVICE, 3, 0x10), 1ull << 63 | 3ull << 61 | 0x10 << 16 | 3);
    assert_int_equal(vtd_iotlb_cmd(VTD_QI_G_DEVICE, 3, true, false),
                     1ull << 63 | 3ull << 60 | 1ull << 49 | 3ull << 32);
    assert_int_equal(vtd_iva(0x5123, 0), 0x5000);
}

static void gcmd(void **state)
{
    (void)state;
    /* one-shot bits read back in GSTS are never written again */
    uint32_t gsts = VTD_GCMD_SRTP | VTD_GCMD_QIE;
    assert_int_equal(vtd_gcmd(gsts, VTD_GCMD_TE, true), VTD_GCMD_QIE | VTD_GCMD_TE);
    assert_int_equal(vtd_gcmd(VTD_GCMD_TE | VTD_GCMD_QIE, VTD_GCMD_QIE, false), VTD_GCMD_TE);
    assert_int_equal(vtd_gcmd(0, VTD_GCMD_SRTP, true), VTD_GCMD_SRTP);
}

static void faults(void **state)
{
    (void)state;
    struct vtd_fault f;
    /* QEMU's record: SID, FR at 103:96, T (bit 126) for reads, F */
    uint64_t hi = 1ull << 63 | 1ull << 62 | 2ull << 32 | 0x0010;
    vtd_fault_decode(0x100123, hi, &f);
    assert_true(f.valid);
    assert_false(f.write);
    assert_int_equal(f.reason, 2);
    assert_int_equal(f.sid, 0x0010);
    assert_int_equal(f.addr, 0x100000);
    vtd_fault_decode(0x2000, 6ull << 32 | 0xff07, &f);
    assert_false(f.valid);
    assert_true(f.write);
    assert_int_equal(f.sid, 0xff07);
    assert_string_equal(vtd_fault_reason(1), "root entry not present");
    assert_string_equal(vtd_fault_reason(6), "read of a page without R");
    assert_string_equal(vtd_fault_reason(0), "other reason");
    assert_string_equal(vtd_fault_reason(0xff), "other reason");
    assert_int_equal(vtd_msi_addr(3), 0xfee03000);
    assert_int_equal(vtd_msi_uaddr(0x1203), 0x1200);
}

/* Interrupt remapping: VT-d 9.10 (IRTE), 11.4.12 (IRTA), 6.5.2.7 (IEC
   invalidation), 5.1.5.2 (remappable MSI address), Appendix A. */
static void interrupt_remapping(void **state)
{
    (void)state;
    /* xAPIC destination: APIC id in bits 47:40; vector 23:16; fixed,
       physical, edge (DLM, DM, TM, RH all 0); P; SVT 01, SQ 00, SID */
    struct vtd_entry e = vtd_irte(3, false, 0x91, 0x0018);
    assert_int_equal(e.lo, 1ull | 0x91ull << 16 | 0x03ull << 40);
    assert_int_equal(e.hi, 0x0018ull | 1ull << 18);
    e = vtd_irte(0x1ff, false, 0x90, 0xff07);    /* without EIM only 8 bits */
    assert_int_equal(e.lo, 1ull | 0x90ull << 16 | 0xffull << 40);
    assert_int_equal(e.hi, 0xff07ull | 1ull << 18);
    e = vtd_irte(0x12345, true, 0xcf, 0x0100);   /* x2APIC: the whole 32-bit id */
    assert_int_equal(e.lo, 1ull | 0xcfull << 16 | 0x12345ull << 32);
    assert_int_equal(e.lo & (VTD_IRTE_FPD | VTD_IRTE_DM | VTD_IRTE_TM | 0xe0 | 1u << 15), 0);
    assert_int_equal(vtd_irta(0x7654321000, false), 0x7654321000 | 7);
    assert_int_equal(vtd_irta(0x7654321fff, true), 0x7654321000 | 1 << 11 | 7);
    assert_int_equal(1u << (VTD_IRTA_S + 1), VTD_IRTES);
    assert_int_equal(VTD_IRTES * sizeof(struct vtd_entry), 4096);
    /* IEC invalidation: type 4, G (bit 4) = 1 for one index, IIDX 47:32, IM 0 */
    e = vtd_qi_iec(true, 77);
    assert_int_equal(e.lo, 0x4);
    assert_int_equal(e.hi, 0);
    e = vtd_qi_iec(false, 0xbeef);
    assert_int_equal(e.lo, 0x4 | 1 << 4 | 0xbeefull << 32);
    /* remappable MSI address: handle[14:0] at 19:5, format bit 4, SHV bit
       3, handle[15] at bit 2 */
    assert_int_equal(vtd_ir_msi_addr(0), 0xfee00018);
    assert_int_equal(vtd_ir_msi_addr(5), 0xfee00018 | 5 << 5);
    assert_int_equal(vtd_ir_msi_addr(0xffff), 0xfee00018 | 0x7fff << 5 | 1 << 2);
    assert_int_equal(VTD_IR_MSI_DATA, 0);
    assert_int_equal(VTD_IRTA, 0xb8);
    assert_int_equal(VTD_GCMD_IRE, 1u << 25);
    assert_int_equal(VTD_GCMD_SIRTP, 1u << 24);
    assert_int_equal(VTD_GCMD_CFI, 1u << 23);
    /* IRE and CFI persist in GCMD writes, SIRTP does not */
    assert_int_equal(vtd_gcmd(VTD_GCMD_TE | VTD_GCMD_SIRTP | VTD_GCMD_QIE, VTD_GCMD_IRE, true),
                     VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE);
    /* an interrupt fault: FI[63:48] holds the interrupt index */
    struct vtd_fault f;
    vtd_fault_decode(0x002a000000000000ull, 1ull << 63 | 0x22ull << 32 | 0x0018, &f);
    assert_true(f.valid && f.ir);
    assert_int_equal(f.index, 0x2a);
    assert_int_equal(f.reason, 0x22);
    assert_int_equal(f.sid, 0x0018);
    assert_string_equal(vtd_fault_reason(0x22), "interrupt remapping entry not present");
    assert_string_equal(vtd_fault_reason(0x25), "compatibility-format interrupt blocked");
    assert_string_equal(vtd_fault_reason(0x26), "interrupt from a source the entry does not accept");
    assert_string_equal(vtd_fault_reason(0x27), "other reason");
    vtd_fault_decode(0x002a000000001000ull, 1ull << 63 | 0x06ull << 32, &f);   /* DMA: no index */
    assert_false(f.ir);
    assert_int_equal(f.index, 0);
    assert_int_equal(f.addr, 0x002a000000001000ull);
    assert_int_equal(BH_DEV_FAULT_IR, VTD_FR_IR_FIRST);
}

/* ---- second-level tables in host memory: pa = the pointer itself ---- */
struct env {
    unsigned allocs, frees, fail_after;
    unsigned flushed_tables;          /* whole pages flushed */
    uint64_t flushed[64];             /* the last entries flushed */
    unsigned nflushed;
    void *live[64];
    unsigned nlive;
};

static enum bh_status h_alloc(void *ctx, uint64_t *pa)
{
    struct env *e = ctx;
    if (e->fail_after && e->allocs >= e->fail_after)
        return BH_ENOMEM;
    void *p = aligned_alloc(4096, 4096);
    assert_non_null(p);
    memset(p, 0, 4096);
    e->allocs++;
    e->live[e->nlive++] = p;
    *pa = (uint64_t)(uintptr_t)p;
    return BH_OK;
}

static void h_free(void *ctx, uint64_t pa)
{
    struct env *e = ctx;
    for (unsigned i = 0; i < e->nlive; i++)
        if (e->live[i] == (void *)(uintptr_t)pa) {
            e->live[i] = e->live[--e->nlive];
            e->frees++;
            free((void *)(uintptr_t)pa);
            return;
        }
    fail_msg("freeing a page that is not a table");
}

static void *h_virt(void *ctx, uint64_t pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

static void h_flush(void *ctx, const void *p, size_t len)
{
    struct env *e = ctx;
    if (len == 4096)
        e->flushed_tables++;
    else if (e->nflushed < 64)
        e->flushed[e->nflushed++] = (uint64_t)(uintptr_t)p;
}

static bool was_flushed(struct env *e, const void *p)
{
    for (unsigned i = 0; i < e->nflushed; i++)
        if (e->flushed[i] == (uint64_t)(uintptr_t)p)
            return true;
    return false;
}

static void pt_map_unmap(unsigned levels)
{
    struct env st = { 0 };
    struct vtd_pt_env e = { &st, h_alloc, h_free, h_virt, h_flush };
    uint64_t root;
    assert_int_equal(h_alloc(&st, &root), BH_OK);
    uint64_t top = vtd_pt_span(levels) - 4096;
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x100000, 0xaaaa000, BH_M_R | BH_M_W), BH_OK);
    assert_int_equal(st.allocs, levels);          /* root + levels - 1 tables */
    assert_int_equal(st.flushed_tables, levels - 1);
    uint64_t pte = vtd_pt_lookup(&e, root, levels, 0x100000);
    assert_int_equal(pte, 0xaaaa000 | VTD_SL_R | VTD_SL_W);
    /* the root's entry points at a table, with R and W */
    uint64_t *r = h_virt(&st, root);
    assert_int_equal(r[0] & (VTD_SL_R | VTD_SL_W), VTD_SL_R | VTD_SL_W);
    assert_true(was_flushed(&st, &r[0]));
    /* read-only, at the highest page of the span */
    assert_int_equal(vtd_pt_map(&e, root, levels, top, 0xbbbb000, BH_M_R), BH_OK);
    assert_int_equal(vtd_pt_lookup(&e, root, levels, top), 0xbbbb000 | VTD_SL_R);
    assert_int_equal(r[511] & VTD_SL_R, VTD_SL_R);
    /* a neighbour shares the tables */
    unsigned before = st.allocs;
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x101000, 0xcccc000, BH_M_R), BH_OK);
    assert_int_equal(st.allocs, before);
    /* refusals change nothing */
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x100000, 0xdddd000, BH_M_R), BH_EEXIST);
    assert_int_equal(vtd_pt_map(&e, root, levels, vtd_pt_span(levels), 0xdddd000, BH_M_R), BH_EINVAL);
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x200000, 0xdddd000, BH_M_W), BH_EINVAL);
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x200800, 0xdddd000, BH_M_R), BH_EINVAL);
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x200000, 0xdddd800, BH_M_R), BH_EINVAL);
    assert_int_equal(vtd_pt_map(&e, root, levels, 0x200000, 1ull << 52, BH_M_R), BH_EINVAL);
    assert_int_equal(vtd_pt_map(&e, root, 5, 0x200000, 0xdddd000, BH_M_R), BH_EINVAL);
    assert_int_equal(vtd_pt_lookup(&e, root, levels, 0x200000), 0);
    /* unmap returns the old entry and flushes the cleared one */
    st.nflushed = 0;
    assert_int_equal(vtd_pt_unmap(&e, root, levels, 0x100000), 0xaaaa000 | VTD_SL_R | VTD_SL_W);
    assert_int_equal(st.nflushed, 1);
    assert_int_equal(vtd_pt_lookup(&e, root, levels, 0x100000), 0);
    assert_int_equal(vtd_pt_unmap(&e, root, levels, 0x100000), 0);
    assert_int_equal(vtd_pt_unmap(&e, root, levels, 0x40000000000ull % vtd_pt_span(levels) + 0x7000), 0);
    assert_int_equal(vtd_pt_unmap(&e, root, levels, vtd_pt_span(levels)), 0);
    assert_int_equal(vtd_pt_lookup(&e, root, levels, 0x101000), 0xcccc000 | VTD_SL_R);
    /* destroy frees every table, and only tables */
    unsigned n = vtd_pt_destroy(&e, root, levels);
    assert_int_equal(n, st.allocs);
    assert_int_equal(st.nlive, 0);
}

static void pt_three_levels(void **state) { (void)state; pt_map_unmap(3); }
static void pt_four_levels(void **state) { (void)state; pt_map_unmap(4); }

static void pt_out_of_memory(void **state)
{
    (void)state;
    struct env st = { 0 };
    struct vtd_pt_env e = { &st, h_alloc, h_free, h_virt, NULL };   /* coherent: no flush */
    uint64_t root;
    assert_int_equal(h_alloc(&st, &root), BH_OK);
    st.fail_after = 2;                            /* root + one table */
    assert_int_equal(vtd_pt_map(&e, root, 4, 0x3000, 0x5000, BH_M_R), BH_ENOMEM);
    assert_int_equal(vtd_pt_lookup(&e, root, 4, 0x3000), 0);
    st.fail_after = 0;
    assert_int_equal(vtd_pt_map(&e, root, 4, 0x3000, 0x5000, BH_M_R), BH_OK);
    assert_int_equal(st.nflushed + st.flushed_tables, 0);
    assert_int_equal(vtd_pt_destroy(&e, root, 4), 4);
    assert_int_equal(st.nlive, 0);
}

/* Destruction in bounded steps: one table per unit of budget, the root
   last and free; the same tables as vtd_pt_destroy, each freed once. */
static void pt_destroy_in_steps(void **state)
{
    (void)state;
    struct env st = { 0 };
    struct vtd_pt_env e = { &st, h_alloc, h_free, h_virt, NULL };
    uint64_t root;
    assert_int_equal(h_alloc(&st, &root), BH_OK);
    /* three leaves in three separate lowest tables under two PDPTs */
    assert_int_equal(vtd_pt_map(&e, root, 4, 0x1000, 0x5000, BH_M_R), BH_OK);
    assert_int_equal(vtd_pt_map(&e, root, 4, 0x40000000, 0x6000, BH_M_R), BH_OK);
    assert_int_equal(vtd_pt_map(&e, root, 4, 0x8000000000ull, 0x7000, BH_M_R), BH_OK);
    unsigned tables = st.allocs, freed = 0, steps = 0;
    for (;;) {
        unsigned budget = 1, before = freed;
        bool done = vtd_pt_destroy_step(&e, root, 4, &budget, &freed);
        steps++;
        assert_true(freed - before <= 2);         /* one table, plus the root at the end */
        if (done)
            break;
        assert_int_equal(budget, 0);
        assert_true(steps < 100);
    }
    assert_int_equal(freed, tables);
    assert_int_equal(st.nlive, 0);
    assert_true(steps >= tables - 1);
    /* a zero budget does nothing and says so */
    assert_int_equal(h_alloc(&st, &root), BH_OK);
    assert_int_equal(vtd_pt_map(&e, root, 3, 0x1000, 0x5000, BH_M_R), BH_OK);
    unsigned zero = 0;
    freed = 0;
    assert_false(vtd_pt_destroy_step(&e, root, 3, &zero, &freed));
    assert_int_equal(freed, 0);
    assert_int_equal(vtd_pt_lookup(&e, root, 3, 0x1000), 0x5000 | VTD_SL_R);
    assert_int_equal(vtd_pt_destroy(&e, root, 3), 3);
    assert_int_equal(st.nlive, 0);
}

/* Many random maps and unmaps against a shadow copy. */
static void pt_random(void **state)
{
    (void)state;
    struct env st = { 0 };
    struct vtd_pt_env e = { &st, h_alloc, h_free, h_virt, h_flush };
    uint64_t root;
    assert_int_equal(h_alloc(&st, &root), BH_OK);
    enum { N = 32 };
    uint64_t iova[N], pa[N];
    bool on[N] = { false };
    srand(7);
    for (unsigned i = 0; i < N; i++) {      /* within a few tables so they are shared */
        iova[i] = ((uint64_t)(rand() % 4) << 30 | (uint64_t)(rand() % 8) << 21 | (uint64_t)i << 12);
        pa[i] = (uint64_t)(i + 1) << 20;
    }
    for (unsigned k = 0; k < 4000; k++) {
        unsigned i = (unsigned)rand() % N;
        if (on[i]) {
            assert_int_equal(vtd_pt_unmap(&e, root, 3, iova[i]) & VTD_ADDR, pa[i]);
            on[i] = false;
        } else {
            assert_int_equal(vtd_pt_map(&e, root, 3, iova[i], pa[i], BH_M_R), BH_OK);
            on[i] = true;
        }
        unsigned j = (unsigned)rand() % N;
        assert_int_equal(vtd_pt_lookup(&e, root, 3, iova[j]) & VTD_ADDR, on[j] ? pa[j] : 0);
    }
    assert_true(st.nlive <= 1 + 4 + 4 * 8);
    assert_int_equal(vtd_pt_destroy(&e, root, 3), st.allocs);
    assert_int_equal(st.nlive, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_qemu_default),
        cmocka_unit_test(decode_qemu_48_cm),
        cmocka_unit_test(pick_levels),
        cmocka_unit_test(entries),
        cmocka_unit_test(descriptors),
        cmocka_unit_test(gcmd),
        cmocka_unit_test(faults),
        cmocka_unit_test(interrupt_remapping),
        cmocka_unit_test(pt_three_levels),
        cmocka_unit_test(pt_four_levels),
        cmocka_unit_test(pt_out_of_memory),
        cmocka_unit_test(pt_destroy_in_steps),
        cmocka_unit_test(pt_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
