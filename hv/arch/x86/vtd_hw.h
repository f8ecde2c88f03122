/* VT-d hardware layouts and encodings: the pure part of DMA remapping
   (no MMIO, no allocation), shared by hv and the host unit tests.
   Section numbers are those of the Intel VT-d Specification (rev. 4.x):
   registers 11.4, root and context entries 9.1-9.3, second-level paging
   entries 9.8, invalidation descriptors 6.5.2, fault recording 7.1 and
   11.4.14, fault reasons Appendix A; interrupt remapping: the remappable
   MSI format 5.1.5.2, IRTEs 9.10, the IRTA register 11.4.12. */
#ifndef HV_X86_VTD_HW_H
#define HV_X86_VTD_HW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

/* 11.4 register offsets (the IOTLB and fault-recording registers sit at
   offsets the capability registers give: ECAP.IRO and CAP.FRO). */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38
#define VTD_FEDATA 0x3c
#define VTD_FEADDR 0x40
#define VTD_FEUADDR 0x44
#define VTD_PMEN 0x64
#define VTD_IQH 0x80
#define VTD_IQT 0x88
#define VTD_IQA 0x90
#define VTD_ICS 0x9c
#define VTD_IRTA 0xb8

/* 11.4.4 global command / status bits (same positions in both). */
#define VTD_GCMD_TE (1u << 31)    /* translation enable */
#define VTD_GCMD_SRTP (1u << 30)  /* set root table pointer (one-shot) */
#define VTD_GCMD_SFL (1u << 29)   /* one-shot */
#define VTD_GCMD_EAFL (1u << 28)
#define VTD_GCMD_WBF (1u << 27)   /* write-buffer flush (one-shot) */
#define VTD_GCMD_QIE (1u << 26)   /* queued invalidation enable */
#define VTD_GCMD_IRE (1u << 25)
#define VTD_GCMD_SIRTP (1u << 24) /* set interrupt remap table pointer (one-shot) */
#define VTD_GCMD_CFI (1u << 23)   /* compatibility-format interrupts pass (hv: never) */
/* The bits that stay set once set: GCMD must be written with these
   preserved and the one-shot ones clear (11.4.4.1). */
#define VTD_GSTS_PERSISTENT (VTD_GCMD_TE | VTD_GCMD_EAFL | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)

/* 11.4.5 context command register. */
#define VTD_CCMD_ICC (1ull << 63)
#define VTD_CCMD_GLOBAL (1ull << 61)
#define VTD_CCMD_DOMAIN (2ull << 61)
#define VTD_CCMD_DEVICE (3ull << 61)

/* 11.4.8 IOTLB invalidate register (at ECAP.IRO * 16 + 8) and the
   invalidate-address register before it. */
#define VTD_IOTLB_IVT (1ull << 63)
#define VTD_IOTLB_GLOBAL (1ull << 60)
#define VTD_IOTLB_DOMAIN (2ull << 60)
#define VTD_IOTLB_PAGE (3ull << 60)
#define VTD_IOTLB_DR (1ull << 49)
#define VTD_IOTLB_DW (1ull << 48)

/* 11.4.9 fault status and 11.4.10 fault event control. */
#define VTD_FSTS_PFO (1u << 0)    /* primary fault overflow (RW1C) */
#define VTD_FSTS_PPF (1u << 1)    /* primary pending fault (RO) */
#define VTD_FSTS_IQE (1u << 4)    /* invalidation queue error (RW1C) */
#define VTD_FSTS_ICE (1u << 5)
#define VTD_FSTS_ITE (1u << 6)
#define VTD_FSTS_ERRORS (VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)
#define VTD_FECTL_IM (1u << 31)   /* interrupt mask */
#define VTD_PMEN_EPM (1u << 31)
#define VTD_PMEN_PRS (1u << 0)

