/*
 * Fixture harness for the ACPI unit tests: loads a captured dump
 * (tests/fixtures/acpi/NAME.txt, see its README) into separate exact-size
 * heap regions, so ASan flags any read past a table, and serves them to
 * the parser through struct acpi_mem.
 */
#ifndef TESTS_UNIT_ACPI_FIXTURE_H
#define TESTS_UNIT_ACPI_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi.h"

#define FIXDIR "tests/fixtures/acpi/"
#define MAX_REGIONS 128

struct region {
    char name[8];
    uint64_t phys;
    uint32_t len;
    uint8_t *data; /* exactly len bytes, so ASan sees any over-read */
};

struct fx {
    int n;
    struct region r[MAX_REGIONS];
    struct acpi_mem mem;
    struct acpi_info info;
};

/* Loads NAME.txt; fails the test clearly if it is missing or malformed. */
struct fx *fx_load(const char *name);
/* Deep copy of a loaded fixture. */
struct fx *fx_clone(const struct fx *src);
void fx_free(struct fx *f);
/* Adds a region (zero-filled if data is NULL). */
struct region *fx_add(struct fx *f, const char *name, uint64_t phys,
                      const void *data, uint32_t len);
/* The region called name; fails the test if absent. */
struct region *fx_get(struct fx *f, const char *name);
/* Sets an SDT's checksum byte so its first len bytes sum to 0. */
void fix_sum(uint8_t *p, uint32_t len);
void put32(uint8_t *p, uint32_t v);
void put64(uint8_t *p, uint64_t v);
/* Resizes a table blob (zero fill), sets its length field and checksum. */
void fx_resize(struct region *r, uint32_t len);
/* acpi_parse() from the fixture's RSDP into f->info. */
enum bh_status fx_parse(struct fx *f, const char **why);
bool has_table(const struct acpi_info *a, const char *sig);

#define assert_why(why, text) \
    do { \
        if (!strstr((why), (text))) \
            fail_msg("why is \"%s\", expected \"%s\"", (why), (text)); \
    } while (0)

#endif
