/* quota: started with a tiny memory quota and CTRL on its own PD; creates
   semaphores until the kernel refuses, and reports how many it made and
   the status that stopped it (BH_ENOMEM expected). */
#include <bh/srv.h>

int main(const char *args, unsigned long arg2);

int main(const char *args, unsigned long arg2)
{
    (void)args, (void)arg2;
    if (svc_serve(NULL) != BH_OK)
        return 1;
    enum bh_status s = BH_OK;
    uint64_t n = 0;
    while (n < 1000 && (s = bh_create_sm(100 + n, SRV_SELF_PD_SEL, 0)) == BH_OK)
        n++;
    svc_report(n, s);
    return 0;
}
