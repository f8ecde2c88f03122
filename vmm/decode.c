/* The MMIO instruction decoder; see decode.h. */
#include "decode.h"

struct cur {
    const uint8_t *p;
    unsigned n, i;
};

static bool take(struct cur *c, uint8_t *b)
{
    if (c->i >= c->n || c->i >= INSN_MAX_LEN)
        return false;
    *b = c->p[c->i++];
    return true;
}

static bool skip(struct cur *c, unsigned k)
{
    if (k > c->n - c->i || c->i + k > INSN_MAX_LEN)
        return false;
    c->i += k;
    return true;
}

/* Little-endian immediate of k bytes, sign-extended from its top bit. */
static bool imm(struct cur *c, unsigned k, uint64_t *v)
{
    if (k > c->n - c->i || c->i + k > INSN_MAX_LEN)
        return false;
    uint64_t x = 0;
    for (unsigned j = 0; j < k; j++)
        x |= (uint64_t)c->p[c->i + j] << (8 * j);
    c->i += k;
    if (k < 8 && (x >> (8 * k - 1)) & 1)
        x |= ~0ull << (8 * k);
    *v = x;
    return true;
}

/* ModR/M with its SIB and displacement (SDM Vol. 2A, tables 2-1 to 2-3). */
static enum bh_status modrm(struct cur *c, unsigned adsize, uint8_t rex, unsigned *reg)
{
    uint8_t m, sib;
    if (!take(c, &m))
        return BH_EFORMAT;
    unsigned mod = m >> 6, rm = m & 7, disp;
    *reg = ((m >> 3) & 7) | ((rex & 4) ? 8 : 0);
    if (mod == 3)
        return BH_EFORMAT;
    if (adsize == 2) {
        disp = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
    } else {
        disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
        if (rm == 4) {
            if (!take(c, &sib))
                return BH_EFORMAT;
            if (mod == 0 && (sib & 7) == 5)
                disp = 4;
        } else if (mod == 0 && rm == 5) {
            disp = 4;                  /* disp32, or RIP-relative in 64-bit code */
        }
    }
    return skip(c, disp) ? BH_OK : BH_EFORMAT;
}

static uint64_t mask(unsigned width)
{
    return width >= 8 ? ~0ull : (1ull << (8 * width)) - 1;
}

enum bh_status decode_mov(const uint8_t *code, unsigned avail, unsigned mode, struct insn *out)
{
    if (mode != 16 && mode != 32 && mode != 64)
        return BH_EINVAL;
    struct cur c = { code, avail, 0 };
    bool opsz = false, adsz = false;
    uint8_t b, rex = 0;
    for (;;) {
        if (!take(&c, &b))
            return BH_EFORMAT;
        if (b == 0x66)
            opsz = true;
        else if (b == 0x67)
            adsz = true;
        else if (!(b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
                   b == 0xf0 || b == 0xf2 || b == 0xf3))
            break;
    }
    if (mode == 64 && (b & 0xf0) == 0x40) {
        rex = b;
        if (!take(&c, &b))
            return BH_EFORMAT;
    }
    unsigned osize = (mode == 16) != opsz ? 2 : 4;
    if (rex & 8)
        osize = 8;
    unsigned asize = mode == 64 ? (adsz ? 4 : 8) : ((mode == 16) != adsz ? 2 : 4);

    struct insn in = { 0 };
    enum bh_status s = BH_OK;
    unsigned reg = 0;
    switch (b) {
    case 0x88: case 0x89: case 0x8a: case 0x8b:
        in.kind = (b & 2) ? INSN_LOAD : INSN_STORE;
        in.width = (b & 1) ? osize : 1;
        s = modrm(&c, asize, rex, &reg);
        break;
    case 0xc6: case 0xc7:
        in.kind = INSN_STORE;
        in.width = b == 0xc6 ? 1 : osize;
        in.imm_src = true;
        s = modrm(&c, asize, rex, &reg);
        if (s == BH_OK && (reg & 7))
            return BH_EFORMAT;        /* C6/C7 with reg != 0 are other instructions */
        if (s == BH_OK && !imm(&c, in.width > 4 ? 4 : in.width, &in.imm))
            return BH_EFORMAT;
        in.imm &= mask(in.width);
        reg = 0;
        break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        in.kind = (b & 2) ? INSN_STORE : INSN_LOAD;
        in.width = (b & 1) ? osize : 1;
        if (!skip(&c, asize))
            return BH_EFORMAT;
        reg = 0;
        break;
    case 0x0f:
        if (!take(&c, &b))
            return BH_EFORMAT;
        if (b != 0xb6 && b != 0xb7 && b != 0xbe && b != 0xbf)
            return BH_ENOTSUP;
        in.kind = INSN_LOAD;
        in.width = (b & 1) ? 2 : 1;
        in.sign = b >= 0xbe;
        in.reg_width = osize;
        s = modrm(&c, asize, rex, &reg);
        break;
    default:
        return BH_ENOTSUP;
    }
    if (s != BH_OK)
        return s;
    if (!in.reg_width)
        in.reg_width = in.width;
    /* Byte registers 4..7 without REX are ah, ch, dh, bh. */
    if (!in.imm_src && in.width == 1 && in.reg_width == 1 && !rex && reg >= 4 && reg < 8) {
        in.high8 = true;
        reg -= 4;
    }
    in.reg = reg;
    in.len = c.i;
    *out = in;
    return BH_OK;
}

uint64_t insn_store_value(const struct insn *in, uint64_t regval)
{
    if (in->imm_src)
        return in->imm & mask(in->width);
    return (in->high8 ? regval >> 8 : regval) & mask(in->width);
}

uint64_t insn_load_result(const struct insn *in, uint64_t regval, uint64_t mem)
{
    uint64_t v = mem & mask(in->width);
    if (in->sign && in->width < 8 && (v >> (8 * in->width - 1)) & 1)
        v |= ~0ull << (8 * in->width);
    v &= mask(in->reg_width);
    if (in->high8)
        return (regval & ~0xff00ull) | (v & 0xff) << 8;
    switch (in->reg_width) {
    case 1: return (regval & ~0xffull) | v;
    case 2: return (regval & ~0xffffull) | v;
    default: return v;              /* 4: zero-extended, 8: whole */
    }
}
