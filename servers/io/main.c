/* io: a driver-shaped server. It reads the I/O port the root asks for;
   the configuration grants it port 0x80 only, so any other port (or 0x80
   after the root revoked it) raises #GP in this PD. It also takes
   interrupts from a line the root granted it (SRV_IO_IRQ, io.h). */
#include <bh/srv.h>
#include <stdbool.h>
#include "io.h"

int main(const char *args, unsigned long arg2);

static void irq_ctrl(struct bh_msg *m)
{
    static bool have_sm;
    uint64_t irq = m->w[1], n = m->w[2], got = 0;
    enum bh_status made = BH_OK;
    if (!have_sm)
        have_sm = (made = bh_create_sm(IO_IRQ_SM_SEL, SRV_SELF_PD_SEL, 0)) == BH_OK;
    enum bh_status bind = BH_EINVAL, last = BH_EINVAL;
    if (made == BH_OK)
        bind = (enum bh_status)bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_BIND, IO_IRQ_SM_SEL, 0, 0, 0);
    if (bind == BH_OK) {
        for (uint64_t i = 0; i < n; i++) {    /* each one acknowledged by the unmask */
            bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_UNMASK, 0, 0, 0, 0);
            if (bh_sm_down(IO_IRQ_SM_SEL, 200000) == BH_OK)
                got++;
        }
        /* An edge that reached the CPU between an interrupt and the
           kernel's masking of the line (an emulated CPU may stall for
           longer than a PIT period) is one more up: count those until
           5 ms pass quietly. A line that is not masked on firing never
           goes quiet, and then the 20 ms wait sees it. */
        uint64_t late = 0;
        while (late < 5 && bh_sm_down(IO_IRQ_SM_SEL, 5000) == BH_OK)
            late++;
        last = bh_sm_down(IO_IRQ_SM_SEL, 20000);
        bh_syscall6(BH_SYS_IRQ_CTRL, irq, BH_IRQ_MASK, 0, 0, 0, 0);
        got |= late << 32;
    }
    m->w[0] = made, m->w[1] = bind, m->w[2] = got, m->w[3] = last;
}

static void serve(struct bh_msg *m, uint64_t badge)
{
    (void)badge;
    if (m->w[0] == SRV_PING) {
        m->w[1] += 1;
        m->w[0] = BH_OK;
        return;
    }
    if (m->w[0] == SRV_IO_IRQ) {
        irq_ctrl(m);
        return;
    }
    if (m->w[0] != SRV_IO_IN) {
        m->w[0] = BH_EINVAL;
        return;
    }
    uint8_t v;
    uint16_t port = (uint16_t)m->w[1];
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    m->w[1] = v;
    m->w[0] = BH_OK;
}

int main(const char *args, unsigned long arg2)
{
    (void)args, (void)arg2;
    if (svc_serve(serve) != BH_OK)
        return 1;
    svc_park();
}
