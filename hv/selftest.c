/* In-kernel self tests (TAP). Each checks a real property of the running
   system; none can pass by construction. */
#include "selftest.h"
#include "boot.h"
#include "cmdline.h"
#include "console.h"
#include "kmem.h"
#include "panic.h"
#include "paging.h"
#include "smp.h"
#include "cpu.h"
#include <string.h>

extern char __text_start[], __rodata_start[], __data_start[], __bss_start[];
extern char __image_start[], __image_end_phys[];

static bool pte_is(uint64_t va, bool w, bool x)
{
    uint64_t e = paging_kernel_pte(va);
    bool nx_ok = !paging_has_nx() || ((e & PTE_NX) != 0) == !x;
    return (e & PTE_P) && ((e & PTE_W) != 0) == w && nx_ok;
}

void selftest_paging(void)
{
    bool ok = pte_is((uint64_t)__text_start, false, true) &&
              pte_is((uint64_t)__rodata_start, false, false) &&
              pte_is((uint64_t)__data_start, true, false) &&
              pte_is((uint64_t)__bss_start, true, false);
    tap_result(ok, "paging: kernel text R-X, rodata R--, data/bss RW- (NX %s)",
               paging_has_nx() ? "on" : "unsupported");
    kprintf("# paging: pcid %s, invpcid %s, fsgsbase %s\n", paging_has_pcid() ? "on" : "off",
            paging_has_invpcid() ? "yes" : "no", (read_cr4() & CR4_FSGSBASE) ? "on" : "off");
    uint64_t pm = paging_kernel_pte((uint64_t)phys_to_virt(0x100000));
    tap_result((pm & PTE_P) && (!paging_has_nx() || (pm & PTE_NX)) && !(pm & PTE_U),
               "paging: physmap present, supervisor-only, non-executable");
}

static bool overlaps(uint64_t pa, uint64_t base, uint64_t end)
{
    return pa + PAGE_SIZE > base && pa < end;
}

/* True if page pa is something the allocator must never hand out. */
static bool forbidden(uint64_t pa, const struct boot_info *bi, const struct acpi_info *ai)
{
    if (pa < (1ull << 20) || overlaps(pa, (uint64_t)__image_start, (uint64_t)__image_end_phys))
        return true;
    for (unsigned i = 0; i < bi->module_count; i++)
        if (overlaps(pa, bi->modules[i].start, bi->modules[i].end))
            return true;
    for (unsigned i = 0; i < ai->ntables; i++)
        if (overlaps(pa, ai->tables[i].phys, ai->tables[i].phys + ai->tables[i].length))
            return true;
    bool usable = false;
    for (unsigned i = 0; i < bi->mmap_count; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        if (overlaps(pa, e->base, e->base + e->length)) {
            if (e->type != BOOT_MEM_AVAILABLE)
                return true;
            usable = true;
        }
    }
    return !usable && (bi->has & BOOT_HAS_MMAP);
}

void selftest_memory(const struct boot_info *bi, const struct acpi_info *ai)
{
    uint64_t before = kmem_free_count(), n = 0, bad = 0, first_bad = 0, head = 0, pa;
    while (kmem_alloc_pages(1, &pa) == BH_OK) {
        if (forbidden(pa, bi, ai) && !bad++)
            first_bad = pa;
        *(uint64_t *)phys_to_virt(pa) = head;    /* chain through the pages */
        head = pa;
        n++;
    }
    while (head) {
        uint64_t next = *(uint64_t *)phys_to_virt(head);
        kmem_free_pages(head, 1);
        head = next;
    }
    tap_result(n == before && n > 0, "memory: allocator handed out all %lu free pages", n);
    tap_result(bad == 0, "memory: no page overlaps the kernel, modules, ACPI or reserved RAM (%lu bad, first %lx)",
               bad, first_bad);
    tap_result(kmem_free_count() == before, "memory: every page returned");
    uint64_t x, y;
    bool ok = kmem_alloc_pages(1, &x) == BH_OK && kmem_free_pages(x, 1) == BH_OK;
    ok = ok && kmem_free_pages(x, 1) == BH_EINVAL && kmem_free_pages(x + 1, 1) == BH_EINVAL;
    ok = ok && kmem_alloc_pages(0, &y) != BH_OK && kmem_free_count() == before;
    tap_result(ok, "memory: double free, unaligned free and zero-page request are refused");
}

void selftest_timer(enum timer_mode mode)
{
    if (mode == TIMER_AUTO) {
        tap_result(false, "timer: no working one-shot timer");
        return;
    }
    uint32_t before = timer_fired_count(0);
    uint64_t t0 = rdtsc();
    timer_arm_us(10000);
    uint64_t limit = t0 + timer_tsc_hz();          /* give up after 1 s */
    sti();     /* IF stays set for the whole wait: emulators only take
                  interrupts at block boundaries, not inside sti;pause;cli */
    while (timer_fired_count(0) == before && rdtsc() < limit)
        cpu_relax();
    cli();
    uint64_t us = (rdtsc() - t0) / (timer_tsc_hz() / 1000000 ? timer_tsc_hz() / 1000000 : 1);
    tap_result(timer_fired_count(0) != before && us >= 5000 && us < 500000,
               "timer: %s one-shot of 10 ms fired after %lu us", timer_mode_name(mode), us);
}

void selftest_ap_timers(unsigned online)
{
    for (unsigned c = 1; c < online; c++)
        tap_result(smp_cpu_timer_ok(c), "smp: cpu %u takes its own timer interrupt", c);
}

void selftest_named(const struct hv_opts *o)
{
    for (unsigned i = 0; i < o->test_count; i++) {
        const char *t = o->test[i];
        kprintf("# selftest: %s\n", t);
        if (!strcmp(t, "fault"))
            *(volatile uint64_t *)0xffff8ffffffff000ull = 1;   /* unmapped */
        else if (!strcmp(t, "ud"))
            __asm__ volatile("ud2");
        else if (!strcmp(t, "panic"))
            panic("self test requested a panic");
        else
            kprintf("hv: unknown self test '%s' ignored\n", t);
    }
}
