/* Loading and running user images. */
#include "user.h"
#include "elf.h"
#include "paging.h"
#include "kmem.h"
#include "percpu.h"
#include "trap.h"
#include "console.h"
#include "cpu.h"
#include "lib/fmt.h"
#include <string.h>

uint64_t user_enter(struct kctx *save, uint64_t rip, uint64_t rsp, uint64_t arg);
void __attribute__((noreturn)) user_exit(struct kctx *ctx, uint64_t value);

#define PAGE_MASK (PAGE_SIZE - 1)

/* Maps one fresh zeroed page at va and returns its kernel alias. */
static enum bh_status map_new(uint64_t root, uint64_t va, uint64_t flags, uint8_t **kva)
{
    uint64_t pa;
    if (kmem_alloc_pages(1, &pa) != BH_OK)
        return BH_ENOMEM;
    *kva = phys_to_virt(pa);
    memset(*kva, 0, PAGE_SIZE);
    enum bh_status s = as_map(root, va, pa, flags);
    if (s != BH_OK)
        kmem_free_pages(pa, 1);
    return s;
}

static enum bh_status load_segment(uint64_t root, const uint8_t *img, const struct elf_seg *sg)
{
    uint64_t flags = ((sg->flags & PF_W) ? PTE_W : 0) | ((sg->flags & PF_X) ? 0 : PTE_NX);
    uint64_t end = sg->vaddr + sg->memsz;
    for (uint64_t va = sg->vaddr & ~PAGE_MASK; va < end; va += PAGE_SIZE) {
        uint8_t *k;
        enum bh_status s = map_new(root, va, flags, &k);
        if (s != BH_OK)
            return s;
        /* copy the part of [vaddr, vaddr+filesz) that falls in this page */
        uint64_t lo = va > sg->vaddr ? va : sg->vaddr;
        uint64_t hi = va + PAGE_SIZE < sg->vaddr + sg->filesz ? va + PAGE_SIZE : sg->vaddr + sg->filesz;
        if (hi > lo)
            memcpy(k + (lo - va), img + sg->offset + (lo - sg->vaddr), hi - lo);
    }
    return BH_OK;
}

static enum bh_status build_stack(struct task *t, const char *args, uint64_t *rsp, uint64_t *argp)
{
    uint8_t *top = NULL;
    uint64_t base = BH_USER_STACK_TOP - BH_USER_STACK_PAGES * PAGE_SIZE;
    for (uint64_t va = base; va < BH_USER_STACK_TOP; va += PAGE_SIZE) {
        enum bh_status s = map_new(t->root, va, PTE_W | PTE_NX, &top);
        if (s != BH_OK)
            return s;
    }
    size_t n = strnlen(args, 255);
    memcpy(top + PAGE_SIZE - 256, args, n);      /* top page holds args */
    top[PAGE_SIZE - 256 + n] = 0;
    *argp = BH_USER_STACK_TOP - 256;
    *rsp = BH_USER_STACK_TOP - 256 - 8;          /* ABI: rsp+8 aligned */
    return BH_OK;
}

enum bh_status task_load(struct task *t, const void *img, size_t len,
                         const char *name, const char *args, const char **why)
{
    struct elf_image ei;
    memset(t, 0, sizeof *t);
    snfmt(t->name, sizeof t->name, "%s", name);
    enum bh_status s = elf_check(img, len, &ei, why);
    if (s != BH_OK)
        return s;
    if ((s = as_create(&t->root)) != BH_OK) {
        *why = "out of memory for the address space";
        return s;
    }
    for (unsigned i = 0; i < ei.nseg && s == BH_OK; i++)
        s = load_segment(t->root, img, &ei.seg[i]);
    uint64_t rsp = 0, argp = 0;
    if (s == BH_OK)
        s = build_stack(t, args, &rsp, &argp);
    if (s != BH_OK) {
        *why = s == BH_ENOMEM ? "out of memory loading the image" : "image could not be mapped";
        as_destroy(t->root);
        t->root = 0;
        return s;
    }
    t->entry = ei.entry;
    t->exit_code = rsp;      /* stash until task_run: initial rsp */
    t->line_len = 0;
    return BH_OK;
}

enum task_end task_run(struct task *t)
{
    struct percpu *c = this_cpu();
    uint64_t rsp = t->exit_code, saved_cr3 = read_cr3();
    t->exit_code = 0;
    c->task = t;
    write_cr3(t->root);
    uint64_t how = user_enter(&c->user_return, t->entry, rsp, BH_USER_STACK_TOP - 256);
    write_cr3(saved_cr3);
    c->task = NULL;
    if (t->line_len)
        task_output(t, "\n", 1);
    return (enum task_end)how;
}

void task_destroy(struct task *t)
{
    if (t->root)
        as_destroy(t->root);
    t->root = 0;
}

void task_exit_current(uint64_t code)
{
    struct percpu *c = this_cpu();
    c->task->exit_code = code;
    user_exit(&c->user_return, TASK_EXITED);
}

void user_fault(struct trapframe *tf)
{
    struct percpu *c = this_cpu();
    struct task *t = c->task;
    trap_report(tf);
    if (!t) {
        kprintf("hv: user-mode fault with no task on cpu %lu\n", c->id);
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    snfmt(t->kill_reason, sizeof t->kill_reason, "%s at rip %lx", trap_name(tf->vector), tf->rip);
    user_exit(&c->user_return, TASK_KILLED);
}

static void emit_line(struct task *t, const char *s, size_t n)
{
    if ((n >= 3 && !memcmp(s, "ok ", 3)) || (n >= 7 && !memcmp(s, "not ok ", 7)))
        tap_user_line(s, n);
    else
        kprintf("[%s] %.*s\n", t->name, (int)n, s);
}

void task_output(struct task *t, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '\n' || t->line_len == TASK_LINE_MAX) {
            emit_line(t, t->line, t->line_len);
            t->line_len = 0;
            if (ch == '\n')
                continue;
        }
        if (ch == '\r' || ch == 0)
            continue;
        t->line[t->line_len++] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
    }
}
