/*
 * DMAR (DMA Remapping Reporting table), Intel VT-d Specification
 * section 8: remapping hardware units (DRHD), reserved memory regions
 * (RMRR) and their device scopes.
 */
#include <string.h>

#include "acpi_priv.h"

/* VT-d 8.1 DMAR header. */
struct dmar_header {
    struct acpi_sdt_header hdr;
    uint8_t haw; /* host address width - 1 */
    uint8_t flags;
    uint8_t reserved[10];
} ACPI_PACKED;
_Static_assert(sizeof(struct dmar_header) == 48, "DMAR header is 48 bytes");

/* VT-d 8.2 remapping structure header. */
struct dmar_struct {
    uint16_t type;
    uint16_t length;
} ACPI_PACKED;
_Static_assert(sizeof(struct dmar_struct) == 4, "remapping header is 4 bytes");
#define DMAR_TYPE_DRHD 0
#define DMAR_TYPE_RMRR 1

/* VT-d 8.3 DMA Remapping Hardware Unit Definition. */
struct dmar_drhd {
    uint16_t type, length;
    uint8_t flags; /* bit 0 INCLUDE_PCI_ALL */
    uint8_t size;
    uint16_t segment;
    uint64_t base;
} ACPI_PACKED;
_Static_assert(sizeof(struct dmar_drhd) == 16, "DRHD is 16 bytes");
#define DRHD_INCLUDE_PCI_ALL (1u << 0)

/* VT-d 8.4 Reserved Memory Region Reporting. */
struct dmar_rmrr {
    uint16_t type, length;
    uint16_t reserved;
    uint16_t segment;
    uint64_t base;
    uint64_t limit;
} ACPI_PACKED;
_Static_assert(sizeof(struct dmar_rmrr) == 24, "RMRR is 24 bytes");

/* VT-d 8.3.1 Device Scope, followed by (device, function) path pairs. */
struct dmar_scope {
    uint8_t type;
    uint8_t length;
    uint8_t flags;
    uint8_t reserved;
    uint8_t enum_id;
    uint8_t start_bus;
} ACPI_PACKED;
_Static_assert(sizeof(struct dmar_scope) == 6, "device scope is 6 bytes");

/* Where device scopes are stored while walking one unit. */
struct scope_sink {
    struct acpi_dmar_scope *scopes;
    uint32_t *n;
    bool *truncated;
};

/* Records the scope at p[off] (length already checked); false if invalid. */
static bool add_scope(struct acpi_info *o, const uint8_t *p, uint32_t off,
                      const struct scope_sink *sink)
{
    struct dmar_scope s;
    memcpy(&s, p + off, sizeof s);
    uint32_t pairs = (uint32_t)(s.length - sizeof s) / 2u;
    if ((s.length - sizeof s) % 2u) {
        acpi_note(o, "DMAR", "device scope at offset ", off,
                  " has an odd path length");
        return false;
    }
    if (pairs > ACPI_MAX_PATH || *sink->n == ACPI_MAX_SCOPES) {
        *sink->truncated = true;
        return true;
    }
    struct acpi_dmar_scope *d = &sink->scopes[(*sink->n)++];
    d->type = s.type;
    d->enum_id = s.enum_id;
    d->start_bus = s.start_bus;
    d->path_len = (uint8_t)pairs;
    memcpy(d->path, p + off + sizeof s, pairs * 2u);
    return true;
}

/* Walks the device scopes in p[off, end); returns false if malformed. */
static bool parse_scopes(struct acpi_info *o, const uint8_t *p, uint32_t off,
                         uint32_t end, const struct scope_sink *sink)
{
    while (off < end) {
        uint32_t slen = end - off >= 2 ? p[off + 1] : 0;
        if (end - off < sizeof(struct dmar_scope)) {
            acpi_note(o, "DMAR", "truncated device scope at offset ", off, "");
            return false;
        }
        if (slen < sizeof(struct dmar_scope)) {
            acpi_note(o, "DMAR", "device scope at offset ", off,
                      " has length < 6");
            return false;
        }
        if (slen > end - off) {
            acpi_note(o, "DMAR", "device scope at offset ", off,
                      " runs past its structure");
            return false;
        }
        if (!add_scope(o, p, off, sink))
            return false;
        off += slen;
    }
    return true;
}

