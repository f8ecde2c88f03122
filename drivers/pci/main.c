/* pci: the PCI server. It owns PCI configuration space: it holds the
   configuration ports 0xcf8-0xcff (which BH_SYS_CREATE_DEV and a writable
   ECAM page take), and reads and writes configuration space through
   ECAM, the memory windows of the ACPI MCFG that hv enumerated at boot:
   for every function hv knows (BH_SYS_CREATE_DEV answers BH_ENOENT for
   the others) it makes a DEV capability and maps that function's 4 KiB
   ECAM page, writable, at ECAM_VA + (bus:dev.fn << 12). It enumerates
   from bus 0 through the bridges and hands each function to the one
   client its arguments name, as a DEV capability delegated over IPC
   (bh/pci.h). Arguments: `clientN=BB:DD.F` (N = 1..255, the client
   number of the badged portal the root made for that client; up to
   PCI_CLIENT_FNS functions each, 16 in all). Drivers read their own
   function's ECAM page read-only through their DEV capability and never
   write configuration space. */
#include <bh/srv.h>
#include <bh/pci.h>
#include <bh/libc.h>
#include <bh/io.h>
#include <stdbool.h>
#include <string.h>

int main(const char *args, unsigned long arg2);

#define SEL_SELF 16u             /* its own PD (CTRL): DEV objects are charged to it */
#define SEL_FN_BASE 64u          /* the DEV capability of fns[i] at base + i */
#define MAX_GRANTS 16u
#define MAX_FNS 64u
#define ECAM_VA 0x200000000ull   /* bus:dev.fn's page at + (bdf << 12): 256 MiB */

struct grant {
    unsigned client;
    uint32_t sbdf;
    uint32_t handed;             /* times delegated (a restarted driver asks again) */
};

static struct grant grants[MAX_GRANTS];
static unsigned ngrants;
static uint32_t fns[MAX_FNS];    /* sbdf of every function found (segment 0) */
static unsigned nfns;

static volatile uint32_t *cfg(uint32_t bdf, unsigned off)
{
    return (volatile uint32_t *)(ECAM_VA + ((uint64_t)(bdf & 0xffff) << 12) + (off & 0xffc));
}

static uint32_t cfg_rd(uint32_t bdf, unsigned off) { return *cfg(bdf, off); }
static void cfg_wr(uint32_t bdf, unsigned off, uint32_t v) { *cfg(bdf, off) = v; }

/* The function's DEV capability and its ECAM page; false if hv knows no
   such function (or it cannot be mapped: reported). */
static bool attach(uint32_t bdf)
{
    if (nfns == MAX_FNS)
        return false;
    uint64_t sel = SEL_FN_BASE + nfns;
    enum bh_status s = bh_create_dev(sel, SEL_SELF, bdf);
    if (s == BH_ENOENT)
        return false;
    if (s == BH_OK)
        s = bh_dev_map(sel, (uint64_t)cfg(bdf, 0),
                       BH_DEV_REGION(BH_DEV_REGION_CFG, BH_M_R | BH_M_W), 0, 1, NULL);
    if (s != BH_OK) {
        bh_printf("# pci: %02x:%02x.%x: no ECAM page (status %d)\n", bdf >> 8, bdf >> 3 & 31,
                  bdf & 7, s);
        bh_revoke(sel, BH_REVOKE_SELF);
        return false;
    }
    fns[nfns++] = bdf;
    return true;
}

static int fn_index(uint32_t sbdf)
{
    for (unsigned i = 0; i < nfns; i++)
        if (fns[i] == sbdf)
            return (int)i;
    return -1;
}

/* Every function on bus and, depth first, behind its bridges. */
static void scan(unsigned bus, unsigned depth)
{
    for (unsigned dev = 0; dev < 32; dev++)
        for (unsigned fn = 0; fn < 8; fn++) {
            uint32_t bdf = bus << 8 | dev << 3 | fn;
            if (!attach(bdf)) {
                if (fn == 0)
                    break;
                continue;
            }
            uint32_t id = cfg_rd(bdf, 0);
            unsigned hdr = cfg_rd(bdf, 0x0c) >> 16 & 0xff;
            bh_printf("# pci: %02x:%02x.%x %04x:%04x class %06x\n", bus, dev, fn, id & 0xffff,
                      id >> 16, cfg_rd(bdf, 0x08) >> 8);
            unsigned sec = cfg_rd(bdf, 0x18) >> 8 & 0xff;
            if ((hdr & 0x7f) == 1 && sec > bus && depth < 8)
                scan(sec, depth + 1);
            if (fn == 0 && !(hdr & 0x80))
                break;
        }
}

