/*
 * Bulkhead ABI: the one interface header shared by hv/, user space
 * (lib/, root/, vmm/, drivers/) and the tests. docs/abi.md describes it
 * and must change in the same commit as this file.
 *
 * Only fixed-width types; no kernel or libc headers.
 */
#ifndef BULKHEAD_ABI_H
#define BULKHEAD_ABI_H

#include <stdint.h>

/* Status codes: the one error enum of the whole system. 0 is success. */
enum bh_status {
    BH_OK = 0,
    BH_EINVAL = 1,     /* malformed argument, unknown flag bits */
    BH_ERANGE = 2,     /* value or index out of range */
    BH_EOVERFLOW = 3,  /* size or address arithmetic would overflow */
    BH_EFORMAT = 4,    /* malformed or truncated data (ELF, ACPI, MBI) */
    BH_ECHECKSUM = 5,  /* checksum or digest mismatch */
    BH_ENOMEM = 6,     /* out of memory or quota */
    BH_ENOENT = 7,     /* no such object / table / entry */
    BH_ENOTSUP = 8,    /* feature absent on this machine */
    BH_EFAULT = 9,     /* bad user pointer */
    BH_ECAP = 10,      /* bad capability selector or wrong object type */
    BH_ERIGHTS = 11,   /* capability lacks a needed right */
    BH_EBUSY = 12,     /* object in use */
    BH_ETIMEOUT = 13,  /* timed out */
    BH_EEXIST = 14,    /* already present / overlapping */
    BH_ENOSYS = 15,    /* no such system call */
    BH_EABORT = 16,    /* IPC partner died, or the object went away */
    BH_STATUS_COUNT
};

/*
 * Kernel objects. Every object is named by a capability: an index
 * (selector) into the capability space of a protection domain (PD).
 */
enum bh_obj {
    BH_OBJ_NONE = 0,
    BH_OBJ_PD = 1,   /* protection domain: capability + address space */
    BH_OBJ_EC = 2,   /* execution context: a thread with its UTCB */
    BH_OBJ_SC = 3,   /* scheduling context: priority, budget, period */
    BH_OBJ_PT = 4,   /* portal: IPC entry bound to a server EC, badged */
    BH_OBJ_SM = 5,   /* semaphore (also the target of interrupts) */
    BH_OBJ_IRQ = 6,  /* an interrupt line (an I/O APIC GSI) */
    BH_OBJ_DEV = 7,  /* a PCI function, for DMA remapping (VT-d) */
    BH_OBJ_COUNT
};

/* Capability rights. A delegated copy never has more than its parent. */
#define BH_R_CTRL (1u << 0)     /* PD: create objects in it / delegate into it;
                                   EC: bind an SC or a portal to it */
#define BH_R_DELEGATE (1u << 1) /* the capability may be delegated further */
#define BH_R_CALL (1u << 2)     /* PT: call it */
#define BH_R_UP (1u << 3)       /* SM: up */
#define BH_R_DOWN (1u << 4)     /* SM: down */
#define BH_R_ALL 0x1fu

/* Fixed selectors of the root task (a child PD's space starts empty). */
#define BH_SEL_SELF_PD 0u       /* the root task's own PD */
#define BH_SEL_SELF_EC 1u       /* the root task's first EC */
#define BH_SEL_SELF_SC 2u       /* and its SC (slot 3 is BH_SEL_FAULT_PT) */
#define BH_SEL_FIRST_FREE 16u
#define BH_SEL_IRQ_BASE 1024u    /* the root task's IRQ cap for GSI n: base + n */
#define BH_SEL_SRV_IRQ_BASE 8u   /* a server the root task starts: the IRQ cap for the
                                    i-th GSI of its configured irqs at base + i (i < 8) */

