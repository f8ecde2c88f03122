/* CPUID for the guest: the host's values, filtered. What the VMM cannot
   give a guest is hidden (VMX, SMX, MONITOR/MWAIT, XSAVE and everything
   that needs its state, TSC-deadline, performance monitoring, thermal
   and power management, topology beyond one CPU), the hypervisor bit is
   set, and leaf 0x40000000 names the VMM: "BulkheadVMM\0". cpuid_init
   files the answers that do not depend on the subleaf in cpuid_tab, so
   most exits are a lookup (cpuid.h); cpuid_guest filters afresh.
   Leaves: Intel SDM Vol. 2A, CPUID. */
#include "cpuid.h"

#define HV_BASE 0x40000000u
#define HV_MAX 0x40000001u
#define EXT_MAX 0x80000008u
#define BASIC_MAX 0x16u

#ifdef CPUID_HOST                      /* host unit tests: a made-up CPU */
void CPUID_HOST(uint32_t leaf, uint32_t sub, uint32_t r[4]);
#define host CPUID_HOST
#else
static void host(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
#endif

uint32_t cpuid_tab[CPUID_TAB][4];
uint64_t cpuid_by_sub;

/* Basic leaves whose filtered answer depends on the subleaf: deterministic
   cache parameters, structured extended features, topology. */
#define BY_SUB ((1ull << 4) | (1ull << 7) | (1ull << 0xb) | (1ull << 0x1f))

/* Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, FMA? no (AVX state), CX16, SSE4.1,
   SSE4.2, x2APIC, MOVBE, POPCNT, AES, RDRAND; the hypervisor bit. */
#define L1_ECX_KEEP ((1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | \
                     (1u << 21) | (1u << 22) | (1u << 23) | (1u << 25) | (1u << 30))
#define L1_ECX_HV (1u << 31)
/* Leaf 1 EDX: everything but MCE/MCA (no machine-check MSRs), DS, ACPI
   thermal, TM, PBE and HTT (one logical CPU). */
#define L1_EDX_DROP ((1u << 7) | (1u << 14) | (1u << 21) | (1u << 22) | (1u << 28) | (1u << 29) | \
                     (1u << 31))
/* Leaf 7.0 EBX: FSGSBASE, BMI1, SMEP, BMI2, ERMS, INVPCID, ADX, SMAP,
   CLFLUSHOPT, CLWB, SHA. EDX: FSRM. */
#define L7_EBX_KEEP ((1u << 0) | (1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 10) | \
                     (1u << 19) | (1u << 20) | (1u << 23) | (1u << 24) | (1u << 29))
#define L7_EDX_KEEP (1u << 4)
/* Leaf 0x80000001 EDX: SYSCALL, NX, 1 GiB pages, RDTSCP, LM; ECX: LAHF,
   LZCNT, PREFETCHW. */
#define LX1_EDX_KEEP ((1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29))
#define LX1_ECX_KEEP ((1u << 0) | (1u << 5) | (1u << 8))

/* The host's highest leaf of the range at base (0 or 0x80000000), capped;
   asked once (every CPU of a host agrees). */
static uint32_t tops[2];
static uint32_t top_of(uint32_t base, uint32_t cap)
{
    uint32_t *t = &tops[base >> 31];
    if (!*t) {
        uint32_t max[4];
        host(base, 0, max);
        *t = max[0] < cap ? max[0] : cap;
    }
    return *t;
}

void cpuid_init(void)
{
    tops[0] = tops[1] = 0;
    for (unsigned i = 0; i < CPUID_TAB; i++)
        cpuid_guest((i & 0x1fu) | (i >> 5) << 31, 0, cpuid_tab[i]);
    cpuid_by_sub = BY_SUB;
}

void cpuid_guest(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf >= HV_BASE && leaf < HV_BASE + 0x10000) {
        if (leaf == HV_BASE) {
            r[0] = HV_MAX;
            r[1] = 0x6b6c7542;               /* "Bulk" */
            r[2] = 0x64616568;               /* "head" */
            r[3] = 0x004d4d56;               /* "VMM\0" */
        } else if (leaf == HV_MAX) {
            r[0] = 1;                        /* the hypercall interface's version */
        }
        return;
    }
    if (leaf >= 0x80000000u) {
        uint32_t top = top_of(0x80000000u, EXT_MAX);
        if (leaf > top)
            return;
        host(leaf, sub, r);
        if (leaf == 0x80000000u)
            r[0] = top;
        else if (leaf == 0x80000001u)
            r[2] &= LX1_ECX_KEEP, r[3] &= LX1_EDX_KEEP, r[0] = r[1] = 0;
        else if (leaf == 0x80000007u)
            r[0] = r[1] = r[2] = 0, r[3] &= 1u << 8;   /* invariant TSC only */
        else if (leaf == 0x80000005u)
            r[0] = r[1] = r[2] = r[3] = 0;
        return;
    }
    uint32_t top = top_of(0, BASIC_MAX);
    if (leaf > top)
        return;
    host(leaf, sub, r);
    switch (leaf) {
    case 0:
        r[0] = top;
        break;
    case 1:
        r[1] = (r[1] & 0xffff) | (1u << 16);        /* APIC ID 0, one logical CPU */
        r[2] = (r[2] & L1_ECX_KEEP) | L1_ECX_HV;
        r[3] &= ~L1_EDX_DROP;
        break;
    case 4:
        r[0] &= 0x3ff;                              /* one core, one thread per cache */
        break;
    case 7:
        if (sub == 0) {
            r[0] = 0, r[1] &= L7_EBX_KEEP, r[2] = 0, r[3] &= L7_EDX_KEEP;
        } else {
            r[0] = r[1] = r[2] = r[3] = 0;
        }
        break;
    case 0xb:
    case 0x1f:                                      /* topology: one thread, one core */
        if (sub == 0)
            r[0] = 0, r[1] = 1, r[2] = 1u << 8, r[3] = 0;
        else if (sub == 1)
            r[0] = 0, r[1] = 1, r[2] = 2u << 8 | 1, r[3] = 0;
        else
            r[0] = r[1] = 0, r[2] = sub & 0xff, r[3] = 0;
        break;
    case 2: case 3: case 0x15: case 0x16:
        break;                                      /* caches, serial, clocks: as they are */
    default:
        r[0] = r[1] = r[2] = r[3] = 0;             /* 5, 6, 0xa, 0xd, 0x12, 0x14, ...: hidden */
    }
}