/* Parses `clientN=BB:DD.F` words; false (and why) on a malformed one. */
static bool parse(const char *a)
{
    for (const char *p = a; p && *p; p++) {
        if ((p != a && p[-1] != ' ') || strncmp(p, "client", 6))
            continue;
        char *e;
        unsigned long c = strtoul(p + 6, &e, 10), bus, dev, fn;
        if (*e != '=' || c < 1 || c > 255)
            return bh_printf("# pci: bad argument at '%s'\n", p), false;
        bus = strtoul(e + 1, &e, 16);
        dev = *e == ':' ? strtoul(e + 1, &e, 16) : 256;
        fn = *e == '.' ? strtoul(e + 1, &e, 16) : 8;
        if (bus > 255 || dev > 31 || fn > 7 || (*e && *e != ' ') || ngrants == MAX_GRANTS)
            return bh_printf("# pci: bad argument at '%s'\n", p), false;
        grants[ngrants++] = (struct grant){ (unsigned)c, (uint32_t)(bus << 8 | dev << 3 | fn), 0 };
    }
    return true;
}


/* What a driver needs and cannot do itself: memory decoding and bus
   mastering on, INTx off, MSI-X enabled with every entry still masked
   (entries reset masked: PCI 6.8.2.9). */
static void prepare(uint32_t bdf)
{
    uint32_t cmd = cfg_rd(bdf, 0x04) & 0xffff;
    cfg_wr(bdf, 0x04, cmd | 1u << 1 | 1u << 2 | 1u << 10);
    unsigned x = pci_cap_find(cfg(bdf, 0), 0x11);
    if (x)
        cfg_wr(bdf, x, (cfg_rd(bdf, x) | 1u << 31) & ~(1u << 30));   /* enable, no function mask */
}

static void get(struct bh_msg *m, unsigned client)
{
    unsigned n = 0, i;
    bool any = false;
    for (i = 0; i < ngrants; i++) {
        any |= grants[i].client == client;
        if (grants[i].client == client && n++ == m->w[1])
            break;
    }
    if (!client || !any) {
        m->w[0] = BH_ERIGHTS;
        return;
    }
    struct grant *g = &grants[i];
    int f = i == ngrants ? -1 : fn_index(g->sbdf);
    if (f < 0) {
        m->w[0] = BH_ENOENT;
        return;
    }
    prepare(g->sbdf);
    srv_utcb()->item[0] = (struct bh_item){ BH_ITEM_DELEGATE | BH_R_CTRL << 8, SEL_FN_BASE + (unsigned)f, 1, 0 };
    srv_reply_items(1);
    m->w[0] = BH_OK;
    m->w[1] = g->sbdf | (uint64_t)g->handed++ << 32;
    m->w[2] = cfg_rd(g->sbdf, 0);
    m->w[3] = cfg_rd(g->sbdf, 0x08);
    bh_printf("# pci: %02x:%02x.%x delegated to client %u%s\n", g->sbdf >> 8, g->sbdf >> 3 & 31,
              g->sbdf & 7, client, g->handed > 1 ? " again" : "");
}

static void serve(struct bh_msg *m, uint64_t badge)
{
    if (m->w[0] == PCI_OP_GET)
        get(m, SVC_CLIENT(badge));
    else
        m->w[0] = BH_EINVAL;
}

int main(const char *args, unsigned long arg2)
{
    (void)arg2;
    bool ok = parse(args);
    scan(0, 0);
    unsigned missing = 0;
    for (unsigned i = 0; i < ngrants; i++)
        missing += fn_index(grants[i].sbdf) < 0;
    bh_tap(ok && nfns > 0 && missing == 0,
           "pci: %u functions enumerated through ECAM; %u configured for clients, %u missing",
           nfns, ngrants, missing);
    if (svc_serve(serve) != BH_OK)
        return 1;
    svc_park();
}
