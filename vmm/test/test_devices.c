/* Host unit tests for the VMM's pure device models: the 8259 pair, the
   8254, the CMOS RTC and the local APIC, each driven through its
   registers with time as plain TSC values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lapic.h"
#include "pic.h"
#include "pit.h"
#include "rtc.h"

#define HZ 50000000ull                 /* a 50 MHz TSC, as in Bochs */

/* The test guest's sequence (guests/testguest/pic.c). */
static void pic_init_like_guest(struct pic *p)
{
    pic_write(p, 0, 1, 0xff), pic_write(p, 1, 1, 0xff);
    pic_write(p, 0, 0, 0x11), pic_write(p, 1, 0, 0x11);
    pic_write(p, 0, 1, 0x20), pic_write(p, 1, 1, 0x28);
    pic_write(p, 0, 1, 0x04), pic_write(p, 1, 1, 0x02);
    pic_write(p, 0, 1, 0x01), pic_write(p, 1, 1, 0x01);
    pic_write(p, 0, 1, 0xff), pic_write(p, 1, 1, 0xff);
}

static void test_pic(void **state)
{
    (void)state;
    struct pic p;
    pic_reset(&p);
    pic_init_like_guest(&p);
    assert_int_equal(pic_read(&p, 0, 1), 0xff);
    pic_raise(&p, 0);
    assert_int_equal(pic_pending(&p), -1);          /* masked */
    assert_false(pic_unmasked(&p, 0));
    pic_write(&p, 0, 1, 0xfe);                      /* unmask IRQ 0 */
    assert_true(pic_unmasked(&p, 0));
    assert_int_equal(pic_pending(&p), 0x20);
    assert_int_equal(pic_ack(&p), 0x20);
    assert_int_equal(pic_pending(&p), -1);          /* in service, not re-requested */
    pic_raise(&p, 0);
    assert_int_equal(pic_pending(&p), -1);          /* blocked by its own ISR bit */
    pic_write(&p, 0, 0, 0x0b);                      /* OCW3: read ISR */
    assert_int_equal(pic_read(&p, 0, 0), 1);
    pic_write(&p, 0, 0, 0x20);                      /* non-specific EOI */
    assert_int_equal(pic_read(&p, 0, 0), 0);
    assert_int_equal(pic_ack(&p), 0x20);
    pic_write(&p, 0, 0, 0x60);                      /* specific EOI, line 0 */
    /* The slave through the cascade: IRQ 10 needs line 2 open too. */
    pic_write(&p, 1, 1, 0xfb);
    pic_raise(&p, 10);
    assert_int_equal(pic_pending(&p), -1);
    assert_false(pic_unmasked(&p, 10));
    pic_write(&p, 0, 1, 0xfa);
    assert_true(pic_unmasked(&p, 10));
    assert_int_equal(pic_pending(&p), 0x2a);
    pic_raise(&p, 0);
    assert_int_equal(pic_ack(&p), 0x20);            /* IRQ 0 first: higher priority */
    pic_write(&p, 0, 0, 0x20);
    assert_int_equal(pic_ack(&p), 0x2a);
    pic_write(&p, 0, 0, 0x0b);
    assert_int_equal(pic_read(&p, 0, 0), 4);        /* master line 2 in service */
    pic_write(&p, 1, 0, 0x0b);
    assert_int_equal(pic_read(&p, 1, 0), 4);        /* slave line 2 (IRQ 10) */
    /* Mid-initialisation nothing is delivered. */
    pic_raise(&p, 1);
    pic_write(&p, 0, 0, 0x11);
    assert_int_equal(pic_pending(&p), -1);
}

