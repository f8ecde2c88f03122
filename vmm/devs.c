/* The device buses and what hangs on them, and the two exits that reach
   them: port I/O and EPT violations (MMIO).
   Ports: 8259 pair (0x20, 0xa0), 8254 (0x40), CMOS/RTC (0x70), port 0x92,
   the guest's exit-status port (0xf4), COM1 (0x3f8, forwarded over IPC to
   the UART server). MMIO: the local APIC page, the VMM's information
   device (VMINFO_MMIO) and a memory-mapped 16550 (UART_MMIO, the UART
   server's second unit, also over IPC). Unassigned ports read as all ones and drop
   writes; unassigned MMIO the same, once the instruction is decoded;
   each is counted and the first few reported. */
#include "vmm.h"
#include "decode.h"
#include "gwalk.h"
#include "uart_proto.h"
#include <bh/io.h>
#include <string.h>

#define REPORT_MAX 4u

/* Devices with 8-bit registers see a wider access as one per byte, at
   consecutive offsets, as the ISA bus would split it. */
typedef uint8_t (*rd8_fn)(unsigned off);
typedef void (*wr8_fn)(unsigned off, uint8_t v);
struct dev8 {
    rd8_fn rd;
    wr8_fn wr;
    unsigned len;
};

static uint64_t dev8_read(void *dev, uint64_t off, unsigned width)
{
    const struct dev8 *d = dev;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)(off + i < d->len ? d->rd((unsigned)off + i) : 0xff) << (8 * i);
    return v;
}

static void dev8_write(void *dev, uint64_t off, unsigned width, uint64_t v)
{
    const struct dev8 *d = dev;
    for (unsigned i = 0; i < width && off + i < d->len; i++)
        d->wr((unsigned)off + i, (uint8_t)(v >> (8 * i)));
}

static const struct bus_ops dev8_ops = { dev8_read, dev8_write };

/* The interrupt controllers and timers: reads see the timers up to now,
   writes also make the next interrupt pump a full one (irq.c). */
static uint8_t pic0_rd(unsigned off) { irq_sync(); return pic_read(&vm.pic, 0, off); }
static void pic0_wr(unsigned off, uint8_t v) { irq_touch(); pic_write(&vm.pic, 0, off, v); }
static uint8_t pic1_rd(unsigned off) { irq_sync(); return pic_read(&vm.pic, 1, off); }
static void pic1_wr(unsigned off, uint8_t v) { irq_touch(); pic_write(&vm.pic, 1, off, v); }
static uint8_t pit_rd(unsigned off) { return pit_read(&vm.pit, off, now_tsc()); }
static void pit_wr(unsigned off, uint8_t v) { irq_touch(); pit_write(&vm.pit, off, v, now_tsc()); }
static uint8_t rtc_rd(unsigned off) { return rtc_read(&vm.rtc, off, now_tsc()); }
static void rtc_wr(unsigned off, uint8_t v) { rtc_write(&vm.rtc, off, v, now_tsc()); }

/* Port 0x92 (system control port A): bit 1 is A20, kept but without
   effect (guest RAM is never wrapped at 1 MiB); bit 0, a fast reset, is
   not supported: the VMM does not reset guests. It is counted, reported
   once and otherwise ignored. */
static uint8_t p92_rd(unsigned off) { (void)off; return vm.port92; }
static void p92_wr(unsigned off, uint8_t v)
{
    (void)off;
    if ((v & 1) && vm.reset_requests++ == 0)
        bh_printf("# vmm %s: the guest asked for a reset (port 0x92 bit 0): not supported, "
                  "ignored\n", vm.name);
    vm.port92 = v & 2;
}

/* COM1 and the memory-mapped 16550: every register access is one call
   to the UART server, naming the unit (vmm/uart_proto.h). If the server
   is gone (killed, crashed) the guest's output is lost: reads then
   return all ones (LSR says "empty", so a polling guest never waits) and
   writes vanish; the VMM says so once. */
