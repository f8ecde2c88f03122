/* Host unit tests for vmm/vpci.c: the configuration space of a
   passed-through device as a guest probes it through ports 0xcf8/0xcfc
   (IDs, BAR sizing and placement, memory decoding), and the MSI-X
   capability and table: the guest's vector and masks, the pending bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vpci.h"

#define CF8(bus, devfn, reg) (0x80000000u | (bus) << 16 | (devfn) << 8 | (reg))

/* An NVMe as QEMU makes it: BAR0 16 KiB, 64-bit, the MSI-X table at
   0x2000 and the PBA at 0x3000 in BAR0; BAR2 an unrelated 4 KiB BAR. */
static struct vpci nvme(void)
{
    struct vpci v;
    memset(&v, 0, sizeof v);
    v.id = 0x1b36 | 0x0010u << 16;
    v.class_rev = 0x010802u << 8 | 2;
    v.subsys = 0x1af4 | 0x1100u << 16;
    v.bar[0] = (struct vpci_bar){ .size = 0x4000, .is64 = true };
    v.bar[1] = (struct vpci_bar){ .upper = true };
    v.bar[2] = (struct vpci_bar){ .size = 0x1000, .pref = true };
    v.has_msix = true;
    v.msix_n = 4;
    v.msix_table = 0x2000;
    v.msix_pba = 0x3000;
    vpci_reset(&v);
    return v;
}

static uint32_t cfg(struct vpci *v, unsigned devfn, unsigned reg, unsigned width)
{
    vpci_port_write(v, 0, 4, CF8(0, devfn, reg & 0xfc));
    return vpci_port_read(v, 4 + (reg & 3), width);
}

static bool cfg_w(struct vpci *v, unsigned devfn, unsigned reg, unsigned width, uint32_t val)
{
    vpci_port_write(v, 0, 4, CF8(0, devfn, reg & 0xfc));
    return vpci_port_write(v, 4 + (reg & 3), width, val);
}

static void ids_through_the_ports(void **state)
{
    (void)state;
    struct vpci v = nvme();
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0, 4), 0x00101b36);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 2, 2), 0x0010);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0xb, 1), 0x01);      /* class: storage */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0xa, 1), 0x08);      /* NVM */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x2c, 4), 0x11001af4);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x0e, 1), 0);        /* header type 0 */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x3d, 1), 0);        /* no INTx pin */
    assert_int_equal(cfg(&v, VPCI_DEVFN_HB, 0xb, 1), 0x06);       /* host bridge */
    assert_int_equal(cfg(&v, 2 << 3, 0, 4), 0xffffffffu);         /* nothing at 00:02.0 */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV | 1, 0, 2), 0xffff);  /* nor at function 1 */
    vpci_port_write(&v, 0, 4, CF8(1, VPCI_DEVFN_DEV, 0));
    assert_int_equal(vpci_port_read(&v, 4, 4), 0xffffffffu);      /* bus 1 */
    vpci_port_write(&v, 0, 4, CF8(0, VPCI_DEVFN_DEV, 0) & ~0x80000000u);
    assert_int_equal(vpci_port_read(&v, 4, 4), 0xffffffffu);      /* enable bit clear */
    assert_int_equal(vpci_port_read(&v, 0, 4), CF8(0, VPCI_DEVFN_DEV, 0) & ~0x80000000u);
    vpci_port_write(&v, 0, 4, 0x80000003u | 1u << 24);           /* reserved bits dropped */
    assert_int_equal(vpci_port_read(&v, 0, 4), 0x80000000u);
    assert_int_equal(vpci_port_read(&v, 1, 1), 0xff);             /* 0xcf9: not ours */
    vpci_port_write(&v, 0, 4, CF8(0, VPCI_DEVFN_DEV, 0));
    assert_int_equal(vpci_port_read(&v, 6, 4), 0xffffffffu);      /* crosses the dword */
    assert_int_equal(vpci_cfg_read(&v, 0, VPCI_DEVFN_DEV, 1, 2), 0xffff);   /* unaligned */
}