static void test_pit(void **state)
{
    (void)state;
    struct pit p;
    pit_reset(&p, HZ);
    assert_false(pit_irq_due(&p, 1000000));
    uint64_t t = 1000;
    pit_write(&p, 3, 0x34, t);                      /* counter 0, lo/hi, mode 2 */
    pit_write(&p, 0, 0x00, t);
    assert_int_equal(p.next_edge, 0);               /* half a count: not running */
    pit_write(&p, 0, 0x00, t);                      /* 65536: 54.9 ms */
    uint64_t period = 65536ull * HZ / PIT_HZ;
    assert_true(p.next_edge >= t + period && p.next_edge <= t + period + 1);
    assert_false(pit_irq_due(&p, t + period - 10));
    assert_true(pit_irq_due(&p, t + period + 5));
    assert_false(pit_irq_due(&p, t + period + 6));  /* one edge */
    assert_true(pit_irq_due(&p, t + 10 * period));  /* nine missed edges coalesce */
    assert_false(pit_irq_due(&p, t + 10 * period + 1));
    /* Counter latch: the count at the latch, low byte then high byte. */
    pit_write(&p, 3, 0x00, t + period / 2 + period * 20);
    uint8_t lo = pit_read(&p, 0, t + 1000000000), hi = pit_read(&p, 0, t + 1000000000);
    unsigned c = (unsigned)hi << 8 | lo;
    assert_true(c > 32768 - 200 && c < 32768 + 200);
    /* Mode 0, lo byte only: one edge. */
    pit_write(&p, 3, 0x10, t);
    pit_write(&p, 0, 100, t);
    uint64_t end = t + 100 * HZ / PIT_HZ + 1;
    assert_true(pit_irq_due(&p, end));
    assert_false(pit_irq_due(&p, end + 100 * period));
    assert_int_equal(pit_read(&p, 0, end + 5), 0);
    assert_int_equal(pit_read(&p, 3, t), 0xff);     /* write-only */
    pit_write(&p, 3, 0xc2, t);                      /* read-back: ignored */
}

static void test_rtc(void **state)
{
    (void)state;
    struct rtc r;
    rtc_reset(&r, HZ);
    uint64_t t = (3600ull * 24 * 59 + 13 * 3600 + 5 * 60 + 9) * HZ;   /* 2024-02-29 13:05:09 */
    rtc_write(&r, 0, 0x0a, t);
    assert_int_equal(rtc_read(&r, 1, t) & 0x80, 0);   /* UIP never set */
    rtc_write(&r, 0, 0x00, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x09);
    rtc_write(&r, 0, 0x02, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x05);
    rtc_write(&r, 0, 0x04, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x13);
    rtc_write(&r, 0, 0x07, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x29);
    rtc_write(&r, 0, 0x08, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x02);
    rtc_write(&r, 0, 0x09, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x24);
    rtc_write(&r, 0, 0x32, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x20);
    rtc_write(&r, 0, 0x06, t);
    assert_int_equal(rtc_read(&r, 1, t), 5);           /* a Thursday */
    rtc_write(&r, 0, 0x0b, t);
    rtc_write(&r, 1, 0x04, t);                         /* binary, 12-hour */
    rtc_write(&r, 0, 0x04, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x81);        /* 1 pm */
    rtc_write(&r, 0, 0x00, t);
    assert_int_equal(rtc_read(&r, 1, t + 2 * HZ), 11);
    rtc_write(&r, 0, 0x8e, t);                         /* NMI bit set: RAM byte 0x0e */
    rtc_write(&r, 1, 0x5a, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x5a);
    assert_int_equal(rtc_read(&r, 0, t), 0x8e);
    rtc_write(&r, 0, 0x0d, t);
    rtc_write(&r, 1, 0x00, t);
    assert_int_equal(rtc_read(&r, 1, t), 0x80);        /* D is read-only */
    rtc_write(&r, 0, 0x09, t);
    assert_int_equal(rtc_read(&r, 1, (366ull + 365) * 86400 * HZ), 25 + 1);   /* 2026 in binary */
}