/*
 * System calls. Entered with SYSCALL: rax = number, arguments in rdi,
 * rsi, rdx, r10, r8, r9; the status comes back in rax, results in the
 * registers each call names. rcx and r11 are clobbered by the instruction;
 * BH_SYS_CALL and BH_SYS_REPLY_WAIT also leave rbx, rbp and r12-r15
 * undefined: the other side's values or the EC's own older ones, never
 * the kernel's (docs/abi.md). A sender clears what it must not disclose.
 * Every call checks its capabilities (type and rights) before it changes
 * anything, and rejects unknown flag bits with BH_EINVAL.
 */
enum bh_syscall {
    BH_SYS_PRINT = 0,       /* rdi = user pointer, rsi = length (<= BH_PRINT_MAX) */
    BH_SYS_EXIT = 1,        /* rdi = exit code; ends the calling EC */
    BH_SYS_CALL = 2,        /* rdi = PT sel, r10 = msginfo, words in rsi rdx r8 r9 + UTCB;
                               reply: r10 = msginfo, words likewise */
    BH_SYS_REPLY_WAIT = 3,  /* r10 = msginfo of the reply, words as above;
                               returns with the next call: rdi = badge, r10, words */
    BH_SYS_CREATE_PD = 4,   /* rdi = dst sel, rsi = parent PD sel (CTRL),
                               rdx = capability slots | BH_PD_CEILING(p)
                               (optional; default: the parent's ceiling),
                               r10 = quota (pages, taken
                               from the parent's), r8 = SM sel (UP) the kernel
                               ups when the new PD dies, or BH_SEL_NONE */
    BH_SYS_CREATE_EC = 5,   /* rdi = dst sel, rsi = PD sel (CTRL), rdx = CPU,
                               r10 = UTCB address in that PD, r8 = entry, r9 = stack;
                               flags in the upper 32 bits of rdx (BH_EC_*) */
    BH_SYS_CREATE_SC = 6,   /* rdi = dst sel, rsi = PD sel (CTRL), rdx = EC sel (CTRL),
                               r10 = priority, r8 = budget (us), r9 = period (us) */
    BH_SYS_CREATE_PT = 7,   /* rdi = dst sel, rsi = PD sel (CTRL), rdx = local EC sel (CTRL),
                               r10 = badge, r8 = BH_MTD_* guest state an exit
                               through this portal carries (0 elsewhere) */
    BH_SYS_CREATE_SM = 8,   /* rdi = dst sel, rsi = PD sel (CTRL), rdx = initial count */
    BH_SYS_SM_CTRL = 9,     /* rdi = SM sel, rsi = BH_SM_UP / BH_SM_DOWN,
                               rdx = timeout (us, 0 = forever) for DOWN */
    BH_SYS_DELEGATE = 10,   /* rdi = dst PD sel (CTRL), rsi = src sel (DELEGATE),
                               rdx = dst sel, r10 = rights mask */
    BH_SYS_REVOKE = 11,     /* rdi = sel, rsi = flags (BH_REVOKE_SELF) */
    BH_SYS_LOOKUP = 12,     /* rdi = sel; returns rdx = type, r10 = rights */
    BH_SYS_MAP = 13,        /* rdi = dst PD sel (CTRL), rsi = own VA, rdx = dst VA,
                               r10 = pages (<= BH_MAP_MAX), r8 = BH_M_* rights;
                               shares the caller's pages, rights only reduced */
    BH_SYS_UNMAP = 14,      /* rsi = own VA, r10 = pages, r8 = flags (BH_REVOKE_SELF):
                               removes every mapping derived from these pages,
                               in every PD, recursively (and with SELF, the
                               caller's own) */
    BH_SYS_KILL_PD = 15,    /* rdi = PD sel (CTRL): ends every EC of that PD and
                               frees what it holds; its death SM is upped */
    BH_SYS_IO_GRANT = 16,   /* rdi = dst PD sel (CTRL), rsi = first port,
                               rdx = count (<= BH_IO_MAX): ports the caller holds */
    BH_SYS_IO_REVOKE = 17,  /* rsi = first port, rdx = count, r8 = flags
                               (BH_REVOKE_SELF): removes the ports from every PD
                               they were granted to, recursively */
    BH_SYS_IRQ_CTRL = 18,   /* rdi = IRQ sel (CTRL), rsi = BH_IRQ_* op;
                               BIND: rdx = SM sel (UP), r10 = CPU */
    BH_SYS_CREATE_VCPU = 19, /* rdi = dst sel, rsi = VM PD sel (CTRL; made with
                               BH_PD_VM), rdx = CPU, r10 = VMM PD sel (CTRL):
                               the space holding the exit portals, r8 = their
                               base selector there. The new capability names
                               an EC (BH_OBJ_EC) that runs the guest once an
                               SC is bound to it. BH_ENOTSUP without VMX. */
    BH_SYS_VCPU_CTRL = 20,  /* rdi = vCPU sel (CTRL), rsi = BH_VCPU_* op;
                               MSR: rdx = MSR, r8 = BH_VCPU_MSR_R | _W (what
                               passes through; 0 = every access exits) */
    BH_SYS_CREATE_DEV = 21, /* rdi = dst sel, rsi = PD sel (CTRL) charged,
                               rdx = BH_SBDF(segment, bus, device, function);
                               the caller must hold the PCI configuration
                               ports 0xcf8-0xcff */
    BH_SYS_DEV_CTRL = 22,   /* rdi = DEV sel, rsi = BH_DEV_* op; ASSIGN:
                               rdx = PD sel (CTRL); FAULT_BIND: rdx = SM sel
                               (UP) or BH_SEL_NONE; MAP: see BH_DEV_MAP;
                               results in rdx r10 r8 */
    BH_SYS_COUNT
};

