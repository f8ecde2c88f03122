/* Interrupt objects; see irq.h. */
#include "irq.h"
#include "dev.h"
#include "pd.h"
#include "sm.h"
#include "ioapic.h"
#include "percpu.h"
#include "smp.h"
#include <string.h>

static struct irq *by_gsi[IRQ_MAX_GSI];
static volatile uint64_t pending[(IRQ_MAX_GSI + 63) / 64];

enum bh_status irq_setup_root(struct pd *root)
{
    for (unsigned g = 0; g < ioapic_gsis(); g++) {
        struct irq *irq;
        enum bh_status s = kobj_new(root, BH_OBJ_IRQ, (void **)&irq);
        if (s != BH_OK)
            return s;
        irq->gsi = g;
        by_gsi[g] = irq;
        if ((s = cap_install(&root->caps, BH_SEL_IRQ_BASE + g, irq, BH_OBJ_IRQ, BH_R_ALL)) != BH_OK)
            return s;
    }
    return BH_OK;
}

enum bh_status irq_ctrl(struct irq *irq, uint64_t op, struct sm *sm, uint64_t cpu)
{
    switch (op) {
    case BH_IRQ_BIND:
        if (cpu >= smp_online())
            return BH_ERANGE;
        ioapic_mask(irq->gsi, true);
        if (!ioapic_route(irq->gsi, cpus[cpu].apic_id))
            return BH_ENOTSUP;
        if (irq->sm)
            kobj_put(&irq->sm->obj);
        kobj_get(&sm->obj);
        irq->sm = sm;
        irq->cpu = (uint32_t)cpu;
        return BH_OK;
    case BH_IRQ_UNMASK:
        if (!irq->sm)
            return BH_EINVAL;          /* nowhere to deliver it */
        ioapic_mask(irq->gsi, false);
        return BH_OK;
    case BH_IRQ_MASK:
        ioapic_mask(irq->gsi, true);
        return BH_OK;
    default:
        return BH_EINVAL;
    }
}

void irq_destroy(struct irq *irq)
{
    ioapic_mask(irq->gsi, true);
    if (by_gsi[irq->gsi] == irq)
        by_gsi[irq->gsi] = NULL;
    if (irq->sm)
        kobj_put(&irq->sm->obj);
    quota_free(irq->obj.quota, irq, 1);
}

void irq_release_pd(struct pd *pd)
{
    for (unsigned g = 0; g < IRQ_MAX_GSI; g++) {
        struct irq *irq = by_gsi[g];
        if (!irq || !irq->sm || irq->sm->obj.quota != pd)
            continue;
        ioapic_mask(g, true);
        kobj_put(&irq->sm->obj);
        irq->sm = NULL;
    }
}

void irq_fire(unsigned gsi)
{
    if (gsi >= IRQ_MAX_GSI)
        return;
    ioapic_mask(gsi, true);
    __atomic_fetch_or(&pending[gsi / 64], 1ull << (gsi % 64), __ATOMIC_RELEASE);
}

void irq_deliver(void)
{
    for (unsigned w = 0; w < sizeof pending / sizeof pending[0]; w++) {
        uint64_t bits = __atomic_exchange_n(&pending[w], 0, __ATOMIC_ACQUIRE);
        while (bits) {
            unsigned g = w * 64 + (unsigned)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (by_gsi[g] && by_gsi[g]->sm)
                sm_up(by_gsi[g]->sm);
        }
    }
    dev_msi_deliver();               /* remapped MSIs (VT-d) likewise */
}
