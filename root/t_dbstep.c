/* A debug exception of the root's own (t_vmx.c's kept-debug-register
   check): a thread on CPU 0 single-steps a few instructions, each #DB a
   fault call to a portal of the root's at BH_SEL_FAULT_PT, answered with
   BH_FAULT_RESUME. The portal exists only between dbstep_setup and
   dbstep_teardown; any other fault there ends the EC as before. */
#include "rt.h"

#define STEP_PRIO 50                   /* above the vCPUs' SCs (10) */

static uint64_t go, done, stepper_sc, fault_ec, scratch;
static volatile unsigned dbs;

/* The fault portal's handler, a local EC on CPU 0: counts the #DBs,
   resumes them, ends anything else. */
static void __attribute__((noreturn)) on_fault(uint64_t badge, uint64_t vector)
{
    struct bh_msg m = { 0, { vector } };
    for (;;) {
        dbs += m.w[0] == 1;
        m.mi = 1;
        m.w[0] = m.w[0] == 1 ? BH_FAULT_RESUME : BH_FAULT_KILL;
        if (bh_reply_wait(&m, &badge) != BH_OK)
            bh_exit(97);
    }
}

/* TF on for four instructions: the trap comes after the one after the
   POPF that sets it, and after each one up to the POPF that clears it
   (Intel SDM Vol. 3B, 18.3.1.4). Below the red zone. */
static void __attribute__((noreturn)) stepper(void)
{
    for (;;) {
        bh_sm_down(go, 0);
        __asm__ volatile("sub $128, %%rsp\n\t"
                         "pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
                         "nop\n\t"
                         "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq\n\t"
                         "add $128, %%rsp" ::: "memory", "cc");
        bh_sm_up(done);
    }
}

bool dbstep_setup(void)
{
    go = rt_sel(), done = rt_sel(), stepper_sc = rt_sel(), fault_ec = rt_sel(), scratch = rt_sel();
    dbs = 0;
    return bh_create_sm(go, SEL_PD, 0) == BH_OK && bh_create_sm(done, SEL_PD, 0) == BH_OK &&
           bh_create_ec(fault_ec, SEL_PD, CPU0, BH_EC_LOCAL, rt_utcb(), (uint64_t)on_fault,
                        rt_stack() - 8) == BH_OK &&
           bh_create_pt(BH_SEL_FAULT_PT, SEL_PD, fault_ec, 0) == BH_OK &&
           bh_create_ec(scratch, SEL_PD, CPU0, 0, rt_utcb(), (uint64_t)stepper,
                        rt_stack() - 8) == BH_OK &&
           bh_create_sc(stepper_sc, SEL_PD, scratch, STEP_PRIO, 10000, 10000) == BH_OK;
}

void dbstep_run(void)
{
    bh_sm_up(go);                      /* it runs at once, above the caller */
    bh_sm_down(done, 1000000);
}

unsigned dbstep_count(void) { return dbs; }

void dbstep_teardown(void)
{
    bh_revoke(stepper_sc, BH_REVOKE_SELF);
    bh_revoke(scratch, BH_REVOKE_SELF);
    bh_revoke(BH_SEL_FAULT_PT, BH_REVOKE_SELF);
    bh_revoke(fault_ec, BH_REVOKE_SELF);
    bh_revoke(go, BH_REVOKE_SELF);
    bh_revoke(done, BH_REVOKE_SELF);
}