static bool uart_call(uint64_t op, uint64_t reg, uint64_t val, uint64_t unit, uint64_t *out)
{
    if (!vm.uart_ok)
        return false;
    struct bh_msg m = { 4, { op, reg, val, unit } };
    enum bh_status s = bh_call(SEL_UART, &m);
    vm.uart_calls++;
    if (s != BH_OK) {
        vm.uart_ok = false;
        bh_printf("# vmm %s: the UART server is gone (status %d): the guest's serial output is "
                  "lost from here on\n", vm.name, s);
        return false;
    }
    if (out)
        *out = m.w[1];
    return m.w[0] == BH_OK;
}

/* A UART unit on a bus: 8-bit registers, a wider access split into one
   call per register (as dev8 does, without its extra layer: this is the
   path of every guest console byte). */
struct uart_dev {
    unsigned unit;
};

static uint64_t uart_dev_read(void *dev, uint64_t off, unsigned width)
{
    const struct uart_dev *u = dev;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        uint64_t b = 0xff;
        if (off + i >= UART_REGS || !uart_call(UART_OP_READ, off + i, 0, u->unit, &b))
            b = 0xff;
        v |= (b & 0xff) << (8 * i);
    }
    return v;
}

static void uart_dev_write(void *dev, uint64_t off, unsigned width, uint64_t v)
{
    const struct uart_dev *u = dev;
    for (unsigned i = 0; i < width && off + i < UART_REGS; i++)
        uart_call(UART_OP_WRITE, off + i, (uint8_t)(v >> (8 * i)), u->unit, NULL);
}

/* Port 0xf4: a 32-bit OUT of the guest's exit status ends the VM
   (guests/README.md). The handler stops the VM after the access. */
static uint64_t dbg_read(void *dev, uint64_t off, unsigned width)
{
    (void)dev, (void)off;
    return bus_ones(width);
}

static void dbg_write(void *dev, uint64_t off, unsigned width, uint64_t v)
{
    (void)dev, (void)off, (void)width;
    if (vm.end != VM_RUNNING)
        return;
    vm.exit_status = v;
    vm.end = VM_EXITED;
    bh_printf("# vmm %s: guest exited with status %lu\n", vm.name, v);
}

/* The VMM's information device: a read-only page. 0: "BHVM"; 4:
   version 1; 8: guest RAM in MiB; elsewhere 0. Writes are ignored. */
static uint64_t info_read(void *dev, uint64_t off, unsigned width)
{
    (void)dev;
    const uint64_t regs[2] = { 0x4d564842u | 1ull << 32, (uint32_t)(vm.ram_size >> 20) };
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        uint64_t o = off + i;
        if (o < sizeof regs)
            v |= (regs[o / 8] >> (o % 8 * 8) & 0xff) << (8 * i);
    }
    return v;
}

static void info_write(void *dev, uint64_t off, unsigned width, uint64_t v)
{
    (void)dev, (void)off, (void)width, (void)v;
}

static uint64_t apic_read(void *dev, uint64_t off, unsigned width)
{
    if (!lapic_mmio_on(dev))
        return bus_ones(width);
    irq_sync();
    return lapic_mmio_read(dev, off, width, now_tsc());
}

static void apic_write(void *dev, uint64_t off, unsigned width, uint64_t v)
{
    if (lapic_mmio_on(dev)) {
        irq_touch();
        lapic_mmio_write(dev, off, width, v, now_tsc());
    }
}

static struct dev8 pic0 = { pic0_rd, pic0_wr, 2 }, pic1 = { pic1_rd, pic1_wr, 2 },
                   pit_dev = { pit_rd, pit_wr, 4 }, rtc_dev = { rtc_rd, rtc_wr, 2 },
                   p92 = { p92_rd, p92_wr, 1 };
static struct uart_dev com1 = { UART_UNIT_COM1 }, mmuart = { UART_UNIT_MMIO };
static const struct bus_ops dbg_ops = { dbg_read, dbg_write }, info_ops = { info_read, info_write },
                            apic_ops = { apic_read, apic_write },
                            uart_ops = { uart_dev_read, uart_dev_write };

