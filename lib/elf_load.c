/* Loading ELF images into child PDs; see bh/elf_load.h. */
#include <bh/elf_load.h>
#include <bh/sys.h>
#include <string.h>
#include "elf.h"

#define PAGE 4096ull

/* Takes pages fresh into the caller's window at scratch + *used with rights
   (BH_M_*), returns their address in *va. */
static enum bh_status take(struct bh_elf_loaded *ld, uint64_t limit, uint64_t pages,
                           unsigned rights, uint64_t *va)
{
    if (pages > (limit - ld->scratch_used) / PAGE)
        return BH_ENOMEM;
    *va = ld->scratch + ld->scratch_used;
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < BH_MAP_MAX ? pages - done : BH_MAP_MAX;
        enum bh_status s = bh_map(BH_SEL_SELF_PD, *va + done * PAGE, *va + done * PAGE, n,
                                  rights | BH_MAP_FRESH);
        if (s != BH_OK)
            return s;
        done += n;
        ld->scratch_used += n * PAGE;
    }
    return BH_OK;
}

static enum bh_status share(uint64_t pd, uint64_t own, uint64_t dst, uint64_t pages, unsigned rights)
{
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done < BH_MAP_MAX ? pages - done : BH_MAP_MAX;
        enum bh_status s = bh_map(pd, own + done * PAGE, dst + done * PAGE, n, rights);
        if (s != BH_OK)
            return s;
        done += n;
    }
    return BH_OK;
}

/* The caller's copy must carry every right the child gets (MAP only
   reduces), so executable segments are staged R|W|X in the window. */
static enum bh_status load_seg(uint64_t pd, const uint8_t *img, const struct elf_seg *sg,
                               struct bh_elf_loaded *ld, uint64_t limit, const char **why)
{
    uint64_t first = sg->vaddr & ~(PAGE - 1);
    uint64_t pages = (sg->vaddr + sg->memsz - first + PAGE - 1) / PAGE;
    unsigned rights = BH_M_R | ((sg->flags & PF_W) ? BH_M_W : 0) | ((sg->flags & PF_X) ? BH_M_X : 0);
    uint64_t va;
    enum bh_status s = take(ld, limit, pages, rights | BH_M_W, &va);
    if (s != BH_OK) {
        *why = "fresh pages for a segment";
        return s;
    }
    memcpy((uint8_t *)va + (sg->vaddr - first), img + sg->offset, sg->filesz);
    s = share(pd, va, first, pages, rights);
    if (s != BH_OK)
        *why = "mapping a segment into the child";
    return s;
}

static enum bh_status load_stack(uint64_t pd, const char *args, uint64_t arg2,
                                 struct bh_elf_loaded *ld, uint64_t limit, const char **why)
{
    uint64_t va, base = BH_USER_STACK_TOP - BH_USER_STACK_PAGES * PAGE;
    enum bh_status s = take(ld, limit, BH_USER_STACK_PAGES, BH_M_R | BH_M_W, &va);
    if (s != BH_OK) {
        *why = "fresh pages for the stack";
        return s;
    }
    uint8_t *top = (uint8_t *)va + BH_USER_STACK_PAGES * PAGE;
    size_t n = args ? strnlen(args, 255) : 0;
    memcpy(top - 256, args ? args : "", n);
    top[-256 + (long)n] = 0;
    uint64_t *words = (uint64_t *)(top - 288);
    words[0] = 0;
    words[1] = BH_USER_STACK_TOP - 256;
    words[2] = arg2;
    ld->stack = BH_USER_STACK_TOP - 288;
    s = share(pd, va, base, BH_USER_STACK_PAGES, BH_M_R | BH_M_W);
    if (s != BH_OK)
        *why = "mapping the stack into the child";
    return s;
}

enum bh_status bh_elf_load(uint64_t pd, const void *img, size_t len, const char *args,
                           uint64_t arg2, uint64_t scratch, uint64_t scratch_len,
                           struct bh_elf_loaded *out, const char **why)
{
    static struct elf_image ei;   /* 800 bytes: keep it off small stacks */
    const char *unused;
    if (!why)
        why = &unused;
    *out = (struct bh_elf_loaded){ .scratch = scratch };
    if ((scratch | scratch_len) & (PAGE - 1)) {
        *why = "unaligned scratch window";
        return BH_EINVAL;
    }
    enum bh_status s = elf_check(img, len, &ei, why);
    for (unsigned i = 0; s == BH_OK && i < ei.nseg; i++)
        s = load_seg(pd, img, &ei.seg[i], out, scratch_len, why);
    if (s == BH_OK)
        s = load_stack(pd, args, arg2, out, scratch_len, why);
    if (s != BH_OK) {
        bh_elf_unload(out);
        return s;
    }
    out->entry = ei.entry;
    out->utcb = BH_ROOT_UTCB;   /* same layout as the root: below the stack */
    return BH_OK;
}

enum bh_status bh_elf_unload(struct bh_elf_loaded *ld)
{
    enum bh_status s = BH_OK;
    for (uint64_t off = 0; off < ld->scratch_used;) {
        uint64_t n = (ld->scratch_used - off) / PAGE;
        n = n < BH_MAP_MAX ? n : BH_MAP_MAX;
        enum bh_status r = bh_unmap(ld->scratch + off, n, BH_REVOKE_SELF);
        if (r != BH_OK && s == BH_OK)
            s = r;
        off += n * PAGE;
    }
    ld->scratch_used = 0;
    return s;
}
