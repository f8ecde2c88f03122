/* Devices: PCI functions named by capabilities (BH_OBJ_DEV). At boot hv
   enumerates the functions of every PCI segment the ACPI MCFG describes
   (through ECAM) and finds the DMAR remapping unit each sits behind. A
   DEV object names one function; whoever holds it with CTRL can assign
   the device to a PD's DMA space (VT-d), take it back, and receive its
   DMA faults, and bind its MSI / MSI-X messages to semaphores through
   interrupt remapping. A device assigned to nobody is blocked by its
   unit, and so is every message of a device that has no IRTE for it. */
#ifndef HV_DEV_H
#define HV_DEV_H
#include "obj.h"
struct sm;
struct acpi_info;
struct boot_info;
struct pci_fn;

/* One MSI vector or MSI-X entry of a device, remapped through an IRTE to
   a host vector whose arrival ups sm. */
#define DEV_MSI_MAX 8u
struct dev_msi {
    struct sm *sm;           /* a reference; NULL: the slot is free */
    uint32_t entry;          /* the vector / table entry | BH_DEV_MSIX */
    uint16_t irte;           /* its IRTE on the device's unit */
    uint8_t vec;             /* host vector - VEC_MSI_BASE */
    bool masked;             /* fired and not acknowledged yet */
    bool latched;            /* arrived while masked: delivered at unmask */
};

struct dev {
    struct kobj obj;
    struct pci_fn *fn;
    struct pd *pd;           /* whose DMA space the device uses, or NULL: blocked */
    struct sm *fault_sm;     /* upped on each fault (a reference), or NULL */
    uint64_t fault_addr;     /* the first fault not read yet */
    uint32_t fault_info;     /* its reason | write << 8 | source id << 16 */
    uint32_t nfaults;        /* faults since the last BH_DEV_FAULT_READ */
    struct dev_msi msi[DEV_MSI_MAX];
};

/* Enumerates the PCI functions behind the MCFG's ECAM windows (bounded:
   at most 256 functions on 32 buses) and reports them. Boot, once; ai
   and bi stay (BH_DEV_MAP checks device memory against them). */
void dev_init(const struct acpi_info *ai, const struct boot_info *bi);
/* A DEV object for function sbdf (segment << 16 | bus << 8 | devfn),
   charged to pd. BH_ENOENT if hv found no such function; BH_EEXIST if
   an object for it exists. */
enum bh_status dev_create(struct pd *pd, uint32_t sbdf, struct dev **out);
/* The object's last reference went: the device is blocked again. */
void dev_destroy(struct dev *d);
/* BH_SYS_DEV_CTRL after the capability checks: pd for BH_DEV_ASSIGN,
   sm (or NULL) for BH_DEV_FAULT_BIND and BH_DEV_MSI_BIND, cpu and the
   MSI entry (vector | BH_DEV_MSIX) for the MSI operations; results in
   out[0..2]. */
enum bh_status dev_ctrl(struct dev *d, uint64_t op, struct pd *pd, struct sm *sm, uint64_t cpu,
                        uint64_t entry, uint64_t out[3]);
/* BH_DEV_MAP after the capability and argument checks (syscall.c: va is
   a page-aligned user range of n pages, 1 <= n <= BH_MAP_MAX, rights are
   R or R|W): maps pages first .. first+n-1 of region (a BAR index or
   BH_DEV_REGION_CFG) into pd at va. out[0] = pages mapped, out[1] = the
   region's size. Statuses as docs/abi.md lists for BH_DEV_MAP. */
enum bh_status dev_map(struct dev *d, struct pd *pd, uint64_t va, unsigned region, unsigned rights,
                       uint64_t first, uint64_t n, uint64_t out[3]);
/* A PD dies: devices using its DMA space are blocked (and their MSI
   bindings freed), fault and MSI semaphores charged to it are unbound.
   Bounded by the number of functions. */
void dev_release_pd(struct pd *pd);
/* A DMA fault of source id sid on segment seg: recorded in the device's
   object (if there is one) and its fault semaphore upped. Returns how
   many faults this function has had, for rate-limited logging. */
uint64_t dev_fault(uint16_t seg, uint16_t sid, uint64_t addr, uint8_t reason, bool write);
/* Under the kernel lock (irq_deliver): each remapped MSI that arrived
   since the last call ups its semaphore, or is latched while masked. */
void dev_msi_deliver(void);
/* Holding the PCI configuration ports 0xcf8-0xcff (mechanism #1) already
   gives control of every PCI function: it is what BH_SYS_CREATE_DEV and
   a writable ECAM page (BH_DEV_MAP) take. */
bool dev_cfg_owner(struct pd *pd);
#endif