#define BH_EC_LOCAL (1u << 0)    /* server EC: runs only on portal calls, no SC */
/* CREATE_PD: the most capability slots a PD may have (2 MiB of slots, the
   same bound on one kernel entry's work as a BH_MAP_MAX-page MAP). */
#define BH_PD_SLOTS_MAX 32768u
/* CREATE_PD: the highest priority any SC charged to the new PD may have
   (at most the parent's). The root PD's ceiling is BH_PRIO_MAX. */
#define BH_PD_CEILING(p) (((uint64_t)(p) & 0xff) << 32 | 1ull << 40)
/* CREATE_PD: the new PD is a virtual machine. Its memory space is a
   guest-physical space (EPT) that MAP with BH_MAP_GUEST fills; it runs
   no user code, only vCPUs (BH_SYS_CREATE_VCPU). BH_ENOTSUP without VMX. */
#define BH_PD_VM (1ull << 41)
#define BH_SM_UP 0u
#define BH_SM_DOWN 1u
#define BH_REVOKE_SELF (1u << 0) /* remove the capability itself as well */

#define BH_PRIO_MAX 255u

/* BH_SYS_IRQ_CTRL operations. A bound line is masked by the kernel when
   it fires and its SM is upped; the driver unmasks it to acknowledge. */
#define BH_IRQ_BIND 0u
#define BH_IRQ_UNMASK 1u
#define BH_IRQ_MASK 2u

#define BH_SEL_NONE (~0ull)      /* "no selector" where one is optional */

/* Memory rights for BH_SYS_MAP. */
#define BH_M_R (1u << 0)
#define BH_M_W (1u << 1)
#define BH_M_X (1u << 2)
#define BH_MAP_FRESH (1u << 3)   /* MAP: new zeroed pages (charged to the
                                    destination PD) instead of the caller's;
                                    may carry W and X: the PTE is then RW-,
                                    and read-only copies may be R-X */
#define BH_MAP_GUEST (1u << 4)   /* MAP: dst VA is a guest-physical address in
                                    a VM PD; R, W and X become the EPT rights
                                    (write-back memory) */
#define BH_MAP_2M (1u << 7)      /* MAP: pages = 512, one 2 MiB block: with FRESH a
                                    new contiguous block (2 MiB-aligned dst VA, no
                                    VM); else the caller's block at VA (its start)
                                    shared whole to a 2 MiB-aligned dst VA, in a
                                    VM one 2 MiB EPT leaf. Unmapping any of its
                                    pages removes the whole block */
