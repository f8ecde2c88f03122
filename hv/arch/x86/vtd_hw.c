/* VT-d encodings; see vtd_hw.h. Pure: no MMIO, no globals. */
#include "vtd_hw.h"

static uint64_t bits(uint64_t v, unsigned hi, unsigned lo)
{
    return (v >> lo) & ((2ull << (hi - lo)) - 1);
}

void vtd_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *c)
{
    *c = (struct vtd_caps){ 0 };
    c->ver_major = (uint8_t)bits(ver, 7, 4);
    c->ver_minor = (uint8_t)bits(ver, 3, 0);
    c->nd = (uint8_t)bits(cap, 2, 0);
    c->rwbf = bits(cap, 4, 4);
    c->plmr = bits(cap, 5, 5);
    c->phmr = bits(cap, 6, 6);
    c->cm = bits(cap, 7, 7);
    c->sagaw = (uint8_t)bits(cap, 12, 8);
    c->mgaw = (uint8_t)(bits(cap, 21, 16) + 1);
    c->fro = (uint32_t)bits(cap, 33, 24) * 16;
    c->sllps = (uint8_t)bits(cap, 37, 34);
    c->psi = bits(cap, 39, 39);
    c->nfr = (uint32_t)bits(cap, 47, 40) + 1;
    c->mamv = (uint8_t)bits(cap, 53, 48);
    c->dwd = bits(cap, 54, 54);
    c->drd = bits(cap, 55, 55);
    c->coherent = bits(ecap, 0, 0);
    c->qi = bits(ecap, 1, 1);
    c->dt = bits(ecap, 2, 2);
    c->ir = bits(ecap, 3, 3);
    c->eim = bits(ecap, 4, 4);
    c->pt = bits(ecap, 6, 6);
    c->sc = bits(ecap, 7, 7);
    c->iro = (uint32_t)bits(ecap, 17, 8) * 16;
    unsigned shift = 4 + 2u * c->nd;        /* nd 7 (reserved) would be 2^18 */
    c->ndoms = shift >= 16 ? 65536u : 1u << shift;
}

unsigned vtd_pick_levels(uint8_t sagaw_common)
{
    if (sagaw_common & (1u << 2))
        return 4;
    if (sagaw_common & (1u << 1))
        return 3;
    return 0;
}

uint64_t vtd_iova_limit(unsigned levels, unsigned mgaw)
{
    unsigned w = 12 + 9 * levels;
    if (mgaw && mgaw < w)
        w = mgaw;
    return w >= 64 ? ~0ull : 1ull << w;
}

struct vtd_entry vtd_qi_context(unsigned g, uint16_t did, uint16_t sid)
{
    return (struct vtd_entry){ VTD_QI_CC | (uint64_t)(g & 3) << 4 | (uint64_t)did << 16 |
                               (uint64_t)sid << 32, 0 };
}

struct vtd_entry vtd_qi_iotlb(unsigned g, uint16_t did, uint64_t addr, unsigned am, bool dr, bool dw)
{
    struct vtd_entry e = { VTD_QI_IOTLB | (uint64_t)(g & 3) << 4 | (dw ? 1ull << 6 : 0) |
                           (dr ? 1ull << 7 : 0) | (uint64_t)did << 16, 0 };
    if (g == VTD_QI_G_DEVICE)                 /* page-selective */
        e.hi = (addr & ~0xfffull) | (am & 0x3f);
    return e;
}

struct vtd_entry vtd_qi_wait(uint64_t status, uint32_t data)
{
    return (struct vtd_entry){ VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_FN | (uint64_t)data << 32,
                               status & ~3ull };
}

struct vtd_entry vtd_qi_iec(bool global, uint16_t index)
{
    return (struct vtd_entry){ VTD_QI_IEC | (global ? 0 : 1ull << 4) |
                               (global ? 0 : (uint64_t)index << 32), 0 };
}

struct vtd_entry vtd_irte(uint32_t apic_id, bool eime, uint8_t vector, uint16_t sid)
{
    uint64_t dest = eime ? apic_id : (uint64_t)(apic_id & 0xff) << 8;
    return (struct vtd_entry){ VTD_IRTE_P | (uint64_t)vector << 16 | dest << 32,
                               (uint64_t)sid | VTD_IRTE_SQ_ALL << 16 | VTD_IRTE_SVT_SID };
}

uint64_t vtd_ccmd(unsigned g, uint16_t did, uint16_t sid)
{
    return VTD_CCMD_ICC | (uint64_t)(g & 3) << 61 | (uint64_t)sid << 16 | did;
}

uint64_t vtd_iotlb_cmd(unsigned g, uint16_t did, bool dr, bool dw)
{
    return VTD_IOTLB_IVT | (uint64_t)(g & 3) << 60 | (dr ? VTD_IOTLB_DR : 0) |
           (dw ? VTD_IOTLB_DW : 0) | (uint64_t)did << 32;
}

void vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f)
{
    f->valid = hi & VTD_FRCD_F;
    f->write = !(hi & (1ull << 62));
    f->reason = (uint8_t)bits(hi, 39, 32);
    f->sid = (uint16_t)bits(hi, 15, 0);
    f->addr = lo & ~0xfffull;
    f->ir = f->reason >= VTD_FR_IR_FIRST && f->reason <= 0x26;
    f->index = f->ir ? (uint16_t)(lo >> 48) : 0;
}

const char *vtd_fault_reason(uint8_t r)
{
    static const char *const why[] = {
        [0x1] = "root entry not present",
        [0x2] = "context entry not present",
        [0x3] = "invalid context entry",
        [0x4] = "address beyond the domain's width",
        [0x5] = "write to a page without W",
        [0x6] = "read of a page without R",
        [0x7] = "paging entry unreachable",
        [0x8] = "root entry unreachable",
        [0x9] = "context entry unreachable",
        [0xa] = "reserved bit in root entry",
        [0xb] = "reserved bit in context entry",
        [0xc] = "reserved bit in paging entry",
        [0xd] = "translation type refused by the context entry",
        [0x20] = "reserved field set in the interrupt request",
        [0x21] = "interrupt index beyond the remapping table",
        [0x22] = "interrupt remapping entry not present",
        [0x23] = "interrupt remapping table unreachable",
        [0x24] = "reserved bit in the interrupt remapping entry",
        [0x25] = "compatibility-format interrupt blocked",
        [0x26] = "interrupt from a source the entry does not accept",
    };
    return r < sizeof why / sizeof why[0] && why[r] ? why[r] : "other reason";
}