/* Capabilities, decoded (11.4.2 CAP, 11.4.3 ECAP). */
struct vtd_caps {
    uint8_t ver_major, ver_minor;
    uint8_t nd;            /* domains supported: 2^(4 + 2 * nd) */
    bool rwbf;             /* write-buffer flushing required */
    bool plmr, phmr;       /* protected memory regions */
    bool cm;               /* caching mode: not-present entries may be cached */
    uint8_t sagaw;         /* bit 1: 39-bit 3-level, bit 2: 48-bit 4-level, bit 3: 57-bit */
    uint8_t mgaw;          /* maximum guest address width, in bits */
    uint32_t fro;          /* fault-recording registers: byte offset */
    uint32_t nfr;          /* their number */
    uint8_t sllps;         /* second-level large pages: bit 0 2M, bit 1 1G */
    bool psi;              /* page-selective IOTLB invalidation */
    uint8_t mamv;          /* largest address mask for it */
    bool dwd, drd;         /* write / read draining */
    bool coherent;         /* ECAP.C: table walks snoop the CPU caches */
    bool qi;               /* queued invalidation */
    bool dt;               /* device TLBs */
    bool ir, eim;          /* interrupt remapping, x2APIC-format IRTEs */
    bool pt;               /* pass-through */
    bool sc;               /* snoop control */
    uint32_t iro;          /* IOTLB registers: byte offset */
    uint32_t ndoms;        /* 2^(4 + 2 * nd), capped at 65536 */
};
/* Fills c from the raw CAP and ECAP values (and VER). */
void vtd_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *c);
/* The number of paging levels hv uses for DMA spaces, given the SAGAW
   bits every unit supports: 4 if all can walk 48-bit tables, else 3 for
   39-bit ones; 0 if there is no common width. */
unsigned vtd_pick_levels(uint8_t sagaw_common);
/* First IOVA past a DMA space of that many levels on units whose
   smallest MGAW is mgaw: 2^min(12 + 9 * levels, mgaw). */
uint64_t vtd_iova_limit(unsigned levels, unsigned mgaw);

/* 9.1 root entry and 9.3 context entry (legacy mode: RTADDR.TTM = 0). */
struct vtd_entry {
    uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_entry) == 16, "root, context and invalidation entries are 128 bits");
#define VTD_ENTRIES 256                 /* root: one per bus; context: one per devfn */
#define VTD_P (1ull << 0)
#define VTD_ADDR 0x000ffffffffff000ull  /* bits 51:12 */
/* A present root entry for the context table at ctp. */
static inline struct vtd_entry vtd_root_entry(uint64_t ctp)
{
    return (struct vtd_entry){ (ctp & VTD_ADDR) | VTD_P, 0 };
}
/* A present context entry: untranslated requests go through the
   second-level table at slpt (TT = 0), AW = levels - 2 (3-level = 1,
   4-level = 2), tagged with domain did. */
static inline struct vtd_entry vtd_context_entry(uint64_t slpt, unsigned levels, uint16_t did)
{
    return (struct vtd_entry){ (slpt & VTD_ADDR) | VTD_P,
                               (uint64_t)((levels - 2) & 7) | (uint64_t)did << 8 };
}

/* 9.8 second-level paging entries: present when R or W is set. */
#define VTD_SL_R (1ull << 0)
#define VTD_SL_W (1ull << 1)
#define VTD_SL_PS (1ull << 7)
#define VTD_PTES 512

/* 6.5.2 invalidation descriptors (128-bit, IQA.DW = 0). */
#define VTD_QI_CC 0x1ull          /* context-cache invalidate */
#define VTD_QI_IOTLB 0x2ull
#define VTD_QI_IEC 0x4ull         /* interrupt entry cache invalidate */
#define VTD_QI_WAIT 0x5ull
#define VTD_QI_G_GLOBAL 1u
#define VTD_QI_G_DOMAIN 2u
#define VTD_QI_G_DEVICE 3u        /* context cache: device; IOTLB: page */
#define VTD_QI_WAIT_SW (1ull << 5)
#define VTD_QI_WAIT_FN (1ull << 6)
/* Context-cache invalidation of granularity g (VTD_QI_G_*): did and sid
   (bus << 8 | devfn) are used by the domain / device granularities. */
struct vtd_entry vtd_qi_context(unsigned g, uint16_t did, uint16_t sid);
/* IOTLB invalidation: global, domain did, or the 2^am pages at addr in
   did; drain reads / writes first where the unit can. */
struct vtd_entry vtd_qi_iotlb(unsigned g, uint16_t did, uint64_t addr, unsigned am, bool dr, bool dw);
/* Interrupt entry cache invalidation (6.5.2.7): every entry, or the one
   IRTE index (index mask 0). There is no register-based equivalent. */
struct vtd_entry vtd_qi_iec(bool global, uint16_t index);
/* Invalidation wait: once everything before it is done, the unit writes
   data to the dword at status (4-byte aligned). */
struct vtd_entry vtd_qi_wait(uint64_t status, uint32_t data);

/* The register-based equivalents: the value for CCMD and for the IOTLB
   register (the address goes to the IVA register, vtd_iva()). */