static bool parse_drhd(struct acpi_info *o, const uint8_t *p, uint32_t off,
                       uint32_t slen)
{
    struct acpi_dmar_info *di = &o->dmar;
    struct dmar_drhd r;
    memcpy(&r, p + off, sizeof r);
    if (di->ndrhd == ACPI_MAX_DRHD) {
        di->drhd_truncated = true;
        return true;
    }
    struct acpi_drhd *u = &di->drhd[di->ndrhd++];
    u->base = r.base;
    u->segment = r.segment;
    u->include_pci_all = r.flags & DRHD_INCLUDE_PCI_ALL;
    struct scope_sink sink = {u->scopes, &u->nscopes, &u->scopes_truncated};
    return parse_scopes(o, p, off + sizeof r, off + slen, &sink);
}

static bool parse_rmrr(struct acpi_info *o, const uint8_t *p, uint32_t off,
                       uint32_t slen)
{
    struct acpi_dmar_info *di = &o->dmar;
    struct dmar_rmrr r;
    memcpy(&r, p + off, sizeof r);
    if (r.limit < r.base) {
        acpi_note(o, "DMAR", "RMRR limit below base at offset ", off, "");
        return false;
    }
    if (di->nrmrr == ACPI_MAX_RMRR) {
        di->rmrr_truncated = true;
        return true;
    }
    struct acpi_rmrr *u = &di->rmrr[di->nrmrr++];
    u->base = r.base;
    u->limit = r.limit;
    u->segment = r.segment;
    struct scope_sink sink = {u->scopes, &u->nscopes, &u->scopes_truncated};
    return parse_scopes(o, p, off + sizeof r, off + slen, &sink);
}

/* Parses one remapping structure of slen bytes (framing already checked). */
static bool parse_struct(struct acpi_info *o, const uint8_t *p, uint32_t off,
                         uint32_t slen)
{
    uint16_t type = acpi_rd16(p + off);
    uint32_t need = type == DMAR_TYPE_DRHD   ? sizeof(struct dmar_drhd)
                    : type == DMAR_TYPE_RMRR ? sizeof(struct dmar_rmrr)
                                             : 0;
    if (slen < need) {
        acpi_note(o, "DMAR", "structure too short for its type at offset ",
                  off, "");
        return false;
    }
    if (type == DMAR_TYPE_DRHD)
        return parse_drhd(o, p, off, slen);
    if (type == DMAR_TYPE_RMRR)
        return parse_rmrr(o, p, off, slen);
    return true; /* ATSR, RHSA, ANDD, SATC, SIDP: not used yet */
}

void acpi_parse_dmar(struct acpi_info *o, const uint8_t *p, uint32_t len)
{
    struct acpi_dmar_info *di = &o->dmar;
    di->present = true;
    if (len < sizeof(struct dmar_header)) {
        di->malformed = true;
        acpi_note(o, "DMAR", "length ", len, " too short for the header");
        return;
    }
    di->haw = (uint8_t)(p[36] + 1u);
    di->flags = p[37];
    di->intr_remap = p[37] & ACPI_DMAR_INTR_REMAP;
    di->x2apic_opt_out = p[37] & ACPI_DMAR_X2APIC_OPT_OUT;
    uint32_t off = sizeof(struct dmar_header);
    while (off < len) {
        uint32_t slen = len - off >= 4 ? acpi_rd16(p + off + 2) : 0;
        if (len - off < sizeof(struct dmar_struct)) {
            acpi_note(o, "DMAR", "truncated structure header at offset ", off,
                      "");
        } else if (slen < sizeof(struct dmar_struct)) {
            acpi_note(o, "DMAR", "structure at offset ", off,
                      " has length < 4");
        } else if (slen > len - off) {
            acpi_note(o, "DMAR", "structure at offset ", off,
                      " runs past the table end");
        } else {
            di->malformed |= !parse_struct(o, p, off, slen);
            off += slen;
            continue;
        }
        di->malformed = true;
        break;
    }
}
