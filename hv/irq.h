/* Interrupt objects: one per I/O APIC GSI, bound by a driver to one of
   its semaphores. The line is masked when it fires and the SM is upped;
   the driver unmasks it (BH_IRQ_UNMASK) once it has handled the device. */
#ifndef HV_IRQ_H
#define HV_IRQ_H
#include "obj.h"
struct sm;
struct irq {
    struct kobj obj;
    uint32_t gsi;
    uint32_t cpu;
    struct sm *sm;          /* bound semaphore (a reference), or NULL */
};
/* Creates the IRQ objects for every routable GSI and installs their
   capabilities in the root PD at BH_SEL_IRQ_BASE + gsi. */
enum bh_status irq_setup_root(struct pd *root);
/* BH_SYS_IRQ_CTRL after the capability check. */
enum bh_status irq_ctrl(struct irq *irq, uint64_t op, struct sm *sm, uint64_t cpu);
void irq_destroy(struct irq *irq);
/* A PD dies: lines bound to its semaphores are masked and unbound, so no
   interrupt reaches it and no binding outlives the PD its semaphore is
   charged to. Bounded: one pass over the GSIs. */
void irq_release_pd(struct pd *pd);
/* Interrupt context (no lock): mask the line, remember it. */
void irq_fire(unsigned gsi);
/* Under the kernel lock: up the SMs of lines that fired, and of remapped
   MSIs that arrived (dev_msi_deliver). */
void irq_deliver(void);
#endif
