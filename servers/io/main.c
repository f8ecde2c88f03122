/* io: a driver-shaped server. It reads the I/O port the root asks for;
   the configuration grants it port 0x80 only, so any other port (or 0x80
   after the root revoked it) raises #GP in this PD. */
#include <bh/srv.h>

int main(const char *args, unsigned long arg2);

static void serve(struct bh_msg *m, uint64_t badge)
{
    (void)badge;
    if (m->w[0] == SRV_PING) {
        m->w[1] += 1;
        m->w[0] = BH_OK;
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