static void bars_are_placed_and_sized(void **state)
{
    (void)state;
    struct vpci v = nvme();
    assert_int_equal(vpci_place_bars(&v, 0xe0001000ull, 0xfe000000ull), 0xe0009000ull);
    assert_int_equal(v.bar[0].gpa, 0xe0004000ull);                /* naturally aligned */
    assert_int_equal(v.bar[2].gpa, 0xe0008000ull);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x10, 4), 0xe0004004u);   /* 64-bit */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x14, 4), 0);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x18, 4), 0xe0008008u);   /* prefetchable */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x1c, 4), 0);        /* absent */
    /* sizing, as a guest does it: all ones, read, restore */
    assert_false(cfg_w(&v, VPCI_DEVFN_DEV, 0x10, 4, 0xffffffffu));   /* decoding is off */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x10, 4), 0xffffc004u);
    cfg_w(&v, VPCI_DEVFN_DEV, 0x14, 4, 0xffffffffu);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x14, 4), 0xffffffffu);
    cfg_w(&v, VPCI_DEVFN_DEV, 0x18, 4, 0xffffffffu);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x18, 4), 0xfffff008u);
    cfg_w(&v, VPCI_DEVFN_DEV, 0x1c, 4, 0xffffffffu);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x1c, 4), 0);        /* absent stays 0 */
    /* the guest's own addresses, low bits dropped */
    cfg_w(&v, VPCI_DEVFN_DEV, 0x10, 4, 0xc0000fffu);
    cfg_w(&v, VPCI_DEVFN_DEV, 0x14, 4, 0x1);
    assert_int_equal(v.bar[0].gpa, 0x1c0000000ull);
    uint64_t gpa, size;
    assert_false(vpci_bar_live(&v, 0, &gpa, &size));
    assert_true(cfg_w(&v, VPCI_DEVFN_DEV, 0x04, 2, 0x0006));      /* memory and master on */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x04, 2), 0x0006);
    assert_true(vpci_bar_live(&v, 0, &gpa, &size));
    assert_int_equal(gpa, 0x1c0000000ull);
    assert_int_equal(size, 0x4000);
    assert_false(vpci_bar_live(&v, 1, &gpa, &size));             /* the upper half */
    assert_false(vpci_bar_live(&v, 3, &gpa, &size));
    assert_true(cfg_w(&v, VPCI_DEVFN_DEV, 0x14, 4, 0));           /* moved while decoded */
    assert_false(cfg_w(&v, VPCI_DEVFN_DEV, 0x14, 4, 0));          /* the same again */
    assert_false(cfg_w(&v, VPCI_DEVFN_DEV, 0x04, 1, 0x06));       /* no change */
    assert_true(cfg_w(&v, VPCI_DEVFN_DEV, 0x04, 1, 0x04));        /* decoding off */
    cfg_w(&v, VPCI_DEVFN_DEV, 0x04, 2, 0xffff);                   /* only the writable bits */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x04, 2), 0x0406);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x06, 2), 0x0010);   /* status: capabilities */
    /* writes elsewhere, and to other functions, change nothing */
    assert_false(cfg_w(&v, VPCI_DEVFN_DEV, 0x00, 4, 0));
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x00, 4), 0x00101b36);
    assert_false(cfg_w(&v, VPCI_DEVFN_HB, 0x04, 2, 0x6));
    assert_false(vpci_cfg_write(&v, 0, VPCI_DEVFN_DEV, 0x11, 2, 0));   /* unaligned */
}

static void bars_that_do_not_fit_are_refused(void **state)
{
    (void)state;
    struct vpci v = nvme();
    assert_int_equal(vpci_place_bars(&v, 0xe0000000ull, 0xe0004000ull), 0);
    assert_int_equal(vpci_place_bars(&v, ~0ull - 0x1000, ~0ull), 0);   /* wraps */
}

static void msix_capability(void **state)
{
    (void)state;
    struct vpci v = nvme();
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, 0x34, 1), VPCI_CAP_MSIX);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, VPCI_CAP_MSIX, 4), 0x00030011u);  /* 4 entries */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, VPCI_CAP_MSIX + 4, 4), 0x2000);
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, VPCI_CAP_MSIX + 8, 4), 0x3000);
    cfg_w(&v, VPCI_DEVFN_DEV, VPCI_CAP_MSIX + 2, 2, 0xc7ff);        /* table size is read-only */
    assert_int_equal(cfg(&v, VPCI_DEVFN_DEV, VPCI_CAP_MSIX + 2, 2), 0xc003);
    cfg_w(&v, VPCI_DEVFN_DEV, VPCI_CAP_MSIX + 3, 1, 0x80);          /* byte write: enable only */
    assert_int_equal(v.msix_ctl, VPCI_MSIX_ENABLE);
    struct vpci none = nvme();
    none.has_msix = false;
    assert_int_equal(cfg(&none, VPCI_DEVFN_DEV, 0x34, 1), 0);
    assert_int_equal(cfg(&none, VPCI_DEVFN_DEV, 0x06, 2), 0);
    assert_int_equal(cfg(&none, VPCI_DEVFN_DEV, VPCI_CAP_MSIX, 4), 0);
}

