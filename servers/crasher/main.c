/* crasher: serves a portal; on SRV_CRASH it writes to address 0, which
   kills it (the root task restarts it). */
#include <bh/srv.h>

int main(const char *args, unsigned long arg2);

static volatile uintptr_t null_page;

static void serve(struct bh_msg *m, uint64_t badge)
{
    switch (m->w[0]) {
    case SRV_PING:
        m->w[1] += 1;
        m->w[2] = badge;
        m->w[0] = BH_OK;
        break;
    case SRV_CRASH:
        *(volatile uint64_t *)null_page = 1;
        m->w[0] = BH_EINVAL;            /* not reached */
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
