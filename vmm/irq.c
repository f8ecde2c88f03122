/* Interrupts into the guest, and time. After every exit the pump moves
   due timer events into the interrupt controllers, injects the interrupt
   the guest should take next if it can take one now (else asks for an
   interrupt window), and arms the VMX preemption timer for the next
   deadline, so a running guest exits when a timer is due. HLT blocks the
   handler, on the vCPU's lent SC, in a semaphore down that times out at
   the next deadline.

   Most exits change nothing the pump looks at. A full pump that leaves
   no vector pending makes the state quiet: until its deadline passes or
   a device model that can raise or mask an interrupt is written
   (irq_touch), the next full pump would find exactly the same, so the
   pump only restates the preemption timer, if one is armed, and names
   BH_MTD_CTRL in the reply only when the controls differ from the ones
   the kernel holds (it keeps them between replies; vmstate.c). */
#include "vmm.h"
#include <bh/io.h>

#define HALT_IDLE_LIMIT_S 60u          /* a HLT that nothing can ever wake ends the VM */
#define MTD_CAN_TAKE (BH_MTD_RFLAGS | BH_MTD_STATE | BH_MTD_INJ)

/* What the last full pump found, and the controls the kernel holds. */
static struct {
    bool quiet;                        /* no vector pending, no window asked for */
    uint64_t deadline;                 /* its next deadline (TSC), 0: none */
    uint64_t ctrl;                     /* BH_VMCTRL_* as last written */
} pump;

uint64_t now_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* Timer events up to now into the controllers. */
static void tick(uint64_t now)
{
    if (pt_pending())
        pt_poll();                     /* messages of a passed-through device */
    lapic_tick(&vm.lapic, now);
    if (pit_irq_due(&vm.pit, now))
        pic_raise(&vm.pic, 0);
}

/* The vector the guest takes next, or -1: the local APIC's, else the
   8259's through LINT0 (ExtINT). */
static int next_vector(void)
{
    int v = lapic_pending(&vm.lapic);
    if (v < 0 && lapic_extint_open(&vm.lapic))
        v = pic_pending(&vm.pic);
    return v;
}

static int take_vector(void)
{
    if (lapic_pending(&vm.lapic) >= 0)
        return lapic_ack(&vm.lapic);
    return pic_ack(&vm.pic);
}

/* The next TSC at which a timer can raise an interrupt, or 0. The PIT
   counts only while its line could reach the guest and no request is
   already waiting (edges coalesce), so a masked fast PIT costs nothing. */
static uint64_t next_deadline(void)
{
    uint64_t d = lapic_deadline(&vm.lapic);
    if (vm.pit.next_edge && pic_unmasked(&vm.pic, 0) && !(vm.pic.chip[0].irr & 1) &&
        lapic_extint_open(&vm.lapic) && (!d || vm.pit.next_edge < d))
        d = vm.pit.next_edge;
    return d;
}

/* Whether an interrupt can go in with this reply. A portal that does not
   carry the state to decide (lean exits: CPUID, VMCALL, port I/O, MSRs)
   answers no: the pump asks for an interrupt window instead, and the
   window exit, which carries it, injects. */
static bool can_take(const struct bh_vmstate *s, const struct vexit *x)
{
    return (s->mtd & MTD_CAN_TAKE) == MTD_CAN_TAKE && !x->injecting &&
           !(s->idt_vec_info & INJ_VALID) && (s->rflags & RFLAGS_IF) && !(s->intr_state & 3) &&
           s->actv_state == 0;
}

void irq_sync(void)
{
    tick(now_tsc());
}

void irq_touch(void)
{
    if (!vm.irq_touched) {
        vm.irq_touched = true;
        irq_sync();
    }
}

/* The controls into the reply: the preemption timer whenever it is armed
   (it counts guest time only, so it is restated from the absolute
   deadline on every exit), everything else only when it changed. */
static void arm(struct vexit *x, uint64_t ctrl, uint64_t now)
{
    struct bh_vmstate *s = x->s;
    if (!(ctrl & BH_VMCTRL_PREEMPT) && ctrl == pump.ctrl)
        return;
    s->ctrl = ctrl;
    if (ctrl & BH_VMCTRL_PREEMPT)
        s->preempt_timer = pump.deadline > now ? pump.deadline - now : 1;
    pump.ctrl = ctrl;
    x->out |= BH_MTD_CTRL;
}

/* irq_pump past its commonest case, which costs only a test there. */
static void __attribute__((noinline)) pump_work(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    uint64_t now = now_tsc();
    if (x->reason == EXIT_PREEMPT)
        pump.ctrl &= ~(uint64_t)BH_VMCTRL_PREEMPT;   /* the kernel disarmed it (one-shot) */
    if (pump.quiet && !vm.irq_touched && now < pump.deadline) {
        arm(x, pump.ctrl, now);
        return;
    }
    vm.irq_touched = false;
    tick(now);
    uint64_t ctrl = vm.args.hv_leaf ? BH_VMCTRL_HV_LEAF : 0;
    if (next_vector() >= 0) {
        if (can_take(s, x)) {
            s->inj_info = INJ_VALID | INJ_EXT_INT | (uint32_t)take_vector();
            s->inj_error = 0;
            x->out |= BH_MTD_INJ;
            vm.injected_irqs++;
        } else {
            ctrl |= BH_VMCTRL_INTR_WINDOW;
        }
    }
    pump.quiet = !(ctrl & BH_VMCTRL_INTR_WINDOW) && next_vector() < 0;
    pump.deadline = next_deadline();
    if (pump.deadline)
        ctrl |= BH_VMCTRL_PREEMPT;
    arm(x, ctrl, now);
}

void irq_pump(struct vexit *x)
{
    if (pt_pending())
        vm.irq_touched = true;
    if (pump.quiet && !vm.irq_touched && !pump.deadline)
        return;                        /* nothing armed, nothing changed: the commonest case */
    pump_work(x);
}

/* HLT: with interrupts off it is the guest's way to say it is done
   (guests/README.md); otherwise the vCPU sleeps until an interrupt is
   due. RIP moves past the HLT and the STI shadow, which ends with it, is
   dropped, so the pump can inject at once. */
void ex_hlt(struct vexit *x)
{
    struct bh_vmstate *s = x->s;
    vm.halts++;
    vm.irq_touched = true;             /* it moves time into the controllers itself */
    if (!(s->rflags & RFLAGS_IF)) {
        vm_stop(x, "the guest halted with interrupts disabled (rip 0x%lx)", s->rip);
        return;
    }
    skip_insn(x);
    s->intr_state &= ~3ull;
    x->out |= BH_MTD_STATE;
    uint64_t idle_us = 0;
    for (;;) {
        uint64_t now = now_tsc();
        tick(now);
        if (next_vector() >= 0)
            return;
        uint64_t d = next_deadline(), us = 1000000;
        if (d)
            us = d > now ? (d - now) * 1000 / vm.tsc_khz + 1 : 1;
        else if ((idle_us += us) > HALT_IDLE_LIMIT_S * 1000000ull) {
            vm_stop(x, "the guest halted with nothing left to wake it for %u s", HALT_IDLE_LIMIT_S);
            return;
        }
        vm.halt_waits++;
        bh_sm_down(SEL_WAKE, us);
    }
}