#define BH_MAP_1G (1u << 8)      /* MAP: pages = BH_MAP_1G_PAGES, one 1 GiB block,
                                    as BH_MAP_2M with 1 GiB alignment: in a VM one
                                    1 GiB EPT leaf (BH_ENOTSUP without them); never
                                    together with BH_MAP_2M */
#define BH_MAP_1G_PAGES 262144u  /* MAP: the pages of one 1 GiB block */
#define BH_MAP_MAX 512u          /* pages per MAP/UNMAP call */
#define BH_IO_MAX 1024u          /* ports per IO_GRANT/IO_REVOKE call */

/*
 * Faults. When an EC takes an exception, the kernel calls the portal at
 * BH_SEL_FAULT_PT in that EC's PD on its behalf (if it holds one with
 * CALL), with this message: w0 = vector, w1 = error code, w2 = faulting
 * address (CR2 for #PF, else 0), w3 = RIP. The handler replies with
 * w0 = BH_FAULT_RESUME (retry the instruction) or BH_FAULT_KILL. With no
 * fault portal, the EC is killed. A PD whose last EC ends dies.
 */
#define BH_SEL_FAULT_PT 3u
#define BH_FAULT_RESUME 0u
#define BH_FAULT_KILL 1u

/* msginfo: how many message words travel (bits 0-8), how many typed
   items (bits 10-12, at most BH_ITEMS_MAX, in the sender's UTCB item[]).
   The receiver's msginfo gives the number of items that were accepted. */
#define BH_MSG_WORDS(mi) ((unsigned)((mi) & 0x1ffu))
#define BH_MSG_ITEMS(mi) ((unsigned)(((mi) >> 10) & 7u))
#define BH_MSG_MKITEMS(n) ((uint64_t)(n) << 10)
/* Set by the kernel only, in the msginfo a fault handler receives: the
   message is an exception report (user calls with it are refused). */
#define BH_MSG_FAULT (1u << 9)
#define BH_MSG_REG_WORDS 4u      /* words carried in rsi, rdx, r8, r9 */

/*
 * Boot modules reach the root task mapped read-only in its address space,
 * described by this table at BH_ROOT_BOOTINFO (one read-only page).
 */
#define BH_ROOT_BOOTINFO 0x00006fff00000000ull
#define BH_ROOT_MODULES 0x0000600000000000ull  /* modules from here, in order */
#define BH_BOOT_MODS_MAX 16u
struct bh_boot_module {
    uint64_t va;         /* where the image is mapped (read-only) */
    uint64_t size;       /* bytes */
    char name[64];       /* the module's name (basename of its first token) */
    char args[128];      /* its arguments */
};
struct bh_bootinfo {
    uint32_t nmods;
    uint32_t ncpus;      /* CPUs online */
    uint64_t reserved[7];
    struct bh_boot_module mods[BH_BOOT_MODS_MAX];
};
_Static_assert(sizeof(struct bh_boot_module) == 208, "bootinfo module layout");
_Static_assert(sizeof(struct bh_bootinfo) <= 4096, "bootinfo fits one page");

/*
 * User thread control block: one 4 KiB page per EC, mapped at the address
 * given to BH_SYS_CREATE_EC. Message words beyond the first four live in
 * mr[] (mr[0..3] mirror the registers).
 */
#define BH_UTCB_WORDS 480u
#define BH_ITEMS_MAX 4u

/* A typed item: what the sender hands over with the message. */
struct bh_item {
    uint64_t kind;       /* BH_ITEM_* | rights << 8 (the receiver's copy gets at most these) */
    uint64_t base;       /* DELEGATE: sender's selector; MAP: sender's VA; PORTS: first port */
    uint64_t count;      /* MAP: pages; PORTS: ports; DELEGATE: 1 */
    uint64_t result;     /* set for the receiver: where it landed (sel, VA, port), or ~0 */
};
#define BH_ITEM_DELEGATE 1u
#define BH_ITEM_MAP 2u
#define BH_ITEM_PORTS 3u

