/*
 * The one piece of AML hv/ reads: the \_S5_ sleep-type package, needed to
 * power off (ACPI 6.5 7.4.2 \_Sx; encodings from 20.2 AML grammar). No
 * interpreter: a bounded scan for NameOp "_S5_" followed by a PackageOp
 * of integer constants.
 */
#include <string.h>

#include "acpi_priv.h"

#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP 0x12
#define AML_ROOT_CHAR '\\'
#define AML_ONES_OP 0xff
#define SLP_TYP_MAX 7u

/*
 * Decodes a PkgLength (20.2.4) at a[*pos]; the length counts from the
 * PkgLength's own first byte. Returns the end offset of the package, or 0
 * if the encoding is invalid or the package runs past len.
 */
static size_t pkg_end(const uint8_t *a, size_t len, size_t *pos)
{
    size_t start = *pos;
    if (start >= len)
        return 0;
    uint8_t lead = a[start];
    size_t follow = lead >> 6;
    uint32_t plen = lead & 0x3f;
    if (follow) {
        if (lead & 0x30)
            return 0; /* bits 5:4 are reserved in the multi-byte form */
        if (follow >= len - start)
            return 0;
        plen = lead & 0x0f;
        for (size_t k = 1; k <= follow; k++)
            plen |= (uint32_t)a[start + k] << (4 + 8 * (k - 1));
    }
    if (plen < follow + 1 || plen > len - start)
        return 0;
    *pos = start + follow + 1;
    return start + plen;
}

/* Decodes an integer constant (20.2.3) at a[*pos], below end. */
static enum bh_status aml_int(const uint8_t *a, size_t end, size_t *pos,
                              uint64_t *v)
{
    size_t p = *pos, n;
    if (p >= end)
        return BH_EFORMAT;
    switch (a[p]) {
    case AML_ZERO_OP: *v = 0; *pos = p + 1; return BH_OK;
    case AML_ONE_OP: *v = 1; *pos = p + 1; return BH_OK;
    case AML_ONES_OP: *v = UINT64_MAX; *pos = p + 1; return BH_OK;
    case AML_BYTE_PREFIX: n = 1; break;
    case AML_WORD_PREFIX: n = 2; break;
    case AML_DWORD_PREFIX: n = 4; break;
    case AML_QWORD_PREFIX: n = 8; break;
    default: return BH_EFORMAT;
    }
    if (n > end - p - 1)
        return BH_EFORMAT;
    *v = 0;
    for (size_t k = 0; k < n; k++)
        *v |= (uint64_t)a[p + 1 + k] << (8 * k);
    *pos = p + 1 + n;
    return BH_OK;
}

/* Decodes Package(n){a, b, ...} at a[pos], pos just past the name. */
static enum bh_status s5_package(const uint8_t *a, size_t len, size_t pos,
                                 uint8_t *slp_typa, uint8_t *slp_typb)
{
    uint64_t va, vb;
    if (pos >= len || a[pos] != AML_PACKAGE_OP)
        return BH_EFORMAT;
    pos++;
    size_t end = pkg_end(a, len, &pos);
    if (!end || pos >= end)
        return BH_EFORMAT;
    uint8_t nelem = a[pos++];
    if (nelem < 2)
        return BH_EFORMAT;
    if (aml_int(a, end, &pos, &va) != BH_OK ||
        aml_int(a, end, &pos, &vb) != BH_OK)
        return BH_EFORMAT;
    if (va > SLP_TYP_MAX || vb > SLP_TYP_MAX)
        return BH_EFORMAT;
    *slp_typa = (uint8_t)va;
    *slp_typb = (uint8_t)vb;
    return BH_OK;
}

enum bh_status acpi_aml_find_s5(const uint8_t *aml, size_t len, uint8_t *slp_typa,
                                uint8_t *slp_typb)
{
    for (size_t i = 1; i + 4 <= len; i++) {
        if (memcmp(aml + i, "_S5_", 4))
            continue;
        bool named = aml[i - 1] == AML_NAME_OP ||
                     (i >= 2 && aml[i - 1] == AML_ROOT_CHAR &&
                      aml[i - 2] == AML_NAME_OP);
        if (named)
            return s5_package(aml, len, i + 4, slp_typa, slp_typb);
    }
    return BH_ENOENT;
}
