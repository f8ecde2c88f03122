/* Fixture harness for the ACPI unit tests (see acpi_fixture.h). */
#include "acpi_fixture.h"

/* ---- fixture memory ------------------------------------------------------ */

/* The map callback: a range inside one region (AREA last). */
static const void *fx_map(void *ctx, uint64_t phys, uint64_t len)
{
    struct fx *f = ctx;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < f->n; i++) {
            const struct region *r = &f->r[i];
            if ((strcmp(r->name, "AREA") == 0) != (pass == 1))
                continue;
            if (phys >= r->phys && len <= r->len && phys - r->phys <= r->len - len)
                return r->data + (phys - r->phys);
        }
    }
    return NULL;
}

struct region *fx_add(struct fx *f, const char *name, uint64_t phys,
                      const void *data, uint32_t len)
{
    assert_true(f->n < MAX_REGIONS);
    struct region *r = &f->r[f->n++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->phys = phys;
    r->len = len;
    r->data = malloc(len ? len : 1);
    assert_non_null(r->data);
    if (data)
        memcpy(r->data, data, len);
    else
        memset(r->data, 0, len);
    return r;
}

/* Loads tests/fixtures/acpi/NAME.txt ("blob NAME PHYS LEN", hex, "end"). */
struct fx *fx_load(const char *name)
{
    char path[256], line[256], bname[16];
    snprintf(path, sizeof path, FIXDIR "%s.txt", name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("fixture %s missing (run from the repo root; "
                 "re-capture with tests/tools/capture-acpi.sh)", path);
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->mem.ctx = f;
    f->mem.map = fx_map;
    struct region *cur = NULL;
    uint32_t fill = 0;
    while (fgets(line, sizeof line, fp)) {
        unsigned long long phys;
        unsigned len;
        if (sscanf(line, "blob %15s %llx %x", bname, &phys, &len) == 3) {
            cur = fx_add(f, bname, phys, NULL, len);
            fill = 0;
        } else if (!strncmp(line, "end", 3)) {
            if (cur && fill != cur->len)
                fail_msg("%s: blob %s has %u of %u bytes", path, cur->name,
                         fill, cur->len);
            cur = NULL;
        } else if (cur) {
            for (char *p = line; p[0] && p[1] && p[0] != '\n'; p += 2) {
                unsigned b;
                if (sscanf(p, "%2x", &b) != 1 || fill >= cur->len)
                    fail_msg("%s: bad hex in blob %s", path, cur->name);
                cur->data[fill++] = (uint8_t)b;
            }
        }
    }
    fclose(fp);
    return f;
}

void fx_free(struct fx *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->r[i].data);
    free(f);
}

struct region *fx_get(struct fx *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->r[i].name, name))
            return &f->r[i];
    fail_msg("fixture has no blob %s", name);
    return NULL;
}

void fix_sum(uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    p[9] = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    p[9] = (uint8_t)-s;
}

void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* Resizes a table blob to len bytes (zero fill), sets its length, checksum. */
void fx_resize(struct region *r, uint32_t len)
{
    r->data = realloc(r->data, len);
    assert_non_null(r->data);
    if (len > r->len)
        memset(r->data + r->len, 0, len - r->len);
    r->len = len;
    put32(r->data + 4, len);
    fix_sum(r->data, len);
}

enum bh_status fx_parse(struct fx *f, const char **why)
{
    return acpi_parse(&f->mem, fx_get(f, "RSDP")->phys, &f->info, why);
}

bool has_table(const struct acpi_info *a, const char *sig)
{
    return acpi_find_table(a, sig) != NULL;
}

struct fx *fx_clone(const struct fx *src)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->mem.ctx = f;
    f->mem.map = fx_map;
    for (int i = 0; i < src->n; i++)
        fx_add(f, src->r[i].name, src->r[i].phys, src->r[i].data, src->r[i].len);
    return f;
}