static enum bh_status add(struct bus *b, uint64_t base, uint64_t len, const char *name,
                          const struct bus_ops *ops, void *dev)
{
    const struct bus_range *clash;
    enum bh_status s = bus_add(b, base, len, name, ops, dev, &clash);
    if (s == BH_EEXIST)
        bh_printf("# vmm %s: device %s at %s 0x%lx-0x%lx overlaps %s at 0x%lx-0x%lx: refused\n",
                  vm.name, name, b->space, base, base + len - 1, clash->name, clash->base,
                  clash->base + clash->len - 1);
    else if (s != BH_OK)
        bh_printf("# vmm %s: device %s at %s 0x%lx: refused (status %d)\n", vm.name, name,
                  b->space, base, s);
    return s;
}

enum bh_status devs_init(void)
{
    vm.pio.space = "port", vm.mmio.space = "mmio";
    vm.port92 = 2;
    enum bh_status s = BH_OK;
    const struct { struct bus *b; uint64_t base, len; const char *name; const struct bus_ops *ops;
                   void *dev; } devs[] = {
        { &vm.pio, 0x20, 2, "pic-master", &dev8_ops, &pic0 },
        { &vm.pio, 0xa0, 2, "pic-slave", &dev8_ops, &pic1 },
        { &vm.pio, 0x40, 4, "pit", &dev8_ops, &pit_dev },
        { &vm.pio, 0x70, 2, "rtc", &dev8_ops, &rtc_dev },
        { &vm.pio, 0x92, 1, "port92", &dev8_ops, &p92 },
        { &vm.pio, DEBUG_EXIT_PORT, 4, "exit-status", &dbg_ops, NULL },
        { &vm.pio, 0x3f8, UART_REGS, "com1", &uart_ops, &com1 },
        { &vm.mmio, LAPIC_DEFAULT_BASE, 0x1000, "lapic", &apic_ops, &vm.lapic },
        { &vm.mmio, VMINFO_MMIO, 0x1000, "vminfo", &info_ops, NULL },
        { &vm.mmio, UART_MMIO, UART_REGS, "uart-mmio", &uart_ops, &mmuart },
    };
    for (unsigned i = 0; i < sizeof devs / sizeof devs[0] && s == BH_OK; i++)
        s = add(devs[i].b, devs[i].base, devs[i].len, devs[i].name, devs[i].ops, devs[i].dev);
    return s;
}

/* Port I/O (SDM Vol. 3C, table 27-5). String I/O is not emulated: the VM
   stops with a message that says so. */
void ex_io(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    unsigned width = (unsigned)(s->qual & 7) + 1, port = (unsigned)(s->qual >> 16);
    bool in = s->qual & 8;
    if (s->qual & 16) {
        vm_stop(x, "string I/O (%s port 0x%x) is not emulated (rip 0x%lx)", in ? "INS from" : "OUTS to",
                port, s->rip);
        return;
    }
    if (in) {
        uint64_t v;
        if (!bus_read(&vm.pio, port, width, &v) && vm.unknown_pio_rd++ < REPORT_MAX)
            bh_printf("# vmm %s: IN from unassigned port 0x%x: all ones\n", vm.name, port);
        if (width == 4)
            s->rax = (uint32_t)v;
        else
            s->rax = (s->rax & ~bus_ones(width)) | v;
        x->out |= BH_MTD_GPR_ACDB;
    } else if (!bus_write(&vm.pio, port, width, s->rax & bus_ones(width)) &&
               vm.unknown_pio_wr++ < REPORT_MAX) {
        bh_printf("# vmm %s: OUT to unassigned port 0x%x: ignored\n", vm.name, port);
    }
    skip_insn(x);
    if (vm.end == VM_EXITED)
        vm_stop(x, "the guest exited");
}

/* The page-table entries one walk read (gwalk's read64 records them
   here): if they still hold the same values, the same walk gives the
   same result. */
#define WALK_READS 4u
struct walk_rec {
    unsigned n;
    bool over;                         /* more reads than fit: not reusable */
    uint64_t gpa[WALK_READS], val[WALK_READS];
};

/* 8 bytes of guest RAM (the builtin: the VMM is built without builtins,
   and this is on the MMIO path). */
