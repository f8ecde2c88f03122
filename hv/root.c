/* Starting the root task, its console output, and the end of the system
   when it finishes (tests run the root task to completion). */
#include "root.h"
#include "ec.h"
#include "elf.h"
#include "boot.h"
#include "mem.h"
#include "irq.h"
#include "pd.h"
#include "sc.h"
#include "console.h"
#include "kmem.h"
#include "paging.h"
#include "cpu.h"
#include "percpu.h"
#include "power.h"
#include "smp.h"
#include "lib/fmt.h"
#include <string.h>

#define ROOT_SLOTS 4096u      /* BH_SEL_IRQ_BASE (1024) + every GSI fits, and room above */

static struct pd *root_pd;
static struct ec *root_ec;
static uint64_t free_before;
static char line[240];
static unsigned line_len;

static enum bh_status load_segment(struct pd *pd, const uint8_t *img, const struct elf_seg *sg)
{
    uint64_t flags = ((sg->flags & PF_W) ? PTE_W : 0) | ((sg->flags & PF_X) ? 0 : PTE_NX);
    uint64_t end = sg->vaddr + sg->memsz;
    for (uint64_t va = sg->vaddr & ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE) {
        uint8_t *k;
        enum bh_status s = pd_map_new(pd, va, flags, (void **)&k);
        if (s != BH_OK)
            return s;
        uint64_t lo = va > sg->vaddr ? va : sg->vaddr;
        uint64_t fend = sg->vaddr + sg->filesz;
        uint64_t hi = va + PAGE_SIZE < fend ? va + PAGE_SIZE : fend;
        if (hi > lo)
            memcpy(k + (lo - va), img + sg->offset + (lo - sg->vaddr), hi - lo);
    }
    return BH_OK;
}

/* Maps the stack; the argument string goes at the top. Returns its address. */
static enum bh_status build_stack(struct pd *pd, const char *args, uint64_t *argp)
{
    uint8_t *top = NULL;
    for (uint64_t va = BH_USER_STACK_TOP - BH_USER_STACK_PAGES * PAGE_SIZE;
         va < BH_USER_STACK_TOP; va += PAGE_SIZE) {
        enum bh_status s = pd_map_new(pd, va, PTE_W | PTE_NX, (void **)&top);
        if (s != BH_OK)
            return s;
    }
    size_t n = strnlen(args, 255);
    memcpy(top + PAGE_SIZE - 256, args, n);
    *argp = BH_USER_STACK_TOP - 256;
    return BH_OK;
}

static enum bh_status build(const void *img, const struct elf_image *ei, const char *args,
                            struct ksc **sc)
{
    enum bh_status s = BH_OK;
    uint64_t argp;
    for (unsigned i = 0; i < ei->nseg && s == BH_OK; i++)
        s = load_segment(root_pd, img, &ei->seg[i]);
    if (s == BH_OK)
        s = build_stack(root_pd, args, &argp);
    if (s == BH_OK)
        s = ec_create(root_pd, 0, false, BH_ROOT_UTCB, ei->entry, argp - 8, &root_ec);
    if (s != BH_OK)
        return s;
    root_ec->regs.rdi = argp;              /* main(args, cpus) */
    root_ec->regs.rsi = smp_online();
    struct capspace *cs = &root_pd->caps;
    cap_install(cs, BH_SEL_SELF_PD, root_pd, BH_OBJ_PD, BH_R_ALL);
    cap_install(cs, BH_SEL_SELF_EC, root_ec, BH_OBJ_EC, BH_R_ALL);
    kobj_get(&root_pd->obj);           /* the PD's own creation reference */
    s = ksc_create(root_pd, root_ec, 100, 10000, 10000, sc);
    if (s == BH_OK)
        cap_install(cs, BH_SEL_SELF_SC, *sc, BH_OBJ_SC, BH_R_ALL);
    if (s == BH_OK)
        s = irq_setup_root(root_pd);       /* every interrupt line */
    return s;
}

/* Maps every boot module read-only into the root PD (the pages stay the
   loader's: not PTE_OWNED) and fills the bootinfo page describing them. */
