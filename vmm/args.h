/*
 * The VMM's argument string (the `args` of its configuration entry):
 *
 *   args = *(word " ") ["-- " guest-command-string]
 *   word = "ram-mib=" N        guest RAM in MiB, 2..64 (default 4)
 *        / "vcpu-prio=" N      the vCPU's priority, 1..255 (default 10;
 *                              at most the VMM's own, its PD's ceiling)
 *        / "crash-after=" N    test hook: the VMM faults on purpose at its
 *                              Nth exit (1..10^9; default never)
 *        / "hv-leaf=" N        1: hv answers CPUID leaf BH_CPUID_HV_LEAF
 *                              itself (BH_VMCTRL_HV_LEAF), the kernel-only
 *                              reference path of the exit benchmark; 0
 *                              (default): the VMM answers it like any
 *                              other hypervisor leaf (zeros)
 *        / "passthrough=" BDF  pass the PCI function BB:DD.F (hexadecimal)
 *                              through to the guest: the VMM asks the PCI
 *                              server (selector 18) for it and refuses to
 *                              start if it hands out another function
 *
 * Everything after "-- " is the guest's command string, copied to
 * guest-physical 0x5000 (guests/README.md), at most 255 characters.
 * Numbers are decimal or 0x hexadecimal. An unknown or repeated word, a
 * bad number or a value out of range is an error: the VMM then says why
 * and does not start the guest. Pure; unit-tested on the host.
 */
#ifndef VMM_ARGS_H
#define VMM_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <bulkhead/abi.h>

#define VMM_CMDLINE_MAX 256u        /* with the NUL */

struct vmm_args {
    uint32_t ram_mib;
    uint32_t vcpu_prio;
    uint64_t crash_after;           /* 0: never */
    bool hv_leaf;                   /* ask hv for BH_VMCTRL_HV_LEAF */
    bool passthrough;               /* pass pt_bdf through to the guest */
    uint32_t pt_bdf;                /* bus << 8 | device << 3 | function */
    bool has_cmdline;
    char cmdline[VMM_CMDLINE_MAX];
};

/* Parses s into *out (defaults first). Returns BH_OK, or BH_EINVAL with a
   message in err[0..errlen). */
enum bh_status vmm_args_parse(const char *s, struct vmm_args *out, char *err, size_t errlen);

#endif
