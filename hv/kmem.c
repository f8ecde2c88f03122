/* Kernel page allocator: the pmm bitmap core behind a lock. */
#include "kmem.h"
#include "pmm.h"
#include "memmap.h"
#include "spinlock.h"
#include "paging.h"

static struct pmm pool;
static struct spinlock lock = SPINLOCK_INIT;
static bool ready;
static uint64_t reachable = 4ull << 30;

bool kmem_ready(void) { return ready; }

void kmem_set_reachable(uint64_t limit) { reachable = limit; }

/* Carves the bitmap out of the first range below 4 GiB that holds it. */
static enum bh_status place_bitmap(struct memmap *m, uint64_t bytes, uint64_t *pa)
{
    uint64_t need = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    for (unsigned i = 0; i < m->n; i++) {
        uint64_t base = m->r[i].base;
        if (m->r[i].end - base >= need && base + need <= (4ull << 30)) {
            *pa = base;
            return memmap_remove(m, base, need);
        }
    }
    return BH_ENOMEM;
}

enum bh_status kmem_init(struct memmap *m)
{
    if (m->n == 0)
        return BH_ENOMEM;
    uint64_t npages = m->r[m->n - 1].end / PAGE_SIZE;
    size_t bytes = pmm_bitmap_bytes(npages);
    uint64_t bm;
    enum bh_status s = place_bitmap(m, bytes, &bm);
    if (s != BH_OK)
        return s;
    s = pmm_init(&pool, phys_to_virt(bm), bytes, npages);
    if (s != BH_OK)
        return s;
    for (unsigned i = 0; i < m->n; i++)
        pmm_mark_free(&pool, m->r[i].base, m->r[i].end - m->r[i].base);
    ready = true;
    return BH_OK;
}

enum bh_status kmem_alloc_pages(uint64_t n, uint64_t *pa)
{
    spin_lock(&lock);
    enum bh_status s = pmm_alloc(&pool, n, 1, reachable, pa);
    spin_unlock(&lock);
    return s;
}

enum bh_status kmem_alloc_aligned(uint64_t n, uint64_t align, uint64_t *pa)
{
    spin_lock(&lock);
    enum bh_status s = pmm_alloc(&pool, n, align, reachable, pa);
    spin_unlock(&lock);
    return s;
}

enum bh_status kmem_free_pages(uint64_t pa, uint64_t n)
{
    spin_lock(&lock);
    enum bh_status s = pmm_free(&pool, pa, n);
    spin_unlock(&lock);
    return s;
}

uint64_t kmem_free_count(void)
{
    return pool.nfree;
}