struct bh_utcb {
    uint64_t msginfo;
    /* Receive window: what this EC accepts in the items of the next
       message it receives (a call as handler, or the reply as caller). */
    uint64_t rcv_sel, rcv_sels;     /* capabilities land at rcv_sel + i */
    uint64_t rcv_va, rcv_pages;     /* pages land at rcv_va onwards */
    uint64_t rcv_ports;             /* nonzero: ports are accepted */
    uint64_t call_timeout_us;       /* BH_SYS_CALL: give up with BH_ETIMEOUT if
                                       a busy handler has not taken the call by
                                       then (0 = wait forever) */
    uint64_t reserved[9];
    struct bh_item item[BH_ITEMS_MAX];
    uint64_t mr[BH_UTCB_WORDS];
};
_Static_assert(sizeof(struct bh_utcb) == 4096, "UTCB is one page");

#define BH_PRINT_MAX 4096u

/* User address space layout shared by the kernel's loader and user images. */
#define BH_USER_BASE 0x0000000000400000ull /* lowest address an image may use */
#define BH_USER_TOP 0x00007ffffffff000ull  /* first address past user space */
#define BH_USER_STACK_TOP 0x00007fffffffe000ull /* a guard page above */
#define BH_USER_STACK_PAGES 16u
/* The root task's first UTCB, below its stack (guard page between). */
#define BH_ROOT_UTCB (BH_USER_STACK_TOP - (BH_USER_STACK_PAGES + 2) * 0x1000ull)

/*
 * VM exits. A vCPU's exit with basic reason r is a call, on the vCPU's
 * behalf, to the portal at its exit-portal base + r in the VMM's space
 * (the pseudo reasons below included). The handler receives rdi = the
 * portal's badge, rsi = the exit reason, r10 = BH_MSG_VMEXIT, and in its
 * UTCB, from mr[0] on, a struct bh_vmstate holding the fields the portal's
 * MTD names (mtd says which). It replies with mtd set to the fields the
 * kernel is to write back; the reply's message words are ignored. What a
 * VMM writes changes only its guest: host state and the controls hv owns
 * are never taken from the message, control registers are forced to the
 * VMX fixed bits, and guest state the CPU rejects makes the next entry fail
 * (reported as an exit), never the kernel.
 */
#define BH_MSG_VMEXIT (1u << 13)
#define BH_VM_EXITS 128u         /* exit portals per vCPU: base .. base + 127 */
#define BH_VMEXIT_FAIL 125u      /* VMLAUNCH/VMRESUME failed: qual = VM-instruction error */
#define BH_VMEXIT_STARTUP 126u   /* before the first entry: set the initial state */
#define BH_VMEXIT_RECALL 127u    /* BH_VCPU_RECALL asked for an exit */
#define BH_VMEXIT_REASON_FAILED (1u << 31)   /* in reason: the entry failed (33, 34, 41) */

/* MTD: which parts of the guest state travel (exit) or are written (reply). */
#define BH_MTD_GPR_ACDB (1u << 0)    /* rax rcx rdx rbx */
#define BH_MTD_GPR_BSD (1u << 1)     /* rbp rsi rdi */
#define BH_MTD_GPR_R8_R15 (1u << 2)
#define BH_MTD_RSP (1u << 3)
#define BH_MTD_RIP_LEN (1u << 4)     /* rip; insn_len (exit only) */
#define BH_MTD_RFLAGS (1u << 5)
#define BH_MTD_DS_ES (1u << 6)
#define BH_MTD_FS_GS (1u << 7)
#define BH_MTD_CS_SS (1u << 8)
#define BH_MTD_TR (1u << 9)
#define BH_MTD_LDTR (1u << 10)
#define BH_MTD_GDTR (1u << 11)
#define BH_MTD_IDTR (1u << 12)
#define BH_MTD_CR (1u << 13)         /* cr0 cr2 cr3 cr4 as the guest sees them */
#define BH_MTD_DR (1u << 14)         /* dr7, dr[0..3], dr6 */
#define BH_MTD_SYSENTER (1u << 15)
#define BH_MTD_QUAL (1u << 16)       /* qual gpa gla insn_info (exit only) */
#define BH_MTD_STATE (1u << 17)      /* intr_state actv_state */
#define BH_MTD_INJ (1u << 18)        /* exit: exit_intr_*, idt_vec_*; reply: inj_* */
#define BH_MTD_EFER_PAT (1u << 19)
#define BH_MTD_TSC (1u << 20)        /* exit: tsc (the guest's); reply: tsc_offset */
#define BH_MTD_CTRL (1u << 21)       /* reply: ctrl and preempt_timer */
#define BH_MTD_XCR0 (1u << 22)       /* xcr0; exit: xcr0_ok, the components hv switches */
#define BH_MTD_ALL ((1u << 23) - 1)