static void program(struct vpci *v, unsigned i, uint32_t addr, uint32_t data, uint32_t ctrl)
{
    assert_int_equal(vpci_msix_write(v, i * 16 + 0, 8, addr), 1u << i);
    assert_int_equal(vpci_msix_write(v, i * 16 + 8, 4, data), 1u << i);
    assert_int_equal(vpci_msix_write(v, i * 16 + 12, 4, ctrl), 1u << i);
}

static void msix_table_and_vectors(void **state)
{
    (void)state;
    struct vpci v = nvme();
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(vpci_msix_read(&v, i * 16 + 12, 4), 1);  /* masked at reset */
    program(&v, 0, 0xfee00000u, 0x41, 0);
    assert_int_equal(vpci_msix_read(&v, 0, 8), 0xfee00000u);
    assert_int_equal(vpci_msix_read(&v, 8, 8), 0x41);
    assert_int_equal(vpci_msix_vector(&v, 0), -1);                 /* MSI-X still off */
    v.msix_ctl = VPCI_MSIX_ENABLE;
    assert_int_equal(vpci_msix_vector(&v, 0), 0x41);
    assert_int_equal(vpci_msix_fire(&v, 0), 0x41);
    assert_int_equal(v.pending, 0);
    /* the function mask and the entry's mask hold it pending */
    v.msix_ctl |= VPCI_MSIX_FMASK;
    assert_int_equal(vpci_msix_fire(&v, 0), -1);
    assert_int_equal(vpci_pba_read(&v, 0, 8), 1);
    assert_int_equal(vpci_msix_unpend(&v), 0);                     /* still masked */
    v.msix_ctl = VPCI_MSIX_ENABLE;
    assert_int_equal(vpci_msix_unpend(&v), 1);
    assert_int_equal(v.pending, 0);
    vpci_msix_write(&v, 12, 4, 0xffffffffu);                       /* only bit 0 kept */
    assert_int_equal(vpci_msix_read(&v, 12, 4), 1);
    assert_int_equal(vpci_msix_fire(&v, 0), -1);
    assert_int_equal(vpci_pba_read(&v, 0, 4), 1);
    vpci_msix_write(&v, 12, 4, 0);
    assert_int_equal(vpci_msix_unpend(&v), 1);
    /* disabled: messages are dropped, not pending */
    v.msix_ctl = 0;
    assert_int_equal(vpci_msix_fire(&v, 0), -1);
    assert_int_equal(v.pending, 0);
    v.msix_ctl = VPCI_MSIX_ENABLE;
    /* addresses and data the VMM cannot deliver */
    program(&v, 1, 0xfec00000u, 0x42, 0);                          /* not the APIC range */
    assert_int_equal(vpci_msix_vector(&v, 1), -1);
    program(&v, 1, 0xfee01003u, 0x42, 0);                          /* low bits dropped */
    assert_int_equal(vpci_msix_read(&v, 16, 4), 0xfee01000u);
    assert_int_equal(vpci_msix_vector(&v, 1), 0x42);
    vpci_msix_write(&v, 20, 4, 1);                                 /* above 4 GiB */
    assert_int_equal(vpci_msix_vector(&v, 1), -1);
    program(&v, 2, 0xfee00000u, 0x0f, 0);                          /* vector below 16 */
    assert_int_equal(vpci_msix_vector(&v, 2), -1);
    program(&v, 2, 0xfee00000u, 0x4f0, 0);                         /* NMI delivery mode */
    assert_int_equal(vpci_msix_vector(&v, 2), -1);
    program(&v, 2, 0xfee00000u, 0x1f0, 0);                         /* lowest priority: fine */
    assert_int_equal(vpci_msix_vector(&v, 2), 0xf0);
    /* beyond the table, bad widths */
    assert_int_equal(vpci_msix_write(&v, 4 * 16, 4, 1), 0);
    assert_int_equal(vpci_msix_write(&v, 2, 4, 1), 0);
    assert_int_equal(vpci_msix_write(&v, 0, 2, 1), 0);
    assert_int_equal(vpci_msix_read(&v, 4 * 16, 4), 0);
    assert_int_equal(vpci_msix_fire(&v, 4), -1);
    assert_int_equal(vpci_msix_fire(&v, 31), -1);
    assert_int_equal(vpci_msix_vector(&v, 100), -1);
    assert_int_equal(vpci_pba_read(&v, 8, 4), 0);
    assert_int_equal(vpci_pba_read(&v, 2, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_through_the_ports),
        cmocka_unit_test(bars_are_placed_and_sized),
        cmocka_unit_test(bars_that_do_not_fit_are_refused),
        cmocka_unit_test(msix_capability),
        cmocka_unit_test(msix_table_and_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
