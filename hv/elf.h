/*
 * Validation of ELF64 user images (boot modules: untrusted input).
 * elf_check() only checks and describes; loading is a separate step
 * that may trust the returned struct elf_image.
 */
#ifndef HV_ELF_H
#define HV_ELF_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define ELF_MAX_SEGS 16 /* bound on e_phnum (all types), hence on PT_LOADs */

#define PF_X 0x1u
#define PF_W 0x2u
#define PF_R 0x4u

struct elf_seg {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags; /* PF_R | PF_W | PF_X; never PF_W with PF_X */
};

struct elf_image {
    uint64_t entry;
    unsigned nseg; /* PT_LOAD segments, in program-header order */
    struct elf_seg seg[ELF_MAX_SEGS];
};

enum bh_status elf_check(const void *img, size_t len, struct elf_image *out,
                         const char **why);

#endif
