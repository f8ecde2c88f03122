/*
 * The CMOS real-time clock (MC146818; ports 0x70 index, 0x71 data):
 * seconds, minutes, hours, weekday, day, month, year and century in BCD
 * or binary (status B, DM) and 24- or 12-hour format, status A to D
 * (update-in-progress never set), and the other 114 bytes as plain RAM.
 * The clock runs from a fixed start date (2024-01-01 00:00:00, a Monday)
 * plus guest time from the TSC: a guest has no wall clock to read here.
 * Setting the time is accepted and then ignored. No interrupts (alarm,
 * periodic, update). Pure; unit-tested.
 */
#ifndef VMM_RTC_H
#define VMM_RTC_H

#include <stdint.h>

struct rtc {
    uint64_t tsc_hz;
    uint8_t index;
    uint8_t ram[128];
};

void rtc_reset(struct rtc *r, uint64_t tsc_hz);

/* A register access at port 0x70 + reg (reg 0 or 1) at time now. */
uint8_t rtc_read(struct rtc *r, unsigned reg, uint64_t now);
void rtc_write(struct rtc *r, unsigned reg, uint8_t v, uint64_t now);

#endif
