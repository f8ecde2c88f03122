/* echo: serves the portal the root task gives it. PING answers x + 1;
   SM_TEST tries both operations on its semaphore capability, which the
   configuration grants with UP only, and reports both statuses. */
#include <bh/srv.h>

int main(const char *args, unsigned long arg2);

static void serve(struct bh_msg *m, uint64_t badge)
{
    switch (m->w[0]) {
    case SRV_PING:
        m->w[1] += 1;
        m->w[2] = badge;
        m->w[0] = BH_OK;
        break;
    case SRV_SM_TEST:
        m->w[1] = bh_sm_down(SRV_ECHO_SM_SEL, 1000);
        m->w[2] = bh_sm_up(SRV_ECHO_SM_SEL);
        m->w[0] = BH_OK;
        break;
    default:
        m->w[0] = BH_EINVAL;
    }
}

int main(const char *args, unsigned long arg2)
{
    (void)args, (void)arg2;
    if (svc_serve(serve) != BH_OK)
        return 1;
    svc_park();
}
