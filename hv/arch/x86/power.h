/* Ending the system: ACPI S5, reset, and the emulators' exit ports. */
#ifndef HV_X86_POWER_H
#define HV_X86_POWER_H
#include <stdint.h>
#include <stdbool.h>

#include "cmdline.h"   /* enum hv_exit_action */

struct power_cfg {
    uint16_t pm1a_cnt, pm1b_cnt;       /* ports, 0 if absent */
    bool s5_valid;
    uint8_t slp_typa, slp_typb;
    uint16_t smi_cmd;                  /* to switch to ACPI mode */
    uint8_t acpi_enable;
    bool reset_valid;                  /* FADT reset register (I/O only) */
    uint16_t reset_port;
    uint8_t reset_value;
    uint16_t debugexit_port;           /* QEMU isa-debug-exit, 0 if none */
};

/* Records how to power off and reset, and what hv_exit does. */
void power_setup(const struct power_cfg *cfg, enum hv_exit_action action);
/* Ends the system according to the configured action; never returns.
   Output is drained first so the last lines reach the console. */
void __attribute__((noreturn)) hv_exit(void);
#endif