/* BH_SYS_VCPU_CTRL operations. A guest's port I/O passes through for
   the ports its VM PD holds (BH_SYS_IO_GRANT into the VM PD; revoking
   them makes those accesses exit again at once); every other port exits. */
#define BH_VCPU_RECALL 0u        /* the vCPU exits (BH_VMEXIT_RECALL) before it next runs guest code */
#define BH_VCPU_MSR 1u           /* set which accesses to an MSR pass through */
#define BH_VCPU_MSR_R (1u << 0)
#define BH_VCPU_MSR_W (1u << 1)

/* ctrl (reply with BH_MTD_CTRL): exits the VMM asks for. */
#define BH_VMCTRL_INTR_WINDOW (1u << 0)  /* exit once the guest can take an interrupt */
#define BH_VMCTRL_NMI_WINDOW (1u << 1)   /* exit once it can take an NMI */
#define BH_VMCTRL_PREEMPT (1u << 2)      /* exit after preempt_timer TSC ticks of guest time */
#define BH_VMCTRL_HV_LEAF (1u << 3)      /* hv answers CPUID leaf BH_CPUID_HV_LEAF itself,
                                            without an exit to the VMM */
/* The leaf hv can answer in the kernel (the reference path of the exit
   benchmark): eax = 0, ebx ecx edx = "BulkheadHV\0\0". */
#define BH_CPUID_HV_LEAF 0x40000100u

struct bh_vmseg {
    uint16_t sel, ar;        /* ar: the VMX access-rights format */
    uint32_t limit;
    uint64_t base;
};
struct bh_vmstate {
    uint64_t mtd;
    uint64_t reason, qual, gpa, gla, insn_len, insn_info;
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4, dr7, efer, pat;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    struct bh_vmseg es, cs, ss, ds, fs, gs, ldtr, tr, gdtr, idtr;
    uint64_t intr_state, actv_state;
    uint64_t exit_intr_info, exit_intr_error, idt_vec_info, idt_vec_error;
    uint64_t inj_info, inj_error;
    uint64_t ctrl, preempt_timer;
    uint64_t tsc, tsc_offset;
    uint64_t dr[4], dr6;     /* with dr7 (BH_MTD_DR): the guest's own, loaded while it runs */
    uint64_t xcr0, xcr0_ok;  /* BH_MTD_XCR0 */
};
_Static_assert(sizeof(struct bh_vmseg) == 16, "vmseg layout");
_Static_assert(sizeof(struct bh_vmstate) == 54 * 8 + 10 * 16, "vmstate layout");
_Static_assert(sizeof(struct bh_vmstate) <= BH_UTCB_WORDS * 8, "vmstate fits the UTCB");

/*
 * Devices and DMA spaces (VT-d). A DEV capability names one PCI function;
 * with CTRL it assigns the device to a PD's DMA space, where the device's
 * DMA addresses (IOVAs) are translated. A device assigned to nobody is
 * blocked, and every blocked or untranslatable access is a fault reported
 * to the device's fault semaphore. Memory enters a DMA space only through
 * BH_SYS_MAP with BH_MAP_DMA, from pages that carry BH_M_DMA.
 */
#define BH_SBDF(seg, bus, dev, fn) \
    ((uint32_t)(seg) << 16 | (uint32_t)((bus) & 0xff) << 8 | ((dev) & 31u) << 3 | ((fn) & 7u))
