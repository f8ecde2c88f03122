/*
 * ELF64 user-image validation (see elf.h). Layouts from the System V
 * gABI ("ELF-64 Object File Format" v1.5) and the x86-64 psABI.
 *
 * Policy for cases the spec leaves open:
 *  - e_phnum counts every program header, of any type, and must be in
 *    1..ELF_MAX_SEGS. PT_NULL, PT_NOTE, PT_PHDR, PT_TLS and PT_GNU_* are
 *    otherwise ignored; PT_INTERP and PT_DYNAMIC are rejected (only static
 *    images are loaded).
 *  - Two PT_LOADs whose page-rounded ranges touch the same 4 KiB page are
 *    rejected, so every user page has exactly one source and one set of
 *    permissions. A PT_LOAD with p_memsz == 0 is rejected.
 *  - p_flags may hold only PF_R, PF_W and PF_X.
 *  - EI_OSABI, e_flags and the section headers are not examined.
 *  - The entry point must lie in [p_vaddr, p_vaddr + p_memsz) of a PF_X
 *    segment.
 * Every rejection sets *why to a constant string naming the rule.
 */
#include <stdbool.h>
#include <string.h>
#include "elf.h"

#define ELF_PAGE 4096ull

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3

struct elf64_ehdr {
    uint8_t e_ident[EI_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(offsetof(struct elf64_ehdr, e_entry) == 24, "e_entry offset");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "e_phoff offset");
_Static_assert(offsetof(struct elf64_ehdr, e_flags) == 48, "e_flags offset");
_Static_assert(offsetof(struct elf64_ehdr, e_phentsize) == 54, "e_phentsize offset");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "e_phnum offset");
_Static_assert(offsetof(struct elf64_ehdr, e_shstrndx) == 62, "e_shstrndx offset");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header is 56 bytes");
_Static_assert(offsetof(struct elf64_phdr, p_offset) == 8, "p_offset offset");
_Static_assert(offsetof(struct elf64_phdr, p_vaddr) == 16, "p_vaddr offset");
_Static_assert(offsetof(struct elf64_phdr, p_filesz) == 32, "p_filesz offset");
_Static_assert(offsetof(struct elf64_phdr, p_align) == 48, "p_align offset");
/* The structs are read with memcpy; ELFDATA2LSB matches only a LE host. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian host");

static enum bh_status reject(const char **why, const char *msg)
{
    if (why != NULL)
        *why = msg;
    return BH_EFORMAT;
}

/* Returns NULL if the file header is acceptable, else the reason. */
static const char *check_ehdr(const struct elf64_ehdr *eh, size_t len)
{
    static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

    if (memcmp(eh->e_ident, magic, sizeof(magic)) != 0)
        return "ELF: bad magic (not an ELF file)";
    if (eh->e_ident[4] != ELFCLASS64)
        return "ELF: not a 64-bit (ELFCLASS64) file";
    if (eh->e_ident[5] != ELFDATA2LSB)
        return "ELF: not little-endian (ELFDATA2LSB)";
    if (eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return "ELF: version is not 1 (EV_CURRENT)";
    if (eh->e_machine != EM_X86_64)
        return "ELF: machine is not x86-64 (EM_X86_64 = 62)";
    if (eh->e_type != ET_EXEC)
        return "ELF: type is not ET_EXEC (static, non-PIE executable)";
    if (eh->e_ehsize != sizeof(struct elf64_ehdr))
        return "ELF: e_ehsize is not 64";
    if (eh->e_phentsize != sizeof(struct elf64_phdr))
        return "ELF: e_phentsize is not 56";
    if (eh->e_phnum == 0)
        return "ELF: no program headers";
    if (eh->e_phnum > ELF_MAX_SEGS)
        return "ELF: more than ELF_MAX_SEGS (16) program headers";
    if (eh->e_phoff > len ||
        (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr) > len - eh->e_phoff)
        return "ELF: program header table runs past end of file";
    return NULL;
}

static bool is_pow2_or_01(uint64_t x)
{
    return (x & (x - 1)) == 0; /* true for 0 and 1 as well */
}

/* Returns NULL if the PT_LOAD header is acceptable on its own, else why. */
static const char *check_load(const struct elf64_phdr *ph, size_t len)
{
    if (ph->p_flags & ~(PF_R | PF_W | PF_X))
        return "ELF: PT_LOAD has unknown p_flags bits";
    if ((ph->p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
        return "ELF: PT_LOAD is both writable and executable (W^X)";
    if (ph->p_memsz == 0)
        return "ELF: PT_LOAD has p_memsz 0";
    if (ph->p_filesz > ph->p_memsz)
        return "ELF: PT_LOAD has p_filesz > p_memsz";
    if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
        return "ELF: PT_LOAD file data runs past end of file";
    if (ph->p_vaddr < BH_USER_BASE || ph->p_vaddr >= BH_USER_TOP ||
        ph->p_memsz > BH_USER_TOP - ph->p_vaddr)
        return "ELF: PT_LOAD lies outside user space [BH_USER_BASE, BH_USER_TOP)";
    if (!is_pow2_or_01(ph->p_align))
        return "ELF: PT_LOAD p_align is not 0, 1 or a power of two";
    if (ph->p_align >= ELF_PAGE &&
        ph->p_vaddr % ELF_PAGE != ph->p_offset % ELF_PAGE)
        return "ELF: PT_LOAD p_vaddr and p_offset differ modulo the page size";
    return NULL;
}

/* First page and one past the last page of a validated segment. */
static uint64_t seg_first_page(const struct elf_seg *s)
{
    return s->vaddr & ~(ELF_PAGE - 1);
}

static uint64_t seg_end_page(const struct elf_seg *s)
{
    /* vaddr + memsz <= BH_USER_TOP, so rounding up cannot overflow. */
    return (s->vaddr + s->memsz + ELF_PAGE - 1) & ~(ELF_PAGE - 1);
}

/* Returns true if s shares a page with any of the first n segments. */
static bool overlaps_any(const struct elf_seg *segs, unsigned n,
                         const struct elf_seg *s)
{
    for (unsigned i = 0; i < n; i++)
        if (seg_first_page(s) < seg_end_page(&segs[i]) &&
            seg_first_page(&segs[i]) < seg_end_page(s))
            return true;
    return false;
}

/* Reads and checks every program header into im. NULL or the reason. */
static const char *check_phdrs(const uint8_t *img, size_t len,
                               const struct elf64_ehdr *eh,
                               struct elf_image *im)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        struct elf64_phdr ph;
        const char *bad;

        memcpy(&ph, img + eh->e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
            return "ELF: dynamically linked image (PT_INTERP/PT_DYNAMIC)";
        if (ph.p_type != PT_LOAD)
            continue;
        bad = check_load(&ph, len);
        if (bad != NULL)
            return bad;
        struct elf_seg s = { ph.p_vaddr, ph.p_memsz, ph.p_offset,
                             ph.p_filesz, ph.p_flags };
        if (overlaps_any(im->seg, im->nseg, &s))
            return "ELF: PT_LOAD segments overlap or share a 4 KiB page";
        im->seg[im->nseg++] = s;
    }
    if (im->nseg == 0)
        return "ELF: no PT_LOAD segment";
    return NULL;
}

static bool entry_ok(const struct elf_image *im)
{
    for (unsigned i = 0; i < im->nseg; i++) {
        const struct elf_seg *s = &im->seg[i];
        if ((s->flags & PF_X) && im->entry >= s->vaddr &&
            im->entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

/*
 * Checks that img[0..len) is a loadable static x86-64 ELF64 executable
 * for user space and describes its PT_LOAD segments in *out.
 * Returns BH_OK, BH_EINVAL if img or out is NULL, or BH_EFORMAT if the
 * image breaks a rule (*why, if why is not NULL, then names the rule).
 * *out is written only on success.
 */
enum bh_status elf_check(const void *img, size_t len, struct elf_image *out,
                         const char **why)
{
    struct elf64_ehdr eh;
    struct elf_image im;
    const char *bad;

    if (img == NULL || out == NULL) {
        if (why != NULL)
            *why = "ELF: no image or no output";
        return BH_EINVAL;
    }
    if (len < sizeof(eh))
        return reject(why, "ELF: file shorter than the 64-byte ELF64 header");
    memcpy(&eh, img, sizeof(eh));
    bad = check_ehdr(&eh, len);
    if (bad != NULL)
        return reject(why, bad);
    memset(&im, 0, sizeof(im));
    im.entry = eh.e_entry;
    bad = check_phdrs(img, len, &eh, &im);
    if (bad != NULL)
        return reject(why, bad);
    if (!entry_ok(&im))
        return reject(why, "ELF: entry point is not inside an executable PT_LOAD");
    *out = im;
    return BH_OK;
}
