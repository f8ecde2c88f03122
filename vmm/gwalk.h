/*
 * Guest linear to guest-physical addresses through the guest's own page
 * tables (Intel SDM Vol. 3A, chapter 4): paging off, 32-bit paging (with
 * 4 MiB pages under CR4.PSE), PAE paging and 4-level paging, with 2 MiB
 * and 1 GiB pages. Used to fetch the instruction behind an exit. Only
 * presence is checked: the access already happened, the CPU checked the
 * rights. Pure: guest memory is read through a callback; unit-tested on
 * the host (vmm/test/test_gwalk.c).
 */
#ifndef VMM_GWALK_H
#define VMM_GWALK_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/abi.h>

struct gwalk {
    uint64_t cr0, cr3, cr4, efer;
    /* Reads the 8 bytes at guest-physical gpa into *v; false if that is
       not guest RAM. */
    bool (*read64)(void *ctx, uint64_t gpa, uint64_t *v);
    void *ctx;
};

/*
 * Translates the linear address la. Returns BH_OK with *gpa; BH_ENOENT if
 * a table entry on the way is not present (the guest would fault);
 * BH_EFAULT if a table is not in guest RAM; BH_ENOTSUP for 5-level paging.
 */
enum bh_status gwalk_translate(const struct gwalk *w, uint64_t la, uint64_t *gpa);

#endif