uint64_t vtd_ccmd(unsigned g, uint16_t did, uint16_t sid);
uint64_t vtd_iotlb_cmd(unsigned g, uint16_t did, bool dr, bool dw);
static inline uint64_t vtd_iva(uint64_t addr, unsigned am) { return (addr & ~0xfffull) | (am & 0x3f); }

/* The GCMD value that turns bit on or off, from the current GSTS: the
   persistent bits kept, one-shot ones dropped (11.4.4.1). */
static inline uint32_t vtd_gcmd(uint32_t gsts, uint32_t bit, bool on)
{
    uint32_t v = gsts & VTD_GSTS_PERSISTENT;
    return on ? v | bit : v & ~bit;
}

/* 11.4.14 fault recording register, decoded. */
struct vtd_fault {
    bool valid;            /* F: the record holds a fault */
    bool ir;               /* an interrupt-remapping fault (reason 0x20-0x26) */
    uint16_t index;        /* for those: the interrupt index (FI bits 63:48) */
    bool write;            /* T1 = 0: a write request; 1: a read */
    uint8_t reason;        /* FR, Appendix A */
    uint16_t sid;          /* source id: bus << 8 | device << 3 | function */
    uint64_t addr;         /* FI: the page of the faulting request (DMA faults) */
};
#define VTD_FR_IR_FIRST 0x20      /* Appendix A: reasons 0x20-0x26 are interrupt faults */
#define VTD_FRCD_F (1ull << 63)   /* in the high qword; written as bit 31 of its upper dword */
void vtd_fault_decode(uint64_t lo, uint64_t hi, struct vtd_fault *f);
/* A short description of fault reason r (Appendix A), never NULL. */
const char *vtd_fault_reason(uint8_t r);

/* The fault-event interrupt message (5.1.6 / 11.4.11-13): a fixed,
   physical-destination MSI to the local APIC apic_id, in xAPIC format
   (FEADDR) with the upper 24 bits of an x2APIC id in FEUADDR. */
static inline uint32_t vtd_msi_addr(uint32_t apic_id) { return 0xfee00000u | (apic_id & 0xff) << 12; }
static inline uint32_t vtd_msi_uaddr(uint32_t apic_id) { return apic_id & 0xffffff00u; }

/* Interrupt remapping. The table hv gives each unit is one page: 256
   IRTEs, IRTA.S = 7 (2^(S+1) entries). EIME (x2APIC-format destination
   ids) only where the unit has ECAP.EIM and hv runs its APICs in x2APIC
   mode; otherwise the destination is an 8-bit xAPIC id. */
#define VTD_IRTES 256u
#define VTD_IRTA_S 7u
#define VTD_IRTA_EIME (1ull << 11)
static inline uint64_t vtd_irta(uint64_t irt, bool eime)
{
    return (irt & VTD_ADDR) | (eime ? VTD_IRTA_EIME : 0) | VTD_IRTA_S;
}
/* 9.10 IRTE (remapped format, IM = 0) bits of the low qword. */
#define VTD_IRTE_P (1ull << 0)
#define VTD_IRTE_FPD (1ull << 1)  /* fault processing disable */
#define VTD_IRTE_DM (1ull << 2)   /* logical destination */
#define VTD_IRTE_TM (1ull << 4)   /* level triggered */
/* High qword: source validation. SVT 01 checks the requester id against
   SID under the mask SQ (00: all 16 bits compared). */
#define VTD_IRTE_SVT_SID (1ull << 18)
#define VTD_IRTE_SQ_ALL 0ull
/* A present IRTE: a fixed, edge-triggered, physical-destination interrupt
   with vector on the CPU whose APIC id is apic_id (bits 63:32 hold the
   x2APIC id with eime, the xAPIC id in bits 47:40 without), accepted only
   from the requester id sid (bus << 8 | devfn). */
struct vtd_entry vtd_irte(uint32_t apic_id, bool eime, uint8_t vector, uint16_t sid);
/* 5.1.5.2 remappable-format MSI address for IRTE handle: 0xfee in bits
   31:20, handle[14:0] in 19:5, bit 4 (interrupt format) = 1, SHV (bit 3)
   = 1, handle[15] in bit 2. With SHV the data's low 16 bits are a
   subhandle added to the handle: hv's data is 0, so the IRTE used is
   exactly handle (one MSI message per IRTE). */
static inline uint32_t vtd_ir_msi_addr(uint16_t handle)
{
    return 0xfee00000u | (uint32_t)(handle & 0x7fffu) << 5 | 1u << 4 | 1u << 3 |
           (uint32_t)(handle >> 15 & 1u) << 2;
}
#define VTD_IR_MSI_DATA 0u
#endif
