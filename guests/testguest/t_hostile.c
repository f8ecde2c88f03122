/* hostile: random port I/O, random MSR accesses and random loads and
 * stores in a window of guest-physical memory, from a seeded PRNG, so a
 * VMM sees exits of every class with arguments it did not choose. The
 * guest must survive all of it: faults are caught and counted.
 *
 * Never touched: the debug-exit port (0xf4-0xf7), COM1 (0x3f8-0x3ff),
 * PCI configuration (0xcf8-0xcff); WRMSR to the x2APIC range (an ICR
 * write sends an IPI) and to the microcode trigger (0x79); the guest's
 * own memory (the window may not overlap it) and stores to the local
 * APIC page. An MSR that reads is written back with the value read; one
 * that faults on read is written with a random value. */
#include "console.h"
#include "layout.h"
#include "paging.h"
#include "safe.h"
#include "tap.h"
#include "tests.h"
#include "trap.h"
#include "x86.h"

#define LOW_MEMORY_END      0x100000ull     /* IVT, BDA, EBDA, ROMs, the guest */
#define LAPIC_PAGE          0xfee00000ull

enum cls { C_IO, C_MSR, C_MEM, C_COUNT };

struct counts {
    uint64_t io_in, io_out, io_fault;
    uint64_t msr_rd, msr_rd_fault, msr_wr, msr_wr_fault;
    uint64_t mem_ld, mem_st, mem_fault, mem_skip;
};

struct hostile {
    uint64_t rng;
    const struct guest_opts *o;
    uint32_t port_start, port_end;
    bool classes[C_COUNT];
    struct counts n;
};

extern char __text_start[], __rodata_end[];