static void test_lapic_timer(void **state)
{
    (void)state;
    struct lapic a;
    lapic_reset(&a);
    assert_true(lapic_mmio_on(&a));
    assert_int_equal(lapic_mmio_read(&a, 0x30, 4, 0), 0x50014);
    assert_int_equal(lapic_deadline(&a), 0);
    /* The test guest's hlt: divide by 1, one-shot, vector 0x40, 100000. */
    lapic_mmio_write(&a, 0xf0, 4, 0x1ff, 0);
    lapic_mmio_write(&a, 0x80, 4, 0, 0);
    lapic_mmio_write(&a, 0x3e0, 4, 0xb, 0);
    lapic_mmio_write(&a, 0x320, 4, 0x40, 0);
    lapic_mmio_write(&a, 0x380, 4, 100000, 1000);
    assert_int_equal(lapic_deadline(&a), 101000);
    assert_int_equal(lapic_mmio_read(&a, 0x390, 4, 51000), 50000);
    lapic_tick(&a, 100999);
    assert_int_equal(lapic_pending(&a), -1);
    lapic_tick(&a, 101000);
    assert_int_equal(lapic_pending(&a), 0x40);
    assert_int_equal(lapic_deadline(&a), 0);           /* one-shot */
    assert_int_equal(lapic_mmio_read(&a, 0x390, 4, 200000), 0);
    assert_int_equal(lapic_mmio_read(&a, 0x200 + 0x20, 4, 0), 1);   /* IRR bit 0x40 */
    assert_int_equal(lapic_ack(&a), 0x40);
    assert_int_equal(lapic_mmio_read(&a, 0x100 + 0x20, 4, 0), 1);   /* now in ISR */
    assert_int_equal(lapic_pending(&a), -1);
    lapic_mmio_write(&a, 0xb0, 4, 0, 0);               /* EOI */
    assert_int_equal(lapic_mmio_read(&a, 0x100 + 0x20, 4, 0), 0);
    assert_int_equal(a.fired, 1);
    /* Periodic, divide by 16: missed periods coalesce into one interrupt. */
    lapic_mmio_write(&a, 0x3e0, 4, 0x3, 0);
    lapic_mmio_write(&a, 0x320, 4, 0x20041, 0);
    lapic_mmio_write(&a, 0x380, 4, 1000, 0);
    assert_int_equal(lapic_deadline(&a), 16000);
    lapic_tick(&a, 16000 * 5 + 7);
    assert_int_equal(lapic_pending(&a), 0x41);
    assert_int_equal(lapic_deadline(&a), 16000 * 6);
    /* Masked: no deadline, no interrupt. */
    lapic_mmio_write(&a, 0x320, 4, 0x30041, 0);
    assert_int_equal(lapic_deadline(&a), 0);
}

/* An MSI of a passed-through device (vmm/passthru.c) arrives as a fixed
   interrupt: into IRR, delivered by priority, vectors below 16 dropped. */
static void test_lapic_raise(void **state)
{
    (void)state;
    struct lapic a;
    lapic_reset(&a);
    lapic_mmio_write(&a, 0xf0, 4, 0x1ff, 0);           /* software-enabled */
    lapic_raise(&a, 0x41);
    lapic_raise(&a, 0x41);                             /* edges coalesce in IRR */
    lapic_raise(&a, 0x30);
    lapic_raise(&a, 15);
    lapic_raise(&a, 0);
    lapic_raise(&a, 256);
    assert_int_equal(lapic_mmio_read(&a, 0x200, 4, 0), 0);          /* IRR 0-31 */
    assert_int_equal(lapic_mmio_read(&a, 0x210, 4, 0), 1u << 16);  /* IRR 32-63: 0x30 */
    assert_int_equal(lapic_mmio_read(&a, 0x220, 4, 0), 2);          /* IRR 64-95: 0x41 */
    assert_int_equal(lapic_ack(&a), 0x41);
    assert_int_equal(lapic_pending(&a), -1);           /* 0x30 waits for 0x41's EOI */
    lapic_mmio_write(&a, 0xb0, 4, 0, 0);
    assert_int_equal(lapic_ack(&a), 0x30);
    lapic_mmio_write(&a, 0xb0, 4, 0, 0);
    assert_int_equal(lapic_pending(&a), -1);
}

