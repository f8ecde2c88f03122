/* Power-off and reset. ACPI S5: ACPI 6.4, 4.8.3.2 and 7.4.2 (PM1 control
   register, SLP_TYP in bits 10-12, SLP_EN bit 13). Bochs shutdown port
   0x8900 and the 0xcf9 reset register are emulator/chipset facts. */
#include "power.h"
#include "cpu.h"
#include "serial.h"
#include "console.h"
#include "timer.h"

static struct power_cfg cfg;
static enum hv_exit_action action = HV_EXIT_HALT;

void power_setup(const struct power_cfg *c, enum hv_exit_action a)
{
    cfg = *c;
    action = a;
}

static void acpi_mode_on(void)
{
    if (!cfg.pm1a_cnt || (inw(cfg.pm1a_cnt) & 1) || !cfg.smi_cmd || !cfg.acpi_enable)
        return;
    outb(cfg.smi_cmd, cfg.acpi_enable);
    for (unsigned i = 0; i < 300 && !(inw(cfg.pm1a_cnt) & 1); i++)
        udelay(1000);
}

static void power_off(void)
{
    if (cfg.s5_valid && cfg.pm1a_cnt) {
        acpi_mode_on();
        outw(cfg.pm1a_cnt, (uint16_t)((cfg.slp_typa << 10) | (1u << 13)));
        if (cfg.pm1b_cnt)
            outw(cfg.pm1b_cnt, (uint16_t)((cfg.slp_typb << 10) | (1u << 13)));
        udelay(100000);
    }
    for (const char *s = "Shutdown"; *s; s++)   /* Bochs */
        outb(0x8900, (uint8_t)*s);
    if (cfg.debugexit_port)
        outb(cfg.debugexit_port, 0);
}

static void reset(void)
{
    if (cfg.reset_valid)
        outb(cfg.reset_port, cfg.reset_value);
    udelay(100000);
    outb(0xcf9, 0x02);
    outb(0xcf9, 0x06);
    udelay(100000);
    outb(0x64, 0xfe);                          /* keyboard controller */
}

void hv_exit(void)
{
    cli();
    serial_drain();
    if (action == HV_EXIT_POWEROFF)
        power_off();
    else if (action == HV_EXIT_REBOOT)
        reset();
    kprintf("hv: halted\n");
    serial_drain();
    for (;;)
        hlt();
}
