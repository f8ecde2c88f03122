/* pio and mmio: port I/O to two devices every PC has, and one MMIO read
 * of an address the command string names. */
#include "console.h"
#include "layout.h"
#include "paging.h"
#include "safe.h"
#include "tap.h"
#include "tests.h"
#include "x86.h"

#define CMOS_INDEX      0x70u
#define CMOS_DATA       0x71u
#define CMOS_SECONDS    0x00u
#define CMOS_STATUS_A   0x0au
#define CMOS_STATUS_B   0x0bu
#define CMOS_A_UIP      0x80u           /* update in progress */
#define CMOS_B_BINARY   0x04u           /* DM: binary, not BCD */
#define UART_SCRATCH    (COM1 + 7)

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static bool seconds_valid(uint8_t v, bool binary)
{
    if (binary)
        return v < 60;
    return (v & 0xf) <= 9 && (v >> 4) <= 5;
}

static unsigned seconds_value(uint8_t v, bool binary)
{
    return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0xf);
}

/* The RTC seconds register, read twice (MC146818: wait while an update
 * is in progress), must be a valid value and not go backwards by more
 * than a wrap. */
static void pio_cmos(void)
{
    unsigned spins = 0;

    while ((cmos_read(CMOS_STATUS_A) & CMOS_A_UIP) && spins < 1000000)
        spins++;
    bool binary = (cmos_read(CMOS_STATUS_B) & CMOS_B_BINARY) != 0;
    uint8_t s1 = cmos_read(CMOS_SECONDS);
    uint8_t s2 = cmos_read(CMOS_SECONDS);
    bool ok = seconds_valid(s1, binary) && seconds_valid(s2, binary);
    if (ok) {
        unsigned d = (seconds_value(s2, binary) + 60 - seconds_value(s1, binary)) % 60;
        ok = d <= 1;
    }
    tap(ok, "pio: CMOS seconds (ports 0x70/0x71) read twice: 0x%02x, 0x%02x, valid %s",
        s1, s2, binary ? "binary" : "BCD");
}

/* The 16550's scratch register keeps what is written to it. */
static void pio_scratch(void)
{
    outb(UART_SCRATCH, 0x5a);
    uint8_t a = inb(UART_SCRATCH);
    outb(UART_SCRATCH, 0xa5);
    uint8_t b = inb(UART_SCRATCH);

    tap(a == 0x5a && b == 0xa5,
        "pio: UART scratch register (port 0x3ff) keeps 0x5a and 0xa5: read 0x%02x, 0x%02x",
        a, b);
}

void t_pio(void)
{
    pio_cmos();
    pio_scratch();
}

void t_mmio(const struct guest_opts *o)
{
    struct caught c;
    uint64_t v;

    if (!o->mmio_given) {
        tap_skip("no mmio=ADDR in the command string", "mmio: 32-bit read");
        return;
    }
    if (paging_map(o->mmio_addr, o->mmio_addr + 4)) {
        tap(false, "mmio: cannot map 0x%lx (out of spare page directories)", o->mmio_addr);
        return;
    }
    if (!safe_load(o->mmio_addr, 4, &v, &c)) {
        tap(false, "mmio: 32-bit read of 0x%lx raised %s (error 0x%lx)", o->mmio_addr,
            trap_name(c.vector), c.error);
        return;
    }
    tap(true, "mmio: 32-bit read of 0x%lx = 0x%08lx", o->mmio_addr, v);
}