static void test_lapic_priority_and_modes(void **state)
{
    (void)state;
    struct lapic a;
    lapic_reset(&a);
    assert_true(lapic_extint_open(&a));                /* LINT0 ExtINT, as after firmware */
    lapic_mmio_write(&a, 0x300, 4, 0x40050, 0);        /* self IPI, vector 0x50 */
    lapic_mmio_write(&a, 0x300, 4, 0x4035, 0);         /* fixed to APIC 0 (ICR hi 0): 0x35 */
    assert_int_equal(lapic_ack(&a), 0x50);
    assert_int_equal(lapic_pending(&a), -1);           /* 0x35 is below 0x50's class */
    lapic_mmio_write(&a, 0xb0, 4, 0, 0);
    lapic_mmio_write(&a, 0x80, 4, 0x40, 0);            /* TPR class 4 */
    assert_int_equal(lapic_pending(&a), -1);
    assert_int_equal(lapic_mmio_read(&a, 0xa0, 4, 0), 0x40);
    lapic_mmio_write(&a, 0x80, 4, 0x20, 0);
    assert_int_equal(lapic_pending(&a), 0x35);
    /* Odd widths and offsets do not crash and do not write. */
    assert_int_equal(lapic_mmio_read(&a, 0x81, 1, 0), 0);
    assert_int_equal(lapic_mmio_read(&a, 0x80, 1, 0), 0x20);
    lapic_mmio_write(&a, 0x82, 2, 0xffff, 0);
    assert_int_equal(lapic_mmio_read(&a, 0x80, 4, 0), 0x20);
    assert_int_equal(lapic_mmio_read(&a, 0xff8, 8, 0), 0);
    /* Software-disabled: LVTs stay masked, ExtINT closed. */
    lapic_mmio_write(&a, 0xf0, 4, 0xff, 0);
    assert_int_equal(lapic_mmio_read(&a, 0x350, 4, 0) & 0x10000, 0x10000);
    assert_false(lapic_extint_open(&a));
    lapic_mmio_write(&a, 0x350, 4, 0x700, 0);
    assert_int_equal(lapic_mmio_read(&a, 0x350, 4, 0) & 0x10000, 0x10000);
    /* x2APIC: MSRs on, MMIO off; and no way back but through disable. */
    uint64_t v;
    assert_false(lapic_msr_read(&a, 0x802, 0, &v));
    assert_true(lapic_set_base(&a, 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP));
    assert_false(lapic_mmio_on(&a));
    assert_true(lapic_msr_read(&a, 0x802, 0, &v));
    assert_int_equal(v, 0);
    assert_true(lapic_msr_read(&a, 0x80d, 0, &v));
    assert_int_equal(v, 1);                            /* logical ID of APIC 0 */
    assert_false(lapic_msr_read(&a, 0x80b, 0, &v));    /* EOI is write-only */
    assert_false(lapic_msr_write(&a, 0x80b, 1, 0));    /* non-zero EOI: #GP */
    assert_true(lapic_msr_write(&a, 0x80b, 0, 0));
    assert_false(lapic_msr_write(&a, 0x802, 5, 0));    /* read-only */
    assert_false(lapic_msr_read(&a, 0x8ff, 0, &v));
    assert_true(lapic_msr_write(&a, 0x83f, 0x66, 0));  /* SELF IPI */
    assert_true(lapic_msr_write(&a, 0x80f, 0x1ff, 0));
    assert_true(lapic_msr_write(&a, 0x808, 0, 0));
    assert_int_equal(lapic_ack(&a), 0x66);
    assert_false(lapic_set_base(&a, 0xfee00000ull | APIC_BASE_EN));   /* x2APIC -> xAPIC */
    assert_false(lapic_set_base(&a, 0xfee00000ull | APIC_BASE_EXTD)); /* EXTD without EN */
    assert_false(lapic_set_base(&a, 0xfee00000ull | 1));              /* reserved bit */
    assert_true(lapic_set_base(&a, 0xfee00000ull));
    assert_false(lapic_mmio_on(&a));
    assert_true(lapic_extint_open(&a));                /* globally off: INTR straight through */
    assert_int_equal(lapic_pending(&a), -1);
    assert_true(lapic_set_base(&a, 0xfee00000ull | APIC_BASE_EN));
    assert_true(lapic_mmio_on(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pic),
        cmocka_unit_test(test_pit),
        cmocka_unit_test(test_rtc),
        cmocka_unit_test(test_lapic_timer),
        cmocka_unit_test(test_lapic_priority_and_modes),
        cmocka_unit_test(test_lapic_raise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
