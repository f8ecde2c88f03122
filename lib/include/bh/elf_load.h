/*
 * Loading a static ELF64 image into another PD (a child the caller holds
 * with CTRL). Pages are taken fresh into the caller's own scratch window,
 * filled, and shared into the child with the segment's rights; the caller
 * keeps its mapping so that one UNMAP of the window (bh_elf_unload) takes
 * the whole image away from the child again.
 */
#ifndef BH_ELF_LOAD_H
#define BH_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

/* Where the child's first EC starts: pass these to BH_SYS_CREATE_EC. */
struct bh_elf_loaded {
    uint64_t entry;       /* ELF entry point */
    uint64_t stack;       /* initial rsp; [rsp+8] = args, [rsp+16] = arg2 (lib/crt0.asm) */
    uint64_t utcb;        /* a free page-aligned address for its UTCB */
    uint64_t scratch;     /* the caller's window: base ... */
    uint64_t scratch_used;/* ... and bytes mapped in it */
};

/*
 * Validates img[0..len) (hv/elf.c's rules) and loads it into the PD at
 * selector pd: every PT_LOAD, plus a BH_USER_STACK_PAGES stack below
 * BH_USER_STACK_TOP holding args (NUL-terminated, cut to 255 bytes) and
 * arg2. scratch is a free, page-aligned range of scratch_len bytes in the
 * caller's address space. Returns BH_OK with *out filled; BH_EFORMAT (and
 * *why) for a bad image, BH_ENOMEM if the scratch window is too small, or
 * the status of the MAP call that failed (*why names the step). On
 * failure, whatever was mapped is unmapped again.
 */
enum bh_status bh_elf_load(uint64_t pd, const void *img, size_t len, const char *args,
                           uint64_t arg2, uint64_t scratch, uint64_t scratch_len,
                           struct bh_elf_loaded *out, const char **why);

/* Unmaps the scratch window of a loaded image (and so every mapping of it
   in the child): the pages are freed. */
enum bh_status bh_elf_unload(struct bh_elf_loaded *ld);

#endif
