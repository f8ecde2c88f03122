/* Execution context: a thread with its register frame and UTCB. */
#ifndef HV_EC_H
#define HV_EC_H
#include "obj.h"
#include "trap.h"
#include "fpu.h"
#include <stddef.h>
#include <bulkhead/abi.h>

struct ksc;
struct pd;
struct cap;
struct vcpu;

/* A FIFO of blocked ECs (portal callers, semaphore waiters), linked
   through ec->wait_next. When its object dies (a semaphore destroyed, a
   handler ended) the queue joins the kernel's list of dead queues, whose
   ECs get BH_EABORT in bounded steps (ecq_abort_step); owner is then the
   dead object, kept alive by a reference until the queue is empty. */
struct ecq {
    struct ec *head, *tail;
    struct kobj *owner;         /* set once the queue's object is dead */
    struct ecq *dead_next;      /* in the list of dead queues */
};

enum ec_state {
    EC_READY,        /* runnable (or running) */
    EC_WAIT_CALL,    /* local EC waiting for a portal call */
    EC_WAIT_REPLY,   /* caller waiting for the handler's reply */
    EC_WAIT_QUEUED,  /* caller queued on a busy handler */
    EC_WAIT_SM,      /* blocked in a semaphore down */
    EC_DEAD,
};

struct ec {
    struct kobj obj;            /* first, like every kernel object */
    /* User state; TSS.RSP0 points just past it. The CPU aligns RSP down
       to 16 bytes before pushing an interrupt frame in 64-bit mode (Intel
       SDM Vol. 3A, 6.14.2), so the frame must end 16-byte aligned. */
    struct trapframe regs __attribute__((aligned(16)));
    struct pd *pd;
    struct cap *slots;          /* pd's capability slots and their number, */
    uint64_t nslots;            /* fixed for its life: the fast path's lookup */
    uint64_t cr3;               /* pd->cr3, likewise: the fast path's switch */
    struct bh_utcb *utcb;       /* kernel alias of the UTCB page */
    uint64_t utcb_pa;
    uint64_t fs_base, gs_base;  /* the user's FS and GS bases */
    /* cpu to key_zero: the first word of the EC's key, which the
       assembler fast path compares with one value (ec_key). */
    uint32_t cpu;
    uint8_t state;
    bool faulting;              /* the pending call is a fault message */
    bool key_vcpu;              /* a vCPU's EC (vcpu set) */
    uint8_t key_zero;           /* always 0 */
    bool local;                 /* runs only on portal calls */
    struct ksc *sc;             /* own SC (global ECs) */
    struct ksc *donor;          /* SC lent to this EC by its caller */
    struct ec *caller;          /* whom to reply to */
    struct ksc *wait_sc;        /* the SC that was running us when we blocked */
    struct ec *wait_next, *wait_prev;   /* links in a portal or semaphore queue */
    struct ecq callers;         /* callers queued on this handler */
    struct ec *queued_on;       /* the handler we are queued on */
    struct sm *wait_sm;
    uint64_t timeout_at;        /* TSC deadline of a timed wait, 0 = none */
    uint32_t timed_idx;         /* its place in its CPU's timeout heap */
    uint64_t badge;             /* badge of the portal of the pending call */
    uint64_t exit_code;
    struct ec *pd_next, *pd_prev;       /* the PD's list of ECs */
    uint64_t fault[4];          /* vector, error, address, rip */
    struct vcpu *vcpu;          /* set for a vCPU: runs a guest, not user code */
    uint8_t fpu[FPU_AREA] __attribute__((aligned(64)));   /* FXSAVE/XSAVE area */
};
_Static_assert(sizeof(struct ec) <= 4096, "an EC is one page");

_Static_assert(offsetof(struct ec, regs) % 16 == 0, "EC frame start 16-byte aligned");
_Static_assert(offsetof(struct ec, cpu) % 8 == 0 && offsetof(struct ec, state) == offsetof(struct ec, cpu) + 4 &&
                   offsetof(struct ec, faulting) == offsetof(struct ec, cpu) + 5 &&
                   offsetof(struct ec, key_vcpu) == offsetof(struct ec, cpu) + 6 &&
                   offsetof(struct ec, key_zero) == offsetof(struct ec, cpu) + 7,
               "an EC's key is one aligned word");

/* The key of an EC on cpu in state s with no fault pending that is no
   vCPU's: what the word at &ec->cpu holds then. */
static inline uint64_t ec_key(unsigned cpu, enum ec_state s)
{
    return cpu | (uint64_t)s << 32;
}

/* Whether ec is ready on cpu (its key's CPU and state bytes; a fault may
   be pending): one load, one XOR, one shift. */
static inline bool ec_ready_on(const struct ec *ec, uint64_t cpu)
{
    uint64_t k;
    __builtin_memcpy(&k, &ec->cpu, sizeof k);
    return ((k ^ ec_key((unsigned)cpu, EC_READY)) << 24) == 0;   /* drops faulting, key_vcpu, key_zero */
}
_Static_assert(sizeof(struct trapframe) % 16 == 0, "EC frame end 16-byte aligned");

enum bh_status ec_create(struct pd *pd, uint32_t cpu, bool local, uint64_t utcb_va,
                         uint64_t rip, uint64_t rsp, struct ec **out);
/* An EC with no user side (a vCPU's), ready to run once it has an SC. */
enum bh_status ec_create_bare(struct pd *pd, uint32_t cpu, struct ec **out);
/* Destroys ec (its last reference went); false if it lives on until its
   dead callers' queue is empty (the queue's reference destroys it). */
bool ec_destroy(struct ec *ec);
/* Frees destroyed ECs (and vCPU VMCSs) that no CPU uses any more; after
   a CPU switched. Inline: it runs on every EC switch and rarely has work. */
void ec_reap_now(void);
static inline __attribute__((always_inline)) void ec_reap(void)
{
    if (reap_wait.ec | reap_wait.vcpu)
        ec_reap_now();
}
/* Queue operations, all O(1) (doubly linked). */
void ecq_push(struct ecq *q, struct ec *ec);
struct ec *ecq_pop(struct ecq *q);
void ecq_remove(struct ecq *q, struct ec *ec);
/* Takes a blocked ec out of the semaphore or caller queue it waits in
   (timeout, kill); returns whether that queue's object is dead
   (the wait then ends with BH_EABORT, not BH_ETIMEOUT). O(1). */
bool ec_dequeue(struct ec *ec);
/* owner died with ECs queued on q: queues q for the abort steps, with a
   reference to owner (which may be at 0 references, in its destructor:
   it then lives on). Returns false, doing nothing, if q is empty. O(1). */
bool ecq_abort(struct ecq *q, struct kobj *owner);
/* Wakes ECs of dead queues with BH_EABORT, at most *budget (each wake-up
   or finished queue costs one unit); a finished queue drops its owner's
   reference. Returns true once no dead queue is left. */
bool ecq_abort_step(unsigned *budget);
/* Whether dead queues wait for ecq_abort_step (a load). */
extern struct ecq *ecq_dead_head;
/* Makes a blocked ec runnable again with status st, on the SC that was
   running it when it blocked (cancelling any timeout). */
void ec_wake(struct ec *ec, enum bh_status st);
/* Ends ec (exit, fault, kill): the caller it serves gets BH_EABORT at
   once, the callers queued on it get it through the abort steps. O(1). */
void ec_kill(struct ec *ec, uint64_t code);
/* Frame end for TSS.RSP0 / SYSCALL. */
static inline uint64_t ec_frame_end(struct ec *ec) { return (uint64_t)(&ec->regs + 1); }
#endif