/* splitmix64 (Steele, Lea, Flood 2014). */
static uint64_t next(struct hostile *h)
{
    uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool port_allowed(uint32_t port, unsigned width)
{
    static const uint32_t deny[][2] = { { 0xf4, 0xf8 }, { 0x3f8, 0x400 }, { 0xcf8, 0xd00 } };

    if (port + width > 0x10000)
        return false;
    for (unsigned i = 0; i < 3; i++) {
        if (port < deny[i][1] && port + width > deny[i][0])
            return false;
    }
    return true;
}

static void round_io(struct hostile *h)
{
    uint64_t r = next(h);
    unsigned width = 1u << (r % 3);
    uint32_t port;
    int tries = 0;

    do {
        port = h->port_start + (uint32_t)(next(h) % (h->port_end - h->port_start));
    } while (!port_allowed(port, width) && ++tries < 64);
    if (!port_allowed(port, width)) {
        width = 1;                      /* the range has some allowed port */
        for (port = h->port_start; !port_allowed(port, 1); port++)
            ;
    }
    uint32_t v = (uint32_t)next(h);
    bool ok;
    if (r & 0x100) {
        ok = safe_out((uint16_t)port, width, v, NULL);
        h->n.io_out++;
    } else {
        ok = safe_in((uint16_t)port, width, &v, NULL);
        h->n.io_in++;
    }
    h->n.io_fault += !ok;
}

static uint32_t random_msr(struct hostile *h)
{
    static const uint32_t ranges[][2] = {
        { 0x0, 0x2000 }, { 0xc0000000, 0xc0002000 }, { 0x40000000, 0x40000100 },
        { 0xc0010000, 0xc0012000 },
    };
    uint64_t r = next(h);

    if ((r & 3) == 0)
        return (uint32_t)(r >> 32);
    unsigned i = (unsigned)((r >> 2) % 4);
    return ranges[i][0] + (uint32_t)((r >> 8) % (ranges[i][1] - ranges[i][0]));
}

static void round_msr(struct hostile *h)
{
    uint32_t msr = random_msr(h);
    uint64_t v;
    bool read = safe_rdmsr(msr, &v, NULL);

    h->n.msr_rd++;
    h->n.msr_rd_fault += !read;
    if (msr == 0x79 || (msr >= 0x800 && msr <= 0x8ff))
        return;
    if (!read)
        v = next(h);
    h->n.msr_wr++;
    h->n.msr_wr_fault += !safe_wrmsr(msr, v, NULL);
}

static void round_mem(struct hostile *h)
{
    const struct guest_opts *o = h->o;
    uint64_t r = next(h);
    unsigned width = 1u << (r % 4);
    uint64_t span = o->window_end - o->window_start;
    uint64_t addr = o->window_start + next(h) % span;

    addr &= ~(uint64_t)(width - 1);
    if (addr < o->window_start || addr + width > o->window_end) {
        h->n.mem_skip++;                /* a window too small for WIDTH here */
        return;
    }
    bool ok;
    if ((r & 0x100) && (addr >> 12) != (LAPIC_PAGE >> 12)) {
        ok = safe_store(addr, width, next(h), NULL);
        h->n.mem_st++;
    } else {
        uint64_t v;
        ok = safe_load(addr, width, &v, NULL);
        h->n.mem_ld++;
    }
    h->n.mem_fault += !ok;
}

static uint64_t checksum(const char *from, const char *to)
{
    uint64_t sum = 0;

    for (const char *p = from; p < to; p++)
        sum = sum * 31 + (uint8_t)*p;
    return sum;
}

/* Checks the options against the guest's own memory. Returns false, with
 * a "not ok" printed, if the test cannot run as asked. */
static bool hostile_setup(struct hostile *h)
{
    const struct guest_opts *o = h->o;
    uint64_t own_end = (uintptr_t)__bss_end > LOW_MEMORY_END ? (uintptr_t)__bss_end
                                                              : LOW_MEMORY_END;

    h->port_start = o->ports_given ? o->port_start : 0;
    h->port_end = o->ports_given ? o->port_end : 0x10000;
    h->classes[C_MSR] = true;
    for (uint32_t p = h->port_start; p < h->port_end && !h->classes[C_IO]; p++)
        h->classes[C_IO] = port_allowed(p, 1);
    if (o->window_given) {
        if (o->window_start < own_end) {
            tap(false, "hostile: window 0x%lx-0x%lx overlaps the guest's own memory "
                "(below 0x%lx)", o->window_start, o->window_end, own_end);
            return false;
        }
        if (paging_map(o->window_start, o->window_end)) {
            tap(false, "hostile: cannot map the window 0x%lx-0x%lx (too many GiB)",
                o->window_start, o->window_end);
            return false;
        }
        h->classes[C_MEM] = true;
    }
    return true;
}

void t_hostile(const struct guest_opts *o)
{
    static void (*const round[C_COUNT])(struct hostile *) = {
        [C_IO] = round_io, [C_MSR] = round_msr, [C_MEM] = round_mem,
    };
    struct hostile h = { .rng = o->hostile_seed, .o = o };

    if (!o->hostile_given) {
        tap_skip("no hostile=SEED,ROUNDS in the command string", "hostile");
        return;
    }
    if (!hostile_setup(&h))
        return;
    con_printf("# hostile: seed %lu, %lu rounds, ports 0x%x-0x%x%s, window %s0x%lx-0x%lx\n",
               o->hostile_seed, o->hostile_rounds, h.port_start, h.port_end,
               h.classes[C_IO] ? "" : " (none allowed)", h.classes[C_MEM] ? "" : "(none) ",
               o->window_start, o->window_end);
    uint64_t sum = checksum(__text_start, __rodata_end);
    trap_tolerate_nmi(true);
    for (uint64_t i = 0; i < o->hostile_rounds; i++) {
        enum cls c = (enum cls)(next(&h) % C_COUNT);
        if (!h.classes[c])
            c = C_MSR;
        round[c](&h);
    }
    trap_tolerate_nmi(false);
    uint64_t nmis = trap_nmi_count();
    struct counts *n = &h.n;
    con_printf("# hostile: io %lu in, %lu out, %lu faulted\n", n->io_in, n->io_out, n->io_fault);
    con_printf("# hostile: msr %lu reads (%lu faulted), %lu writes (%lu faulted)\n",
               n->msr_rd, n->msr_rd_fault, n->msr_wr, n->msr_wr_fault);
    con_printf("# hostile: mem %lu loads, %lu stores, %lu faulted, %lu skipped; %lu NMIs\n",
               n->mem_ld, n->mem_st, n->mem_fault, n->mem_skip, nmis);
    tap(n->io_in + n->io_out + n->msr_rd + n->mem_ld + n->mem_st + n->mem_skip ==
            o->hostile_rounds && checksum(__text_start, __rodata_end) == sum,
        "hostile: survived %lu rounds (io %lu, msr %lu, mem %lu), code and rodata intact",
        o->hostile_rounds, n->io_in + n->io_out, n->msr_rd, n->mem_ld + n->mem_st + n->mem_skip);
}
