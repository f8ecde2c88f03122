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

/*
 * System calls. Entered with SYSCALL: rax = number, arguments in rdi,
 * rsi, rdx, r10, r8, r9; the status comes back in rax, results in the
 * registers each call names. rcx and r11 are clobbered by the instruction.
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
                               r10 = badge */
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
    BH_SYS_COUNT
};

#define BH_EC_LOCAL (1u << 0)    /* server EC: runs only on portal calls, no SC */
/* CREATE_PD: the highest priority any SC charged to the new PD may have
   (at most the parent's). The root PD's ceiling is BH_PRIO_MAX. */
#define BH_PD_CEILING(p) (((uint64_t)(p) & 0xff) << 32 | 1ull << 40)
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

#endif
