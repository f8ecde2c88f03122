/*
 * ACPI table dumper: finds the RSDP, walks the RSDT/XSDT, the FADT's
 * DSDT and FACS, and hexdumps every table with its physical address on
 * COM1. Runs identity-mapped in 32-bit protected mode (Multiboot v1), so
 * only tables below 4 GiB can be read. Output format (parsed by
 * tests/tools/capture-acpi.sh):
 *
 *   acpidump 1
 *   blob NAME PHYS LEN        (PHYS, LEN in hex; NAME is a table
 *   <hex, 32 bytes per line>   signature, RSDP or AREA)
 *   end
 *   ...
 *   done
 *
 * AREA is the 4 KiB page that holds the RSDP, kept so the RSDP scan can
 * be tested on real memory contents.
 */
#include <stdint.h>
#include <stddef.h>

#define COM1 0x3f8
#define MAX_SEEN 64
#define MAX_TABLE_LEN (1u << 20)

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void serial_init(void)
{
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x80);
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xc7);
    outb(COM1 + 4, 0x03);
}

static void putc_(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

static void puts_(const char *s)
{
    while (*s)
        putc_(*s++);
}

static void puthex(uint32_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--)
        putc_(hx[(v >> (i * 4)) & 0xf]);
}

static uint32_t rd32(uint32_t phys)
{
    const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)phys;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void blob(const char *name, uint32_t phys, uint32_t len)
{
    const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)phys;
    puts_("blob ");
    puts_(name);
    puts_(" ");
    puthex(phys, 8);
    puts_(" ");
    puthex(len, 8);
    puts_("\n");
    for (uint32_t i = 0; i < len; i++) {
        puthex(p[i], 2);
        if ((i & 31) == 31 || i + 1 == len)
            putc_('\n');
    }
    puts_("end\n");
}

static uint32_t seen[MAX_SEEN];
static int nseen;

static int mark_seen(uint32_t phys)
{
    for (int i = 0; i < nseen; i++)
        if (seen[i] == phys)
            return 1;
    if (nseen < MAX_SEEN)
        seen[nseen++] = phys;
    return 0;
}

static void dump_table(uint32_t phys);

static void dump_fadt_refs(uint32_t phys, uint32_t len)
{
    uint32_t facs = len >= 40 ? rd32(phys + 36) : 0;
    uint32_t dsdt = len >= 44 ? rd32(phys + 40) : 0;
    if (len >= 140 && rd32(phys + 136) == 0 && rd32(phys + 132))
        facs = rd32(phys + 132);
    if (len >= 148 && rd32(phys + 144) == 0 && rd32(phys + 140))
        dsdt = rd32(phys + 140);
    if (facs)
        dump_table(facs);
    if (dsdt)
        dump_table(dsdt);
}

static void dump_table(uint32_t phys)
{
    char sig[5];
    if (mark_seen(phys))
        return;
    uint32_t len = rd32(phys + 4);
    for (int i = 0; i < 4; i++) {
        char c = *(const volatile char *)(uintptr_t)(phys + (uint32_t)i);
        sig[i] = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_';
    }
    sig[4] = 0;
    if (len < 8 || len > MAX_TABLE_LEN) {
        puts_("# bad length at ");
        puthex(phys, 8);
        puts_("\n");
        return;
    }
    blob(sig, phys, len);
    if (sig[0] == 'F' && sig[1] == 'A' && sig[2] == 'C' && sig[3] == 'P')
        dump_fadt_refs(phys, len);
}

static void dump_sdt(uint32_t phys, uint32_t entsz)
{
    uint32_t len = rd32(phys + 4);
    if (len < 36 || len > MAX_TABLE_LEN)
        return;
    dump_table(phys);
    for (uint32_t off = 36; off + entsz <= len; off += entsz) {
        if (entsz == 8 && rd32(phys + off + 4) != 0) {
            puts_("# table above 4 GiB skipped\n");
            continue;
        }
        uint32_t t = rd32(phys + off);
        if (t)
            dump_table(t);
    }
}

static int is_rsdp(uint32_t phys)
{
    static const char sig[8] = "RSD PTR ";
    uint8_t sum = 0;
    for (int i = 0; i < 8; i++)
        if (*(const volatile char *)(uintptr_t)(phys + (uint32_t)i) != sig[i])
            return 0;
    for (int i = 0; i < 20; i++)
        sum += *(const volatile uint8_t *)(uintptr_t)(phys + (uint32_t)i);
    return sum == 0;
}

static uint32_t scan(uint32_t from, uint32_t to)
{
    for (uint32_t p = from; p + 20 <= to; p += 16)
        if (is_rsdp(p))
            return p;
    return 0;
}

static uint32_t find_rsdp(void)
{
    uint32_t ebda = (rd32(0x40e) & 0xffff) << 4; /* BDA word 0x40e */
    uint32_t r = 0;
    if (ebda >= 0x80000 && ebda < 0xa0000)
        r = scan(ebda, ebda + 1024);
    return r ? r : scan(0xe0000, 0x100000);
}

static void power_off(void)
{
    while (!(inb(COM1 + 5) & 0x40))
        ; /* drain the UART */
    outb(0xf4, 0); /* QEMU isa-debug-exit */
    for (const char *s = "Shutdown"; *s; s++)
        outb(0x8900, (uint8_t)*s); /* Bochs */
}

void dump_main(void);

void dump_main(void)
{
    serial_init();
    puts_("\nacpidump 1\n");
    uint32_t rsdp = find_rsdp();
    if (!rsdp) {
        puts_("# no RSDP\n");
    } else {
        uint8_t rev = *(const volatile uint8_t *)(uintptr_t)(rsdp + 15);
        blob("AREA", rsdp & ~0xfffu, 0x1000);
        blob("RSDP", rsdp, rev >= 2 ? 36 : 20);
        uint32_t rsdt = rd32(rsdp + 16);
        if (rev >= 2 && rd32(rsdp + 28) == 0 && rd32(rsdp + 24))
            dump_sdt(rd32(rsdp + 24), 8);
        if (rsdt)
            dump_sdt(rsdt, 4);
    }
    puts_("done\n");
    power_off();
}
