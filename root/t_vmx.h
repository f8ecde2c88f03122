/* Private to the root task's VT-x tests: what the tests (t_vmx.c) share
   with the tiny VMM that runs their guests (t_vmx_vmm.c). */
#ifndef ROOT_T_VMX_H
#define ROOT_T_VMX_H
#include "rt.h"
#include <stddef.h>

#define HOLE 0x9000ull            /* mapped only when the guest touches it */
#define GUEST_VA 0x7e0000000000ull   /* the root's view of the guest page */
#define HOLE_VA 0x7e0000001000ull   /* and of the page that fills the hole */
#define MAX_LOG 24
#define EXIT_CPUID 10u
#define EXIT_HLT 12u
#define EXIT_VMCALL 18u
#define EXIT_IO 30u
#define EXIT_EPT 48u
#define EXIT_TRIPLE 2u
#define EXIT_BAD_GUEST 33u
#define EXIT_INTR_WINDOW 7u
#define EXIT_PREEMPT 52u
#define EXIT_CR 28u
#define EXIT_DR 29u
#define EXIT_XSETBV 55u
#define LARGE_VA 0x7e0000200000ull  /* the root's 2 MiB block */
#define LARGE_GPA 0x200000ull       /* where the guest sees it */
#define LARGE_MAP (BH_M_R | BH_MAP_GUEST | BH_MAP_2M)
#define LARGE_SIZE 0x200000ull
#define HUGE_VA 0x7e0040000000ull   /* the root's 1 GiB block */
#define HUGE_GPA 0x40000000ull      /* where the guest sees it */
#define HUGE_SIZE 0x40000000ull
#define HUGE_MAP (BH_M_R | BH_MAP_GUEST | BH_MAP_1G)
#define HUGE_FRESH (BH_M_R | BH_M_W | BH_MAP_FRESH | BH_MAP_1G)

enum mode {
    M_PLAIN, M_INJECT, M_SPIN, M_SSE, M_BADINJ, M_REVOKE, M_LSTAR, M_LSTAR_EXIT, M_DR, M_AVX,
    M_AVX_PEEK, M_LARGE, M_HUGE
};

struct exit_rec { uint64_t reason, mtd, a, b; };

/* The guest run in progress: the tests set the mode, the handler logs
   each exit. */
struct vmx_run {
    uint64_t vm, done_sm;
    bool bad_start;              /* start-up reply with a state the CPU refuses */
    enum mode mode;
    unsigned n;
    struct exit_rec log[MAX_LOG];
};
extern struct vmx_run vrun;
extern enum bh_status large_st[10];   /* the 2 MiB requests (test_large) */
extern enum bh_status huge_st[10];    /* the 1 GiB requests (test_huge) */

/* The handler and its portals at base + reason (one portal per exit the
   guests make; the rest of the 128 stay empty). */
extern uint64_t exit_base, exit_base1, handler_ec;
/* The vCPU of the last run_on. */
extern uint64_t last_vcpu;

/* Starts the exit handlers: a local EC with its portals (exit_base) on
   CPU 0 and, with two CPUs, another (exit_base1) on CPU 1. Returns BH_OK,
   or BH_EINVAL if any EC or portal could not be made. */
enum bh_status vmm_start(void);

/* A VM with the guest code (len bytes) at 0x7c00 and a vCPU on cpu whose
   exits call portals, run until the handler ends it (vrun.mode says how
   the handler answers). Reports the set-up and the end as TAP; returns
   true if the guest ran and its VM ended. */
bool run_on(unsigned cpu, const uint8_t *code, size_t len, uint64_t portals, const char *what);
#endif