static inline uint64_t ram64(uint64_t gpa)
{
    uint64_t v;
    __builtin_memcpy(&v, vm.ram + gpa, 8);
    return v;
}

static bool ram_read64(void *ctx, uint64_t gpa, uint64_t *v)
{
    struct walk_rec *rec = ctx;
    if (gpa >= vm.ram_size || vm.ram_size - gpa < 8)
        return false;
    *v = ram64(gpa);
    if (rec && rec->n < WALK_READS)
        rec->gpa[rec->n] = gpa, rec->val[rec->n++] = *v;
    else if (rec)
        rec->over = true;
    return true;
}

/* The instruction at linear address la, as far as it lies in guest RAM;
   returns its byte count (0 if none) and, in *gpa, where it starts (~0
   if it does not). rec records the reads of the first page's walk. */
static unsigned fetch(const struct bh_vmstate *s, uint64_t la, unsigned mode, uint8_t *buf,
                      uint64_t *start, struct walk_rec *rec)
{
    struct gwalk w = { s->cr0, s->cr3, s->cr4, s->efer, ram_read64, rec };
    unsigned n = 0;
    *start = ~0ull;
    while (n < INSN_MAX_LEN) {         /* one walk per page the instruction touches */
        uint64_t gpa, a = mode == 64 ? la + n : (uint32_t)(la + n);
        if (gwalk_translate(&w, a, &gpa) != BH_OK)
            break;
        if (n == 0)
            *start = gpa;
        w.ctx = NULL;                  /* a second page: not cached (see insn_cached) */
        unsigned k = 0x1000 - (unsigned)(a & 0xfff);
        if (k > INSN_MAX_LEN - n)
            k = INSN_MAX_LEN - n;
        for (unsigned i = 0; i < k; i++, n++) {
            if (gpa + i >= vm.ram_size)
                return n;
            buf[n] = vm.ram[gpa + i];
        }
    }
    return n;
}

static unsigned code_mode(const struct bh_vmstate *s)
{
    bool l = s->cs.ar & (1u << 9), db = s->cs.ar & (1u << 10);
    if ((s->efer & EFER_LMA) && l)
        return 64;
    if (!(s->cr0 & CR0_PE))
        return 16;
    return db ? 32 : 16;
}

/* Decoded instructions behind recent MMIO exits, by linear address. An
   entry is reused only if it is exactly what fetching and decoding again
   would give: the same code mode and paging controls, the same CR3, every
   page-table entry its walk read unchanged, and the same bytes at the same
   guest-physical address (within one page). So a guest that rewrites its
   code or its page tables, or switches address spaces, just misses. */
#define ICACHE_N 8u
#define PAGING_BITS_CR0 (CR0_PG | CR0_PE)
#define PAGING_BITS_CR4 ((1ull << 4) | CR4_PAE | (1ull << 12))   /* PSE, PAE, LA57 */
struct icache {
    bool valid;
    unsigned mode;
    uint64_t la, cr0, cr3, cr4, efer, gpa;
    struct walk_rec rec;
    uint8_t bytes[INSN_MAX_LEN];
    struct insn in;
};
static struct icache icache[ICACHE_N];

static struct icache *icache_slot(uint64_t la)
{
    return &icache[(la ^ (la >> 12)) % ICACHE_N];
}

static bool icache_hit(const struct icache *e, const struct bh_vmstate *s, uint64_t la,
                       unsigned mode)
{
    if (!e->valid || e->la != la || e->mode != mode || e->cr3 != s->cr3 ||
        e->cr0 != (s->cr0 & PAGING_BITS_CR0) || e->cr4 != (s->cr4 & PAGING_BITS_CR4) ||
        e->efer != (s->efer & EFER_LMA))
        return false;
    for (unsigned i = 0; i < e->rec.n; i++)
        if (ram64(e->rec.gpa[i]) != e->rec.val[i])
            return false;
    const uint8_t *code = vm.ram + e->gpa;
    for (unsigned i = 0; i < e->in.len; i++)
        if (code[i] != e->bytes[i])
            return false;
    return true;
}