#define BH_M_DMA (1u << 5)       /* MAP right: the page may enter a DMA space */
#define BH_MAP_DMA (1u << 6)     /* MAP: dst VA is an IOVA in dst PD's DMA space */
/* BH_SYS_DEV_CTRL operations. */
#define BH_DEV_INFO 0u           /* rdx = sbdf, r10 = vendor | device << 16 | class << 32,
                                    r8 = BH_DEV_F_* | IOVA width in bits << 8 */
#define BH_DEV_ASSIGN 1u         /* rdx = PD: the device's DMA goes through its DMA space */
#define BH_DEV_UNASSIGN 2u       /* blocked again */
#define BH_DEV_FAULT_BIND 3u     /* rdx = SM (UP), upped on each DMA fault; BH_SEL_NONE unbinds */
#define BH_DEV_FAULT_READ 4u     /* rdx = IOVA of the first unread fault, r10 = reason
                                    | BH_DEV_FAULT_WRITE | source id << 16, r8 = faults
                                    since the last read; BH_ENOENT if none */
#define BH_DEV_F_IOMMU (1u << 0)     /* a remapping unit translates its DMA */
#define BH_DEV_F_ASSIGNED (1u << 1)  /* assigned to a DMA space */
#define BH_DEV_FAULT_WRITE (1u << 8) /* the faulting access was a write */
/* Interrupt remapping (VT-d): an assigned device's MSI vector or MSI-X
   entry, bound to a semaphore through an IRTE that accepts only that
   device. r8 names the entry: its number | BH_DEV_MSIX for MSI-X. */
#define BH_DEV_MSI_BIND 5u       /* rdx = SM (UP), r10 = CPU, r8 = entry; returns rdx =
                                    MSI address, r10 = MSI data, r8 = IRTE index */
#define BH_DEV_MSI_UNMASK 6u     /* r8 = entry: acknowledge, deliver the next one */
#define BH_DEV_MSI_UNBIND 7u     /* r8 = entry: the IRTE goes, the message is blocked */
#define BH_DEV_MSIX (1u << 16)       /* entry: an MSI-X table entry (else an MSI vector) */
#define BH_DEV_F_IR (1u << 2)        /* INFO: its unit remaps interrupts */
#define BH_DEV_FAULT_IR 0x20u        /* FAULT_READ reasons from here on are interrupt
                                        faults: rdx is the interrupt index */
/* Device memory: the DEV capability (CTRL) is the authority over its
   function's memory. MAP puts pages of one region of the device into the
   caller's own PD at rdx (a VA): r10 = region | BH_M_R / BH_M_W << 8,
   r8 = first page within the region, r9 = pages (1..BH_MAP_MAX). The
   pages are uncached, never executable and never DMA-mappable (they carry
   no BH_M_DMA); BH_SYS_MAP shares them like any page (they stay device
   memory) and BH_SYS_UNMAP or the PD's death takes them back. hv reads
   the BAR from configuration space at the call and refuses I/O BARs
   (BH_ENOTSUP), absent or unassigned ones and the upper half of a 64-bit
   BAR (BH_ENOENT), BARs smaller than a page or not page-aligned
   (BH_ENOTSUP), a range beyond the region or a BAR beyond 2^52
   (BH_ERANGE), and any BAR that
   overlaps RAM or firmware-described memory, the local APIC, the
   interrupt address range, an I/O APIC, a remapping unit or an ECAM
   window (BH_EBUSY). Returns rdx = pages mapped (all of them on BH_OK;
   on an error, how many were mapped before it), r10 = the region's size
   in bytes. */
#define BH_DEV_MAP 8u
#define BH_DEV_REGION_CFG 6u     /* region: the function's own 4 KiB ECAM
                                    configuration page, read-only (W: BH_ERIGHTS)
                                    unless the caller holds ports 0xcf8-0xcff */
#define BH_DEV_REGION(r, rights) ((uint64_t)(r) | (uint64_t)(rights) << 8)
#endif
