/*
 * mem: memory tests driven by the root task (args mode=...).
 *   mode=fault   reads MEM_FAULT_VA, which is not mapped: the root's fault
 *                handler maps a page there and resumes it; reports the
 *                value it read, then exits.
 *   mode=revoke  reads the page the root shared at MEM_SHARE_VA, reports
 *                the value, then keeps reading it until the root unmaps
 *                it (the fault goes to the root's handler, which ends it).
 */
#include <bh/srv.h>
#include <bh/libc.h>

int main(const char *args, unsigned long arg2);

static volatile uint64_t reads;

int main(const char *args, unsigned long arg2)
{
    (void)arg2;
    if (svc_serve(NULL) != BH_OK)
        return 1;
    if (strstr(args, "mode=fault")) {
        uint64_t v = *(volatile uint64_t *)MEM_FAULT_VA;
        svc_report(v, MEM_FAULT_VA);
        return 0;
    }
    if (strstr(args, "mode=revoke")) {
        volatile uint64_t *p = (volatile uint64_t *)MEM_SHARE_VA;
        svc_report(*p, 0);
        for (;;)
            if (*p != 0)
                reads++;
    }
    return 2;
}