static enum bh_status map_modules(const struct boot_info *bi)
{
    struct bh_bootinfo *info;
    enum bh_status s = pd_map_new(root_pd, BH_ROOT_BOOTINFO, PTE_NX, (void **)&info);
    uint64_t va = BH_ROOT_MODULES;
    info->ncpus = smp_online();
    for (unsigned i = 0; s == BH_OK && i < bi->module_count && i < BH_BOOT_MODS_MAX; i++) {
        const struct boot_module *m = &bi->modules[i];
        uint64_t first = m->start & ~(PAGE_SIZE - 1);
        struct bh_boot_module *d = &info->mods[info->nmods++];
        d->va = va + (m->start - first);
        d->size = m->end - m->start;
        snfmt(d->name, sizeof d->name, "%s", m->cmd.name);
        snfmt(d->args, sizeof d->args, "%s", m->cmd.args);
        for (uint64_t pa = first; pa < m->end && s == BH_OK; pa += PAGE_SIZE, va += PAGE_SIZE)
            s = as_map(root_pd->root, va, pa, PTE_NX);
        va += PAGE_SIZE;                   /* a guard page between modules */
    }
    return s;
}

enum bh_status root_start(const struct boot_info *bi, unsigned index, const char **why)
{
    struct elf_image ei;
    struct ksc *sc;
    const struct boot_module *m = &bi->modules[index];
    uint64_t len = m->end - m->start;
    const void *img = boot_phys_map(NULL, m->start, len);
    free_before = kmem_free_count();
    if (!img) {
        *why = "module is not readable";
        return BH_EFAULT;
    }
    enum bh_status s = elf_check(img, len, &ei, why);
    if (s != BH_OK)
        return s;
    s = pd_create(NULL, ROOT_SLOTS, kmem_free_count() - 64, m->cmd.name, &root_pd);
    if (s == BH_OK)
        s = mem_io_root(root_pd);          /* the root task holds every port */
    if (s == BH_OK && (s = map_modules(bi)) == BH_OK)
        s = build(img, &ei, m->cmd.args, &sc);
    if (s != BH_OK)
        *why = "out of memory building the root task";
    return s;
}

bool root_is_pd(const struct pd *pd)
{
    return pd == root_pd;
}

static void emit_line(struct ec *ec, const char *s, size_t n)
{
    if ((n >= 3 && !memcmp(s, "ok ", 3)) || (n >= 7 && !memcmp(s, "not ok ", 7)))
        tap_user_line(s, n);
    else
        kprintf("[%s] %.*s\n", ec->pd->name, (int)n, s);
}

void root_output(struct ec *ec, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\n' || line_len == sizeof line) {
            emit_line(ec, line, line_len);
            line_len = 0;
            if (ch == '\n')
                continue;
        }
        if (ch != '\r' && ch != 0)
            line[line_len++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    }
}

static void release(void *ctx, struct cap *gone)
{
    (void)ctx;
    kobj_put(gone->obj);
}

void root_check_end(struct ec *ec)
{
    if (ec != root_ec)
        return;
    if (line_len)
        root_output(ec, "\n", 1);
    smp_stop_others();                 /* nothing else may run from here */
    kprintf("# root task exited with status %lu\n", ec->exit_code);
    tap_result(ec->exit_code == 0, "root task exited with status 0");
    paging_load_kernel();              /* the root PD's tables are about to go */
    this_cpu()->loaded_cr3 = 0;
    for (unsigned i = 0; i < smp_online(); i++)
        cpus[i].current = NULL;            /* the others are stopped for good */
    struct cap_space_kill k = { 0 };
    unsigned budget = ~0u;
    cap_clear_space(&root_pd->caps, &k, &budget, release, NULL);
    kobj_put(&root_pd->obj);           /* the creation reference */
    while (!pd_reap(NULL, ~0u))        /* the root and every PD it left */
        ;
    tap_result(kmem_free_count() == free_before,
               "root PD torn down: every page returned (%lu free, %lu before)",
               kmem_free_count(), free_before);
    tap_plan();
    kprintf("# bulkhead: end\n");
    hv_exit();
}