/* The instruction at CS:RIP decoded, from the cache or fetched (walking
   the guest's page tables) into code and decoded; BH_OK or the decoder's
   status, with its bytes in (*bytes)[0..*n) for a report. */
static enum bh_status insn_at(const struct bh_vmstate *s, unsigned mode, struct insn *in,
                              uint8_t *code, const uint8_t **bytes, unsigned *n)
{
    uint64_t la = mode == 64 ? s->rip : (s->cs.base + (s->rip & (mode == 16 ? 0xffff : 0xffffffff)));
    struct icache *e = icache_slot(la);
    if (icache_hit(e, s, la, mode)) {
        *in = e->in;
        *bytes = e->bytes, *n = e->in.len;
        return BH_OK;
    }
    *bytes = code;
    struct walk_rec rec = { 0 };
    uint64_t gpa;
    *n = fetch(s, la, mode, code, &gpa, &rec);
    enum bh_status st = decode_mov(code, *n, mode, in);
    e->valid = st == BH_OK && !rec.over && gpa != ~0ull && (gpa & 0xfff) + in->len <= 0x1000 &&
               gpa + in->len <= vm.ram_size;
    if (e->valid) {
        e->mode = mode, e->la = la, e->cr3 = s->cr3, e->gpa = gpa, e->rec = rec, e->in = *in;
        e->cr0 = s->cr0 & PAGING_BITS_CR0, e->cr4 = s->cr4 & PAGING_BITS_CR4;
        e->efer = s->efer & EFER_LMA;
        memcpy(e->bytes, code, in->len);
    }
    return st;
}

/* An EPT violation outside guest RAM: MMIO. The policy (vmm/README.md):
   a read or write the decoder understands goes to the device at that
   address, or, if there is none, reads all ones and drops the write
   (counted, the first few reported, with the GPA and the qualification);
   an instruction fetch there, an access inside RAM (it is all mapped),
   or an instruction the decoder does not know stops the VM, reported. */
void ex_ept(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    uint64_t gpa = s->gpa, q = s->qual;
    if (q & 4) {
        vm_stop(x, "instruction fetch from 0x%lx, outside guest RAM (EPT qualification 0x%lx)", gpa, q);
        return;
    }
    if (gpa < vm.ram_size) {
        vm_stop(x, "EPT violation inside guest RAM at 0x%lx (qualification 0x%lx)", gpa, q);
        return;
    }
    uint8_t buf[INSN_MAX_LEN];
    const uint8_t *code;
    unsigned mode = code_mode(s), n;
    struct insn in;
    enum bh_status st = insn_at(s, mode, &in, buf, &code, &n);
    if (st != BH_OK || (in.kind == INSN_STORE) != ((q & 2) != 0)) {
        vm_stop(x, "cannot emulate the %s of 0x%lx (EPT qualification 0x%lx) by the instruction "
                "at rip 0x%lx: %02x %02x %02x %02x (%u bytes, %u-bit code, status %d)",
                (q & 2) ? "write" : "read", gpa, q, s->rip, n > 0 ? code[0] : 0,
                n > 1 ? code[1] : 0, n > 2 ? code[2] : 0, n > 3 ? code[3] : 0, n, mode, st);
        return;
    }
    bool hit;
    if (in.kind == INSN_LOAD) {
        uint64_t v;
        hit = bus_read(&vm.mmio, gpa, in.width, &v);
        uint64_t *r = gpr(s, in.reg);
        *r = insn_load_result(&in, *r, v);
        x->out |= gpr_mtd(in.reg);
    } else {
        hit = bus_write(&vm.mmio, gpa, in.width, insn_store_value(&in, *gpr(s, in.reg)));
    }
    if (!hit && vm.unassigned_mmio++ < REPORT_MAX)
        bh_printf("# vmm %s: %s of %u byte(s) at unassigned 0x%lx (EPT qualification 0x%lx, rip "
                  "0x%lx): %s\n", vm.name, in.kind == INSN_LOAD ? "read" : "write", in.width, gpa, q,
                  s->rip, in.kind == INSN_LOAD ? "all ones" : "dropped");
    s->rip += in.len;
    x->out |= BH_MTD_RIP_LEN;
}
