/*
 * The information page the root task's server manager (root/servers.c)
 * maps read-only into a server whose configuration lists data modules
 * (`modules` in root/config.h), and where it puts those modules.
 *
 * At SVC_INFO_VA: struct svc_info. Each module follows, page-aligned and
 * read-only, from SVC_INFO_VA + 4 KiB on, with an unmapped guard page
 * after each. The root copies each module (after checking its SHA-256)
 * into fresh pages of its own and shares them, so the server gets the
 * bytes the configuration measured and cannot change them. A restart
 * maps fresh copies again.
 */
#ifndef BH_SVCINFO_H
#define BH_SVCINFO_H

#include <stdint.h>

#define SVC_INFO_VA 0x0000000030000000ull
#define SVC_INFO_MAGIC 0x4f464e4943565342ull   /* "BSVCINFO" */
#define SVC_MODULES_MAX 4u
#define SVC_NAME_MAX 32u

struct svc_module {
    char name[SVC_NAME_MAX];     /* the node name under `modules` */
    uint64_t va;                 /* where it is mapped (read-only) */
    uint64_t size;               /* bytes */
};

struct svc_info {
    uint64_t magic;              /* SVC_INFO_MAGIC */
    char name[SVC_NAME_MAX];     /* the server's configured name */
    uint32_t cpu;                /* the CPU its first EC (and portal EC) run on */
    uint32_t priority;           /* its configured priority (its PD's ceiling) */
    uint32_t nmodules;
    uint32_t reserved;
    struct svc_module mod[SVC_MODULES_MAX];
};
_Static_assert(sizeof(struct svc_info) <= 4096, "the info page is one page");

#endif
